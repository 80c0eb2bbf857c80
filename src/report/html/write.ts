// The file side of the HTML reports: write the page where the user said (atomically, so a reader
// never sees half a report), and read the trtexec layer JSON a build report shows. Thin adapter over
// the pure renderer (index.ts).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UserError } from '../../core/errors.ts';
import { writeFileAtomic } from '../../core/files.ts';
import { renderReports, type RenderOptions } from './index.ts';
import type { LayerFiles, ReportInput } from './types.ts';

export async function writeHtmlReport(file: string, inputs: ReportInput[], opts: RenderOptions = {}): Promise<void> {
  await writeFileAtomic(file, renderReports(inputs, opts));
}

export async function readJsonFile(file: string, what: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new UserError(`cannot read ${what}`, { place: { file }, hint: 'check the path' });
  });
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UserError(`${what} is not JSON: ${(e as Error).message}`, { place: { file }, hint: `pass the ${what} as written` });
  }
}

/**
 * A build's per-layer JSON: the files given (module → path) and, for every module of the manifest,
 * trtexec's exports found beside its engine (<module>.layers.json from --exportLayerInfo,
 * <module>.profile.json from --exportProfile).
 */
export async function buildLayerFiles(
  /* eslint-disable-next-line @typescript-eslint/no-explicit-any */
  manifest: any,
  given: { info: Record<string, string>; profile: Record<string, string> },
): Promise<Record<string, LayerFiles>> {
  const out: Record<string, LayerFiles> = {};
  const modules = new Set([...Object.keys(manifest?.modules ?? {}), ...Object.keys(given.info), ...Object.keys(given.profile)]);
  for (const m of modules) {
    const engine: string | undefined = manifest?.modules?.[m]?.engine?.path;
    const near = (suffix: string) => (engine ? join(dirname(engine), `${m}.${suffix}.json`) : undefined);
    const infoFile = given.info[m] ?? (near('layers') && existsSync(near('layers')!) ? near('layers') : undefined);
    const profileFile = given.profile[m] ?? (near('profile') && existsSync(near('profile')!) ? near('profile') : undefined);
    if (!infoFile && !profileFile) continue;
    out[m] = {
      ...(infoFile && { infoFile, info: await readJsonFile(infoFile, 'trtexec --exportLayerInfo JSON') }),
      ...(profileFile && { profileFile, profile: await readJsonFile(profileFile, 'trtexec --exportProfile JSON') }),
    };
  }
  return out;
}

export type { ReportInput };
