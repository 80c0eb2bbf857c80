// Progress of a long synthesis on stderr: a cli-progress bar (sentences done, audio seconds, real-time
// factor, ETA) when stderr is a terminal and CI is unset; otherwise one plain line every N sentences
// (and at the end), which logs and CI keep readable. Adapter: it writes to a stream, nothing else.
import type { Writable } from 'node:stream';

export interface ProgressState {
  /** Sentences finished (spoken or failed), this run and earlier runs of the same work. */
  done: number;
  total: number;
  /** Audio seconds of the sentences finished. */
  audioSeconds: number;
  /** Sentences and audio seconds this run made (a resumed run's rate counts only those). */
  madeSentences: number;
  madeAudioSeconds: number;
  elapsedSeconds: number;
}

export interface Progress {
  update(s: ProgressState): void;
  stop(): void;
}

function eta(s: ProgressState): string {
  if (s.madeSentences === 0) return '?';
  const left = ((s.total - s.done) * s.elapsedSeconds) / s.madeSentences;
  const m = Math.floor(left / 60);
  return m ? `${m}m${String(Math.round(left % 60)).padStart(2, '0')}s` : `${Math.round(left)}s`;
}

const rtf = (s: ProgressState) => (s.madeAudioSeconds > 0 ? (s.elapsedSeconds / s.madeAudioSeconds).toFixed(3) : '-');

/** The line printed without a terminal. */
export function progressLine(s: ProgressState): string {
  return `synth: ${s.done}/${s.total} sentences, ${s.audioSeconds.toFixed(1)} s of audio, real-time factor ${rtf(s)}, ETA ${eta(s)}`;
}

export async function makeProgress(o: { stream: Writable & { isTTY?: boolean }; every: number; quiet?: boolean }): Promise<Progress> {
  if (o.quiet) return { update() {}, stop() {} };
  const tty = !!o.stream.isTTY && !process.env.CI;
  if (!tty) {
    let last = -1;
    return {
      update(s) {
        if (s.done === last || (s.done % o.every !== 0 && s.done !== s.total)) return;
        last = s.done;
        o.stream.write(progressLine(s) + '\n');
      },
      stop() {},
    };
  }
  const { SingleBar } = (await import('cli-progress')).default;
  const bar = new SingleBar({
    stream: o.stream,
    format: 'synth [{bar}] {value}/{total} sentences | {audio} s audio | RTF {rtf} | ETA {eta_text}',
    hideCursor: true,
    clearOnComplete: false,
  });
  let started = false;
  return {
    update(s) {
      const payload = { audio: s.audioSeconds.toFixed(1), rtf: rtf(s), eta_text: eta(s) };
      if (!started) {
        bar.start(s.total, s.done, payload);
        started = true;
      } else bar.update(s.done, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
