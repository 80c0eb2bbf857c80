// Calibration data source: real recorded speech, from the speech manifest (calibration/speech.yaml) or
// from a folder of WAVs given by --data. parseSpeechManifest() is pure; loadSpeech() is the adapter that
// reads files (decoding with src/audio, resampling to the model's rate). It never synthesizes audio and
// never mixes splits: held-out recordings are for checking INT8 accuracy, not for choosing ranges.
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml';
import { UserError, UserErrors } from '../core/errors.ts';
import { readWav } from '../audio/io.ts';
import { resample } from '../audio/resample.ts';

export type SpeechSplit = 'calibration' | 'heldout';
export const SPEECH_MANIFEST_FORMAT = 'emovoice-speech-manifest/1';

export interface SpeechEntry {
  id: string;
  /** Where the recording comes from: a Debian package and the path it installs (or a repository path). */
  source: { package?: string; path: string };
  /** 'raw-s16le-<rate>' for headerless PCM sources; absent for WAV / Ogg. */
  format?: string;
  /** For clips joined from isolated syllables: the syllable keys substituted for {syllable} in source.path. */
  syllables?: string[];
  joinGapMs?: number;
  license: string;
  language: string;
  transcript: string;
  speaker: string;
  split: SpeechSplit;
  seconds: number;
}

export interface SpeechManifest {
  file: string;
  /** Folder of the materialised WAVs (<dir>/<id>.wav), resolved against the manifest's folder. */
  dir: string;
  entries: SpeechEntry[];
}

export interface SpeechClip {
  id: string;
  /** Mono float32 in [-1, 1] at `sampleRate`. */
  samples: Float32Array;
  sampleRate: number;
  language?: string;
  transcript?: string;
  speaker?: string;
  split?: SpeechSplit;
  file: string;
}

/** Parse and validate the manifest text; every problem is reported with its line. */
export function parseSpeechManifest(text: string, file: string): SpeechManifest {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const problems: UserError[] = [];
  const at = (node: Node | null | undefined, path: string, msg: string, hint?: string) => {
    const pos = node?.range ? lc.linePos(node.range[0]) : undefined;
    problems.push(new UserError(msg, { place: { file, line: pos?.line, column: pos?.col, path }, hint }));
  };
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new UserError(e.message.split('\n')[0]!, { place: { file, line: e.linePos?.[0]?.line, column: e.linePos?.[0]?.col } });
  }
  const root = doc.contents;
  if (!isMap(root)) throw new UserError('speech manifest must be a mapping', { place: { file, line: 1, column: 1 } });
  const format = (root.toJSON() as Record<string, unknown>).format;
  if (format !== SPEECH_MANIFEST_FORMAT) at(root, 'format', `expected format: ${SPEECH_MANIFEST_FORMAT}, got ${JSON.stringify(format)}`);
  const dir = String((root.toJSON() as Record<string, unknown>).dir ?? 'speech');
  const list = root.get('entries', true);
  if (!isSeq(list)) throw new UserError('speech manifest needs an `entries:` list', { place: { file, path: 'entries' } });
  const entries: SpeechEntry[] = [];
  const seen = new Set<string>();
  list.items.forEach((item, i) => {
    const path = `entries[${i}]`;
    if (!isMap(item)) return at(item as Node, path, 'each entry must be a mapping');
    const e = item.toJSON() as Record<string, unknown>;
    const str = (k: string) => {
      const v = e[k];
      if (typeof v !== 'string' || v === '') {
        at(item.get(k, true) as Node ?? item, `${path}.${k}`, `${k} must be a non-empty string`);
        return '';
      }
      return v;
    };
    const id = str('id');
    if (id && !/^[A-Za-z0-9._-]+$/.test(id)) at(item.get('id', true) as Node, `${path}.id`, `id "${id}" may only use letters, digits, . _ -`);
    if (seen.has(id)) at(item.get('id', true) as Node, `${path}.id`, `duplicate id "${id}"`);
    seen.add(id);
    const src = e.source as Record<string, unknown> | undefined;
    if (!src || typeof src.path !== 'string') at(item, `${path}.source`, 'source must be { package, path }');
    const split = e.split;
    if (split !== 'calibration' && split !== 'heldout') {
      at(item.get('split', true) as Node ?? item, `${path}.split`, `split must be calibration or heldout, got ${JSON.stringify(split)}`);
    }
    const seconds = e.seconds;
    if (typeof seconds !== 'number' || !(seconds > 0)) at(item, `${path}.seconds`, 'seconds must be a positive number');
    const syllables = e.syllables;
    if (syllables !== undefined && (!Array.isArray(syllables) || syllables.some((s) => typeof s !== 'string'))) {
      at(item, `${path}.syllables`, 'syllables must be a list of strings');
    }
    entries.push({
      id,
      source: { package: typeof src?.package === 'string' ? src.package : undefined, path: String(src?.path ?? '') },
      format: typeof e.format === 'string' ? e.format : undefined,
      syllables: syllables as string[] | undefined,
      joinGapMs: typeof e.join_gap_ms === 'number' ? e.join_gap_ms : undefined,
      license: str('license'),
      language: str('language'),
      transcript: str('transcript'),
      speaker: str('speaker'),
      split: split as SpeechSplit,
      seconds: seconds as number,
    });
  });
  // Held-out and calibration must not share a speaker (that would leak the held-out voice into the ranges).
  const splitOf = new Map<string, SpeechSplit>();
  for (const [i, e] of entries.entries()) {
    const prev = splitOf.get(e.speaker);
    if (prev && prev !== e.split) at(list.items[i] as Node, `entries[${i}].speaker`, `speaker "${e.speaker}" is in both splits`);
    else splitOf.set(e.speaker, e.split);
  }
  if (problems.length === 1) throw problems[0]!;
  if (problems.length > 1) throw new UserErrors(problems);
  return { file, dir: resolve(dirname(file), dir), entries };
}

