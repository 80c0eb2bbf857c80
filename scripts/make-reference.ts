// Builds data/ref-alsa.wav: a 3–10 s reference voice made by joining real human recordings that
// Debian's alsa-utils installs (/usr/share/sounds/alsa, one speaker saying channel names), with short
// gaps. Real speech only — no synthesized audio. Used by `npm start` and the synth tests.
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readWav, writeWav } from '../src/audio/io.ts';
import { resample } from '../src/audio/resample.ts';

const SRC = process.env.ALSA_SOUNDS ?? '/usr/share/sounds/alsa';
const OUT = resolve(process.argv[2] ?? 'data/ref-alsa.wav');
const RATE = 16000;
const PICK = ['Front_Center.wav', 'Front_Left.wav', 'Front_Right.wav', 'Rear_Center.wav'];

const have = new Set(await readdir(SRC).catch(() => [] as string[]));
const files = PICK.filter((f) => have.has(f));
if (files.length < 3) {
  process.stderr.write(`error: ${SRC}: the alsa-utils recordings are missing (fix: apt-get install alsa-utils, or run bash calibration/fetch-speech.sh)\n`);
  process.exit(2);
}
const gap = new Float32Array(Math.round(0.25 * RATE));
const parts: Float32Array[] = [];
for (const f of files) {
  const w = await readWav(join(SRC, f));
  parts.push(resample(w.samples, w.sampleRate, RATE), gap);
}
const total = parts.reduce((a, p) => a + p.length, 0);
const out = new Float32Array(total);
let off = 0;
for (const p of parts) {
  out.set(p, off);
  off += p.length;
}
await writeWav(OUT, out, RATE, { format: 'pcm16' });
process.stdout.write(`wrote ${OUT} (${(total / RATE).toFixed(2)} s of real speech from ${files.join(', ')})\n`);
