// Where a module's time goes on ONNX Runtime's CUDA provider (issue 18's diagnosis; a benchmark, run on
// the GPU machine). One CPU pass of `bench`'s own request captures every module's real inputs, part by
// part; then each module runs in a CUDA session of its own (made once):
//   same   the first part's inputs, call after call (one input shape);
//   cycle  the request's parts in turn, as a request runs them (the input length changes call to call);
// median ms per call of each, after one warm-up pass of each part. --trace DIR also writes ONNX Runtime's
// profile of the cycle runs and prints the op types that cost most.
//   npx tsx bench/gpu/probe.ts --profile emotivoice-cpu --set model=DIR/manifest.yaml [--repeats 10]
//        [--modules a,b] [--trace DIR] [--seconds 15] [--precision fp32|fp16] [--provider cuda|cpu]
//        [--opt all|extended|basic|disabled] [--disable ConvActivationFusion,…]   ONNX Runtime's graph optimisations
//        [--runner plain|ours]   ours: emovoice's CudaRunner (a session in a worker thread, its session options)
import * as ort from 'onnxruntime-node';
import { mkdir, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadModelManifest } from '../../src/model/manifest.ts';
import { Pipeline } from '../../src/pipeline/executor.ts';
import { openModel } from '../../src/pipeline/model.ts';
import { loadProfile } from '../../src/profile/load.ts';
import { OrtRunner } from '../../src/runtime/ort.ts';
import { CudaRunner } from '../../src/runtime/providers.ts';
import type { Tensor, TensorMap } from '../../src/tensor/tensor.ts';
import { CONFIGS_DIR } from '../../src/cli/common.ts';
import { textFor } from '../../src/cli/bench.ts';
import { e2eCases } from '../../src/verify/e2e.ts';
import { synthesizeText } from '../../src/synth/speak.ts';
import { cpuModels } from '../../src/synth/precision.ts';
import { summarizeProfile, type OrtProfileEvent } from '../../src/runtime/ort-profile.ts';

const { values } = parseArgs({
  options: {
    profile: { type: 'string', default: 'emotivoice-cpu' },
    set: { type: 'string', multiple: true },
    repeats: { type: 'string', default: '10' },
    modules: { type: 'string' },
    trace: { type: 'string' },
    seconds: { type: 'string', default: '15' },
    precision: { type: 'string', default: 'fp32' },
    provider: { type: 'string', default: 'cuda' },
    runner: { type: 'string', default: 'plain' },
    opt: { type: 'string', default: 'all' },
    disable: { type: 'string' },
    label: { type: 'string' },
  },
});
const repeats = Number(values.repeats);
const loaded = await loadProfile(values.profile!, { configsDir: CONFIGS_DIR, overrides: values.set ?? [] });
const manifest = await loadModelManifest(loaded.profile.model);
const model = await openModel(manifest, loaded.profile.serving ?? {});

// 1. the request's module inputs, part by part, from one CPU pass
const capture: Record<string, OrtRunner> = {};
for (const [name, m] of Object.entries(manifest.modules)) capture[name] = new OrtRunner(m.file);
await Promise.all(Object.values(capture).map((r) => r.load()));
const pipeline = new Pipeline(model, capture);
const conditioning = (await e2eCases(manifest))[0]?.conditioning ?? {};
const text = await textFor(pipeline, conditioning, Number(values.seconds));
const result = await synthesizeText(pipeline, { text, conditioning });
const feeds: Record<string, TensorMap[]> = Object.fromEntries(Object.keys(manifest.modules).map((k) => [k, []]));
for (const part of result.parts) {
  for (const st of manifest.graph) {
    if (!st.module) continue;
    const f: TensorMap = {};
    for (const [port, t] of st.in) f[port] = part.intermediates[t]!;
    feeds[st.module]!.push(f);
  }
}
for (const r of Object.values(capture)) await r.close();
// the files the cuda backend runs (EMOVOICE_CUDA_CONV=cudnn: the convolutions as they are, else as MatMul)
const files = (await cpuModels(loaded, manifest, values.precision as 'fp16', { runtime: 'cuda', log: (m) => process.stderr.write(`${m}\n`) })).files;
process.stderr.write(`request: ${result.parts.length} part(s), ${result.audioSeconds.toFixed(2)} s of audio; LD_LIBRARY_PATH=${process.env.LD_LIBRARY_PATH ?? ''}\n`);

const toOrt = (t: Tensor) => new ort.Tensor((t.dtype === 'bool' ? 'bool' : t.dtype) as ort.Tensor.Type, t.data as never, t.shape);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const shapes = (f: TensorMap) => Object.entries(f).map(([n, t]) => `${n}[${t.shape.join('x')}]`).join(' ');

