// Shared CLI plumbing for commands that run a model: the request options every family may use
// (--ref, --emotion, --emotion-ref, --speaker, --prompt, and --input flag=value for any other
// conditioning a manifest declares), turned into a RequestConditioning: audio-kind flags read their WAV.
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { parseWav } from '../audio/wav.ts';
import { UserError } from '../core/errors.ts';
import { sha256Text } from '../core/files.ts';
import type { ModelManifest } from '../model/manifest.ts';
import type { AudioInput, RequestConditioning } from '../pipeline/conditioning.ts';
import { collect } from './common.ts';

export interface RequestOpts {
  ref?: string;
  emotion?: string;
  emotionRef?: string;
  speaker?: string;
  prompt?: string;
  input?: string[];
}

export function addRequestOptions(cmd: Command): Command {
  return cmd
    .option('--ref <wav>', 'reference recording of the target voice (models whose style comes from audio)')
    .option('--emotion <label>', "emotion label (the model's labels: `emovoice models`)")
    .option('--emotion-ref <wav>', 'take the emotion from another recording (models that take one)')
    .option('--speaker <id|name>', 'speaker id or name (models with a speaker table)')
    .option('--prompt <text>', 'style prompt, e.g. "开心" (models whose style is a text prompt)')
    .option('--input <flag=value>', "any other conditioning the model's manifest declares (repeatable)", collect);
}

export async function readAudio(path: string): Promise<AudioInput> {
  const bytes = await readFile(path).catch(() => {
    throw new UserError('cannot read the recording', { place: { file: path }, hint: 'check the path' });
  });
  const wav = parseWav(bytes, path);
  return { samples: wav.samples, sampleRate: wav.sampleRate, hash: sha256Text(bytes), file: path };
}

/** The request's conditioning by flag; audio-kind flags (per the manifest) read their WAV file. */
export async function requestConditioning(m: Pick<ModelManifest, 'conditioning'>, o: RequestOpts): Promise<RequestConditioning> {
  const raw: Record<string, string | undefined> = { ref: o.ref, emotion: o.emotion, 'emotion-ref': o.emotionRef, speaker: o.speaker, prompt: o.prompt };
  for (const kv of o.input ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new UserError(`--input ${kv}: expected flag=value`, { hint: 'e.g. --input speaker=3' });
    raw[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const kinds = new Map(Object.values(m.conditioning).map((c) => [c.flag, c.kind]));
  const out: RequestConditioning = {};
  for (const [flag, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    out[flag] = kinds.get(flag) === 'audio' ? await readAudio(v) : v;
  }
  return out;
}
