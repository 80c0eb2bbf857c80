// `npm run test:integration`: the suites against a real Triton server and a real browser (vitest.config.ts
// says why they are apart); .ci/run runs them after `npm test`.
import { defineConfig } from 'vitest/config';
import base, { INTEGRATION } from './vitest.config.ts';

export default defineConfig({ ...base, test: { ...base.test, include: INTEGRATION, exclude: [] } });