// a folder of this run's own under --trace: the traces are found by module name
const traceDir = values.trace ? await mkdir(resolve(values.trace), { recursive: true }).then(() => mkdtemp(join(resolve(values.trace!), 'probe-'))) : undefined;
const wanted = values.modules ? values.modules.split(',') : Object.keys(manifest.modules);
const rows: Record<string, unknown>[] = [];
for (const name of wanted) {
  let parts = feeds[name]!;
  if (!parts.length) continue;
  const file = files[name] ?? manifest.modules[name]!.file;
  if (values.runner === 'ours') {
    // emovoice's own CUDA runner, as bench and synth run it
    const t0 = performance.now();
    const r = new CudaRunner(file);
    await r.load();
    const createMs = performance.now() - t0;
    const time = async (f: TensorMap) => {
      const s = performance.now();
      await r.infer(f);
      return performance.now() - s;
    };
    rows.push(await measure(name, createMs, parts, time));
    await r.close();
    continue;
  }
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(file, {
    executionProviders: [...new Set([values.provider!, 'cpu'])],
    graphOptimizationLevel: values.opt as 'all',
    // optimization.disable_specified_optimizers (onnxruntime_session_options_config_keys.h)
    ...(values.disable ? { extra: { optimization: { disable_specified_optimizers: values.disable } } } : {}),
    ...(traceDir ? { enableProfiling: true, profileFilePrefix: join(traceDir, `${name}-`) } : {}),
  });
  const createMs = performance.now() - t0;
  // a stage the request cached (conditioning) ran once: only the parts it ran in count
  parts = parts.filter((f) => session.inputNames.every((n) => f[n]));
  if (!parts.length) {
    process.stderr.write(`${name}: skipped (no part has all of ${session.inputNames.join(', ')})\n`);
    await session.release();
    continue;
  }
  const inputs = new Map(parts.map((f) => [f, Object.fromEntries(session.inputNames.map((n) => [n, toOrt(f[n]!)]))]));
  const time = async (f: TensorMap) => {
    const s = performance.now();
    const out = await session.run(inputs.get(f)!);
    const ms = performance.now() - s;
    for (const v of Object.values(out)) v.dispose?.();
    return ms;
  };
  const row = await measure(name, createMs, parts, time);
  rows.push(row);
  if (traceDir) {
    await session.endProfiling();
    const found = (await readdir(traceDir)).find((f) => f.startsWith(`${name}-`));
    if (!found) throw new Error(`no ONNX Runtime trace for ${name} in ${traceDir}`);
    const trace = JSON.parse(await readFile(join(traceDir, found), 'utf8')) as OrtProfileEvent[];
    const sum = summarizeProfile(trace, { skipRuns: parts.length + repeats });
    process.stderr.write(`  trace (parts in turn): run ${sum.runMs.toFixed(2)} ms, kernels ${sum.nodeMs.toFixed(2)} ms; ${sum.byOp.slice(0, 6).map((o) => `${o.op} ${o.ms.toFixed(2)}`).join(', ')}\n`);
    // kernel time by execution provider (a node the CUDA provider does not take runs on the CPU, with copies around it)
    const byProvider: Record<string, number> = {};
    for (const e of trace) if (e.cat === 'Node' && e.name.endsWith('_kernel_time')) byProvider[e.args?.provider ?? '?'] = (byProvider[e.args?.provider ?? '?'] ?? 0) + e.dur / 1000;
    process.stderr.write(`  kernel ms by provider (all runs): ${Object.entries(byProvider).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}\n`);
    Object.assign(row, { trace: { runMs: sum.runMs, nodeMs: sum.nodeMs, byOp: sum.byOp.slice(0, 10), byProvider } });
  }
  await session.release();
}

/** Warm-up (each part once), then the first part again and again, then the parts in turn. */
async function measure(name: string, createMs: number, parts: TensorMap[], time: (f: TensorMap) => Promise<number>): Promise<Record<string, unknown>> {
  const firstCalls: number[] = [];
  for (const f of parts) firstCalls.push(await time(f));
  const same: number[] = [];
  for (let i = 0; i < repeats; i++) same.push(await time(parts[0]!));
  const cycle: number[] = [];
  for (let i = 0; i < repeats; i++) for (const f of parts) cycle.push(await time(f));
  const row = { module: name, label: values.label, runner: values.runner, opt: values.opt, disable: values.disable, createMs: +createMs.toFixed(0), firstCallsMs: firstCalls.map((x) => +x.toFixed(1)), sameMs: +median(same).toFixed(2), cycleMs: +median(cycle).toFixed(2), cycleMaxMs: +Math.max(...cycle).toFixed(1), shapes: parts.map(shapes) };
  process.stderr.write(`${name}: create ${row.createMs} ms, first calls ${row.firstCallsMs.join('/')} ms, same shape ${row.sameMs} ms, parts in turn ${row.cycleMs} ms (max ${row.cycleMaxMs})\n`);
  return row;
}
process.stdout.write(JSON.stringify({ precision: values.precision, conv: process.env.EMOVOICE_CUDA_CONV ?? 'matmul', ldLibraryPath: process.env.LD_LIBRARY_PATH ?? '', tf32: process.env.NVIDIA_TF32_OVERRIDE ?? 'default', rows }, null, 2) + '\n');
