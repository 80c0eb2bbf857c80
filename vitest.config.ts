import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Suites against real servers, browsers and installs (the Triton server from nvidia-pytriton, headless
 * Chromium, the packed tarball installed into a prefix): `npm run test:integration` runs them, and .ci/run
 * runs that after `npm test`, which they would otherwise take past its 7-minute budget on 2 cores.
 */
export const INTEGRATION = ['test/serving/triton-server.test.ts', 'test/report/html-browser.test.ts', 'test/cli/package.test.ts'];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...INTEGRATION],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // vitest's default is one worker fewer than the cores, so one at a time on CI's 2 cores; many test
    // files wait on the processes they spawn (the CLI, Python, Whisper), so two overlap well
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
