// Reading a host step's `params:` with errors that point at the manifest key and say the fix.
import { UserError } from '../../core/errors.ts';
import type { FactoryContext } from '../types.ts';

export class Params {
  private readonly known = new Set<string>();

  constructor(
    private readonly params: Record<string, unknown>,
    private readonly ctx: FactoryContext,
    private readonly step: string,
  ) {}

  private fail(key: string, message: string, hint: string): never {
    throw new UserError(`${this.step}: ${message}`, { place: { ...this.ctx.place, path: `${this.ctx.place.path ?? 'params'}.${key}` }, hint });
  }

  number(key: string, dflt: number, check: (v: number) => boolean = Number.isFinite, what = 'a number'): number {
    this.known.add(key);
    const v = this.params[key] ?? dflt;
    if (typeof v !== 'number' || !check(v)) this.fail(key, `${key} must be ${what}, got ${JSON.stringify(v)}`, `e.g. ${key}: ${dflt}`);
    return v;
  }

  oneOf<T extends string>(key: string, choices: readonly T[], dflt: T): T {
    this.known.add(key);
    const v = this.params[key] ?? dflt;
    if (!choices.includes(v as T)) this.fail(key, `${key} must be one of ${choices.join(', ')}, got ${JSON.stringify(v)}`, `e.g. ${key}: ${dflt}`);
    return v as T;
  }

  string(key: string): string {
    this.known.add(key);
    const v = this.params[key];
    if (typeof v !== 'string' || !v) this.fail(key, `${key} is missing`, `give ${key}: <value>`);
    return v;
  }

  object(key: string): Params {
    this.known.add(key);
    const v = this.params[key] ?? {};
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(key, `${key} must be a mapping`, `e.g. ${key}: {}`);
    return new Params(v as Record<string, unknown>, { ...this.ctx, place: { ...this.ctx.place, path: `${this.ctx.place.path ?? 'params'}.${key}` } }, this.step);
  }

  /** Call after reading: any key not read is a typo or a parameter this step does not have. */
  done(): void {
    for (const k of Object.keys(this.params)) {
      if (!this.known.has(k)) this.fail(k, `unknown parameter "${k}"`, `${this.step} takes: ${[...this.known].join(', ') || 'no parameters'}`);
    }
  }
}
