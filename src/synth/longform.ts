// Long-form synthesis: a text file in, one WAV and its subtitles out. The text is cut into sentences by
// the family frontend's own rules (Frontend.sentences; paragraphs at blank lines first), each sentence
// spoken through the model's graph (split further by the frontend only when over the length limit), in
// engine batches of similar-length sentence parts (pipeline/batching.ts). Every finished part is kept in
// a work folder keyed by the text, model, profile and request, so an interrupted run resumes where it
// stopped and ends with the same bytes as a run never interrupted: the groups are fixed by the text
// alone (parts sorted by length, then cut into groups of the batch size), and a group is redone whole.
// A sentence that fails (an unreadable character, too long after splitting, a model limit) is reported
// with its line; the others go on. The final WAV and subtitles are written atomically.
import { mkdir, readFile, readdir, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { encodeWav } from '../audio/wav.ts';
import { formatSubtitles, type Cue, type SubtitleFormat } from '../audio/subtitles.ts';
import { UserError } from '../core/errors.ts';
import { sha256Text, writeFileAtomic } from '../core/files.ts';
import type { BatchCoordinator, PaddingDecision } from '../pipeline/batching.ts';
import { resolveConditioning, type RequestConditioning } from '../pipeline/conditioning.ts';
import type { Pipeline } from '../pipeline/executor.ts';
import type { Frontend, FrontendSentence } from '../pipeline/types.ts';
import type { ModelManifest } from '../model/manifest.ts';
import type { Profile } from '../profile/load.ts';
import { onEngines, type Backend } from '../runtime/backends.ts';
import type { Progress } from './progress.ts';

/** One sentence of the text and the line it starts on (1-based). */
export interface TextSentence {
  index: number;
  line: number;
  text: string;
}

/** Characters no frontend can read: controls (but tab and line ends), unassigned, private use, lone surrogates, U+FFFD (bytes that were not UTF-8). */
const UNREADABLE = /[\p{Cc}\p{Cs}\p{Co}\p{Cn}\uFFFD]/u;
const SPEAKABLE = /[\p{L}\p{N}]/u;

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** The first character of `text` that no frontend can read, described, or null. */
export function unreadableCharacter(text: string): string | null {
  for (const c of text) {
    if (c === '\t' || c === '\n' || c === '\r' || !UNREADABLE.test(c)) continue;
    return c === '\uFFFD' ? 'U+FFFD (bytes that are not UTF-8, or a replacement character)' : `${codePoint(c)} (a control or unassigned character)`;
  }
  return null;
}

function lineAt(text: string, offset: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Where `piece` (whitespace runs free) starts in `text` at or after `from`, or -1. */
function locate(text: string, piece: string, from: number): number {
  const words = piece.trim().split(/\s+/u).filter(Boolean);
  if (!words.length) return -1;
  const re = new RegExp(words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\s+'), 'gu');
  re.lastIndex = from;
  return re.exec(text)?.index ?? -1;
}

/**
 * The text's sentences, in order: paragraphs at blank lines, each cut by `cut` (the frontend's own
 * sentence rules; one sentence when absent). Pieces with nothing to say (a "* * *" scene break) are
 * left out. Pure.
 */
export function splitText(text: string, cut?: (paragraph: string) => string[]): TextSentence[] {
  const out: TextSentence[] = [];
  const para = /[^\n]*\S[^\n]*(?:\n[ \t]*\S[^\n]*)*/gu; // runs of non-blank lines
  for (const m of text.matchAll(para)) {
    const p = m[0];
    let cursor = 0;
    for (const piece of cut ? cut(p) : [p]) {
      const s = piece.trim();
      if (!s) continue;
      const at = locate(p, s, cursor);
      if (at >= 0) cursor = at + 1;
      if (!SPEAKABLE.test(s) && !unreadableCharacter(s)) continue;
      out.push({ index: out.length, line: lineAt(text, m.index + Math.max(at, 0)), text: s.replace(/\s+/gu, ' ') });
    }
  }
  return out;
}

/** One spoken part of a sentence (a sentence over the limit has several). */
export interface Part {
  sentence: number;
  part: number;
  frontend: FrontendSentence;
}

/** Groups of parts the batches are made from: sorted by length (then text order), cut every `size`. Pure. */
export function groupParts(parts: readonly Part[], size: number): Part[][] {
  const sorted = [...parts].sort((a, b) => a.frontend.ids.length - b.frontend.ids.length || a.sentence - b.sentence || a.part - b.part);
  const out: Part[][] = [];
  for (let i = 0; i < sorted.length; i += Math.max(1, size)) out.push(sorted.slice(i, i + Math.max(1, size)));
  return out;
}

/**
 * The most sentence parts each module takes in one call: `override` (--batch) or the profile's
 * serving.max_batch (1 when absent), never over an engine's optimization-profile maximum. Pure.
 */
export function moduleBatches(p: Pick<Profile, 'serving' | 'modules'>, m: Pick<ModelManifest, 'modules'>, backend: Backend, override?: number): Record<string, number> {
  const want = Math.max(1, Math.floor(override ?? p.serving?.max_batch ?? 1));
  const out: Record<string, number> = {};
  for (const [name, spec] of Object.entries(m.modules)) {
    const shapes = Object.values(p.modules?.[name]?.shapes ?? {});
    const engineMax = onEngines(backend) && spec.engine && shapes.length ? Math.min(...shapes.map((r) => r.max[0] ?? 1)) : Infinity;
    out[name] = Math.max(1, Math.min(want, engineMax));
  }
  return out;
}

/** The work folder's key: everything the audio depends on. */
export function workKey(o: { text: string; model: string; profile: unknown; conditioning: Record<string, string>; language?: string; batch: Record<string, number> }): string {
  return sha256Text(JSON.stringify([o.text, o.model, o.profile, o.conditioning, o.language ?? null, o.batch])).slice(0, 16);
}

export interface FailedSentence {
  line: number;
  text: string;
  message: string;
}

export interface LongformRequest {
  text: string;
  pipeline: Pipeline;
  coordinator: BatchCoordinator;
  conditioning: RequestConditioning;
  language?: string;
  /** Parts per group (the largest module batch). */
  groupSize: number;
  workDir: string;
  out: string;
  subtitles?: { path: string; format: SubtitleFormat }[];
  progress: Progress;
  /** Stops the run between batches (Ctrl-C): a UserError with exit code 130 naming the work folder. */
  signal?: AbortSignal;
  /** A frontend warning, already prefixed with its line. */
  onWarning?: (w: string) => void;
}

export interface LongformResult {
  sentences: number;
  spoken: number;
  failed: FailedSentence[];
  sampleRate: number;
  audioSeconds: number;
  /** Parts made by this run (the rest came from the work folder). */
  madeParts: number;
  madeAudioSeconds: number;
  parts: number;
  cues: Cue[];
  /** The audio written (float, before the WAV's 16-bit PCM). */
  waveform: Float32Array;
  padding: Record<string, PaddingDecision>;
  /** Per module: the batch sizes of its calls in this run. */
  batches: Record<string, number[]>;
}

const partFile = (dir: string, p: Part) => join(dir, `part-${p.sentence}-${p.part}.f32`);
const failFile = (dir: string, p: Part) => join(dir, `part-${p.sentence}-${p.part}.failed`);

function f32Bytes(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

function errorText(e: unknown): string {
  if (e instanceof UserError) return e.message + (e.hint ? ` (fix: ${e.hint})` : '');
  return e instanceof Error ? e.message : String(e);
}

/** The frontend's parts of each sentence; a sentence it cannot read fails here. */
async function frontendParts(frontend: Frontend, sentences: TextSentence[], limit: number, language: string | undefined, failed: Map<number, FailedSentence>, warn: (w: string) => void): Promise<Part[]> {
  const parts: Part[] = [];
  for (const s of sentences) {
    const bad = unreadableCharacter(s.text);
    if (bad) {
      failed.set(s.index, { line: s.line, text: s.text, message: `cannot read the character ${bad}` });
      continue;
    }
    try {
      const fe = await frontend.toIds(s.text, { limit, language });
      for (const w of fe.warnings) warn(`line ${s.line}: ${w}`);
      fe.sentences.forEach((f, i) => parts.push({ sentence: s.index, part: i, frontend: f }));
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      failed.set(s.index, { line: s.line, text: s.text, message: errorText(e) });
    }
  }
  return parts;
}

export async function synthesizeLongform(req: LongformRequest): Promise<LongformResult> {
  const { pipeline, coordinator, workDir } = req;
  const model = pipeline.model;
  const t0 = performance.now();
  const sentences = splitText(req.text, model.frontend.sentences?.bind(model.frontend));
  if (!sentences.length) throw new UserError('the text has nothing to say', { hint: 'give a UTF-8 text file with sentences in it' });
  const failed = new Map<number, FailedSentence>();
  const parts = await frontendParts(model.frontend, sentences, model.maxTextLen, req.language, failed, req.onWarning ?? (() => {}));
  const conditioning = resolveConditioning(model, req.conditioning);
  await mkdir(workDir, { recursive: true });

  // what earlier runs left: finished parts, failed parts, padding decisions
  const have = new Set(await readdir(workDir));
  const paddingFile = join(workDir, 'padding.json');
  if (have.has('padding.json')) Object.assign(coordinator.padding, JSON.parse(await readFile(paddingFile, 'utf8')) as Record<string, PaddingDecision>);
  const isDone = (p: Part) => have.has(`part-${p.sentence}-${p.part}.f32`) || have.has(`part-${p.sentence}-${p.part}.failed`);

  const partsOf = new Map<number, Part[]>();
  for (const p of parts) partsOf.set(p.sentence, [...(partsOf.get(p.sentence) ?? []), p]);
  const samplesDone = new Map<string, number>();
  for (const p of parts) {
    if (have.has(`part-${p.sentence}-${p.part}.f32`)) samplesDone.set(`${p.sentence}-${p.part}`, ((await readFile(partFile(workDir, p))).byteLength / 4) | 0);
    if (have.has(`part-${p.sentence}-${p.part}.failed`)) failed.set(p.sentence, { ...sentences[p.sentence]!, message: await readFile(failFile(workDir, p), 'utf8') });
  }
  const finished = (s: number) => failed.has(s) || (partsOf.get(s) ?? []).every((p) => samplesDone.has(`${p.sentence}-${p.part}`));
  let madeParts = 0;
  let madeSamples = 0;
  const report = () => {
    const done = sentences.filter((s) => finished(s.index)).length;
    const audio = [...samplesDone.values()].reduce((a, n) => a + n, 0) / model.sampleRate;
    req.progress.update({ done, total: sentences.length, audioSeconds: audio, madeSentences: Math.max(0, madeParts), madeAudioSeconds: madeSamples / model.sampleRate, elapsedSeconds: (performance.now() - t0) / 1000 });
  };

  const groups = groupParts(parts, req.groupSize).filter((g) => !g.every(isDone));
  if (groups.length) {
    coordinator.onDecision = (m, d) => writeFileAtomic(paddingFile, JSON.stringify({ ...coordinator.padding, [m]: d }, null, 1));
    // stages that depend on the conditioning alone (a voice's embedding) run once, alone, before any batch
    const cached = model.manifest.graph.some((st) => st.module && [...(model.deps.get(st.index) ?? [])].some(Boolean) && [...model.deps.get(st.index)!].every((d) => d.startsWith('conditioning:')));
    if (cached) await pipeline.run({ sentence: groups[0]![0]!.frontend, conditioning });
  }
  report();
  for (const group of groups) {
    if (req.signal?.aborted) {
      req.progress.stop();
      throw new UserError(`interrupted: the finished sentences are kept in ${workDir}`, { hint: 'run the same command again to resume where it stopped', exitCode: 130 });
    }
    const results = await coordinator.runAll(group.map((p) => () => pipeline.run({ sentence: p.frontend, conditioning })));
    for (let i = 0; i < group.length; i++) {
      const p = group[i]!;
      const r = results[i]!;
      if (r.status === 'fulfilled') {
        await writeFileAtomic(partFile(workDir, p), f32Bytes(r.value.waveform));
        samplesDone.set(`${p.sentence}-${p.part}`, r.value.waveform.length);
        madeSamples += r.value.waveform.length;
        for (const w of r.value.warnings) req.onWarning?.(`line ${sentences[p.sentence]!.line}: ${w}`);
      } else {
        if (!(r.reason instanceof UserError)) throw r.reason;
        const message = errorText(r.reason);
        await writeFileAtomic(failFile(workDir, p), message);
        failed.set(p.sentence, { ...sentences[p.sentence]!, message });
      }
      madeParts++;
    }
    report();
  }

  // one WAV, the sentences in text order; a cue per spoken sentence
  const spoken = sentences.filter((s) => !failed.has(s.index));
  const cues: Cue[] = [];
  const audio: Float32Array[] = [];
  let at = 0;
  for (const s of spoken) {
    const start = at;
    for (const p of partsOf.get(s.index) ?? []) {
      const buf = await readFile(partFile(workDir, p));
      const a = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      audio.push(a);
      at += a.length;
    }
    cues.push({ start, end: at, text: s.text });
  }
  const waveform = new Float32Array(at);
  let off = 0;
  for (const a of audio) {
    waveform.set(a, off);
    off += a.length;
  }
  if (spoken.length) {
    await writeFileAtomic(req.out, encodeWav(waveform, model.sampleRate, { format: 'pcm16' }));
    for (const s of req.subtitles ?? []) await writeFileAtomic(s.path, formatSubtitles(cues, model.sampleRate, s.format));
  }
  req.progress.stop();
  await rm(workDir, { recursive: true, force: true });
  await rmdir(dirname(workDir)).catch(() => {}); // the folder of work folders, once empty
  return {
    sentences: sentences.length,
    spoken: spoken.length,
    failed: [...failed.values()].sort((a, b) => a.line - b.line),
    sampleRate: model.sampleRate,
    audioSeconds: at / model.sampleRate,
    madeParts,
    madeAudioSeconds: madeSamples / model.sampleRate,
    parts: parts.length,
    cues,
    waveform,
    padding: { ...coordinator.padding },
    batches: coordinator.log,
  };
}
