// The end-to-end reference cases of a model (refs/e2e/<case>.npz + .json, docs/model-manifest.md): the
// request (text, the frontend's ids, the conditioning) and what PyTorch produced for it. Verify runs
// them through the pipeline; bench takes the first one's conditioning as its default request.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors.ts';
import type { ModelManifest } from '../model/manifest.ts';
import type { AudioInput, RequestConditioning } from '../pipeline/conditioning.ts';
import { readNpz } from '../tensor/io.ts';
import type { TensorMap } from '../tensor/tensor.ts';

export interface E2eCase {
  name: string;
  file: string;
  text: string;
  /** The frontend's ids the reference was made from (the manifest's frontend output in the npz). */
  ids: Int32Array | null;
  /** The request's conditioning by flag: audio from the npz (`{npz: key}` in the json), the rest as given. */
  conditioning: RequestConditioning;
  /** Everything PyTorch computed (the output under the manifest's `output` name). */
  reference: TensorMap;
}

/** The e2e cases that say their request (a `request` field in their json); others are skipped. */
export async function e2eCases(m: ModelManifest): Promise<E2eCase[]> {
  const out: E2eCase[] = [];
  for (const c of m.references.cases.filter((x) => x.startsWith('e2e/'))) {
    const json = join(m.references.dir, `${c}.json`);
    const npzFile = join(m.references.dir, `${c}.npz`);
    if (!existsSync(json) || !existsSync(npzFile)) continue;
    const meta = JSON.parse(await readFile(json, 'utf8')) as { text?: string; request?: Record<string, unknown> };
    if (!meta.request) continue;
    const npz = await readNpz(npzFile);
    const conditioning: RequestConditioning = {};
    for (const [flag, v] of Object.entries(meta.request)) {
      if (v && typeof v === 'object' && 'npz' in v) {
        const key = String((v as { npz: string }).npz);
        const t = npz[key];
        if (!t) throw new UserError(`${c}.npz has no "${key}"`, { place: { file: json, path: `request.${flag}` }, hint: 're-export the model' });
        conditioning[flag] = { samples: t.data as Float32Array, sampleRate: m.audio.sample_rate } satisfies AudioInput;
      } else conditioning[flag] = v as string | number;
    }
    const idsT = npz[m.frontend.output];
    const ids = idsT ? Int32Array.from(idsT.data as ArrayLike<number | bigint>, (x) => Number(x)) : null;
    out.push({ name: c, file: npzFile, text: meta.text ?? '', ids, conditioning, reference: npz });
  }
  return out;
}
