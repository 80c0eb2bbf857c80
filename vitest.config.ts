import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Suites against real servers, browsers and installs (the Triton server from nvidia-pytriton, headless
 * Chromium, the packed tarball installed into a prefix): `npm run test:integration` runs them, and .ci/run
 * runs that after `npm test`, which they would otherwise take past its 7-minute budget on 2 cores.
 */
export const INTEGRATION = ['test/serving/triton-server.test.ts', 'test/report/html-browser.test.ts', 'test/cli/package.test.ts'];

/**
 * The files that take longest from a cold start (bench/results/test-times.md, CPU seconds on 2 cores),
 * longest first. On a fresh clone vitest has no timings yet and starts the largest files first; a long
 * file started last leaves the other worker idle until it ends. Started first, the long files share the
 * two workers and the many short ones fill in behind them. (The first two do not both make the shared
 * tiny-vocoder calibration: test/support/calibrations.ts.)
 */
export const SLOW_FIRST = [
  'test/families/piper/int8.test.ts',
  'test/precision/fp16-families.test.ts',
  'test/synth/longform-piper.test.ts',
  'test/verify/wer.test.ts',
  'test/cli/export-emotivoice.test.ts',
  'test/bench/load.test.ts',
  'test/cli/cli.test.ts',
  'test/serving/orchestrator.test.ts',
  'test/cli/startup.test.ts',
  'test/calibrate/cli.test.ts',
  'test/asr/check.test.ts',
  'test/cli/synth-file.test.ts',
  'test/cli/synth.test.ts',
  'test/cli/build-standin.test.ts',
  'test/cli/hostile.test.ts',
];

/** vitest's order (failed first, then longest by its own timings, else largest files), the files above first. */
class SlowFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = SLOW_FIRST.indexOf(relative(f.project.config.root, f.moduleId).split('\\').join('/'));
      return i < 0 ? SLOW_FIRST.length : i;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

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
    sequence: { sequencer: SlowFirst },
  },
});
