// `emovoice bench --triton URL`: bench's table for a running Triton server (src/bench/triton.ts). The
// profile names the model (its manifest gives the sample sentence and the request contract); the text is
// that sentence repeated to --text-seconds of speech, its length per second measured on the server itself.
import { benchText } from '../bench/load.ts';
import { benchTriton, connectTriton, renderTriton, tritonInfer, tritonInputs } from '../bench/triton.ts';
import { UserError } from '../core/errors.ts';
import type { ModelManifest } from '../model/manifest.ts';
import type { RequestConditioning } from '../pipeline/conditioning.ts';
import { openModel } from '../pipeline/model.ts';
import { registry } from '../pipeline/registry.ts';
import type { Profile } from '../profile/load.ts';
import { log } from './common.ts';

export async function benchTritonCommand(url: string, p: Profile, manifest: ModelManifest, conditioning: RequestConditioning,
  f: { seconds: number; streams: number[]; slo: number; requests: number; warmup: number }, json: boolean): Promise<void> {
  const sentence = manifest.frontend.sampleText ?? registry.families.get(manifest.family)?.sampleText;
  if (!sentence) throw new UserError('the model gives no sample sentence for bench', { place: { file: manifest.path, path: 'frontend.sample_text' }, hint: 'add frontend.sample_text: <a sentence in its language>' });
  await connectTriton(url);
  const model = await openModel(manifest, p.serving);
  let text: string;
  try {
    const base = url.replace(/\/+$/, '');
    const one = await tritonInfer(base, tritonInputs(manifest, sentence, conditioning)).catch((e: Error) => {
      throw new UserError(`the server at ${url} did not answer the sample sentence: ${e.message}`, { hint: 'start it with `emovoice serve --triton DIR` on a repository of this profile’s model, and give the conditioning flags it needs', exitCode: 3 });
    });
    const count = async (t: string) => (await model.frontend.toIds(t, { limit: Number.MAX_SAFE_INTEGER })).sentences.reduce((a, s) => a + s.ids.length, 0);
    const idsPerSecond = (await count(sentence)) / Math.max(one.samples / Math.max(1, one.sampleRate), 1e-6);
    text = await benchText(Math.max(1, Math.round(f.seconds * idsPerSecond)), count, sentence);
  } finally {
    await model.close();
  }
  const report = await benchTriton({ url, manifest, text, conditioning, textSeconds: f.seconds, streams: f.streams, requests: f.requests, warmup: f.warmup, slo: f.slo, log });
  process.stdout.write(json ? JSON.stringify(report, null, 2) + '\n' : renderTriton(report));
}
