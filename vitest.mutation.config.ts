// The vitest configuration Stryker runs (stryker.config.mjs): the project's own, narrowed to the unit
// tests of the mutated files. Narrowing here rather than with Stryker's `testFiles` option keeps static
// mutants (code run at import, e.g. a constant table) correctly activated: with `testFiles`, Stryker 9.6
// switches them on after the module has loaded and reports them as survivors
// (stryker-mutator/stryker-js#6144).
import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';
import { TEST_FILES } from './stryker.config.mjs';

// (mergeConfig would append to `include`, not replace it.)
export default defineConfig({ ...base, test: { ...base.test, include: TEST_FILES } });
