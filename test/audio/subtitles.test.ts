// Subtitles from cues in samples: SubRip and WebVTT text, times rounded to the millisecond, read back.
import { describe, expect, it } from 'vitest';
import { formatSubtitles, parseSubtitles } from '../../src/audio/subtitles.ts';

const cues = [
  { start: 0, end: 44_100, text: 'The lighthouse stood on a rock.' },
  { start: 44_100, end: 3_600 * 22_050 + 12_345, text: 'It was white,\n  with a red band --> here.' },
];

describe('subtitles', () => {
  it('SubRip: numbered cues, comma before the milliseconds, one line of text each', () => {
    expect(formatSubtitles(cues, 22_050, 'srt')).toBe(
      '1\n00:00:00,000 --> 00:00:02,000\nThe lighthouse stood on a rock.\n\n2\n00:00:02,000 --> 01:00:00,560\nIt was white, with a red band -> here.\n',
    );
  });

  it('WebVTT: the header, a dot before the milliseconds', () => {
    const vtt = formatSubtitles(cues, 22_050, 'vtt');
    expect(vtt.startsWith('WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.000\n')).toBe(true);
  });

  it('reads back what it writes, within half a millisecond of the samples', () => {
    for (const f of ['srt', 'vtt'] as const) {
      const back = parseSubtitles(formatSubtitles(cues, 22_050, f));
      expect(back.map((c) => c.text)).toEqual(['The lighthouse stood on a rock.', 'It was white, with a red band -> here.']);
      back.forEach((c, i) => {
        expect(Math.abs(c.start - cues[i]!.start / 22_050)).toBeLessThanOrEqual(0.0005);
        expect(Math.abs(c.end - cues[i]!.end / 22_050)).toBeLessThanOrEqual(0.0005);
      });
    }
  });
});
