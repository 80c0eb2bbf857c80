// Build profiles: YAML files in configs/ (or anywhere), with `extends:` chains and --set overrides.
// Every value remembers the file:line:col it came from, and paths are resolved against the file
// that set them. Schema checking happens here (ajv); checks against the model are in validate.ts.
import AjvModule, { type ValidateFunction } from 'ajv';

// ajv is CommonJS: under NodeNext its class is the default export's `default`.
const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule;
import { readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UserError, UserErrors, type Place } from '../core/errors.ts';
import { sha256Text } from '../core/files.ts';
import { readYaml, type YamlSource } from '../core/yaml.ts';
import { parse as parseYamlValue } from 'yaml';

export interface ShapeRange {
  min: number[];
  opt: number[];
  max: number[];
}

export interface ModuleProfile {
  onnx?: string;
  precision?: 'fp32' | 'fp16' | 'bf16' | 'int8';
  layer_fallback?: 'fp16' | 'fp32';
  layer_precisions?: Record<string, string>;
  calibration?: { cache?: string; qdq_model?: string };
  shapes?: Record<string, ShapeRange>;
  workspace_mib?: number;
  builder_optimization_level?: number;
  timing_cache?: string;
  extra_args?: string[];
  /** Strongly typed builds: ONNX op types, rule groups or node names kept in FP32 (adds to the built-in rules). */
  keep_fp32?: string[];
  /** Strongly typed fp16: a node whose measured activations reach this |x| stays FP32 (default 16384). */
  fp16_max_abs?: number;
}

export interface Profile {
  name: string;
  abstract?: boolean;
  description?: string;
  backend: 'trt' | 'ort';
  /** Absolute path of the model manifest. */
  model: string;
  /**
   * How the model is made where it is not shipped (e.g. imported at set-up): `doctor` reports a missing
   * model as a note naming this, as it does calibration caches and engines, instead of a problem.
   */
  model_made_by?: string;
  /** Absolute output folder. */
  output: string;
  target?: { gpu?: string; compute_capability?: string };
  /** legacy_precision_flags: TensorRT 10 builds the fp32 ONNX with --fp16/--int8/--calib instead of a converted, strongly typed one. */
  tensorrt?: { min_version?: string; legacy_precision_flags?: boolean };
  defaults?: {
    precision?: ModuleProfile['precision'];
    workspace_mib?: number;
    builder_optimization_level?: number;
    timing_cache?: string;
    keep_fp32?: string[];
    fp16_max_abs?: number;
  };
  modules?: Record<string, ModuleProfile>;
  /** Per tier; a limit set to null is not checked (src/verify/verify.ts profileTolerances). */
  tolerances?: Record<string, Record<string, number | null>>;
  serving?: { max_text_len?: number; timeout_ms?: number; batching_window_ms?: number; max_batch?: number; stream_chunk_frames?: number; stream_first_chunk_frames?: number; chunk_frames?: number; chunk_lanes?: number; overlap_parts?: boolean; intra_op_threads?: number; spin_us?: number };
}

export interface LoadedProfile {
  profile: Profile;
  file: string;
  sha256: string;
  /** file:line:col of a key path, in the file of the extends chain that set it. */
  locate(path: (string | number)[]): Place;
  /** Every key path set by the chain ("modules.vocoder.precision") → file:line:col of the file that set it last. */
  sources: Record<string, Place>;
  /** The files of the extends chain, the loaded profile first. */
  chain: string[];
}

