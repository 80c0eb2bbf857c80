// The listening and looking parts that verify and calibrate reports share: an audio case as
// spectrograms (reference, engine, difference) with players, and the recogniser's sentences with what
// each path was heard to say. Pure: data in, HTML out.
import { clipBytes, melOf, spectrogramTriple, wavDataUri, type Clip, type MediaBudget } from './media.ts';
import { badge, esc, num, table } from './page.ts';
import type { AudioCase, ReportMedia } from './types.ts';

function player(c: Clip, budget: MediaBudget): string {
  const seconds = c.samples.length / c.sampleRate;
  if (!budget.take(clipBytes(c))) return `<div>${esc(c.label)}<br><span class="note">audio left out (report size budget)</span></div>`;
  // the WAV waits in a raw-text element until the player is near the screen (page.ts, MEDIA_BOOT): a page
  // of a hundred cases opens without decoding every data URI first
  const id = budget.nextId();
  return `<div>${esc(c.label)} <span class="note">${seconds.toFixed(2)} s</span><br><audio controls preload="metadata" data-media="${id}"></audio><script type="text/plain" id="${id}">${wavDataUri(c)}</script></div>`;
}

/** An audio case: three spectrograms on one scale where a mel is given, and a player per clip. */
export function audioCase(a: AudioCase, budget: MediaBudget): string {
  let specs = '';
  const fromAudio = !a.mels && a.mel && a.clips.length >= 2 && a.clips[0]!.samples.length >= a.mel.n_fft && a.clips[1]!.samples.length >= a.mel.n_fft;
  if (a.mels || fromAudio) {
    // three PNGs of about 1.5 bytes a pixel as base64 (log-mels of speech compress little), counted before any mel is computed
    const pixels = a.mels ? a.mels.reference.mels * a.mels.reference.frames : a.mel!.n_mels * Math.ceil(a.clips[0]!.samples.length / a.mel!.hop);
    if (budget.take(3 * pixels * 1.5)) {
      const pair = a.mels ?? { reference: melOf(a.clips[0]!.samples, a.mel!), engine: melOf(a.clips[1]!.samples, a.mel!) };
      const t = spectrogramTriple(pair.reference, pair.engine);
      const labels = a.mels ? ['reference', 'engine'] : [a.clips[0]!.label, a.clips[1]!.label];
      const fig = (src: string, cap: string) => `<div class="spec"><img alt="${esc(cap)}" loading="lazy" decoding="async" src="${src}"><div class="cap">${esc(cap)}</div></div>`;
      specs = `<div class="grid">${fig(t.reference, `log-mel: ${labels[0]}`)}${fig(t.engine, `log-mel: ${labels[1]}`)}${fig(t.difference, `difference (${labels[1]} − ${labels[0]}), max |Δ| ${num(t.maxAbsDiff, 2)}`)}</div>`;
    } else specs = '<p class="note">spectrograms left out (report size budget)</p>';
  }
  const players = a.clips.length ? `<div class="players">${a.clips.map((c) => player(c, budget)).join('')}</div>` : '';
  return `<div class="case" data-case="${esc(a.key)}"><h3>${esc(a.title)}</h3>${specs}${players}</div>`;
}

/** Audio cases with failures first, so a budget spent early is spent on what needs listening to. */
export function orderedCases(media: ReportMedia | undefined, failing: (key: string) => boolean): AudioCase[] {
  return [...(media?.cases ?? [])].sort((a, b) => Number(failing(b.key)) - Number(failing(a.key)));
}

/* eslint-disable @typescript-eslint/no-explicit-any */
/** The recogniser's check (asr/check.ts WerCheck): WER per path, and per sentence each path's transcript and audio. */
export function werSection(wer: any, media: ReportMedia | undefined, budget: MediaBudget): string {
  if (!wer) return '';
  if (wer.status === 'skipped') return `<h3>What the recogniser heard ${badge('skip')}</h3><p class="note">${esc(wer.reason)}</p>`;
  const paths: any[] = [wer.fp32, ...(wer.candidate ? [wer.candidate] : [])];
  const verdict = wer.status === 'measured' ? badge('skip', 'MEASURED') : badge(wer.status === 'pass');
  const head = `<h3>What the recogniser heard ${verdict}</h3><p>${esc(wer.recognizer)}, ${wer.sentences} held-out English sentences (${wer.words} words): ${paths
    .map((p) => `${esc(p.label)} WER <b>${num(p.wer, 3)}</b>`)
    .join(', ')}${wer.increase !== undefined ? `; increase ${num(wer.increase, 3)} (at most ${num(wer.maxIncrease, 3)})` : ''}</p>`;
  const rows: string[][] = [];
  const fails: boolean[] = [];
  const base: any[] = wer.fp32.sentences ?? [];
  base.forEach((s, i) => {
    const row = [esc(s.text)];
    let worse = false;
    for (const p of paths) {
      const x = p.sentences?.[i];
      const w: number | null = typeof x?.wer === 'number' ? x.wer : null;
      if (p !== wer.fp32 && w !== null && w > s.wer) worse = true;
      row.push(esc(x?.transcript ?? '-'), num(w, 3));
    }
    const clips = media?.sentences[s.text] ?? [];
    row.push(clips.length ? `<div class="players">${clips.map((c) => player(c, budget)).join('')}</div>` : '<span class="note">-</span>');
    rows.push(row);
    fails.push(worse);
  });
  const cols = ['sentence', ...paths.flatMap((p) => [`${p.label}: heard`, 'WER']), 'listen'];
  return head + table(cols, rows, { failRows: fails, left: cols.length });
}
