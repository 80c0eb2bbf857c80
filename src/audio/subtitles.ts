// Subtitles for synthesized audio: cues (start and end in samples, text) as SubRip (.srt) or WebVTT
// (.vtt). Times are whole milliseconds, rounded from sample positions, so a cue is within half a
// millisecond of the audio it covers (well inside one hop). Pure: text out, no files.

export interface Cue {
  /** First sample of the cue, at `sampleRate`. */
  start: number;
  /** One past the last sample. */
  end: number;
  text: string;
}

export type SubtitleFormat = 'srt' | 'vtt';

function clock(samples: number, sampleRate: number, sep: ',' | '.'): string {
  const ms = Math.round((samples * 1000) / sampleRate);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}${sep}${pad(ms % 1000, 3)}`;
}

/** A cue's text on one line: whitespace runs become one space ("-->" and blank lines cannot occur). */
function oneLine(text: string): string {
  return text.replace(/\s+/gu, ' ').replace(/-->/g, '->').trim();
}

export function formatSubtitles(cues: readonly Cue[], sampleRate: number, format: SubtitleFormat): string {
  const sep = format === 'srt' ? ',' : '.';
  const blocks = cues.map((c, i) => `${i + 1}\n${clock(c.start, sampleRate, sep)} --> ${clock(c.end, sampleRate, sep)}\n${oneLine(c.text)}\n`);
  return (format === 'vtt' ? 'WEBVTT\n\n' : '') + blocks.join('\n');
}

/** Cues read back from SubRip or WebVTT text (times in seconds), for checks and tests. */
export function parseSubtitles(text: string): { start: number; end: number; text: string }[] {
  const out: { start: number; end: number; text: string }[] = [];
  const time = (t: string) => {
    const m = /^(\d+):(\d\d):(\d\d)[,.](\d{3})$/.exec(t.trim());
    if (!m) throw new Error(`not a subtitle time: ${t}`);
    return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000;
  };
  for (const block of text.replace(/\r\n/g, '\n').split(/\n\n+/)) {
    const lines = block.split('\n').filter((l) => l !== '');
    const at = lines.findIndex((l) => l.includes('-->'));
    if (at < 0) continue;
    const [a, b] = lines[at]!.split('-->');
    out.push({ start: time(a!), end: time(b!), text: lines.slice(at + 1).join('\n') });
  }
  return out;
}
