// Tests that need something scripts/setup.sh installs (espeak-ng, the Piper voice, the recogniser):
// under CI=true a missing install fails the test naming the set-up step; elsewhere the test is skipped
// and says why.
import type { TestContext } from 'vitest';

export function requireSetup(ctx: TestContext, missing: string | null, step: string): void {
  if (missing === null) return;
  if (process.env.CI === 'true') throw new Error(`${missing} in CI: ${step}`);
  console.warn(`skipped: ${missing} (${step})`);
  ctx.skip(`${missing} (${step})`);
}
