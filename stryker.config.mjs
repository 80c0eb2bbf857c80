// Mutation testing of the pure core (issue 15): StrykerJS plants small bugs (mutants) in the files of
// MUTATE, one at a time, and runs the unit tests of TEST_FILES against each; a mutant no test notices
// "survives". `npm run test:mutation` runs it all; scripts/mutation-ci.sh runs the bounded CI part.
// Scores per file: bench/results/mutation-*.md (how to read them is in the README).
//
// To run a subset while working on one file (2 shared cores: keep concurrency low):
//   npx stryker run --mutate src/trtexec/parse.ts --concurrency 2
// (coverage per test sends each mutant only to the tests that reach it, so the full TEST_FILES list costs
// only one dry run).

/** The files under mutation testing: pure core code only (no process spawning, no file IO). */
export const MUTATE = [
  'src/compare/*.ts',
  'src/calibrate/ranges.ts',
  'src/calibrate/histogram.ts',
  'src/trtexec/flags.ts',
  'src/trtexec/parse.ts',
  'src/trtexec/version.ts',
  'src/profile/validate.ts',
  'src/pipeline/steps/length.ts', // host length regulation (repeat)
  'src/precision/convert.ts', // the strongly typed conversion
  'src/precision/rules.ts',
  'src/precision/checks.ts',
  'src/precision/files.ts',
];

/**
 * The in-process unit tests of those files. Tests that spawn the CLI cannot see a mutant (it lives only
 * in this process's instrumented code), so they are left out: they would only slow the dry run.
 */
export const TEST_FILES = [
  'test/compare/*.test.ts',
  'test/calibrate/ranges.test.ts', // not ranges-reference.test.ts: 2048-bin searches, minutes when instrumented
  'test/calibrate/histogram*.test.ts',
  'test/trtexec/flags*.test.ts',
  'test/trtexec/parse*.test.ts',
  'test/trtexec/version*.test.ts',
  'test/build/plan*.test.ts',
  'test/profile/validate*.test.ts',
  'test/pipeline/length.test.ts',
  'test/precision/convert*.test.ts', // convert.test.ts (runs ONNX Runtime) and convert-graph.test.ts (structure only)
  'test/precision/checks.test.ts', // rules.ts, files.ts, checks.ts
  'test/precision/keep-scope.test.ts',
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // vitest.mutation.config.ts runs TEST_FILES only (not Stryker's `testFiles`: see that file).
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  coverageAnalysis: 'perTest',
  mutate: MUTATE,
  concurrency: 2,
  timeoutMS: 10_000, // on top of 1.5 × the mutant's normal test time: the 2 cores are shared
  reporters: ['clear-text', 'progress', 'json', 'html'],
  // Reports and the sandbox go to git-ignored folders; bench/results/mutation-* is the recorded summary.
  jsonReporter: { fileName: 'bench/out/mutation/mutation.json' },
  htmlReporter: { fileName: 'bench/out/mutation/mutation.html' },
  tempDirName: '.cache/stryker-tmp',
  // Committed, so that `--incremental` (scripts/mutation-ci.sh) re-tests only mutants whose code or tests changed.
  incrementalFile: 'bench/results/mutation-incremental.json',
  // The sandbox copy needs the sources, tests, fixtures and models/tiny; not the large or generated folders.
  ignorePatterns: ['data', 'calibration/speech', 'out', 'bench/out', 'models/base', '.cache', 'reference/**/*.pt'],
  thresholds: { high: 90, low: 85, break: null },
  cleanTempDir: 'always',
};
