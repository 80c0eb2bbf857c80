#!/usr/bin/env node
// Entry point: register the TypeScript loader, then hand over to the CLI.
import { register } from 'tsx/esm/api';
register();
await import('../src/cli/main.ts');