export async function readSpeechManifest(file: string): Promise<SpeechManifest> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UserError('speech manifest not found', { place: { file }, hint: 'run bash calibration/fetch-speech.sh, or pass --data <folder of WAVs>' });
  }
  return parseSpeechManifest(text, file);
}

/** Decoded audio as the loader needs it; defaults to src/audio's readWav. */
export type WavReader = (path: string) => Promise<{ samples: Float32Array; sampleRate: number }>;

export interface LoadSpeechOptions {
  /** Manifest file, or a folder of .wav files (all used, split unknown). */
  source: string;
  /** Keep only this split (manifest only; default 'calibration'). 'all' keeps both. */
  split?: SpeechSplit | 'all';
  /** Model sample rate; every clip is resampled to it. */
  sampleRate: number;
  /** Keep only these languages (e.g. ['en', 'zh']). */
  languages?: string[];
  /** Stop after this many seconds of audio (at the target rate). */
  maxSeconds?: number;
  readWav?: WavReader;
}

/** Yield clips one at a time (memory holds one recording, not the corpus). */
export async function* loadSpeech(opts: LoadSpeechOptions): AsyncGenerator<SpeechClip> {
  const read = opts.readWav ?? readWav;
  const split = opts.split ?? 'calibration';
  const isDir = (await stat(opts.source).catch(() => undefined))?.isDirectory() ?? false;
  let budget = opts.maxSeconds ?? Infinity;
  const emit = async (file: string, meta: Partial<SpeechClip> & { id: string }): Promise<SpeechClip> => {
    const w = await read(file);
    const samples = w.sampleRate === opts.sampleRate ? w.samples : resample(w.samples, w.sampleRate, opts.sampleRate);
    return { ...meta, samples, sampleRate: opts.sampleRate, file };
  };
  if (isDir) {
    const files = (await readdir(opts.source)).filter((f) => extname(f).toLowerCase() === '.wav').sort();
    if (files.length === 0) {
      throw new UserError('no .wav files in the calibration data folder', { place: { file: opts.source }, hint: 'pass a folder of WAV recordings' });
    }
    for (const f of files) {
      if (budget <= 0) return;
      const clip = await emit(join(opts.source, f), { id: f.replace(/\.wav$/i, '') });
      budget -= clip.samples.length / clip.sampleRate;
      yield clip;
    }
    return;
  }
  const m = await readSpeechManifest(opts.source);
  const chosen = m.entries.filter(
    (e) => (split === 'all' || e.split === split) && (!opts.languages || opts.languages.includes(e.language)),
  );
  if (chosen.length === 0) {
    throw new UserError(`no ${split} recordings${opts.languages ? ` in ${opts.languages.join(', ')}` : ''} in the speech manifest`, {
      place: { file: m.file },
    });
  }
  for (const e of chosen) {
    if (budget <= 0) return;
    const file = join(m.dir, `${e.id}.wav`);
    let clip: SpeechClip;
    try {
      clip = await emit(file, { id: e.id, language: e.language, transcript: e.transcript, speaker: e.speaker, split: e.split });
    } catch (err) {
      if (err instanceof UserError && /not found/.test(err.message)) {
        throw new UserError(`recording ${e.id} has not been fetched`, { place: { file }, hint: 'run bash calibration/fetch-speech.sh' });
      }
      throw err;
    }
    budget -= clip.samples.length / clip.sampleRate;
    yield clip;
  }
}