const SCHEMA_PATH = fileURLToPath(new URL('../../configs/profile.schema.json', import.meta.url));
let validateSchema: ValidateFunction | null = null;
function schema() {
  if (!validateSchema) {
    const ajv = new (Ajv as unknown as new (o: object) => { compile(s: unknown): ValidateFunction })({ allErrors: true, strict: false });
    validateSchema = ajv.compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')));
  }
  return validateSchema;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
const PATH_KEYS: (string | number)[][] = [['model'], ['output'], ['defaults', 'timing_cache']];
const MODULE_PATH_KEYS = [['onnx'], ['calibration', 'cache'], ['calibration', 'qdq_model'], ['timing_cache']];

function resolvePaths(data: any, baseDir: string): void {
  const fix = (obj: any, keys: (string | number)[]) => {
    let o = obj;
    for (const k of keys.slice(0, -1)) o = o?.[k];
    const last = keys[keys.length - 1]!;
    if (o && typeof o[last] === 'string' && !isAbsolute(o[last])) o[last] = resolve(baseDir, o[last]);
  };
  for (const k of PATH_KEYS) fix(data, k);
  for (const m of Object.values(data?.modules ?? {})) for (const k of MODULE_PATH_KEYS) fix(m, k);
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge: objects merge, everything else (lists included) replaces. Records who set each leaf. */
function merge(base: any, over: any, origin: Map<string, YamlSource | null>, src: YamlSource | null, prefix: string[] = []): any {
  if (!isObj(base) || !isObj(over)) {
    origin.set(prefix.join('.'), src);
    return over;
  }
  const out: any = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (k in base && isObj(base[k]) && isObj(v)) origin.set([...prefix, k].join('.'), src);
    out[k] = k in base && isObj(base[k]) && isObj(v) ? merge(base[k], v, origin, src, [...prefix, k]) : v;
    if (!(isObj(v) && isObj(base[k]))) markAll(v, origin, src, [...prefix, k]);
  }
  return out;
}

function markAll(v: unknown, origin: Map<string, YamlSource | null>, src: YamlSource | null, prefix: string[]): void {
  origin.set(prefix.join('.'), src);
  if (isObj(v)) for (const [k, x] of Object.entries(v)) markAll(x, origin, src, [...prefix, k]);
}

export function profilePath(nameOrPath: string, configsDir: string): string {
  if (/[\\/]|\.ya?ml$/.test(nameOrPath)) return resolve(nameOrPath);
  return resolve(configsDir, `${nameOrPath}.yaml`);
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Every key of a parsed YAML value, at any depth (a mapping given as a --set value). */
function objectKeys(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(objectKeys);
  if (v === null || typeof v !== 'object') return [];
  return Object.getOwnPropertyNames(v).flatMap((k) => [k, ...objectKeys((v as Record<string, unknown>)[k])]);
}

/** Parse "a.b.c=value": the value is YAML (numbers, lists, booleans), so --set x.max=[1,80,2048] works. */
export function parseOverride(s: string): { path: string[]; value: unknown } {
  const i = s.indexOf('=');
  if (i <= 0) throw new UserError(`--set ${s}: expected key.path=value`, { place: { file: '--set' }, hint: 'e.g. --set modules.vocoder.precision=fp16' });
  const raw = s.slice(i + 1);
  let value: unknown = raw;
  // numbers, booleans, [lists] and {mappings} are YAML; anything else is a plain string
  if (/^(-?\d+(\.\d+)?([eE][-+]?\d+)?|true|false|\[.*\]|\{.*\})$/s.test(raw.trim())) {
    try {
      value = parseYamlValue(raw);
    } catch {
      throw new UserError(`--set ${s}: the value is not valid YAML`, { place: { file: '--set', path: s.slice(0, i) }, hint: 'e.g. --set modules.vocoder.shapes.mel.max=[1,80,2048]' });
    }
  }
  const path = s.slice(0, i).split('.');
  if (path.some((k) => !k)) throw new UserError(`--set ${s}: empty key in the path`, { place: { file: '--set' }, hint: 'e.g. --set modules.vocoder.precision=fp16' });
  // these keys would reach Object.prototype (every object of the profile), not a profile value
  const bad = [...path, ...objectKeys(value)].find((k) => FORBIDDEN_KEYS.has(k));
  if (bad !== undefined) throw new UserError(`${s.slice(0, i)}: "${bad}" is not a profile key`, { place: { file: '--set' }, hint: 'remove it; configs/profile.schema.json lists every key' });
  return { path, value };
}

export async function loadProfile(nameOrPath: string, opts: { configsDir: string; overrides?: string[] }): Promise<LoadedProfile> {
  const file = profilePath(nameOrPath, opts.configsDir);
  if (!existsSync(file)) {
    const known = existsSync(opts.configsDir) ? (await import('node:fs')).readdirSync(opts.configsDir).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')) : [];
    throw new UserError(`profile "${nameOrPath}" not found`, { place: { file }, hint: `use one of: ${known.join(', ')} or a path to a YAML file` });
  }
  const chain: YamlSource[] = [];
  const seen = new Set<string>();
  let cur = file;
  for (;;) {
    if (seen.has(cur)) {
      throw new UserError(`extends cycle: ${[...seen, cur].map((f) => basename(f)).join(' → ')}`, {
        place: chain[chain.length - 1]!.locate(['extends']),
        hint: 'remove one of the extends links',
      });
    }
    seen.add(cur);
    const src = await readYaml(cur);
    if (!isObj(src.data)) throw new UserError('a profile must be a YAML mapping', { place: { file: cur, line: 1, column: 1 }, hint: 'start with name: and backend:' });
    chain.push(src);
    const ext = (src.data as any).extends;
    if (ext === undefined) break;
    if (typeof ext !== 'string') throw new UserError('extends must be a profile name or path', { place: src.locate(['extends']) });
    const next = /[\\/]|\.ya?ml$/.test(ext) ? resolve(dirname(cur), ext) : join(dirname(cur), `${ext}.yaml`);
    if (!existsSync(next)) throw new UserError(`extends: profile "${ext}" not found`, { place: src.locate(['extends']), hint: `expected ${next}` });
    cur = next;
  }
  const origin = new Map<string, YamlSource | null>();
  let data: any = {};
  const errors: UserError[] = [];
  for (const src of [...chain].reverse()) {
    const d = structuredClone(src.data) as any;
    resolvePaths(d, dirname(src.file));
    // schema per file, so unknown keys point at the file that has them
    const v = schema();
    if (!v(d)) {
      for (const e of v.errors ?? []) {
        const path = e.instancePath.split('/').filter(Boolean);
        let msg = e.message ?? 'invalid';
        let keyPath = path;
        if (e.keyword === 'additionalProperties') {
          const extra = (e.params as any).additionalProperty;
          keyPath = [...path, extra];
          msg = `unknown key "${extra}"`;
        } else if (e.keyword === 'enum') {
          msg = `must be one of ${(e.params as any).allowedValues.join(', ')}`;
        } else if (e.keyword === 'propertyNames') {
          keyPath = [...path, (e.params as any).propertyName];
          msg = `unknown module "${(e.params as any).propertyName}"`;
        }
        // propertyNames reports the name's own enum error too; the propertyNames error already says it
        if (e.keyword === 'enum' && (e as { propertyName?: string }).propertyName !== undefined) continue;
        errors.push(new UserError(msg, { place: src.locate(keyPath), hint: hintFor(e.keyword, keyPath, e.message) }));
      }
    }
    delete d.extends;
    // `abstract` marks one file as a base; it is never inherited
    // name, output and description belong to the file itself: a child that inherited its parent's
    // output folder would overwrite the parent's engines.
    if (src !== chain[0]) {
      delete d.abstract;
      delete d.name;
      delete d.output;
      delete d.description;
    }
    data = merge(data, d, origin, src);
  }
  const raws = new Map<string, string>();
  for (const o of opts.overrides ?? []) {
    const { path, value } = parseOverride(o);
    const key = path.join('.');
    let obj = data;
    for (const k of path.slice(0, -1)) obj = obj[k] = isObj(obj[k]) ? obj[k] : {};
    obj[path[path.length - 1]!] = value;
    for (const k of [...origin.keys()]) if (k.startsWith(`${key}.`)) origin.delete(k);
    markAll(value, origin, null, path);
    raws.set(key, o.slice(o.indexOf('=') + 1));
  }
  if (opts.overrides?.length) {
    // paths given on the command line are relative to the working directory (absolute ones stay)
    resolvePaths(data, process.cwd());
    const v = schema();
    if (!v(data)) {
      // "--set tensorrt.min_version=9.0": a value that parsed as a number where the schema wants a string
      let retry = false;
      for (const e of v.errors ?? []) {
        const key = e.instancePath.split('/').filter(Boolean).join('.');
        if (e.keyword === 'type' && (e.params as any).type === 'string' && raws.has(key)) {
          const path = key.split('.');
          let obj = data;
          for (const k of path.slice(0, -1)) obj = obj[k];
          obj[path[path.length - 1]!] = raws.get(key);
          retry = true;
        }
      }
      if (retry) resolvePaths(data, process.cwd());
      if (!retry || !v(data)) {
        const found: UserError[] = [];
        for (const e of v.errors ?? []) {
          const keyPath = e.instancePath.split('/').filter(Boolean);
          const extra = e.keyword === 'additionalProperties' ? (e.params as any).additionalProperty : undefined;
          const path = extra ? [...keyPath, extra] : keyPath;
          const msg = extra ? `unknown key "${extra}"` : e.keyword === 'enum' ? `must be one of ${(e.params as any).allowedValues.join(', ')}` : (e.message ?? 'invalid');
          found.push(new UserError(`after --set: ${msg}`, { place: { file: '--set', path: path.join('.') }, hint: hintFor(e.keyword, path, e.message) }));
        }
        // the command line's problems are one line (the first, and how many more), however many --set gave
        if (found.length > 1) {
          const [first] = found;
          errors.push(new UserError(`${first!.message} (and ${found.length - 1} more: ${found.slice(1).map((e) => e.place.path).join(', ')})`, { place: first!.place, hint: first!.hint }));
        } else errors.push(...found);
      }
    }
  }
  if (errors.length) throw errors.length === 1 ? errors[0]! : new UserErrors(errors);
  data.name ??= basename(file).replace(/\.ya?ml$/, '');
  data.backend ??= 'trt';
  const root = chain[0]!;
  if (!data.model) errors.push(new UserError('no model: set model: to a model manifest', { place: root.locate([]), hint: 'model: ../models/tiny/manifest.yaml' }));
  if (!data.output) data.output = resolve(dirname(file), '../out', data.name);
  if (errors.length) throw errors[0]!;
  const locate = (path: (string | number)[]): Place => {
    for (let n = path.length; n >= 0; n--) {
      const key = path.slice(0, n).join('.');
      if (origin.has(key)) {
        const src = origin.get(key);
        return src ? src.locate(path) : { file: '--set', path: path.join('.') };
      }
    }
    return root.locate(path);
  };
  const sources: Record<string, Place> = {};
  for (const [key, src] of origin) {
    if (!key) continue;
    sources[key] = src ? src.locate(key.split('.')) : { file: '--set', path: key };
  }
  return { profile: data as Profile, file, sources, chain: chain.map((c) => c.file), sha256: sha256Text(chain.map((c) => c.text).join('\n---\n') + JSON.stringify(opts.overrides ?? [])), locate };
}

function hintFor(keyword: string, path: (string | number)[], message?: string): string {
  if (keyword === 'minimum' || keyword === 'maximum') return `use a value that ${message ?? 'is in range'}${path.includes('shapes') ? ' (shape dims are ≥ 1)' : ''}`;
  if (keyword === 'pattern') return path.includes('extra_args') ? 'trtexec flags start with --' : `use the form ${message?.replace(/^must match pattern /, '') ?? ''}`;
  if (keyword === 'additionalProperties') return 'remove it or check its spelling (configs/profile.schema.json lists every key)';
  if (keyword === 'required') return 'add the missing key';
  if (keyword === 'type') return `fix the value of ${path.join('.')}`;
  return `see configs/profile.schema.json for ${path.join('.') || 'the profile'}`;
}
