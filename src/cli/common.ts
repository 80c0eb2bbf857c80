// Shared CLI plumbing: resolving a profile and its model, output modes. No logic worth testing.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../core/errors.ts';
import type { FallbackEvent } from '../runtime/fallback.ts';

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

/** A flag that must be a number > 0 (e.g. --timeout-ms 500); anything else is a usage error. */
export function positiveNumber(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UserError(`${flag}: "${v}" is not a positive number`, { hint: `e.g. ${flag} 2` });
  return n;
}

export function nonNegativeNumber(flag: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new UserError(`${flag}: "${v}" is not a number ≥ 0`, { hint: `e.g. ${flag} 0` });
  return n;
}

/** A comma list of positive integers (e.g. --streams 1,4,16). */
export function positiveInts(flag: string, v: string): number[] {
  const xs = v.split(',').map((s) => s.trim());
  const bad = xs.find((s) => !/^[1-9]\d*$/.test(s));
  if (bad !== undefined) throw new UserError(`${flag}: "${bad}" is not a positive whole number`, { hint: `e.g. ${flag} 1,2,4` });
  return xs.map(Number);
}

/** The backend to run: --backend if given, else the profile's; anything but ort or trt is a user error. */
export function backendOf(flag: string | undefined, profileBackend: string | undefined): 'ort' | 'trt' {
  const b = flag ?? profileBackend ?? 'ort';
  if (b !== 'ort' && b !== 'trt') throw new UserError(`--backend: unknown backend "${b}"`, { hint: 'use ort or trt' });
  return b;
}

/** One positive integer (e.g. --instances 2). */
export function positiveInt(flag: string, v: string): number {
  if (!/^\s*[1-9]\d*\s*$/.test(v)) throw new UserError(`${flag}: "${v}" is not a positive whole number`, { hint: `e.g. ${flag} 2` });
  return Number(v);
}

/** What a fallback means for the user, one line: a broken engine is out for good, a timeout for one call. */
export function fallbackLine(e: FallbackEvent): string {
  if (e.stage === 'load') return `${e.runner} could not load (${e.reason}); falling back to the CPU backend for every call`;
  if (e.stage === 'infer') return `${e.runner} failed (${e.reason}); falling back to the CPU backend for this and every later call`;
  return `${e.reason}; falling back to the CPU backend for this call only (the limit is serving.timeout_ms or --timeout-ms)`;
}
