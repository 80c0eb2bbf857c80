// The intelligibility check of `verify` and `calibrate`: the same held-out English sentences spoken by a
// candidate path (an engine, a lower precision, a calibrated module) and by the FP32 ONNX path, both
// transcribed by the recogniser; the check fails when the candidate's WER is higher by more than the
// allowed increase. What can make it skip (never fail): a model whose frontend declares no English
// (`frontend.language` in the manifest; the random-weight reference models speak noise and declare none),
// no held-out English sentences, no recogniser installed. The verdict and the report lines are pure.
import { UserError } from '../core/errors.ts';
import type { ModelManifest } from '../model/manifest.ts';
import { heldOutSentences, intelligibility, isSkipped, type IntelligibilityReport, type Synthesized } from './intelligibility.ts';
import { normalizeWords } from './wer.ts';
import { probeRecognizer, type Recognizer } from './whisper.ts';

export const DEFAULT_MAX_WER_INCREASE = 0.05;
export const DEFAULT_WER_SENTENCES = 8;

/** A path that speaks text: its label in reports and its synthesizer. */
export interface SpeakingPath {
  label: string;
  synthesize: (text: string) => Promise<Synthesized>;
}

export interface WerPath extends IntelligibilityReport {
  label: string;
}

export type WerCheck =
  | { status: 'skipped'; reason: string }
  /** The candidate is the FP32 ONNX path itself: one WER, nothing to gate. */
  | { status: 'measured'; sentences: number; words: number; recognizer: string; fp32: WerPath }
  | { status: 'pass' | 'fail'; sentences: number; words: number; recognizer: string; fp32: WerPath; candidate: WerPath; increase: number; maxIncrease: number };

/** The language the model's frontend declares it speaks (manifest `frontend.language`), if any. */
export function declaredLanguage(m: Pick<ModelManifest, 'frontend'>): string | undefined {
  const l = m.frontend.language;
  return typeof l === 'string' && l.trim() ? l.trim() : undefined;
}

/** Whether the model speaks English: a declared language whose primary subtag is `en` (en, en-US, en_us). */
export function speaksEnglish(m: Pick<ModelManifest, 'frontend'>): boolean {
  return /^en(?:$|[-_])/i.test(declaredLanguage(m) ?? '');
}

/** n sentences spread evenly over the list (short commands and long prose alike), in list order. Pure. */
export function pickSentences(all: string[], n: number): string[] {
  if (n >= all.length) return [...all];
  if (n <= 0) return [];
  return Array.from({ length: n }, (_, i) => all[Math.floor((i * all.length) / n)]!);
}

/** The gate: pass while the candidate's WER is at most `maxIncrease` above FP32's. Pure. */
export function werVerdict(fp32: number, candidate: number, maxIncrease: number): { increase: number; pass: boolean } {
  const increase = candidate - fp32;
  // WERs are ratios of small integers: a rise of exactly maxIncrease must not fail on rounding
  return { increase, pass: increase <= maxIncrease + 1e-9 };
}

export interface WerCheckInput {
  manifest: Pick<ModelManifest, 'frontend'>;
  /** The real-speech manifest whose held-out English transcripts are spoken. */
  speech: string;
  /** How many of them (spread over the list). */
  sentences: number;
  maxIncrease: number;
  fp32: SpeakingPath;
  /** null: the candidate is the FP32 ONNX path (one WER, no gate). */
  candidate: SpeakingPath | null;
  recognizer?: Recognizer;
  /** Keep each path's WAVs under this folder (<dir>/fp32, <dir>/candidate). */
  keepDir?: string;
}

/** Why a model's WER would be skipped before any audio is made, or null when it can run. */
export function werSkipReason(m: Pick<ModelManifest, 'frontend'>, sentences: number): string | null {
  if (sentences <= 0) return '--wer-sentences 0';
  if (!speaksEnglish(m)) {
    const l = declaredLanguage(m);
    return l
      ? `the model's frontend speaks ${l}, and the test sentences and the recogniser (Whisper tiny.en) are English`
      : "the model declares no English (frontend.language in its manifest), so a recogniser of English cannot score it";
  }
  return null;
}

