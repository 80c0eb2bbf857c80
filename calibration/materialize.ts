// Writes calibration/speech/<id>.wav for every entry of calibration/speech.yaml from the files the Debian
// packages installed (called by fetch-speech.sh). Copies WAVs as they are, wraps headerless PCM in a WAV
// header, decodes Ogg Vorbis with oggdec and joins isolated syllables with short digital silence.
// Real recordings only: nothing is synthesized. Idempotent: existing outputs are kept.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { readWav, writeWav } from '../src/audio/io.ts';
import { readSpeechManifest, type SpeechEntry } from '../src/calibrate/speech.ts';

const run = promisify(execFile);
const manifestFile = resolve(process.argv[2] ?? 'calibration/speech.yaml');
const m = await readSpeechManifest(manifestFile);
await mkdir(m.dir, { recursive: true });
const tmp = await mkdtemp(join(tmpdir(), 'emovoice-speech-'));

async function exists(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isFile() ?? false;
}

async function decode(path: string): Promise<{ samples: Float32Array; sampleRate: number }> {
  if (path.endsWith('.ogg')) {
    const out = join(tmp, 'x.wav');
    await run('oggdec', ['-Q', '-o', out, path]);
    return readWav(out);
  }
  return readWav(path);
}

async function make(e: SpeechEntry, out: string): Promise<void> {
  const src = e.source.path;
  if (e.syllables) {
    const parts: Float32Array[] = [];
    let rate = 0;
    for (const s of e.syllables) {
      const w = await decode(src.replace('{syllable}', s));
      if (rate && w.sampleRate !== rate) throw new Error(`${e.id}: mixed sample rates`);
      rate = w.sampleRate;
      if (parts.length) parts.push(new Float32Array(Math.round(((e.joinGapMs ?? 150) / 1000) * rate)));
      parts.push(w.samples);
    }
    const all = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let off = 0;
    for (const p of parts) {
      all.set(p, off);
      off += p.length;
    }
    await writeWav(out, all, rate, { format: 'pcm16' });
  } else if (e.format?.startsWith('raw-s16le-')) {
    const rate = Number(e.format.slice('raw-s16le-'.length));
    const b = await readFile(src);
    const pcm = new Int16Array(b.buffer, b.byteOffset, b.byteLength >> 1);
    const x = new Float32Array(pcm.length);
    for (let i = 0; i < pcm.length; i++) x[i] = pcm[i]! / 32768;
    await writeWav(out, x, rate, { format: 'pcm16' });
  } else if (src.endsWith('.ogg')) {
    const w = await decode(src);
    await writeWav(out, w.samples, w.sampleRate, { format: 'pcm16' });
  } else {
    await copyFile(src, out);
  }
}

let made = 0;
let kept = 0;
const missing: string[] = [];
for (const e of m.entries) {
  const out = join(m.dir, `${e.id}.wav`);
  if (await exists(out)) {
    kept++;
    continue;
  }
  try {
    await make(e, out);
    made++;
  } catch (err) {
    missing.push(`${e.id} (${e.source.package}: ${(err as Error).message.split('\n')[0]})`);
  }
}
await rm(tmp, { recursive: true, force: true });
process.stdout.write(`[speech] ${made} written, ${kept} already there, ${missing.length} unavailable -> ${m.dir}\n`);
if (missing.length) {
  process.stdout.write(`[speech] unavailable: ${missing.slice(0, 5).join('; ')}${missing.length > 5 ? ' …' : ''}\n`);
  process.exit(1);
}
