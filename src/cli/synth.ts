// `emovoice synth "text" [--ref voice.wav | --speaker 3 --prompt 开心 | …]`: end-to-end audio with
// per-stage latency, for any model family: the request's conditioning is what the model's manifest declares.
import type { Command } from 'commander';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { encodeWav } from '../audio/wav.ts';
import { UserError } from '../core/errors.ts';
import { resolveOutput, writeFileAtomic, type OutputOptions } from '../core/files.ts';
import type { ModelManifest } from '../model/manifest.ts';
import { Pipeline } from '../pipeline/executor.ts';
import { openModel } from '../pipeline/model.ts';
import { loadProfile } from '../profile/load.ts';
import { loadProfileModel } from '../profile/model.ts';
import type { FallbackEvent } from '../runtime/fallback.ts';
import { TRTEXEC_CALL_OVERHEAD_MS } from '../runtime/trt.ts';
import { DiskStore } from '../synth/cache.ts';
import { cpuModels } from '../synth/precision.ts';
import { makeRunners, servingFor, servingRunnerOptions } from '../synth/runners.ts';
import { splitWarning, synthesizeText } from '../synth/speak.ts';
import { findTrtexec } from '../trtexec/find.ts';
import { onEngines } from '../runtime/backends.ts';
import { checkTensorRtBackend } from '../runtime/providers.ts';
import { CONFIGS_DIR, backendOf, collect, fallbackLine, log, nonNegativeNumber, positiveNumber } from './common.ts';
import { addRequestOptions, requestConditioning } from './request.ts';
import { assertSpeakable, cleanText } from '../text/clean.ts';
import type { FileOpts } from './synth-file.ts';

/** synth's flags: long-form's (synth-file.ts), --file itself optional, and those of one text. */
interface Opts extends Omit<FileOpts, 'file'> {
  file?: string;
  trtexecOverheadMs?: string;
  stream?: boolean;
}

/** --out: WAV only (a .mp3 name is refused, not filled with WAV data); see writeFileAtomic for links and devices. */
const OUT: OutputOptions = { flag: '--out', extensions: ['.wav', '.wave'], what: 'WAV audio' };

const FALLBACK_WHY: Record<FallbackEvent['stage'], string> = { load: 'engine did not load', infer: 'engine failed', timeout: 'engine overran the timeout' };

/** What the disk cache keys on: the content of the modules whose outputs it keeps. */
async function modelKey(m: ModelManifest): Promise<string> {
  const h = createHash('sha256');
  const files = [...new Set(m.graph.filter((s) => s.module).map((s) => m.modules[s.module!]!.file))].sort();
  for (const f of files) h.update(await readFile(f));
  return h.digest('hex').slice(0, 16);
}

