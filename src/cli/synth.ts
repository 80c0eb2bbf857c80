// `emovoice synth "text" --ref voice.wav`: end-to-end test audio with per-stage latency.
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseWav, encodeWav } from '../audio/wav.ts';
import { UserError } from '../core/errors.ts';
import { sha256Text, writeFileAtomic } from '../core/files.ts';
import { loadModelManifest } from '../model/manifest.ts';
import { loadProfile } from '../profile/load.ts';
import { findTrtexec } from '../trtexec/find.ts';
import { EmbeddingCache, Pipeline, type ReferenceAudio } from '../synth/pipeline.ts';
import { splitWarning, synthesizeText } from '../synth/speak.ts';
import type { FallbackEvent } from '../runtime/fallback.ts';
import { DiskEmbeddings } from '../synth/cache.ts';
import { makeRunners, synthModel } from '../synth/model.ts';
import { CONFIGS_DIR, backendOf, collect, fallbackLine, log, nonNegativeNumber, positiveNumber } from './common.ts';
import { TRTEXEC_CALL_OVERHEAD_MS } from '../runtime/trt.ts';

interface Opts {
  ref: string;
  emotion?: string;
  emotionRef?: string;
  out: string;
  profile: string;
  backend?: 'ort' | 'trt';
  json?: boolean;
  set?: string[];
  timeoutMs?: string;
  trtexecOverheadMs?: string;
}

const FALLBACK_WHY: Record<FallbackEvent['stage'], string> = { load: 'engine did not load', infer: 'engine failed', timeout: 'engine overran the timeout' };

async function loadRef(path: string): Promise<ReferenceAudio> {
  const bytes = await readFile(path).catch(() => {
    throw new UserError('cannot read the reference recording', { place: { file: path }, hint: 'check the path' });
  });
  const wav = parseWav(bytes, path);
  return { samples: wav.samples, sampleRate: wav.sampleRate, hash: sha256Text(bytes), file: path };
}

export function register(program: Command): void {
  program
    .command('synth')
    .description('synthesize speech end to end (frontend → style → text → acoustic → vocoder) with per-stage latency')
    .argument('<text>', 'text to speak (English, Mandarin or mixed)')
    .requiredOption('--ref <wav>', 'reference recording of the target voice (3–10 s)')
    .option('--emotion <label>', 'emotion label from the model manifest')
    .option('--emotion-ref <wav>', 'take the emotion from another recording')
    .option('--out <wav>', 'output WAV', 'out/synth.wav')
    .option('--profile <name|path>', 'build profile (backend, limits, engines)', 'cpu')
    .option('--backend <ort|trt>', 'override the profile backend')
    .option('--timeout-ms <ms>', 'per-stage timeout before falling back to the CPU backend')
    .option('--trtexec-overhead-ms <ms>', 'trt backend: allowance per stage for starting trtexec and loading the engine, on top of the timeout', String(TRTEXEC_CALL_OVERHEAD_MS))
    .option('--set <key=value>', 'override a profile value, e.g. model=path/to/manifest.yaml (repeatable)', collect)
    .option('--json', 'print a JSON report')
    .action(async (text: string, opts: Opts) => {
      if (opts.emotion && opts.emotionRef) {
        throw new UserError('give either --emotion or --emotion-ref, not both');
      }
      const loaded = await loadProfile(opts.profile, { configsDir: CONFIGS_DIR, overrides: opts.set ?? [] });
      const p = loaded.profile;
      const manifest = await loadModelManifest(p.model);
      const backend = backendOf(opts.backend, p.backend);
      const serving = p.serving ?? {};
      const model = await synthModel(manifest, serving);
      const fallbacks: string[] = [];
      const runners = makeRunners(manifest, backend, {
        engineDir: p.output,
        trtexec: backend === 'trt' ? await findTrtexec() : null,
        timeoutMs: opts.timeoutMs ? positiveNumber('--timeout-ms', opts.timeoutMs) : serving.timeout_ms,
        trtexecOverheadMs: nonNegativeNumber('--trtexec-overhead-ms', opts.trtexecOverheadMs!),
        onFallback: (e) => {
          fallbacks.push(`${e.runner} (${e.stage}): ${e.reason}`);
          log(`warning: ${fallbackLine(e)}`);
        },
      });
      const cache = new EmbeddingCache();
      const pipeline = new Pipeline(model, runners, cache);
      try {
        await Promise.all(Object.values(runners).map((r) => r.load()));
        const reference = await loadRef(opts.ref);
        const emotionReference = opts.emotionRef ? await loadRef(opts.emotionRef) : undefined;
        // Speaker/emotion embeddings persist across runs, keyed by model and reference content.
        const modelKey = sha256Text(await readFile(manifest.modules.style_encoder!.file)).slice(0, 16);
        const disk = new DiskEmbeddings(modelKey);
        for (const r of [reference, emotionReference]) if (r?.hash) await disk.preload(cache, r.hash);
        const result = await synthesizeText(pipeline, { text, symbols: manifest.symbols, reference, emotion: opts.emotion, emotionReference });
        for (const r of [reference, emotionReference]) if (r?.hash) await disk.store(cache, r.hash);
        const out = resolve(opts.out);
        await writeFileAtomic(out, encodeWav(result.waveform, model.sampleRate, { format: 'pcm16' }));
        const warnings = [...(result.split ? [splitWarning(result.split, loaded.locate(['serving', 'max_text_len']))] : []), ...result.warnings];
        const { totalMs, audioSeconds } = result;
        const report = {
          out,
          backend,
          sampleRate: model.sampleRate,
          audioSeconds,
          totalMs,
          rtf: result.rtf,
          sentences: result.parts.length,
          phonemes: result.phonemes,
          frames: result.frames,
          stages: result.stages,
          split: result.split,
          speakerCacheHit: result.cacheHit,
          fallbacks,
          warnings,
        };
        if (opts.json) {
          process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        } else {
          for (const w of warnings) log(`warning: ${w}`);
          const rows = report.stages.map((s) => `  ${s.stage.padEnd(24)} ${s.ms.toFixed(1).padStart(9)} ms${s.fallback ? `  (CPU fallback: ${FALLBACK_WHY[s.fallback]})` : ''}`);
          process.stdout.write(
            [
              `wrote ${out} (${audioSeconds.toFixed(2)} s at ${model.sampleRate} Hz, backend ${backend}${fallbacks.length ? ', with CPU fallback' : ''})`,
              'stage                        latency',
              ...rows,
              `  ${'total'.padEnd(24)} ${totalMs.toFixed(1).padStart(9)} ms`,
              `real-time factor ${report.rtf.toFixed(3)} (${(1 / report.rtf).toFixed(1)}× faster than real time)`,
              ...(backend === 'trt'
                ? ['note: on the trt backend each stage is one trtexec process, engine load included; `emovoice bench --backend trt` times the engines themselves']
                : []),
            ].join('\n') + '\n',
          );
        }
      } finally {
        await Promise.all(Object.values(runners).map((r) => r.close()));
      }
    });
}
