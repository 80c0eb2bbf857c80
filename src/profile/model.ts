// A profile's model manifest, loaded and checked against what --set changed: a module named on the command
// line (modules.nosuch.precision=fp16) must be one of the model's, as a misspelled top-level key is refused
// by the schema. (Modules a profile file names are checked by validateProfile: build, doctor.) And an
// abstract profile (a base others extend) is refused by every command that would run it.
import { UserError, UserErrors } from '../core/errors.ts';
import { loadModelManifest, type ModelManifest } from '../model/manifest.ts';
import type { LoadedProfile } from './load.ts';

export async function loadProfileModel(loaded: LoadedProfile): Promise<ModelManifest> {
  // a base other profiles extend (`abstract: true`) is never built or run itself
  if (loaded.profile.abstract) {
    throw new UserError(`profile "${loaded.profile.name}" is abstract: a base that other profiles extend, never used itself`, { place: loaded.locate(['abstract']), hint: 'use a profile that extends it (emovoice models lists them, e.g. --profile cpu)' });
  }
  const manifest = await loadModelManifest(loaded.profile.model);
  checkOverrideModules(loaded, manifest);
  return manifest;
}

/** A user error for each module that --set names and the model lacks. Pure. */
export function checkOverrideModules(loaded: Pick<LoadedProfile, 'sources'>, manifest: Pick<ModelManifest, 'modules' | 'path'>): void {
  const errors: UserError[] = [];
  const seen = new Set<string>();
  for (const [key, place] of Object.entries(loaded.sources)) {
    const [top, name] = key.split('.');
    if (place.file !== '--set' || top !== 'modules' || name === undefined || manifest.modules[name] || seen.has(name)) continue;
    seen.add(name);
    errors.push(new UserError(`the model has no module "${name}"`, { place: { file: '--set', path: `modules.${name}` }, hint: `modules of ${manifest.path}: ${Object.keys(manifest.modules).join(', ')}` }));
  }
  if (errors.length) throw errors.length === 1 ? errors[0]! : new UserErrors(errors);
}
