// `emovoice bench --profile p`: the seed-style before/after table — end-to-end latency for a given
// amount of speech, P99, concurrent streams that meet the P99 objective, memory — for this backend
// next to the PyTorch eager baseline on the same machine and inputs.
import type { Command } from 'commander';
import { execa } from 'execa';
import { resolve } from 'node:path';
import { UserError } from '../core/errors.ts';
import { loadModelManifest } from '../model/manifest.ts';
import { loadProfile } from '../profile/load.ts';
import { makeRunners, synthModel } from '../synth/model.ts';
import { EmbeddingCache, Pipeline } from '../synth/pipeline.ts';
import { readNpz } from '../tensor/io.ts';
import { findTrtexec } from '../trtexec/find.ts';
import { phonemesForSeconds, runStreams, type StreamResult } from '../bench/load.ts';
import { CONFIGS_DIR, ROOT, collect, log } from './common.ts';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchEngines, combine, shapesForSpeech } from '../bench/trt.ts';
import { detectTensorRt } from '../trtexec/version.ts';

interface Opts {
  profile: string;
  backend?: 'ort' | 'trt';
  textSeconds: string;
  streams: string;
  sloP99Ms: string;
  requests: string;
  baseline: string;
  json?: boolean;
  set?: string[];
}

export function register(program: Command): void {
  program
    .command('bench')
    .description('before/after table: end-to-end latency, P99, concurrent streams under a P99 objective, memory — vs PyTorch eager')
    .option('--profile <name|path>', 'build profile', 'cpu')
    .option('--backend <ort|trt>', 'override the profile backend')
    .option('--text-seconds <s>', 'amount of speech per request', '15')
    .option('--streams <list>', 'concurrent streams to sweep', '1,2,4,8')
    .option('--slo-p99-ms <ms>', 'P99 latency objective', '130')
    .option('--requests <n>', 'requests per stream', '8')
    .option('--baseline <pytorch|none>', 'baseline column', 'pytorch')
    .option('--set <key=value>', 'override a profile value (repeatable)', collect)
    .option('--json', 'print JSON')
    .action(async (opts: Opts) => {
      const loaded = await loadProfile(opts.profile, { configsDir: CONFIGS_DIR, overrides: opts.set ?? [] });
      const p = loaded.profile;
      const backend = opts.backend ?? p.backend;
      const exe = await findTrtexec();
      if (backend === 'trt' && !exe) {
        throw new UserError('the trt benchmark runs engines with trtexec, which was not found', {
          hint: 'on a GPU machine with TensorRT: `emovoice build --profile ' + p.name + '` then rerun; here use --backend ort',
          exitCode: 3,
        });
      }
      const manifest = await loadModelManifest(p.model);
      if (backend === 'trt') {
        const { version, dialect } = await detectTensorRt(exe!);
        const work = await mkdtemp(join(tmpdir(), 'emovoice-bench-'));
        const seconds = Number(opts.textSeconds);
        const results = [];
        for (const s of opts.streams.split(',').map(Number)) {
          const mods = await benchEngines({ exe: exe!, dialect, engineDir: p.output, shapes: shapesForSpeech(manifest, seconds), streams: s, durationS: 3, workDir: work });
          results.push({ streams: s, modules: mods.map((m) => ({ module: m.module, latencyMs: m.summary.latencyMs, throughputQps: m.summary.throughputQps })), ...combine(mods, 0) });
        }
        const slo = Number(opts.sloP99Ms);
        const within = results.filter((r) => r.p99Ms != null && r.p99Ms <= slo).map((r) => r.streams);
        const report = { profile: p.name, backend, tensorrt: version, textSeconds: seconds, sloP99Ms: slo, sweep: results, maxStreamsWithinSlo: Math.max(0, ...within), logs: work };
        if (opts.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        else {
          process.stdout.write(`emovoice bench — profile ${p.name}, TensorRT ${version}, ${seconds} s of speech, P99 objective ${slo} ms (engine time summed per module; logs in ${work})\n`);
          for (const r of results) process.stdout.write(`streams ${String(r.streams).padStart(3)}: mean ${r.meanMs?.toFixed(2) ?? '-'} ms, p99 ${r.p99Ms?.toFixed(2) ?? '-'} ms, peak GPU ${r.peakGpuMiB ?? '-'} MiB\n`);
          process.stdout.write(`concurrent streams within P99 ${slo} ms: ${report.maxStreamsWithinSlo}\n`);
        }
        return;
      }
      const model = await synthModel(manifest, { maxTextLen: 10_000, maxMelLen: 1_000_000 });
      const seconds = Number(opts.textSeconds);
      const hop = Number((manifest.audio.mel as { hop: number }).hop);
      const nPh = phonemesForSeconds(seconds, model.sampleRate, hop);
      const e2e = await readNpz(resolve(manifest.references.dir, 'e2e/hello.npz'));
      const base = e2e.phoneme_ids!.data as Int32Array;
      const ids = Int32Array.from({ length: nPh }, (_, i) => base[i % base.length]!);
      const reference = { samples: e2e.wav_ref!.data as Float32Array, sampleRate: model.sampleRate };
      const runners = makeRunners(manifest, backend as 'ort' | 'trt', { engineDir: p.output, trtexec: await findTrtexec() });
      await Promise.all(Object.values(runners).map((r) => r.load()));
      const pipeline = new Pipeline(model, runners, new EmbeddingCache());
      const req = { phonemeIds: ids, reference, emotion: 'neutral' };
      const slo = Number(opts.sloP99Ms);
      const rssBefore = process.memoryUsage().rss;
      await pipeline.synthesize(req); // warm-up (also fills the speaker cache, as a server would)
      const single = await runStreams(pipeline, req, 1, Number(opts.requests), slo);
      const sweep: StreamResult[] = [];
      for (const s of opts.streams.split(',').map(Number)) {
        sweep.push(await runStreams(pipeline, req, s, Number(opts.requests), slo, p.serving?.timeout_ms));
        log(`streams ${s}: p99 ${sweep.at(-1)!.latency.p99.toFixed(1)} ms, ${sweep.at(-1)!.throughputRps.toFixed(1)} req/s`);
      }
      const peakRssMiB = Math.max(process.memoryUsage().rss, rssBefore) / 2 ** 20;
      await Promise.all(Object.values(runners).map((r) => r.close()));
      const maxStreams = Math.max(0, ...sweep.filter((s) => s.meetsSlo).map((s) => s.streams));
      const audioSeconds = (await pipeline.synthesize(req).catch(() => null))?.audioSeconds ?? seconds;

      let baseline: { total_ms: number; p99_ms: number; peak_gpu_mib: number | null; device: string } | null = null;
      if (opts.baseline === 'pytorch') {
        const py = await execa('python3', ['-m', 'emovoice_ref.bench', '--model', resolve(manifest.dir), '--text-len', String(nPh), '--device', 'cpu', '--repeats', opts.requests, '--json'], {
          cwd: resolve(ROOT, 'reference'),
          reject: false,
        });
        if (py.exitCode === 0) baseline = JSON.parse(py.stdout);
        else log(`warning: PyTorch baseline not run (${py.stderr.trim().split('\n').pop()}); pip install -r reference/requirements.txt`);
      }
      const report = {
        profile: p.name,
        backend,
        textSeconds: seconds,
        phonemes: nPh,
        audioSeconds,
        sloP99Ms: slo,
        single: single.latency,
        sweep,
        maxStreamsWithinSlo: maxStreams,
        peakRssMiB,
        baseline,
      };
      if (opts.json) {
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        return;
      }
      const row = (name: string, before: string, after: string) => `${name.padEnd(34)} ${before.padStart(16)} ${after.padStart(16)}`;
      process.stdout.write(
        [
          `emovoice bench — profile ${p.name}, ${seconds} s of speech (${nPh} phonemes, ${audioSeconds.toFixed(1)} s audio), P99 objective ${slo} ms`,
          row('', baseline ? `PyTorch eager (${baseline.device})` : 'baseline', `${backend}`),
          row('end-to-end latency, mean (ms)', baseline ? baseline.total_ms.toFixed(1) : '-', single.latency.mean.toFixed(1)),
          row('end-to-end latency, P99 (ms)', baseline ? baseline.p99_ms.toFixed(1) : '-', single.latency.p99.toFixed(1)),
          row(`concurrent streams within P99 ${slo} ms`, '-', String(maxStreams)),
          row('peak memory (MiB, process RSS)', baseline?.peak_gpu_mib ? baseline.peak_gpu_mib.toFixed(0) : '-', peakRssMiB.toFixed(0)),
          '',
          `streams  requests  mean ms   p99 ms  req/s  within P99  over ${p.serving?.timeout_ms ?? '-'} ms timeout (would fall back)`,
          ...sweep.map((s) => `${String(s.streams).padStart(7)} ${String(s.requests).padStart(9)} ${s.latency.mean.toFixed(1).padStart(8)} ${s.latency.p99.toFixed(1).padStart(8)} ${s.throughputRps.toFixed(1).padStart(6)}  ${(s.meetsSlo ? 'yes' : 'no').padEnd(10)}  ${s.overTimeout}`),
        ].join('\n') + '\n',
      );
    });
}
