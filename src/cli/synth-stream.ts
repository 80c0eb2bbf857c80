// `emovoice synth … --stream`: the audio goes out as it is made (raw S16_LE on stdout with `--out -`, or a
// WAV whose header is fixed at the end), with the time to the first audio beside the full latency.
// Called by synth.ts once the model and runners are up; flags in, core calls, printing out.
import { pcmStreamSink, wavFileSink, type AudioSink } from '../audio/stream-sink.ts';
import { UserError } from '../core/errors.ts';
import type { Pipeline } from '../pipeline/executor.ts';
import type { RequestConditioning } from '../pipeline/conditioning.ts';
import { chunkPolicy } from '../pipeline/stream.ts';
import { streamText } from '../synth/stream.ts';
import { log } from './common.ts';
import { resolve } from 'node:path';

export interface StreamSynthArgs {
  pipeline: Pipeline;
  text: string;
  conditioning: RequestConditioning;
  language?: string;
  out: string;
  json?: boolean;
  serving: { stream_chunk_frames?: number; stream_first_chunk_frames?: number };
  /** What synth's report says besides (model, family, backend …). */
  report: Record<string, unknown>;
}

class Interrupted extends Error {}

export async function synthStream(a: StreamSynthArgs): Promise<void> {
  const rate = a.pipeline.model.sampleRate;
  const toStdout = a.out === '-';
  const out = toStdout ? '-' : resolve(a.out);
  const sink: AudioSink = toStdout ? pcmStreamSink(process.stdout) : await wavFileSink(out, rate);
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const chunks = chunkPolicy(a.serving);
  let count = 0;
  try {
    const r = await streamText(a.pipeline, { text: a.text, conditioning: a.conditioning, language: a.language, chunks }, async (c) => {
      if (interrupted) throw new Interrupted();
      if (sink.closedByReader) throw new Interrupted();
      await sink.write(c.samples);
      count++;
    });
    await sink.close();
    const report = {
      out,
      ...a.report,
      sampleRate: rate,
      stream: { firstChunkFrames: chunks.firstFrames, chunkFrames: chunks.frames, chunks: count },
      audioSeconds: r.audioSeconds,
      firstAudioMs: r.firstAudioMs,
      totalMs: r.totalMs,
      rtf: r.rtf,
      sentences: r.parts.length,
      phonemes: r.parts.reduce((s, p) => s + p.phonemes, 0),
      frames: r.parts.reduce((s, p) => s + p.frames, 0),
      stages: r.stages,
      split: r.split,
      warnings: r.warnings,
    };
    // with the audio on stdout, everything else goes to stderr
    const print = (s: string) => (toStdout ? process.stderr.write(s) : process.stdout.write(s));
    if (a.json) print(JSON.stringify(report, null, 2) + '\n');
    else {
      for (const w of r.warnings) log(`warning: ${w}`);
      print(
        [
          `${toStdout ? 'streamed to stdout (S16_LE' : `wrote ${out} (16-bit WAV`}, ${rate} Hz, mono): ${r.audioSeconds.toFixed(2)} s in ${count} chunks over ${r.parts.length} sentence part${r.parts.length === 1 ? '' : 's'}`,
          `first audio after ${r.firstAudioMs.toFixed(1)} ms; all audio after ${r.totalMs.toFixed(1)} ms (real-time factor ${r.rtf.toFixed(3)})`,
          'stage                                latency (all chunks)',
          ...r.stages.map((s) => `  ${s.stage.padEnd(32)} ${s.ms.toFixed(1).padStart(9)} ms`),
        ].join('\n') + '\n',
      );
    }
  } catch (e) {
    await sink.abort();
    if (e instanceof Interrupted) {
      if (sink.closedByReader) return; // the player quit: not an error
      log(`interrupted: ${toStdout ? 'stopped streaming' : `${out} left as it was`}`);
      process.exitCode = 130;
      return;
    }
    if (e instanceof UserError) throw e;
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
