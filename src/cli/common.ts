// Shared CLI plumbing: resolving a profile and its model, output modes. No logic worth testing.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CONFIGS_DIR = resolve(ROOT, 'configs');
export const DEFAULT_MODEL = resolve(ROOT, 'models/tiny/manifest.yaml');

export function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

export function timestamp(): string {
  return new Date().toISOString().slice(11, 19);
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
