// The Piper voice's vocoder on ONNX Runtime's CPU in FP32 and in INT8 (a benchmark, not a test): FP32 as the
// CPU runs it (upsamplers rewritten, src/optimize/conv-transpose.ts), the Q/DQ model `emovoice calibrate`
// writes for TensorRT (which ONNX Runtime runs as float Convs between quantize/dequantize pairs), and the
// integer form the CPU runs now (src/optimize/int8-cpu.ts: QLinearConv from the same calibration's ranges).
// On the voice's three reference cases: milliseconds per call (the forms taking turns call by call, median),
// with 1 and 2 intra-op threads, spinning off as our serving sessions run; and each form's waveform against
// the PyTorch reference (rel L2, SNR). Needs the voice (scripts/setup.sh) and its calibration (setup makes it).
//   npx tsx bench/piper_int8.ts [--calls 9] [--json FILE]
import * as ort from 'onnxruntime-node';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { findCalibration } from '../src/calibrate/store.ts';
import { relL2, snrDb } from '../src/compare/metrics.ts';
import { writeFileAtomic } from '../src/core/files.ts';
import { int8CpuModel, optimizedModel } from '../src/optimize/cpu.ts';
import { readNpz } from '../src/tensor/io.ts';

const ROOT = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { calls: { type: 'string', default: '9' }, json: { type: 'string' } } });
const calls = Number(values.calls);
const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`;
const source = join(ROOT, 'models/joe/vocoder.onnx');
const found = findCalibration('piper-en_US-joe-medium', 'vocoder', join(ROOT, 'calibration/out'));
if (!found) throw new Error('no calibration for the Piper vocoder: run `node bin/emovoice.js calibrate vocoder --profile piper-joe-cpu --method mse`');
const out = join(ROOT, 'out/bench/piper-int8');
const forms: Record<string, string> = {
  'FP32 (as run)': (await optimizedModel(source, out, 'vocoder', 'cpu')).file,
  'INT8 Q/DQ (TensorRT form)': found.qdqModel,
  'INT8 integer form': (await int8CpuModel(source, found.cache, out, 'vocoder', { qdqModel: found.qdqModel })).file,
};
const cases = await Promise.all(['short', 'typical', 'long'].map(async (name) => ({ name, tensors: await readNpz(join(ROOT, 'models/joe/refs/vocoder', `${name}.npz`)) })));
const load0 = loadavg()[0]!.toFixed(1);
const results: { threads: number; form: string; case: string; ms: number; relL2: number; snrDb: number }[] = [];
for (const threads of [2, 1]) {
  const sessions = Object.fromEntries(
    await Promise.all(Object.entries(forms).map(async ([k, f]) => [k, await ort.InferenceSession.create(f, { intraOpNumThreads: threads, logSeverityLevel: 3, extra: { session: { 'intra_op.allow_spinning': '0' } } })] as const)),
  );
  for (const c of cases) {
    const latent = c.tensors.latent!;
    const feeds = { latent: new ort.Tensor('float32', latent.data as Float32Array, latent.shape) };
    const ref = c.tensors.waveform!.data as Float32Array;
    const times: Record<string, number[]> = {};
    const audio: Record<string, Float32Array> = {};
    for (const s of Object.values(sessions)) await s.run(feeds); // warm-up
    for (let i = 0; i < calls; i++) {
      for (const [k, s] of Object.entries(sessions)) {
        const t0 = performance.now();
        const r = await s.run(feeds);
        (times[k] ??= []).push(performance.now() - t0);
        audio[k] = (r.waveform!.data as Float32Array).subarray(0, ref.length);
      }
    }
    for (const k of Object.keys(forms)) {
      const ts = times[k]!.sort((a, b) => a - b);
      results.push({ threads, form: k, case: c.name, ms: ts[Math.floor(ts.length / 2)]!, relL2: relL2(audio[k]!, ref), snrDb: snrDb(audio[k]!, ref) });
    }
  }
  await Promise.all(Object.values(sessions).map((s) => s.release()));
}
const load = `${load0} → ${loadavg()[0]!.toFixed(1)}`;
process.stdout.write(`machine: ${machine}; load average ${load}; median of ${calls} calls, the forms taking turns\n\n`);
process.stdout.write(`${'threads'.padEnd(8)}${'form'.padEnd(28)}${cases.map((c) => c.name.padStart(18)).join('')}\n`);
for (const threads of [2, 1]) {
  for (const form of Object.keys(forms)) {
    const row = cases.map((c) => results.find((r) => r.threads === threads && r.form === form && r.case === c.name)!);
    process.stdout.write(`${String(threads).padEnd(8)}${form.padEnd(28)}${row.map((r) => `${r.ms.toFixed(1)} ms ${r.relL2.toFixed(3)}`.padStart(18)).join('')}\n`);
  }
}
process.stdout.write('(each cell: ms per call, waveform rel L2 against the PyTorch reference)\n');
if (values.json) await writeFileAtomic(values.json, JSON.stringify({ machine, load, calls, forms, results }, null, 1) + '\n');
