// Shared CLI plumbing: where the package's own files are, which folder profile names are looked up
// in, flag parsing helpers. Loaded by every command and by `--help`, so it imports nothing heavy.
import { parseBackend, type Backend } from '../runtime/backends.ts';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../core/errors.ts';
import { escapeControls } from '../core/terminal.ts';
import type { FallbackEvent } from '../runtime/fallback.ts';

/**
 * The package's root: the folder holding package.json, configs/, models/tiny/ and reference/. This
 * file is src/cli/common.ts under tsx and dist/cli/common.js when compiled (in the repository or in
 * an installed package), two levels below the root either way.
 */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The build profiles that ship with emovoice. */
export const BUNDLED_CONFIGS_DIR = join(ROOT, 'configs');
/** The bundled tiny reference model. */
export const DEFAULT_MODEL = join(ROOT, 'models/tiny/manifest.yaml');
export const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * The folder a profile name (`--profile cpu`) is looked up in; a path (`--profile ./my.yaml`) is read
 * as it is. The first that applies: `--config-dir DIR`, `$EMOVOICE_HOME/configs` when that folder
 * exists, the bundled configs/. A live binding: main.ts sets it from --config-dir before any command
 * runs, and commands read it inside their actions.
 */
export let CONFIGS_DIR = configsDirFrom(process.env);

export function configsDirFrom(env: NodeJS.ProcessEnv, flag?: string): string {
  if (flag !== undefined) return resolve(flag);
  if (env.EMOVOICE_HOME) {
    const home = join(resolve(env.EMOVOICE_HOME), 'configs');
    if (existsSync(home)) return home;
  }
  return BUNDLED_CONFIGS_DIR;
}

/**
 * --config-dir DIR: must be a folder (a typo would otherwise surface as "profile not found"). Without it,
 * the default again (main() may run more than once in a process, as the in-process CLI tests run it).
 */
export function useConfigDir(dir: string | undefined): void {
  if (dir === undefined) {
    CONFIGS_DIR = configsDirFrom(process.env);
    return;
  }
  const abs = resolve(dir);
  let isDir = false;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {
    // missing: reported below
  }
  if (!isDir) throw new UserError('--config-dir: no such folder', { place: { file: abs }, hint: 'give the folder that holds your profiles (*.yaml)' });
  CONFIGS_DIR = configsDirFrom(process.env, abs);
}

/**
 * Where speaker/emotion embeddings are cached between runs: $EMOVOICE_CACHE, else
 * $EMOVOICE_HOME/cache/embeddings, else $XDG_CACHE_HOME/emovoice/embeddings (~/.cache by default).
 * Returned as the EMOVOICE_CACHE value to set, or undefined to leave the default to the cache itself.
 */
export function embeddingCacheFrom(env: NodeJS.ProcessEnv): string | undefined {
  if (env.EMOVOICE_CACHE) return env.EMOVOICE_CACHE;
  if (env.EMOVOICE_HOME) return join(resolve(env.EMOVOICE_HOME), 'cache', 'embeddings');
  return undefined;
}

export function log(msg: string): void {
  process.stderr.write(`${msg.split("\n").map(escapeControls).join("\n")}\n`); // a warning may quote the user's input
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

/** The backend to run: --backend if given, else the profile's (src/runtime/backends.ts says what each is). */
export function backendOf(flag: string | undefined, profileBackend: string | undefined): Backend {
  return parseBackend(flag, profileBackend);
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
