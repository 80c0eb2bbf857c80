// Text in, audio out: the text frontend (timed as the "frontend" stage), the serving limit on
// phonemes per sentence (text over serving.max_text_len is split at sentence/clause boundaries,
// never truncated), then the pipeline once per part. `emovoice synth` and `emovoice bench` both
// serve requests through this, so what bench measures is what synth does.
import type { Place } from '../core/errors.ts';
import { formatProblem } from '../core/errors.ts';
import { splitSentences, textToPhonemes, type Language, type Phonemes } from '../text/frontend.ts';
import type { Pipeline, ReferenceAudio, StageTiming, SynthResult } from './pipeline.ts';

export interface TextRequest {
  text: string;
  /** The model's symbol table (manifest `symbols:`). */
  symbols: string[];
  reference: ReferenceAudio;
  emotion?: string;
  emotionReference?: ReferenceAudio;
  language?: Language;
}

/** Text longer than the limit: how long it was and how many parts it was spoken in. */
export interface SplitInfo {
  phonemes: number;
  limit: number;
  parts: number;
}

/** A whole text request: the parts' audio joined, their stages summed ("frontend" first). */
export interface TextResult extends Omit<SynthResult, 'intermediates' | 'warnings'> {
  parts: SynthResult[];
  split: SplitInfo | null;
  /** Frontend and pipeline warnings (unreadable characters, reference audio); not the split (see `split`). */
  warnings: string[];
}

/**
 * The frontend as served: text → phonemes, split into parts (`texts`) of at most `limit` phonemes when
 * longer. synth, bench and the Triton orchestrator's frontend process all go through this.
 */
export function frontend(text: string, symbols: string[], limit: number, language?: Language): { texts: string[]; phonemes: Phonemes[]; split: SplitInfo | null } {
  const opts = { symbols, language };
  const whole = textToPhonemes(text, opts);
  if (whole.ids.length <= limit) return { texts: [text], phonemes: [whole], split: null };
  const texts = splitSentences(text, limit, symbols, { language, phonemes: whole.ids.length });
  const phonemes = texts.map((t) => textToPhonemes(t, opts));
  return { texts, phonemes, split: { phonemes: whole.ids.length, limit, parts: phonemes.length } };
}

export async function synthesizeText(pipeline: Pipeline, req: TextRequest): Promise<TextResult> {
  const t0 = performance.now();
  const { phonemes, split } = frontend(req.text, req.symbols, pipeline.model.maxTextLen, req.language);
  const frontendMs = performance.now() - t0;
  const warnings = [...new Set(phonemes.flatMap((p) => p.warnings))];
  const parts: SynthResult[] = [];
  for (const ph of phonemes) {
    parts.push(await pipeline.synthesize({ phonemeIds: ph.ids, reference: req.reference, emotion: req.emotion, emotionReference: req.emotionReference }));
  }
  const stages = mergeStages([[{ stage: 'frontend', ms: frontendMs }], ...parts.map((p) => p.stages)]);
  const n = parts.reduce((a, p) => a + p.waveform.length, 0);
  const waveform = new Float32Array(n);
  let off = 0;
  for (const p of parts) {
    waveform.set(p.waveform, off);
    off += p.waveform.length;
  }
  for (const p of parts) warnings.push(...p.warnings);
  const totalMs = performance.now() - t0;
  const sampleRate = pipeline.model.sampleRate;
  const audioSeconds = n / sampleRate;
  return {
    waveform,
    sampleRate,
    stages,
    totalMs,
    audioSeconds,
    rtf: totalMs / 1000 / Math.max(audioSeconds, 1e-9),
    phonemes: parts.reduce((a, p) => a + p.phonemes, 0),
    frames: parts.reduce((a, p) => a + p.frames, 0),
    parts,
    split,
    cacheHit: parts.some((p) => p.cacheHit),
    warnings: [...new Set(warnings)],
  };
}

/**
 * Sum stage timings by name, in first-seen order; a stage fell back (or overran) if any of its calls
 * did. A cache hit ("style_encoder (cached)", 0 ms) folds into the stage itself when that also ran.
 */
export function mergeStages(lists: StageTiming[][]): StageTiming[] {
  const out = new Map<string, StageTiming>();
  const names = new Set(lists.flat().map((s) => s.stage));
  for (const list of lists) {
    for (const t of list) {
      const base = t.stage.endsWith(' (cached)') ? t.stage.slice(0, -' (cached)'.length) : null;
      const s = base && names.has(base) ? { ...t, stage: base } : t;
      const cur = out.get(s.stage) ?? { stage: s.stage, ms: 0 };
      cur.ms += s.ms;
      if (s.fallback && !cur.fallback) cur.fallback = s.fallback;
      if (s.overran) cur.overran = true;
      out.set(s.stage, cur);
    }
  }
  return [...out.values()];
}

/** The one-line warning for text over the limit: names the profile field, where it is set, and the fix. */
export function splitWarning(s: SplitInfo, where: Place = {}): string {
  return formatProblem(
    `the text is ${s.phonemes} phonemes, over the limit of ${s.limit} per sentence; split at sentence/clause boundaries into ${s.parts} parts, spoken one after another`,
    { ...where, path: 'serving.max_text_len' },
    'shorten the text, or raise serving.max_text_len in the profile or with --set serving.max_text_len=N, up to what the engines accept',
  );
}
