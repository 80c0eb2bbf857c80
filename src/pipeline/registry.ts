// The registry of frontends, host steps and legacy manifest formats, by name. Generic steps come from
// pipeline/steps/, the rest from the families (src/families/index.ts lists them). Nothing here creates
// anything: factories run when a model is opened, so looking names up stays cheap.
import { FAMILIES } from '../families/index.ts';
import { GENERIC_STEPS } from './steps/index.ts';
import type { FamilyDef, FrontendDef, HostStepDef } from './types.ts';

export class Registry {
  private readonly frontends = new Map<string, { def: FrontendDef; family: string }>();
  private readonly steps = new Map<string, { def: HostStepDef; family: string | null }>();
  private readonly migrations = new Map<string, { run: (d: Record<string, unknown>) => Record<string, unknown>; family: string }>();
  readonly families = new Map<string, FamilyDef>();

  constructor(generic: HostStepDef[], families: FamilyDef[]) {
    for (const s of generic) this.addStep(s, null);
    for (const f of families) {
      if (this.families.has(f.name)) throw new Error(`family ${f.name} registered twice`);
      this.families.set(f.name, f);
      for (const fe of f.frontends ?? []) {
        if (this.frontends.has(fe.name)) throw new Error(`frontend ${fe.name} registered twice`);
        this.frontends.set(fe.name, { def: fe, family: f.name });
      }
      for (const s of f.steps ?? []) this.addStep(s, f.name);
      for (const [format, run] of Object.entries(f.migrations ?? {})) this.migrations.set(format, { run, family: f.name });
    }
  }

  private addStep(s: HostStepDef, family: string | null): void {
    if (this.steps.has(s.name)) throw new Error(`host step ${s.name} registered twice`);
    this.steps.set(s.name, { def: s, family });
  }

  frontend(name: string): FrontendDef | undefined {
    return this.frontends.get(name)?.def;
  }
  step(name: string): HostStepDef | undefined {
    return this.steps.get(name)?.def;
  }
  migration(format: string): ((d: Record<string, unknown>) => Record<string, unknown>) | undefined {
    return this.migrations.get(format)?.run;
  }
  frontendNames(): string[] {
    return [...this.frontends.keys()].sort();
  }
  stepNames(): string[] {
    return [...this.steps.keys()].sort();
  }
  migrationFormats(): string[] {
    return [...this.migrations.keys()].sort();
  }
  /** Frontends and steps with the family that registers them ('' for generic steps), for `emovoice models`. */
  describe(): { frontends: { name: string; family: string; description: string }[]; steps: { name: string; family: string; description: string }[] } {
    return {
      frontends: [...this.frontends].map(([name, v]) => ({ name, family: v.family, description: v.def.description })),
      steps: [...this.steps].map(([name, v]) => ({ name, family: v.family ?? '', description: v.def.description })),
    };
  }
}

export const registry = new Registry(GENERIC_STEPS, FAMILIES);
