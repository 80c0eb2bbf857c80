// Shared by the streaming tests: synthesize a text whole and streamed on one pipeline, and measure how
// the two agree (SNR of the streamed audio against the whole) and whether the seams click.
import { snrDb } from '../../src/compare/metrics.ts';
import { seamJumps, type SeamReport } from '../../src/compare/seams.ts';
import type { RequestConditioning } from '../../src/pipeline/conditioning.ts';
import type { Pipeline } from '../../src/pipeline/executor.ts';
import type { ChunkPolicy } from '../../src/pipeline/stream.ts';
import { synthesizeText } from '../../src/synth/speak.ts';
import { streamText, type TextStreamResult } from '../../src/synth/stream.ts';

export interface StreamCheck {
  whole: Float32Array;
  streamed: Float32Array;
  snr: number;
  seams: SeamReport;
  chunks: number;
  result: TextStreamResult;
  /** When each chunk arrived (ms since the request began). */
  arrivals: number[];
  /** Each chunk's sentence part and length in samples. */
  sizes: { part: number; samples: number }[];
}

export async function streamedVsWhole(pipeline: Pipeline, text: string, conditioning: RequestConditioning, chunks: ChunkPolicy): Promise<StreamCheck> {
  const whole = (await synthesizeText(pipeline, { text, conditioning })).waveform;
  const pieces: Float32Array[] = [];
  const seams: number[] = [];
  const arrivals: number[] = [];
  const sizes: StreamCheck['sizes'] = [];
  let n = 0;
  const result = await streamText(pipeline, { text, conditioning, chunks }, (c) => {
    seams.push(n);
    n += c.samples.length;
    pieces.push(c.samples.slice());
    arrivals.push(c.atMs);
    sizes.push({ part: c.part, samples: c.samples.length });
  });
  const streamed = new Float32Array(n);
  let off = 0;
  for (const p of pieces) {
    streamed.set(p, off);
    off += p.length;
  }
  return { whole, streamed, snr: snrDb(streamed, whole), seams: seamJumps(streamed, seams), chunks: pieces.length, result, arrivals, sizes };
}
