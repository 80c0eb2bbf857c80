// What the HTML renderer takes: a command's JSON report (what its --json prints, or the file it writes)
// and, from a run that had them in memory, the audio that goes with it. Plain data.
import type { MelConfig } from '../../audio/mel.ts';
import type { Clip, MelImage } from './media.ts';

export type ReportKind = 'verify' | 'calibrate' | 'bench' | 'build' | 'diff';

/** One audio-producing case: its clips (reference first, the path checked second, then variants). */
export interface AudioCase {
  /** The row it belongs to: "<module>/<case>" for verify, "held-out <n>" for calibrate. */
  key: string;
  title: string;
  clips: Clip[];
  /** Spectrograms of clips[0] against clips[1] on this mel. */
  mel?: MelConfig;
  /** A mel output itself (an acoustic model's): reference and engine images without audio. */
  mels?: { reference: MelImage; engine: MelImage };
}

export interface ReportMedia {
  cases: AudioCase[];
  /** The recogniser's sentences: sentence text → the clip each path spoke (by path label). */
  sentences: Record<string, Clip[]>;
}

/** trtexec's --exportLayerInfo and --exportProfile JSON of one module's engine, as read. */
export interface LayerFiles {
  info?: unknown;
  infoFile?: string;
  profile?: unknown;
  profileFile?: string;
}

export interface ReportInput {
  kind: ReportKind;
  /* eslint-disable-next-line @typescript-eslint/no-explicit-any */
  doc: any;
  /** Where the JSON came from (a file), or the command that made it. */
  source: string;
  media?: ReportMedia;
  /** build: per module. */
  layers?: Record<string, LayerFiles>;
}

export function emptyMedia(): ReportMedia {
  return { cases: [], sentences: {} };
}
