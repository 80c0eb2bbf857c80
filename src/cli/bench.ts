// `emovoice bench --profile p`: the seed-style before/after table — end-to-end latency for a given
// amount of speech (text in, audio out), P99, concurrent streams that meet the P99 objective, memory,
// a per-stage breakdown, and the requests answered by the CPU fallback — for this backend next to the
// PyTorch eager baseline on the same machine. Flags in, core calls, printing out.
import type { Command } from 'commander';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from '../core/errors.ts';
import { loadModelManifest, servedTextLen, type ModelManifest } from '../model/manifest.ts';
import { loadProfile, type LoadedProfile } from '../profile/load.ts';
import { FallbackRunner } from '../runtime/fallback.ts';
import { OrtThreadRunner } from '../runtime/ort-thread.ts';
import { makeRunners, synthModel } from '../synth/model.ts';
import { EmbeddingCache, hashSamples, MODULES, Pipeline } from '../synth/pipeline.ts';
import { splitWarning, synthesizeText } from '../synth/speak.ts';
import { readNpz } from '../tensor/io.ts';
import { textToPhonemes } from '../text/frontend.ts';
import { findTrtexec } from '../trtexec/find.ts';
import { detectTensorRt } from '../trtexec/version.ts';
import { benchRunner, measureHostSteps } from '../bench/host.ts';
import { benchText, phonemesForSeconds, runStreams, type StreamResult } from '../bench/load.ts';
import { renderOrt, renderTrt, stageRows, type Baseline, type FallbackSummary, type OrtReport, type TrtLevel, type TrtReport } from '../bench/report.ts';
import { benchEngines, combineTimings, fromTrtexec, shapesForPhonemes, type ModuleTiming } from '../bench/trt.ts';
import { CONFIGS_DIR, ROOT, backendOf, collect, log, positiveInt, positiveInts, positiveNumber } from './common.ts';

interface Opts {
  profile: string;
  backend?: string;
  textSeconds: string;
  streams: string;
  sloP99Ms: string;
  requests: string;
  baseline: string;
  failEngine?: string[];
  json?: boolean;
  set?: string[];
}

const FRAMES_PER_PHONEME = 5;