export function register(program: Command): void {
  const cmd = program
    .command('synth')
    .description("synthesize speech end to end through the model's graph, with per-stage latency")
    .argument('[text]', 'text to speak (or --file)');
  addRequestOptions(cmd)
    .option('--out <wav>', 'output WAV', 'out/synth.wav')
    .option('--profile <name|path>', 'build profile (model, backend, limits, engines)', 'cpu')
    .option('--backend <ort|cuda|trt|trtexec>', 'override the profile backend')
    .option('--language <lang>', "language hint for the frontend (auto, en, zh …, as the model's frontend takes)")
    .option('--timeout-ms <ms>', 'per-stage timeout before falling back to the CPU backend')
    .option('--trtexec-overhead-ms <ms>', 'trtexec backend: allowance per stage for starting trtexec and loading the engine, on top of the timeout', String(TRTEXEC_CALL_OVERHEAD_MS))
    .option('--set <key=value>', 'override a profile value, e.g. model=path/to/manifest.yaml (repeatable)', collect)
    .option('--stream', 'emit audio as it is made: the last stages run on chunks (raw S16_LE PCM on stdout with --out -, e.g. | aplay -f S16_LE -r 22050)')
    .option('--json', 'print a JSON report')
    .option('--file <txt|->', 'long-form: speak a UTF-8 text file (- for stdin) sentence by sentence into one WAV, resumable')
    .option('--srt <file>', '--file: also write SubRip subtitles, one cue per sentence')
    .option('--vtt <file>', '--file: also write WebVTT subtitles, one cue per sentence')
    .option('--batch <n>', "--file: sentences per engine call (default: the profile's serving.max_batch)")
    .option('--progress-every <n>', '--file without a terminal: a progress line every n sentences', '10')
    .action(async (text: string | undefined, opts: Opts) => {
      if (opts.file !== undefined) {
        if (text !== undefined) throw new UserError('give the text or --file, not both', { hint: 'emovoice synth --file chapter.txt --out chapter.wav' });
        return (await import('./synth-file.ts')).synthFile({ ...opts, file: opts.file });
      }
      if (opts.srt || opts.vtt || opts.batch) throw new UserError('--srt, --vtt and --batch go with --file', { hint: 'emovoice synth --file chapter.txt --out chapter.wav --srt chapter.srt' });
      if (text === undefined || !text.trim()) throw new UserError('the text is empty', { hint: 'give something to say, e.g. emovoice synth "Hello world"' });
      assertSpeakable(cleanText(text).text); // nothing to say fails before any model is opened or converted
      await resolveOutput(opts.out, OUT); // a bad --out fails before any work
      const loaded = await loadProfile(opts.profile, { configsDir: CONFIGS_DIR, overrides: opts.set ?? [] });
      const p = loaded.profile;
      const manifest = await loadProfileModel(loaded);
      const backend = backendOf(opts.backend, p.backend);
      const serving = servingFor(p.serving, backend);
      const conditioning = await requestConditioning(manifest, opts);
      const model = await openModel(manifest, serving);
      const fallbacks: string[] = [];
      // the CPU backend runs each module at the precision the profile gives it (an INT8 vocoder, FP16 …)
      if (backend === 'trt') await checkTensorRtBackend(p.output);
      const cpu = onEngines(backend) ? null : await cpuModels(loaded, manifest, undefined, { log, runtime: backend === 'cuda' ? 'cuda' : 'cpu' });
      const runners = makeRunners(manifest, backend, {
        onnx: cpu?.files,
        ...servingRunnerOptions(serving, { stream: !!opts.stream }),
        engineDir: p.output,
        trtexec: backend === 'trtexec' ? await findTrtexec() : null,
        timeoutMs: opts.timeoutMs ? positiveNumber('--timeout-ms', opts.timeoutMs) : serving.timeout_ms,
        trtexecOverheadMs: nonNegativeNumber('--trtexec-overhead-ms', opts.trtexecOverheadMs!),
        onFallback: (e) => {
          fallbacks.push(`${e.runner} (${e.stage}): ${e.reason}`);
          log(`warning: ${fallbackLine(e)}`);
        },
      });
      // Cached stage outputs (a voice's embeddings …) persist across runs, keyed by model and conditioning.
      const pipeline = new Pipeline(model, runners, undefined, new DiskStore(await modelKey(manifest)));
      try {
        await Promise.all(Object.values(runners).map((r) => r.load()));
        if (opts.stream) {
          const { synthStream } = await import('./synth-stream.ts');
          const report = { model: manifest.path, family: manifest.family, backend, ...(cpu && { precisions: cpu.precisions }), fallbacks };
          return await synthStream({ pipeline, text, conditioning, language: opts.language, out: opts.out, json: opts.json, serving, report });
        }
        const result = await synthesizeText(pipeline, { text, conditioning, language: opts.language });
        const out = resolve(opts.out);
        await writeFileAtomic(opts.out, encodeWav(result.waveform, model.sampleRate, { format: 'pcm16' }), OUT);
        const warnings = [...(result.split ? [splitWarning(result.split, loaded.locate(['serving', 'max_text_len']))] : []), ...result.warnings];
        const { totalMs, audioSeconds } = result;
        const report = {
          out,
          model: manifest.path,
          family: manifest.family,
          backend,
          ...(cpu && { precisions: cpu.precisions }),
          sampleRate: model.sampleRate,
          audioSeconds,
          totalMs,
          rtf: result.rtf,
          sentences: result.parts.length,
          phonemes: result.phonemes,
          frames: result.frames,
          stages: result.stages,
          split: result.split,
          cacheHit: result.cacheHit,
          fallbacks,
          warnings,
        };
        if (opts.json) {
          process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        } else {
          for (const w of warnings) log(`warning: ${w}`);
          const rows = report.stages.map((s) => `  ${s.stage.padEnd(32)} ${s.ms.toFixed(1).padStart(9)} ms${s.fallback ? `  (CPU fallback: ${FALLBACK_WHY[s.fallback]})` : ''}`);
          process.stdout.write(
            [
              `wrote ${out} (${audioSeconds.toFixed(2)} s at ${model.sampleRate} Hz, backend ${backend}${fallbacks.length ? ', with CPU fallback' : ''})`,
              'stage                                latency',
              ...rows,
              `  ${'total'.padEnd(32)} ${totalMs.toFixed(1).padStart(9)} ms`,
              `real-time factor ${report.rtf.toFixed(3)} (${(1 / report.rtf).toFixed(1)}× faster than real time)`,
              ...(backend === 'trtexec'
                ? ['note: on the trtexec backend each stage is one trtexec process, engine load included (a debugging path); --backend trt runs the engines in process']
                : []),
            ].join('\n') + '\n',
          );
        }
      } finally {
        await Promise.all([...Object.values(runners).map((r) => r.close()), model.close()]);
      }
    });
}
