// The real trained voice end to end: `emovoice synth` on the imported Piper voice (profile
// piper-joe-cpu) gives 22.05 kHz speech that Whisper tiny.en transcribes with WER ≤ 0.1.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readWav } from '../../../src/audio/io.ts';
import { wordErrorRate } from '../../../src/asr/wer.ts';
import { probeRecognizer, transcribe } from '../../../src/asr/whisper.ts';
import { requireSetup } from '../../setup-needed.ts';

const SENTENCE = 'The quick brown fox jumps over the lazy dog.';
const voice = existsSync('models/joe/manifest.yaml') ? null : 'the Piper voice is not imported (models/joe/manifest.yaml)';
const espeak = await execa('espeak-ng', ['--version'], { reject: false }).then((r) => (r.exitCode === 0 ? null : 'espeak-ng is not installed'));
const probe = await probeRecognizer();
const asr = probe.ok ? null : `the speech recogniser is not installed (${probe.reason})`;
const STEP = 'scripts/setup.sh installs the voice, espeak-ng and the recogniser, and imports the voice into models/joe';

describe('emovoice synth with the Piper voice', () => {
  it('speaks the pangram intelligibly at 22.05 kHz', async (t) => {
    requireSetup(t, voice ?? espeak ?? asr, STEP);
    const dir = await mkdtemp(join(tmpdir(), 'emovoice-piper-'));
    try {
      const out = join(dir, 'x.wav');
      const r = await execa('node', ['bin/emovoice.js', 'synth', SENTENCE, '--profile', 'piper-joe-cpu', '--out', out], { reject: false });
      expect(r.stderr).not.toMatch(/^error:/m);
      expect(r.exitCode).toBe(0);
      const wav = await readWav(out);
      expect(wav.sampleRate).toBe(22050);
      expect(wav.durationSec).toBeGreaterThan(1.5);
      expect(wav.durationSec).toBeLessThan(6);
      const [text] = await transcribe(probe.ok ? probe.recognizer : (undefined as never), [out]);
      expect(wordErrorRate(SENTENCE, text!), `heard: ${text}`).toBeLessThanOrEqual(0.1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
