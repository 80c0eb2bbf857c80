// Text in, audio out: the family's frontend (timed as the "frontend" stage; text over the served limit
// is split at sentence/clause boundaries, never truncated), then the pipeline once per sentence with
// the request's conditioning. `emovoice synth` and `emovoice bench` both serve requests through this,
// so what bench measures is what synth does.
import type { Place } from '../core/errors.ts';
import { formatProblem } from '../core/errors.ts';
import { resolveConditioning, type RequestConditioning } from '../pipeline/conditioning.ts';
import type { Pipeline, StageTiming, SynthResult } from '../pipeline/executor.ts';
import type { FrontendResult, SplitInfo } from '../pipeline/types.ts';

export type { SplitInfo } from '../pipeline/types.ts';

export interface TextRequest {
  text: string;
  /** Conditioning by flag (ref, emotion, speaker, prompt …), as the manifest declares it. */
  conditioning: RequestConditioning;
  language?: string;
}

/** A whole text request: the parts' audio joined, their stages summed ("frontend" first). */
export interface TextResult extends Omit<SynthResult, 'intermediates' | 'warnings'> {
  parts: SynthResult[];
  split: SplitInfo | null;
  /** Frontend and pipeline warnings (unreadable characters, reference audio); not the split (see `split`). */
  warnings: string[];
  /** What the frontend made of the text (sentences, tokens, ids). */
  frontend: FrontendResult;
}

/**
 * f over xs with at most n calls in flight, started in order; the results in order. With n = 2 a long
 * request's next part runs its text stages on one core while the part before it runs its vocoder (on a
 * 2-core machine the text stages of a part otherwise leave a core idle); the peak holds two parts'
 * activations, so profiles whose memory is tight leave it off.
 */
export async function inFlight<T, R>(xs: readonly T[], n: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out: Promise<R>[] = [];
  let failed = false;
  for (const [i, x] of xs.entries()) {
    if (i >= n) await out[i - n]!.then(() => undefined, () => undefined);
    if (failed) break; // a part failed: so does the request, and no later part starts
    const p = f(x);
    p.catch(() => (failed = true)); // handled here, while it waits its turn; Promise.all below gives the error
    out.push(p);
  }
  return Promise.all(out);
}

export async function synthesizeText(pipeline: Pipeline, req: TextRequest): Promise<TextResult> {
  const t0 = performance.now();
  const conditioning = resolveConditioning(pipeline.model, req.conditioning);
  const fe = await pipeline.model.frontend.toIds(req.text, { limit: pipeline.model.maxTextLen, language: req.language });
  const frontendMs = performance.now() - t0;
  const warnings = [...fe.warnings];
  // one part at a time, or (serving.overlap_parts) the next part's early stages while this one's last run
  const parts = await inFlight(fe.sentences, pipeline.model.overlapParts ? 2 : 1, (sentence) => pipeline.run({ sentence, conditioning }));
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
    split: fe.split,
    cacheHit: parts.some((p) => p.cacheHit),
    warnings: [...new Set(warnings)],
    frontend: fe,
  };
}

/**
 * Sum stage timings by name, in first-seen order; a stage fell back (or overran) if any of its calls
 * did. A cache hit ("<stage> (cached)", 0 ms) folds into the stage itself when that also ran.
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
