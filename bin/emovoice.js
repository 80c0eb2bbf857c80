#!/usr/bin/env node
// Development entry, for a checkout of the repository: runs the TypeScript sources through tsx, so a
// change in src/ needs no build (npm start, the tests and the npm scripts call this). The published
// package does not ship this file: its `emovoice` command is the compiled dist/cli/main.js
// (package.json "bin"), and tsx is a devDependency only.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
