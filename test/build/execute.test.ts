// Orchestration of a build with the STAND-IN trtexec (test/fixtures/bin/fake-trtexec): it imitates
// trtexec's process behaviour only and never builds an engine. What is asserted here is what the
// executor does with success, failure, crash, hang and interrupt: no good engine is ever replaced.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { executePlan, readBuildManifest } from '../../src/build/execute.ts';
import { planBuild } from '../../src/build/plan.ts';
import type { BuildMode, BuildPlan } from '../../src/build/types.ts';

const FAKE = resolve(__dirname, '../fixtures/bin/fake-trtexec');
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'emovoice-build-'));
  // a real ONNX file (the bundled tiny vocoder): the executor hashes it, and reads its I/O for the EPContext model
  await copyFile(resolve(__dirname, '../../models/tiny/vocoder.onnx'), join(dir, 'vocoder.onnx'));
});
afterEach(async () => {
  delete process.env.FAKE_TRTEXEC_MODE;
  await rm(dir, { recursive: true, force: true });
});

function plan(mode: BuildMode = 'legacy-flags'): BuildPlan {
  return planBuild({
    profile: { name: 'test', path: join(dir, 'test.yaml'), sha256: 'x' },
    outputDir: join(dir, 'out'),
    tensorrt: { version: '10.3.0', dialect: 'trt10', exe: FAKE },
    mode,
    modules: [
      {
        module: 'vocoder',
        onnx: join(dir, 'vocoder.onnx'),
        precision: 'fp16',
        shapes: { mel: { min: [1, 80, 16], opt: [1, 80, 400], max: [1, 80, 1024] } },
      },
    ],
  });
}

const engine = () => join(dir, 'out', 'vocoder.engine');
const gpu = { name: 'Test GPU', computeCapability: '8.6', driverVersion: '550', memoryMiB: 24000 };

async function buildGood() {
  process.env.FAKE_TRTEXEC_MODE = 'success';
  return executePlan(plan(), { gpu });
}

describe('executePlan with the stand-in trtexec', () => {
  it('a strongly typed build hashes and records the converted model, and the manifest names the mode', async () => {
    process.env.FAKE_TRTEXEC_MODE = 'success';
    const p = plan('strongly-typed');
    const converted = join(dir, 'out', 'converted', 'vocoder.fp16.onnx');
    expect(p.modules[0]!.onnx).toBe(converted);
    await mkdir(join(dir, 'out', 'converted'), { recursive: true });
    await copyFile(join(dir, 'vocoder.onnx'), converted);
    const r = await executePlan(p, { gpu });
    expect(r.built).toEqual(['vocoder']);
    expect(r.manifest.tensorrt.mode).toBe('strongly-typed');
    // the EPContext model beside the engine, its I/O those of the converted model the engine was built from
    expect((await readdir(join(dir, 'out'))).sort()).toContain('vocoder.epctx.onnx');
    const rec = r.manifest.modules.vocoder!;
    expect(rec).toMatchObject({ mode: 'strongly-typed', precision: 'fp16', converted: { source: join(dir, 'vocoder.onnx'), report: join(dir, 'out', 'converted', 'vocoder.fp16.report.json') } });
    expect(rec.onnx.path).toBe(converted);
    expect(rec.command).toContain('--stronglyTyped');
    expect(rec.command).not.toContain('--fp16');
    // a changed conversion is a changed build key
    await copyFile(resolve(__dirname, '../../models/tiny/acoustic_decoder.onnx'), converted);
    expect((await executePlan(p, { gpu })).built).toEqual(['vocoder']);
  });

  it('moves the engine into place, keeps the log and writes the build manifest', async () => {
    const r = await buildGood();
    expect(r.built).toEqual(['vocoder']);
    expect(await readFile(engine(), 'utf8')).toBe('FAKE-ENGINE-NOT-TENSORRT');
    const log = await readFile(join(dir, 'out', 'vocoder.build.log'), 'utf8');
    expect(log).toContain('&&&& PASSED');
    const m = await readBuildManifest(join(dir, 'out', 'build-manifest.json'));
    const rec = m!.modules.vocoder!;
    expect(rec.status).toBe('built');
    expect(rec.engine!.bytes).toBe(24);
    expect(rec.buildSeconds).toBe(1.5);
    expect(rec.command).toContain(`--saveEngine=${engine()}`);
    expect(rec.onnx.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(m!.gpu!.name).toBe('Test GPU');
    // no partial files left
    expect((await readdir(join(dir, 'out'))).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('skips an unchanged module and rebuilds with force or when the ONNX changes', async () => {
    await buildGood();
    const again = await executePlan(plan(), { gpu });
    expect(again.skipped).toEqual(['vocoder']);
    const forced = await executePlan(plan(), { gpu, force: true });
    expect(forced.built).toEqual(['vocoder']);
    await copyFile(resolve(__dirname, '../../models/tiny/acoustic_decoder.onnx'), join(dir, 'vocoder.onnx'));
    expect((await executePlan(plan(), { gpu })).built).toEqual(['vocoder']);
  });

  for (const mode of ['fail', 'crash'] as const) {
    it(`keeps the previous engine when trtexec ${mode === 'fail' ? 'exits non-zero' : 'crashes by signal'}`, async () => {
      await buildGood();
      process.env.FAKE_TRTEXEC_MODE = mode;
      const r = await executePlan(plan(), { gpu, force: true });
      expect(r.failed).toHaveLength(1);
      expect(r.failed[0]!.reason).toMatch(mode === 'fail' ? /exited with code 1: .*fake failure/ : /killed by SIGSEGV/);
      expect(await readFile(engine(), 'utf8')).toBe('FAKE-ENGINE-NOT-TENSORRT');
      expect(await readFile(join(dir, 'out', 'vocoder.failed.log'), 'utf8')).toContain('RUNNING');
      const m = await readBuildManifest(join(dir, 'out', 'build-manifest.json'));
      expect(m!.modules.vocoder!.lastFailure!.reason).toBe(r.failed[0]!.reason);
      expect((await readdir(join(dir, 'out'))).filter((f) => f.includes('partial'))).toEqual([]);
    });
  }

  it('stops a hung trtexec at the timeout and writes no engine', async () => {
    process.env.FAKE_TRTEXEC_MODE = 'hang';
    const r = await executePlan(plan(), { gpu, timeoutMs: 1000 });
    expect(r.failed[0]!.reason).toMatch(/timeout/);
    await expect(readFile(engine())).rejects.toThrow();
  });

  it('an interrupt (Ctrl-C) stops trtexec and leaves the previous engine untouched', async () => {
    await buildGood();
    process.env.FAKE_TRTEXEC_MODE = 'hang';
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 500);
    const r = await executePlan(plan(), { gpu, force: true, signal: ac.signal });
    expect(r.interrupted).toBe(true);
    expect(await readFile(engine(), 'utf8')).toBe('FAKE-ENGINE-NOT-TENSORRT');
  });
});
