// The Triton request contract of a model, derived from its manifest (pure): which inputs the `emovoice`
// orchestrator model takes and which outputs it gives. Nothing here names a family: the text and the
// frontend's ids come from the manifest's frontend, every other input from a conditioning source, named
// after its flag (docs/serving.md, "The request contract"):
//   audio source, flag `ref`      → REF_AUDIO fp32 [-1], REF_SAMPLE_RATE int32 [1], REF_KEY string [1]
//   label or text source, `emotion` → EMOTION string [1]
//   id source, `speaker`           → SPEAKER int32 [1] (and SPEAKER_NAME string [1] when it has names)
// The orchestrator reads the same names from pipeline.json, so this file is their one source.
import { UserError } from '../core/errors.ts';
import type { ConditioningSpec, ModelManifest } from '../model/manifest.ts';

export interface TritonIo {
  name: string;
  /** Triton's data type: TYPE_STRING, TYPE_FP32, TYPE_INT32, TYPE_INT64. */
  type: string;
  dims: number[];
  optional: boolean;
  /** One line for docs and `emovoice package`'s summary. */
  meaning: string;
}

/** The request fields of one conditioning source (Triton input names). */
export type ConditioningInputs =
  | { audio: string; sample_rate: string; key: string }
  | { value: string }
  | { id: string; name?: string };

export interface RequestContract {
  inputs: TritonIo[];
  outputs: TritonIo[];
  /** The frontend's ids sent directly (e.g. PHONEME_IDS): the frontend's output name, upper-cased. */
  idsInput: string;
  /** Conditioning name → its request fields. */
  conditioning: Record<string, ConditioningInputs>;
}

export const TEXT_INPUT = 'TEXT';
export const LANGUAGE_INPUT = 'LANGUAGE';
export const OUTPUTS: TritonIo[] = [
  { name: 'WAVEFORM', type: 'TYPE_FP32', dims: [-1], optional: false, meaning: 'the audio, sentences joined' },
  { name: 'SAMPLE_RATE', type: 'TYPE_INT32', dims: [1], optional: false, meaning: "the audio's sample rate" },
  { name: 'WARNINGS', type: 'TYPE_STRING', dims: [-1], optional: false, meaning: 'text split into sentences, unreadable words, clipped recordings, CPU fallbacks' },
];

const TRITON_INT: Record<string, string> = { int32: 'TYPE_INT32', int64: 'TYPE_INT64' };

/** A flag as a Triton input name: `emotion-ref` → `EMOTION_REF`. */
export function fieldName(flag: string): string {
  return flag.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

function sourceInputs(c: ConditioningSpec): { fields: ConditioningInputs; io: TritonIo[] } {
  const f = fieldName(c.flag);
  const about = c.description ? `: ${c.description}` : '';
  const need = c.required ? 'required' : c.default !== undefined ? `default ${c.default}` : 'optional';
  if (c.kind === 'audio') {
    const s = c.seconds!;
    return {
      fields: { audio: `${f}_AUDIO`, sample_rate: `${f}_SAMPLE_RATE`, key: `${f}_KEY` },
      io: [
        { name: `${f}_AUDIO`, type: 'TYPE_FP32', dims: [-1], optional: true, meaning: `${c.name}${about} (${s.min}–${s.max} s mono, ${need}; or ${f}_KEY alone once sent)` },
        { name: `${f}_SAMPLE_RATE`, type: 'TYPE_INT32', dims: [1], optional: true, meaning: `the rate of ${f}_AUDIO (default: the model's; others are resampled)` },
        { name: `${f}_KEY`, type: 'TYPE_STRING', dims: [1], optional: true, meaning: `a name for ${f}_AUDIO: send both once, then the key alone (default: the audio's content hash)` },
      ],
    };
  }
  if (c.kind === 'label' || c.kind === 'text') {
    const what = c.kind === 'label' ? `one of ${c.labels!.join(', ')}` : 'text';
    return { fields: { value: f }, io: [{ name: f, type: 'TYPE_STRING', dims: [1], optional: true, meaning: `${c.name}${about} (${what}; ${need})` }] };
  }
  const n = c.names?.length ?? c.count!;
  const io: TritonIo[] = [{ name: f, type: 'TYPE_INT32', dims: [1], optional: true, meaning: `${c.name}${about} (an id 0–${n - 1}; ${need})` }];
  if (!c.names) return { fields: { id: f }, io };
  io.push({ name: `${f}_NAME`, type: 'TYPE_STRING', dims: [1], optional: true, meaning: `${c.name} by name (instead of ${f})` });
  return { fields: { id: f, name: `${f}_NAME` }, io };
}

/** The input that gives a source its value (the audio, the label or text, the id). */
export function mainInput(f: ConditioningInputs): string {
  return 'audio' in f ? f.audio : 'value' in f ? f.value : f.id;
}

/** The orchestrator's inputs and outputs for this model; two sources whose names would collide are an error. */
export function requestContract(m: Pick<ModelManifest, 'frontend' | 'conditioning' | 'locate'>): RequestContract {
  const idsInput = fieldName(m.frontend.output);
  if (idsInput === TEXT_INPUT || idsInput === LANGUAGE_INPUT) {
    throw new UserError(`the frontend's output ${m.frontend.output} would be the Triton input ${idsInput}, which the request contract already has`, {
      place: m.locate(['frontend', 'output']),
      hint: 'name the ids tensor something else, e.g. output: phoneme_ids',
    });
  }
  const idsType = TRITON_INT[m.frontend.dtype] ?? 'TYPE_INT32';
  const inputs: TritonIo[] = [
    { name: TEXT_INPUT, type: 'TYPE_STRING', dims: [1], optional: true, meaning: `the text (or ${idsInput} from your own frontend)` },
    { name: idsInput, type: idsType, dims: [-1], optional: true, meaning: `the frontend's ids for one sentence (${m.frontend.output}), instead of ${TEXT_INPUT}` },
    { name: LANGUAGE_INPUT, type: 'TYPE_STRING', dims: [1], optional: true, meaning: 'a language hint for the frontend: auto (default), en, zh, …' },
  ];
  const owner = new Map<string, string>(inputs.map((i) => [i.name, i.name === idsInput ? `the frontend's output ${m.frontend.output}` : 'the request contract']));
  const conditioning: Record<string, ConditioningInputs> = {};
  for (const c of Object.values(m.conditioning)) {
    const { fields, io } = sourceInputs(c);
    for (const i of io) {
      const prev = owner.get(i.name);
      if (prev) {
        throw new UserError(`conditioning ${c.name} (--${c.flag}) would be the Triton input ${i.name}, which ${prev} already is`, {
          place: m.locate(['conditioning', c.name, 'flag']),
          hint: 'give the source another flag (Triton input names are the flags upper-cased)',
        });
      }
      owner.set(i.name, `conditioning ${c.name}`);
      inputs.push(i);
    }
    conditioning[c.name] = fields;
  }
  return { inputs, outputs: OUTPUTS, idsInput, conditioning };
}
