// A request's conditioning (--ref voice.wav, --speaker 3, --prompt 开心, --emotion happy …) checked
// against what the manifest declares and turned into board values with cache keys. Flags the model
// does not take, missing required ones, unknown labels, ids outside the table and empty text are
// user errors naming the flag and the fix. Audio is checked and resampled when a stage first needs it.
import { checkReferenceAudio } from '../audio/checks.ts';
import { resample } from '../audio/resample.ts';
import { UserError } from '../core/errors.ts';
import { hashSamples } from './cache.ts';
import type { ConditioningSpec, ModelManifest } from '../model/manifest.ts';
import type { OpenModel } from './model.ts';
import type { Value } from './types.ts';

export interface AudioInput {
  samples: Float32Array;
  sampleRate: number;
  /** Content hash of the file (or of the samples) for the stage cache. */
  hash?: string;
  file?: string;
}

/** What a request gives, by flag name (without dashes): audio, a label/text string, or an id/name. */
export type RequestConditioning = Record<string, AudioInput | string | number | undefined>;

export interface ConditioningValue {
  /** The board value; audio is checked and resampled on first use, warnings pushed then. */
  value: (warnings: string[]) => Value;
  /** Cache key of this value (content hash, label, id, text). */
  key: string;
}

/** The flags a model takes, for errors and help: "--ref (required), --emotion, …". */
export function flagList(m: Pick<ModelManifest, 'conditioning'>): string {
  const all = Object.values(m.conditioning).map((c) => `--${c.flag}${c.required ? ' (required)' : ''}`);
  return all.length ? all.join(', ') : 'none (this model takes text only)';
}

export function resolveConditioning(model: Pick<OpenModel, 'manifest' | 'tables' | 'sampleRate'>, given: RequestConditioning): Record<string, ConditioningValue> {
  const m = model.manifest;
  const byFlag = new Map(Object.values(m.conditioning).map((c) => [c.flag, c]));
  for (const [flag, v] of Object.entries(given)) {
    if (v === undefined) continue;
    if (!byFlag.has(flag)) {
      throw new UserError(`--${flag} is not an input of this model (family ${m.family})`, {
        place: { file: m.path, path: 'conditioning' },
        hint: `this model takes: ${flagList(m)}`,
      });
    }
  }
  for (const c of Object.values(m.conditioning)) {
    for (const x of c.excludes ?? []) {
      const other = m.conditioning[x]!;
      if (given[c.flag] !== undefined && given[other.flag] !== undefined) {
        throw new UserError(`give either --${c.flag} or --${other.flag}, not both`, { place: { file: m.path, path: `conditioning.${c.name}.excludes` }, hint: `drop one of them` });
      }
    }
  }
  // conditioning that feeds one first_of stage is one choice: the stage takes the first given and would
  // drop the rest silently (EmotiVoice's --prompt and --emotion both set the style prompt)
  for (const st of m.graph) {
    if (st.step !== 'first_of') continue;
    const feeding = Object.values(m.conditioning).filter((c) => given[c.flag] !== undefined && st.in.some(([, t]) => t === c.output));
    if (feeding.length > 1) {
      throw new UserError(`give either ${feeding.map((c) => `--${c.flag}`).join(' or ')}, not both: they set the same thing (graph stage "${st.id}" takes one)`, { place: { file: m.path, path: `graph.${st.index}` }, hint: 'drop one of them' });
    }
  }
  const out: Record<string, ConditioningValue> = {};
  for (const c of Object.values(m.conditioning)) {
    const v = given[c.flag] ?? c.default;
    if (v === undefined) {
      if (c.required) throw new UserError(`this model needs --${c.flag}${c.description ? ` (${c.description})` : ''}`, { place: { file: m.path, path: `conditioning.${c.name}` }, hint: `give --${c.flag}; this model takes: ${flagList(m)}` });
      continue;
    }
    out[c.name] = one(c, v, model);
  }
  return out;
}

function one(c: ConditioningSpec, v: AudioInput | string | number, model: Pick<OpenModel, 'manifest' | 'tables' | 'sampleRate'>): ConditioningValue {
  const flag = `--${c.flag}`;
  const m = model.manifest;
  if (c.kind === 'audio') {
    if (typeof v !== 'object') throw new UserError(`${flag} takes a recording (a WAV file)`, { hint: `${flag} voice.wav` });
    const audio = v;
    let done: Value | undefined;
    return {
      key: audio.hash ?? hashSamples(audio.samples, audio.sampleRate),
      value: (warnings) => {
        if (done) return done;
        const check = checkReferenceAudio(audio, c.seconds!, audio.file ?? flag, `conditioning.${c.name}.seconds`);
        warnings.push(...check.warnings);
        const x = audio.sampleRate === model.sampleRate ? audio.samples : resample(audio.samples, audio.sampleRate, model.sampleRate);
        done = { dtype: 'float32', shape: [1, x.length], data: x };
        return done;
      },
    };
  }
  if (typeof v === 'object') throw new UserError(`${flag} takes ${c.kind === 'id' ? 'an id or a name' : 'text'}, not a file`);
  const s = String(v);
  if (c.kind === 'label') {
    if (!c.labels!.includes(s)) throw new UserError(`unknown ${c.name} "${s}"`, { place: { file: m.path, path: `conditioning.${c.name}.labels` }, hint: `use one of: ${c.labels!.join(', ')}` });
    const value: Value = c.table ? model.tables[c.name]![s]! : c.values![s]!;
    return { key: s, value: () => value };
  }
  if (c.kind === 'text') {
    if (!s.trim()) throw new UserError(`${flag} is empty`, { hint: `give some text, e.g. ${flag} "${c.default ?? '…'}"` });
    return { key: s, value: () => s };
  }
  // id: a name from the list (names come first: EmotiVoice's speaker names are numbers), or an id in range
  const n = c.names?.length ?? c.count!;
  const named = c.names?.indexOf(s) ?? -1;
  if (named < 0 && !/^\d+$/.test(s)) {
    throw new UserError(`${flag} "${s}" is not a known name`, { place: { file: m.path, path: `conditioning.${c.name}.names` }, hint: `give an id from 0 to ${n - 1}${c.names ? `, or a name such as ${c.names.slice(0, 3).join(', ')}` : ''}` });
  }
  const id = named >= 0 ? named : Number(s);
  if (id >= n) throw new UserError(`${flag} ${id} is outside the table (0–${n - 1}) and is not a name in it`, { place: { file: m.path, path: `conditioning.${c.name}` }, hint: `use an id from 0 to ${n - 1}${c.names ? ` or one of its names (${c.names.slice(0, 3).join(', ')} …)` : ''}` });
  const value: Value = c.dtype === 'int64' ? { dtype: 'int64', shape: [1], data: BigInt64Array.from([BigInt(id)]) } : { dtype: 'int32', shape: [1], data: Int32Array.from([id]) };
  return { key: String(id), value: () => value };
}
