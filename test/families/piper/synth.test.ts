// The real trained voice end to end: `emovoice synth` on the imported Piper voice (profile
// piper-joe-cpu) gives 22.05 kHz speech that Whisper tiny.en transcribes with WER ≤ 0.1.
import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readWav } from '../../../src/audio/io.ts';
import { wordErrorRate } from '../../../src/asr/wer.ts';
import { transcribe } from '../../../src/asr/whisper.ts';
import { requireSetup } from '../../setup-needed.ts';
import { piperMissing, PIPER_SETUP_STEP, recognizer as probe } from '../../support/piper-voice.ts';

const SENTENCE = 'The quick brown fox jumps over the lazy dog.';


describe('emovoice synth with the Piper voice', () => {
  it('speaks the pangram intelligibly at 22.05 kHz', async (t) => {
    requireSetup(t, piperMissing, PIPER_SETUP_STEP);
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
