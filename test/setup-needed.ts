// Per-test form of test/support/setup.ts's rule, for tests that find out inside the test whether
// something scripts/setup.sh installs is there (espeak-ng, the Piper voice, the recogniser): under CI a
// missing install fails naming the set-up step; elsewhere the test is skipped and the reason printed.
import type { TestContext } from 'vitest';
import { requireSetup as required } from './support/setup.ts';

export function requireSetup(ctx: TestContext, missing: string | null, step: string): void {
  if (missing === null) return;
  if (!required(missing, step, false)) ctx.skip(`${missing} (${step})`);
}
