// Live check against a real trtexec (found by src/trtexec/find.ts). Skipped, saying so, where none is
// installed; the build case also needs models/tiny/vocoder.onnx. The stand-in is never used here.
// The CLI cases run the whole product on the GPU: build (+ --measure) every module of the bundled tiny
// model with a10g-fp16's shapes (strongly typed, converted models on TensorRT 10 and 11), rebuild = all skipped, verify the engines against the PyTorch references
// on the trt backend, synthesize without falling back, bench, and package for Triton.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { buildArgv } from '../../src/trtexec/flags.ts';
import { findTrtexec } from '../../src/trtexec/find.ts';
import { parseTrtexecLog } from '../../src/trtexec/parse.ts';
import { runTrtexec } from '../../src/trtexec/run.ts';
import { detectTensorRt } from '../../src/trtexec/version.ts';

const exe = await findTrtexec().catch(() => null);
if (!exe) console.log('SKIPPED: no trtexec on PATH or TRTEXEC=');
const MODEL = resolve('models/tiny/vocoder.onnx');

describe.skipIf(!exe)(exe ? `real trtexec (${exe})` : 'real trtexec — SKIPPED: no trtexec on PATH or TRTEXEC=', () => {
  it('detects the TensorRT version', async () => {
    const v = await detectTensorRt(exe!);
    expect(v.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it.skipIf(!existsSync(MODEL))('builds models/tiny/vocoder.onnx into an engine', async () => {
    const { dialect } = await detectTensorRt(exe!);
    const dir = await mkdtemp(join(tmpdir(), 'emovoice-live-'));
    const engine = join(dir, 'vocoder.engine');
    const logFile = join(dir, 'vocoder.build.log');
    // Shapes come from the model itself (static or trtexec defaults); fp32 keeps this portable.
    const argv = buildArgv({ onnx: MODEL, saveEngine: engine, shapes: [], precision: 'fp32' }, dialect);
    const r = await runTrtexec({ exe: exe!, argv, logFile, timeoutMs: 10 * 60_000 });
    const summary = parseTrtexecLog(await readFile(logFile, 'utf8'));
    expect(r.exitCode, summary.errors.join('\n')).toBe(0);
    expect(summary.status).toBe('passed');
    expect((await stat(engine)).size).toBeGreaterThan(0);
  }, 15 * 60_000);

  it.skipIf(!existsSync(MODEL))('strongly typed (TensorRT 10 and 11): builds the converted FP16 vocoder with no precision flag', async () => {
    const { dialect } = await detectTensorRt(exe!);
    if (dialect === 'trt8.6') {
      console.log('SKIPPED: TensorRT 8.6 has no strongly typed builds');
      return;
    }
    const ROOT = resolve(import.meta.dirname, '../..');
    const dir = await mkdtemp(join(tmpdir(), 'emovoice-live-st-'));
    // the converted model on real speech, as `emovoice convert` writes it
    const c = await execa('node', [join(ROOT, 'bin/emovoice.js'), 'convert', '--profile', 'a10g-fp16', '--module', 'vocoder', '--set', `output=${dir}`, '--samples', '4', '--json'], { cwd: ROOT, reject: false });
    expect(c.exitCode, c.stderr).toBe(0);
    const onnx = JSON.parse(c.stdout).modules[0].file as string;
    const engine = join(dir, 'vocoder.engine');
    const logFile = join(dir, 'vocoder.build.log');
    const shapes = [{ name: 'mel', min: [1, 80, 16], opt: [1, 80, 400], max: [1, 80, 1024] }];
    const argv = buildArgv({ onnx, saveEngine: engine, shapes, precision: 'fp32', stronglyTyped: true }, dialect);
    expect(argv.some((a) => /^--(fp16|int8|bf16|best|calib)/.test(a))).toBe(false);
    const r = await runTrtexec({ exe: exe!, argv, logFile, timeoutMs: 10 * 60_000 });
    const summary = parseTrtexecLog(await readFile(logFile, 'utf8'));
    expect(r.exitCode, summary.errors.join('\n')).toBe(0);
    expect(summary.status).toBe('passed');
    expect((await stat(engine)).size).toBeGreaterThan(0);
  }, 15 * 60_000);

  describe('the CLI on real engines (tiny model, a10g-fp16 shapes, fp16; strongly typed on TensorRT 10 and 11)', () => {
    const ROOT = resolve(import.meta.dirname, '../..');
    let out = '';
    const cli = (args: string[]) =>
      execa('node', [join(ROOT, 'bin/emovoice.js'), ...args, '--set', `output=${out}`], { cwd: ROOT, reject: false, env: { CI: 'true', TRTEXEC: exe! } });

    it('builds every module, measures it, and skips it when nothing changed', async () => {
      out = await mkdtemp(join(tmpdir(), 'emovoice-live-cli-'));
      let r = await cli(['build', '--profile', 'a10g-fp16', '--measure', '2', '--json', '--set', `defaults.timing_cache=${join(out, 'timing.cache')}`]);
      expect(r.exitCode, r.stderr).toBe(0);
      const m = JSON.parse(await readFile(join(out, 'build-manifest.json'), 'utf8'));
      for (const mod of ['text_encoder', 'style_encoder', 'acoustic_encoder', 'acoustic_decoder', 'vocoder']) {
        expect(m.modules[mod].status, mod).toBe('built');
        expect((await stat(join(out, `${mod}.engine`))).size).toBeGreaterThan(0);
        expect(m.modules[mod].perf.latencyMs.mean, mod).toBeGreaterThan(0);
      }
      r = await cli(['build', '--profile', 'a10g-fp16', '--json', '--set', `defaults.timing_cache=${join(out, 'timing.cache')}`]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).skipped).toHaveLength(5);
    }, 30 * 60_000);

    it('the engines pass verification against the PyTorch references', async () => {
      const r = await cli(['verify', '--profile', 'a10g-fp16', '--backend', 'trt', '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).pass).toBe(true);
    }, 30 * 60_000);

    it('synthesizes on the engines without falling back to the CPU', async () => {
      const ref = join(out, 'ref.wav');
      await execa('npx', ['--no-install', 'tsx', 'scripts/make-reference.ts', ref], { cwd: ROOT });
      const r = await cli(['synth', 'Hello world, 你好世界', '--profile', 'a10g-fp16', '--backend', 'trt', '--ref', ref, '--out', join(out, 'hello.wav'), '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).fallbacks).toEqual([]);
    }, 10 * 60_000);

    it('benchmarks the engines and packages them for Triton', async () => {
      const b = await cli(['bench', '--profile', 'a10g-fp16', '--backend', 'trt', '--streams', '1,2', '--json']);
      expect(b.exitCode, b.stderr).toBe(0);
      const j = JSON.parse(b.stdout);
      expect(j.sweep.length).toBe(2);
      // a real trtexec writes its --exportTimes trace: the request P99 is estimated from it
      for (const s of j.sweep) {
        for (const x of s.runs) expect(x.samples, x.log).toBeGreaterThan(0);
        expect(s.p99EstimateMs).toBeGreaterThanOrEqual(s.meanMs * 0.9);
      }
      const p = await cli(['package', '--profile', 'a10g-fp16', '--triton', join(out, 'triton')]);
      expect(p.exitCode, p.stderr).toBe(0);
      expect((await stat(join(out, 'triton/vocoder/1/model.plan'))).size).toBeGreaterThan(0);
    }, 10 * 60_000);
  });
});
