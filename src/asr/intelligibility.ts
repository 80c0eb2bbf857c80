// Intelligibility as a metric: synthesize test sentences, let a speech recogniser (Whisper tiny.en)
// transcribe them, and score each transcript against its sentence by word error rate. The sentences
// are the held-out split's English transcripts of the real-speech manifest (calibration/speech.yaml),
// not sentences tuned to pass. Where the recogniser is not installed the result says so and why,
// instead of failing: callers print it as skipped.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { writeWav } from '../audio/io.ts';
import { parseSpeechManifest } from '../calibrate/speech.ts';
import { corpusWordErrorRate, wordErrors, type WordErrors } from './wer.ts';
import { probeRecognizer, transcribe, type Recognizer } from './whisper.ts';

export interface Synthesized {
  samples: Float32Array;
  sampleRate: number;
}

export interface IntelligibilityInput {
  sentences: string[];
  synthesize: (text: string) => Promise<Synthesized>;
  /** A recogniser already probed (else probed here). */
  recognizer?: Recognizer;
  /** Keep the synthesized WAVs in this folder (else a temp folder, removed afterwards). */
  keepDir?: string;
}

export interface SentenceScore extends WordErrors {
  text: string;
  transcript: string;
  /** Seconds of synthesized audio. */
  seconds: number;
}

export interface IntelligibilityReport {
  /** Corpus WER: all word errors over all reference words. */
  wer: number;
  sentences: SentenceScore[];
  recognizer: string;
}

export type IntelligibilityResult = IntelligibilityReport | { skipped: string };

export function isSkipped(r: IntelligibilityResult): r is { skipped: string } {
  return 'skipped' in r;
}

export async function intelligibility(input: IntelligibilityInput): Promise<IntelligibilityResult> {
  let rec = input.recognizer;
  if (!rec) {
    const p = await probeRecognizer();
    if (!p.ok) return { skipped: `speech recogniser not installed: ${p.reason}` };
    rec = p.recognizer;
  }
  const dir = input.keepDir ?? (await mkdtemp(join(tmpdir(), 'emovoice-wer-')));
  try {
    const wavs: string[] = [];
    const seconds: number[] = [];
    for (const [i, text] of input.sentences.entries()) {
      const a = await input.synthesize(text);
      const path = join(dir, `sentence-${String(i).padStart(3, '0')}.wav`);
      await writeWav(path, a.samples, a.sampleRate);
      wavs.push(path);
      seconds.push(a.samples.length / a.sampleRate);
    }
    const transcripts = await transcribe(rec, wavs);
    const sentences = input.sentences.map((text, i) => ({ text, transcript: transcripts[i]!, seconds: seconds[i]!, ...wordErrors(text, transcripts[i]!) }));
    return {
      wer: corpusWordErrorRate(sentences.map((s) => ({ reference: s.text, hypothesis: s.transcript }))),
      sentences,
      recognizer: `Whisper tiny.en (faster-whisper, ${basename(dirname(rec.model))})`,
    };
  } finally {
    if (!input.keepDir) await rm(dir, { recursive: true, force: true });
  }
}

/** The held-out split's transcripts in one language (default English), each once, in manifest order. */
export async function heldOutSentences(speechManifest: string, language = 'en'): Promise<string[]> {
  const m = parseSpeechManifest(await readFile(speechManifest, 'utf8'), speechManifest);
  const seen = new Set<string>();
  for (const e of m.entries) if (e.split === 'heldout' && e.language === language && e.transcript.trim()) seen.add(e.transcript.trim());
  return [...seen];
}