export async function werCheck(o: WerCheckInput): Promise<WerCheck> {
  const early = werSkipReason(o.manifest, o.sentences);
  if (early) return { status: 'skipped', reason: early };
  const sentences = pickSentences(await heldOutSentences(o.speech, 'en'), o.sentences);
  if (!sentences.length) return { status: 'skipped', reason: `no held-out English transcripts in ${o.speech}` };
  let recognizer = o.recognizer;
  if (!recognizer) {
    const p = await probeRecognizer();
    if (!p.ok) return { status: 'skipped', reason: `speech recogniser not installed: ${p.reason}` };
    recognizer = p.recognizer;
  }
  const run = async (path: SpeakingPath, sub: string): Promise<WerPath | { skipped: string }> => {
    const r = await intelligibility({ sentences, synthesize: path.synthesize, recognizer, keepDir: o.keepDir ? `${o.keepDir}/${sub}` : undefined });
    return isSkipped(r) ? r : { label: path.label, ...r };
  };
  const fp32 = await run(o.fp32, 'fp32');
  if ('skipped' in fp32) return { status: 'skipped', reason: fp32.skipped };
  const words = fp32.sentences.reduce((n, s) => n + s.referenceWords, 0);
  const base = { sentences: sentences.length, words, recognizer: fp32.recognizer, fp32 };
  if (!o.candidate) return { status: 'measured', ...base };
  const candidate = await run(o.candidate, 'candidate');
  if ('skipped' in candidate) return { status: 'skipped', reason: candidate.skipped };
  const v = werVerdict(fp32.wer, candidate.wer, o.maxIncrease);
  return { status: v.pass ? 'pass' : 'fail', ...base, candidate, increase: v.increase, maxIncrease: o.maxIncrease };
}

/** The report's lines: both WERs and the increase against the gate, or why it was skipped. Pure. */
export function werLines(c: WerCheck): string[] {
  if (c.status === 'skipped') return [`WER   skipped: ${c.reason}`];
  const f = (x: number) => x.toFixed(3);
  const head = `WER on ${c.sentences} held-out English sentences (${c.words} words), ${c.recognizer}:`;
  if (c.status === 'measured') return [head, `      ${c.fp32.label.padEnd(34)} ${f(c.fp32.wer)}  (the path verified is the FP32 ONNX path: nothing to compare)`];
  const sign = c.increase >= 0 ? '+' : '−';
  return [
    head,
    `      ${c.fp32.label.padEnd(34)} ${f(c.fp32.wer)}`,
    `      ${c.candidate.label.padEnd(34)} ${f(c.candidate.wer)}`,
    `${c.status === 'pass' ? 'PASS' : 'FAIL'}  WER increase ${sign}${f(Math.abs(c.increase))} (at most +${f(c.maxIncrease)}, --max-wer-increase)`,
    ...c.candidate.sentences
      .map((s, i) => ({ s, ref: c.fp32.sentences[i]! }))
      .filter(({ s, ref }) => normalizeWords(s.transcript).join(' ') !== normalizeWords(ref.transcript).join(' '))
      .map(({ s, ref }) => `      heard differently: "${s.text}"  fp32: "${ref.transcript}"  candidate: "${s.transcript}"`),
  ];
}

/** The `--wer-sentences` and `--max-wer-increase` values, checked (a bad one is a usage error). */
export function werOptions(sentences: string | undefined, maxIncrease: string | undefined): { sentences: number; maxIncrease: number } {
  const n = Number(sentences ?? DEFAULT_WER_SENTENCES);
  if (!Number.isInteger(n) || n < 0) throw new UserError(`--wer-sentences must be a whole number, got "${sentences}"`, { hint: `e.g. --wer-sentences ${DEFAULT_WER_SENTENCES}; 0 skips the WER check` });
  const m = Number(maxIncrease ?? DEFAULT_MAX_WER_INCREASE);
  if (!Number.isFinite(m) || m < 0) throw new UserError(`--max-wer-increase must be a number ≥ 0, got "${maxIncrease}"`, { hint: `e.g. --max-wer-increase ${DEFAULT_MAX_WER_INCREASE} (5 points of WER)` });
  return { sentences: n, maxIncrease: m };
}