export function register(program: Command): void {
  program
    .command('bench')
    .description('before/after table: end-to-end latency (text in, audio out), P99, concurrent streams under a P99 objective, memory, per-stage, CPU fallbacks — vs PyTorch eager')
    .option('--profile <name|path>', 'build profile', 'cpu')
    .option('--backend <ort|trt>', 'override the profile backend')
    .option('--text-seconds <s>', 'amount of speech per request', '15')
    .option('--streams <list>', 'concurrent streams to sweep', '1,2,4,8')
    .option('--slo-p99-ms <ms>', 'P99 latency objective', '130')
    .option('--requests <n>', 'requests per stream', '8')
    .option('--baseline <pytorch|none>', 'baseline column', 'pytorch')
    .option('--fail-engine <module>', "make this module's engine fail at load, so its CPU fallback serves it (repeatable or comma list)", collect)
    .option('--set <key=value>', 'override a profile value (repeatable)', collect)
    .option('--json', 'print JSON')
    .action(async (opts: Opts) => {
      const loaded = await loadProfile(opts.profile, { configsDir: CONFIGS_DIR, overrides: opts.set ?? [] });
      const p = loaded.profile;
      const backend = backendOf(opts.backend, p.backend);
      if (opts.baseline !== 'pytorch' && opts.baseline !== 'none') throw new UserError(`--baseline: unknown baseline "${opts.baseline}"`, { hint: 'use pytorch or none' });
      const failEngines = (opts.failEngine ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
      for (const m of failEngines) {
        if (!(MODULES as readonly string[]).includes(m)) throw new UserError(`--fail-engine: unknown module "${m}"`, { hint: `use one of: ${MODULES.join(', ')}` });
      }
      const flags = {
        seconds: positiveNumber('--text-seconds', opts.textSeconds),
        streams: positiveInts('--streams', opts.streams),
        slo: positiveNumber('--slo-p99-ms', opts.sloP99Ms),
        requests: positiveInt('--requests', opts.requests),
        failEngines: [...new Set(failEngines)],
      };
      const manifest = await loadModelManifest(p.model);
      const maxTextLen = servedTextLen(p.serving, manifest);
      const hop = Number((manifest.audio.mel as { hop: number }).hop);
      const target = phonemesForSeconds(flags.seconds, manifest.audio.sample_rate, hop, FRAMES_PER_PHONEME);
      const text = benchText(target, (t) => textToPhonemes(t, { symbols: manifest.symbols }).ids.length);
      const report = backend === 'trt' ? await benchTrt(loaded, manifest, text, maxTextLen, opts, flags) : await benchOrt(loaded, manifest, text, maxTextLen, opts, flags);
      if (opts.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else process.stdout.write(report.backend === 'trt' ? renderTrt(report) : renderOrt(report));
    });
}

interface Flags {
  seconds: number;
  streams: number[];
  slo: number;
  requests: number;
  failEngines: string[];
}

/** The ONNX Runtime path: the real pipeline, every module wrapped in a FallbackRunner, requests from text. */
async function benchOrt(loaded: LoadedProfile, manifest: ModelManifest, text: string, maxTextLen: number, opts: Opts, f: Flags): Promise<OrtReport> {
  const p = loaded.profile;
  const timeoutMs = p.serving?.timeout_ms ?? null;
  const model = await synthModel(manifest, p.serving);
  const e2e = await readNpz(resolve(manifest.references.dir, 'e2e/hello.npz'));
  const samples = e2e.wav_ref!.data as Float32Array;
  // The reference's content hash is its cache key, computed once as a server does when a voice is registered.
  const reference = { samples, sampleRate: model.sampleRate, hash: hashSamples(samples, model.sampleRate) };
  // Every module behind its CPU fallback, loaded when first needed (a module taken out: up front), so
  // the memory row counts the sessions a request actually uses, not a second copy of every model.
  const runners = makeRunners(manifest, 'ort', { fallback: 'always', failModules: f.failEngines, timeoutMs: timeoutMs ?? undefined });
  try {
    await Promise.all(Object.values(runners).map((r) => r.load()));
    const pipeline = new Pipeline(model, runners, new EmbeddingCache());
    const serve = () => synthesizeText(pipeline, { text, symbols: manifest.symbols, reference, emotion: 'neutral' });
    const warm = await serve(); // warm-up; also computes the voice's embeddings, cached from here on
    const warnings = [...(warm.split ? [splitWarning(warm.split, loaded.locate(['serving', 'max_text_len']))] : []), ...warm.warnings];
    for (const w of warnings) log(`warning: ${w}`);
    const single = await runStreams(serve, 1, f.requests, f.slo);
    const sweep: StreamResult[] = [];
    for (const s of f.streams) {
      sweep.push(await runStreams(serve, s, f.requests, f.slo));
      const r = sweep.at(-1)!;
      log(`streams ${s}: p99 ${r.latency.p99.toFixed(1)} ms, ${r.throughputRps.toFixed(1)} req/s, ${r.fellBack}/${r.requests} fell back`);
    }
    const peakRssMiB = process.resourceUsage().maxRSS / 1024; // KiB: this process's peak, worker threads included
    // The text's phoneme count (parts add a pause at each cut); the baseline runs that many ids in one call.
    const phonemes = warm.split?.phonemes ?? warm.phonemes;
    const baseline = opts.baseline === 'pytorch' ? await pytorchBaseline(manifest, phonemes, 'cpu', f) : null;
    const styleFirst = warm.stages.filter((s) => s.stage === 'style_encoder' || s.stage === 'reference log-mel').reduce((a, s) => a + s.ms, 0);
    return {
      profile: p.name,
      backend: 'ort',
      textSeconds: f.seconds,
      text,
      phonemes,
      parts: warm.parts.length,
      maxTextLen,
      audioSeconds: warm.audioSeconds,
      sloP99Ms: f.slo,
      single: single.latency,
      stages: stageRows(single.stages, baseline, { ms: styleFirst, logMel: true }, single.requests),
      sweep,
      maxStreamsWithinSlo: Math.max(0, ...sweep.filter((s) => s.meetsSlo).map((s) => s.streams)),
      peakRssMiB,
      baseline,
      fallback: fallbackSummary(runners as Record<string, FallbackRunner>, timeoutMs, f.failEngines),
      warnings,
    };
  } finally {
    await Promise.all(Object.values(runners).map((r) => r.close()));
  }
}

function fallbackSummary(runners: Record<string, FallbackRunner>, timeoutMs: number | null, failEngines: string[]): FallbackSummary {
  const onFallback: FallbackSummary['onFallback'] = [];
  const timeouts: Record<string, number> = {};
  const overran: Record<string, number> = {};
  for (const [module, r] of Object.entries(runners)) {
    overran[module] = r.overran;
    const broken = r.events.find((e) => e.stage !== 'timeout');
    if (broken) onFallback.push({ module, why: broken.stage as 'load' | 'infer', reason: broken.reason });
    timeouts[module] = r.events.filter((e) => e.stage === 'timeout').length;
  }
  return { timeoutMs, failEngines, onFallback, timeouts, overran };
}

/** The TensorRT path: trtexec performance runs per module and part shape, plus host steps measured here. */
async function benchTrt(loaded: LoadedProfile, manifest: ModelManifest, text: string, maxTextLen: number, opts: Opts, f: Flags): Promise<TrtReport> {
  const p = loaded.profile;
  const exe = await findTrtexec();
  if (!exe) {
    throw new UserError('the trt benchmark runs engines with trtexec, which was not found', {
      hint: 'on a GPU machine with TensorRT: `emovoice build --profile ' + p.name + '` then rerun; here use --backend ort',
      exitCode: 3,
    });
  }
  const missing = MODULES.filter((m) => !f.failEngines.includes(m) && !existsSync(join(p.output, `${m}.engine`)));
  if (missing.length) {
    throw new UserError(`engines not built yet: ${missing.map((m) => join(p.output, `${m}.engine`)).join(', ')}`, {
      hint: `run \`emovoice build --profile ${p.name}\` first, or measure without them: --fail-engine ${missing.join(',')}`,
      exitCode: 3,
    });
  }
  const { version, dialect } = await detectTensorRt(exe);
  const work = await mkdtemp(join(tmpdir(), 'emovoice-bench-'));
  const hidden = Number(manifest.modules.acoustic_encoder?.outputs.adapted_hidden?.dims.at(-1));
  const host = measureHostSteps({ text, symbols: manifest.symbols, limit: maxTextLen, hidden, lengthRegulator: manifest.lengthRegulator, framesPerPhoneme: FRAMES_PER_PHONEME, repeats: Math.max(20, f.requests) });
  const warnings = host.split ? [splitWarning(host.split, loaded.locate(['serving', 'max_text_len']))] : [];
  for (const w of warnings) log(`warning: ${w}`);
  // Parts of equal length share one measurement.
  const lengths = new Map<number, number>();
  for (const n of host.parts) lengths.set(n, (lengths.get(n) ?? 0) + 1);
  // The CPU fallbacks of engines taken out run in worker threads, as synth's do: concurrent streams
  // queue on them for real, so their latency under load is measured, not just one call's.
  const fallbacks = new Map(f.failEngines.map((m) => [m, new OrtThreadRunner(manifest.modules[m]!.file)]));
  const sweep: TrtLevel[] = [];
  let styleRun: TrtLevel['runs'][number];
  try {
    await Promise.all([...fallbacks.values()].map((r) => r.load()));
    /** Each module at one part's shape under `streams` streams: on its engine (trtexec) or its CPU fallback. */
    const measure = async (streams: number, textLen: number | null, count: number, modules: string[], runs: TrtLevel['runs']): Promise<ModuleTiming[]> => {
      const shapes = shapesForPhonemes(manifest, textLen ?? 1, 6, FRAMES_PER_PHONEME);
      const onEngine = Object.fromEntries(modules.filter((m) => !fallbacks.has(m)).map((m) => [m, shapes[m]!]));
      const timings: ModuleTiming[] = [];
      // The report keeps each run's numbers; the per-call samples only feed the request P99 estimate.
      const record = ({ samples, ...t }: ModuleTiming, log?: string) => runs.push({ ...t, textLen, count, samples: samples?.length ?? 0, ...(log && { log }) });
      for (const b of await benchEngines({ exe, dialect, engineDir: p.output, shapes: onEngine, streams, durationS: 3, workDir: work, logTag: `s${streams}${textLen != null ? `.t${textLen}` : ''}` })) {
        timings.push(fromTrtexec(b));
        record(timings.at(-1)!, b.log);
      }
      for (const m of modules.filter((m) => fallbacks.has(m))) {
        const inputs = shapes[m]!.map((s) => ({ ...s, dtype: manifest.modules[m]!.inputs[s.name]!.dtype }));
        const st = await benchRunner(fallbacks.get(m)!, inputs, streams, f.requests);
        timings.push({ module: m, meanMs: st.mean, p99Ms: st.p99, source: 'ort-cpu fallback', samples: st.samples });
        record(timings.at(-1)!);
      }
      return timings;
    };
    // The style encoder runs once per new voice (then cached), so it is timed once, for the table's note.
    const styleRuns: TrtLevel['runs'] = [];
    const style = await measure(1, null, 1, ['style_encoder'], styleRuns);
    styleRun = styleRuns[0]!;
    for (const streams of f.streams) {
      const runs: TrtLevel['runs'] = [];
      const parts = [{ count: 1, modules: style }];
      for (const [n, count] of lengths) parts.push({ count, modules: await measure(streams, n, count, MODULES.filter((m) => m !== 'style_encoder'), runs) });
      const c = combineTimings(parts, host.stages, ['style_encoder']);
      // The objective is judged on the estimate when every stage has per-call samples, else on the P99 sum.
      const p99 = c.p99EstimateMs ?? c.p99Ms;
      sweep.push({ streams, ...c, meetsSlo: p99 != null && p99 <= f.slo, runs });
      log(`streams ${streams}: mean ${c.meanMs?.toFixed(2) ?? '-'} ms, p99 ${c.p99EstimateMs?.toFixed(2) ?? '-'} ms (sum of P99s ${c.p99Ms?.toFixed(2) ?? '-'} ms)`);
    }
  } finally {
    await Promise.all([...fallbacks.values()].map((r) => r.close()));
  }
  const phonemes = host.split?.phonemes ?? host.parts[0]!;
  const baseline = opts.baseline === 'pytorch' ? await pytorchBaseline(manifest, phonemes, 'cuda', f) : null;
  const first = sweep[0]!;
  const measured = first.stages.map((s) => (s.stage === 'style_encoder' ? { stage: 'style_encoder (cached)', mean: 0, p99: 0 } : { stage: s.stage, mean: s.meanMs, p99: s.p99Ms }));
  return {
    profile: p.name,
    backend: 'trt',
    tensorrt: version,
    trtexec: exe,
    textSeconds: f.seconds,
    text,
    phonemes,
    parts: host.parts,
    maxTextLen,
    sloP99Ms: f.slo,
    host: host.stages.map(({ samples: _, ...h }) => h),
    stages: stageRows(measured, baseline, styleRun.meanMs != null ? { ms: styleRun.meanMs, logMel: false } : null),
    styleEncoder: styleRun,
    sweep,
    maxStreamsWithinSlo: Math.max(0, ...sweep.filter((s) => s.meetsSlo).map((s) => s.streams)),
    baseline,
    fallback: {
      timeoutMs: p.serving?.timeout_ms ?? null,
      failEngines: f.failEngines,
      onFallback: f.failEngines.map((module) => ({ module, why: 'load' as const, reason: `${module} disabled by --fail-engine` })),
      timeouts: {},
      overran: {},
    },
    logs: work,
    warnings,
  };
}

/** PyTorch eager on the same amount of text (python3 -m emovoice_ref.bench); null with a warning when it cannot run. */
async function pytorchBaseline(manifest: ModelManifest, phonemes: number, device: 'cpu' | 'cuda', f: Flags): Promise<Baseline | null> {
  const args = ['-m', 'emovoice_ref.bench', '--model', resolve(manifest.dir), '--text-len', String(phonemes), '--device', device, '--repeats', String(f.requests)];
  args.push('--streams', f.streams.join(','), '--slo-p99-ms', String(f.slo), '--json');
  const py = await execa('python3', args, { cwd: resolve(ROOT, 'reference'), reject: false });
  if (py.exitCode === 0) return JSON.parse(py.stdout) as Baseline;
  log(`warning: PyTorch baseline not run (${py.stderr.trim().split('\n').pop() || `python3 exit ${py.exitCode}`}); fix: pip install -r reference/requirements.txt${device === 'cuda' ? ' (with CUDA)' : ''}, or --baseline none`);
  return null;
}
