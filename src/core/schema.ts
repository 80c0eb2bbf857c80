// JSON Schema checking for our YAML files (profiles, model manifests): ajv errors turned into
// UserErrors that point at the file:line:col of the offending key, with a fix.
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import { UserError } from './errors.ts';
import type { YamlSource } from './yaml.ts';

// ajv is CommonJS: under NodeNext its class is the default export's `default`.
const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule;

const compiled = new Map<string, ValidateFunction>();

/** The schema at `path`, compiled once per process. */
export function schemaValidator(path: string): ValidateFunction {
  let v = compiled.get(path);
  if (!v) {
    const ajv = new (Ajv as unknown as new (o: object) => { compile(s: unknown): ValidateFunction })({ allErrors: true, strict: false });
    v = ajv.compile(JSON.parse(readFileSync(path, 'utf8')));
    compiled.set(path, v);
  }
  return v;
}

/** One UserError per schema problem, placed at its key; `schemaName` is named in the fixes. */
export function schemaErrors(errors: ErrorObject[], src: Pick<YamlSource, 'locate'>, schemaName: string): UserError[] {
  const out: UserError[] = [];
  // oneOf/anyOf report every branch's own error too; the branch errors say more, so keep those
  for (const e of errors) {
    if (e.keyword === 'oneOf' || e.keyword === 'anyOf') continue;
    const path = e.instancePath.split('/').filter(Boolean).map((k) => (/^\d+$/.test(k) ? Number(k) : k));
    let keyPath: (string | number)[] = path;
    let msg = e.message ?? 'invalid';
    let hint = `see ${schemaName} for ${path.join('.') || 'the file'}`;
    const params = e.params as Record<string, unknown>;
    if (e.keyword === 'additionalProperties') {
      keyPath = [...path, String(params.additionalProperty)];
      msg = `unknown key "${params.additionalProperty}"`;
      hint = `remove it or check its spelling (${schemaName} lists every key)`;
    } else if (e.keyword === 'enum') {
      msg = `must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
    } else if (e.keyword === 'const') {
      msg = `must be ${JSON.stringify(params.allowedValue)}`;
    } else if (e.keyword === 'required') {
      msg = `${params.missingProperty} is missing`;
      hint = `add ${params.missingProperty}: (${schemaName})`;
    }
    const place = src.locate(keyPath);
    if (out.some((x) => x.message === msg && x.place.path === place.path)) continue;
    out.push(new UserError(msg, { place, hint }));
  }
  return out;
}
