// Format 1 manifests (the bundled reference model before manifests declared their graph) → format 2.
// Format 1 was only ever written for this family's five modules, so its graph is this family's graph;
// modules a format-1 file lacks are left out of the graph (and the graph check then says what is missing).
/* eslint-disable @typescript-eslint/no-explicit-any */
export const FORMAT_1 = 'emovoice-model-manifest/1';

export function migrateFormat1(d: Record<string, any>): Record<string, any> {
  const lr = d.length_regulator ?? {};
  const mel = d.audio?.mel ?? {};
  const has = (m: string) => !!d.modules?.[m];
  const kinds: Record<string, 'mel' | 'waveform'> = { 'vocoder.mel': 'mel', 'acoustic_decoder.mel': 'mel', 'style_encoder.ref_mel': 'mel', 'vocoder.waveform': 'waveform' };
  const modules: Record<string, any> = {};
  for (const [name, m] of Object.entries((d.modules ?? {}) as Record<string, any>)) {
    const side = (s: Record<string, any> = {}) =>
      Object.fromEntries(Object.entries(s).map(([t, spec]) => [t, { ...(spec as object), ...(kinds[`${name}.${t}`] && { kind: kinds[`${name}.${t}`] }) }]));
    modules[name] = { ...m, inputs: side(m.inputs), outputs: side(m.outputs) };
  }
  const graph: any[] = [];
  const emotionChoices: string[] = [];
  if (has('style_encoder')) {
    graph.push(
      { id: 'reference_mel', label: 'reference log-mel', step: 'log_mel', in: { audio: 'ref_audio' }, out: { mel: 'ref_mel' }, params: { layout: 'frames_first' } },
      { id: 'style_encoder', out: { speaker_embedding: 'speaker_embedding', emotion_embedding: 'reference_emotion' } },
      { id: 'emotion_reference_mel', label: 'emotion reference log-mel', step: 'log_mel', in: { audio: 'emotion_ref_audio' }, out: { mel: 'emotion_ref_mel' }, params: { layout: 'frames_first' } },
      { id: 'emotion_style_encoder', label: 'style_encoder (emotion reference)', module: 'style_encoder', in: { ref_mel: 'emotion_ref_mel' }, out: { emotion_embedding: 'emotion_ref_embedding' } },
    );
    emotionChoices.push('emotion_ref_embedding', 'reference_emotion');
  }
  if (d.emotions?.file) emotionChoices.unshift('emotion_label_embedding');
  if (emotionChoices.length) graph.push({ id: 'emotion', step: 'first_of', in: emotionChoices, out: { value: 'emotion_embedding' } });
  for (const m of ['text_encoder', 'acoustic_encoder']) if (has(m)) graph.push({ id: m });
  if (has('acoustic_encoder')) {
    graph.push({
      id: 'length_regulation',
      label: 'length regulation',
      step: 'repeat',
      in: { log_durations: 'log_durations', hidden: 'adapted_hidden' },
      out: { hidden: 'frame_hidden', durations: 'durations' },
      params: { durations: { scale: 1, offset: 1, rounding: 'round_half_even', min: lr.min_frames ?? 1, max: lr.max_frames_per_phoneme ?? 50 }, layout: 'frames_first' },
    });
  }
  for (const m of ['acoustic_decoder', 'vocoder']) if (has(m)) graph.push({ id: m });
  const conditioning: Record<string, any> = {};
  if (has('style_encoder')) {
    const seconds = d.audio?.ref_seconds ?? { min: 3, max: 10 };
    conditioning.reference = { kind: 'audio', flag: 'ref', required: true, seconds, output: 'ref_audio', description: 'the target voice: 3–10 s of speech' };
    conditioning.emotion_reference = { kind: 'audio', flag: 'emotion-ref', seconds, output: 'emotion_ref_audio', description: 'take the emotion from another recording' };
  }
  if (d.emotions?.file) {
    conditioning.emotion = {
      kind: 'label', flag: 'emotion', labels: d.emotions.labels ?? [], table: d.emotions.file, output: 'emotion_label_embedding', description: 'a fixed emotion vector',
      ...(conditioning.emotion_reference && { excludes: ['emotion_reference'] }),
    };
  }
  const out: Record<string, any> = {
    format: 'emovoice-model-manifest/2',
    name: d.name,
    family: 'ref-audio',
    config: d.config,
    ...(d.seed !== undefined && { seed: d.seed }),
    audio: { sample_rate: d.audio?.sample_rate, ...(mel.hop && { hop: mel.hop }), mel },
    frontend: { name: 'emovoice-mixed', symbols: d.symbols, output: 'phoneme_ids', dtype: 'int32' },
    conditioning,
    modules,
    graph,
    output: 'waveform',
    references: d.references,
    limits: d.limits,
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}
