// `emovoice build` through the CLI with the STAND-IN trtexec (test/fixtures/bin/fake-trtexec). The
// stand-in writes a placeholder file, never an engine; this checks orchestration and exit codes only.
// The CLI's main() runs in this process (test/support/cli-inprocess.ts: the same code as `node
// bin/emovoice.js`, its output and exit code captured), so that some 40 commands do not each start Node
// and tsx; trtexec's stand-in is still a process of its own, as the real one is.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { appendFile, copyFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { haveSpeech } from '../precision/speech.ts';
import { sha256File } from '../../src/core/files.ts';
import { tinyCalibration } from '../support/calibrations.ts';
import { cliInProcess } from '../support/cli-inprocess.ts';

const ROOT = resolve(__dirname, '../..');
const FAKE = join(ROOT, 'test/fixtures/bin/fake-trtexec');

// These orchestration cases build the FP32 ONNX with builder flags (tensorrt.legacy_precision_flags), as
// before strong typing; the strongly typed cases below convert first.
async function build(out: string, mode: string, extra: string[] = []) {
  return cliInProcess(['build', '--profile', 'a10g-fp16', '--module', 'vocoder', '--set', `output=${out}`, '--set', 'tensorrt.legacy_precision_flags=true', '--json', ...extra], {
    cwd: ROOT,
    env: { TRTEXEC: FAKE, FAKE_TRTEXEC_MODE: mode, CI: 'true' },
  });
}

describe('emovoice build with the stand-in trtexec (orchestration only)', () => {
  it('success writes the build manifest; failure exits 3 and keeps the previous file; unchanged is skipped', async () => {
    const out = await mkdtemp(join(tmpdir(), 'ev-build-'));
    let r = await build(out, 'success');
    expect(r.exitCode).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.built).toEqual(['vocoder']);
    expect(r.stderr).toMatch(/vocoder: built/);
    const manifest = JSON.parse(await readFile(join(out, 'build-manifest.json'), 'utf8'));
    expect(manifest.tensorrt).toMatchObject({ version: '10.3.0', dialect: 'trt10' });
    expect(manifest.modules.vocoder.command).toContain('--fp16');
    expect(manifest.modules.vocoder.onnx.sha256).toMatch(/^[0-9a-f]{64}$/);

    r = await build(out, 'success');
    expect(JSON.parse(r.stdout).skipped).toEqual(['vocoder']);

    r = await build(out, 'fail', ['--force']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/vocoder: FAILED: trtexec exited with code 1/);
    expect(await readFile(join(out, 'vocoder.engine'), 'utf8')).toBe('FAKE-ENGINE-NOT-TENSORRT');
  });

  it('--measure records each engine’s latency at the opt shapes, and diff gates a planted regression', async () => {
    // The stand-in replays a real trtexec performance log (TensorRT issue #4177) for the timing run.
    const out = await mkdtemp(join(tmpdir(), 'ev-build-'));
    const r = await cliInProcess(['build', '--profile', 'a10g-fp16', '--module', 'vocoder', '--set', `output=${out}`, '--set', 'tensorrt.legacy_precision_flags=true', '--measure', '1', '--json'], {
      cwd: ROOT,
      env: { TRTEXEC: FAKE, CI: 'true', FAKE_TRTEXEC_LOG: join(ROOT, 'test/fixtures/trtexec/trt10-perf-summary-4177.log') },
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/vocoder: latency at opt shapes mean 7\.606 ms, p99 12\.967 ms, 130\.298 qps/);
    const manifestFile = join(out, 'build-manifest.json');
    const m = JSON.parse(await readFile(manifestFile, 'utf8'));
    const perf = m.modules.vocoder.perf;
    expect(perf.latencyMs).toMatchObject({ mean: 7.60628, p99: 12.9675 });
    expect(perf.shapes).toEqual([{ name: 'mel', dims: [1, 80, 142] }]);
    expect(perf.command.slice(1)).toEqual([`--loadEngine=${join(out, 'vocoder.engine')}`, '--shapes=mel:1x80x142', '--warmUp=500', '--duration=1', '--useCudaGraph']);
    const slower = structuredClone(m);
    slower.modules.vocoder.perf.latencyMs.p99 *= 1.2;
    const slowFile = join(out, 'slower.json');
    await writeFile(slowFile, JSON.stringify(slower));
    const same = await cliInProcess(['diff', manifestFile, manifestFile], { cwd: ROOT });
    expect(same.exitCode).toBe(0);
    const d = await cliInProcess(['diff', manifestFile, slowFile], { cwd: ROOT });
    expect(d.exitCode).toBe(1);
    expect(d.stdout + d.stderr).toMatch(/vocoder.*latency p99 ms.*\+20\.0%/);
  });

  it('--measure: a failing timing run exits 3 and names the module', async () => {
    const out = await mkdtemp(join(tmpdir(), 'ev-build-'));
    expect((await build(out, 'success')).exitCode).toBe(0);
    const r = await build(out, 'fail', ['--measure']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/vocoder: measurement FAILED: trtexec exited with 1/);
    expect(JSON.parse(r.stdout).skipped).toEqual(['vocoder']); // the engine itself was up to date
  });

  it('a bad --measure or --timeout value stops before anything is built', async () => {
    const out = await mkdtemp(join(tmpdir(), 'ev-build-'));
    for (const [flag, value] of [['--measure', 'abc'], ['--timeout', '0']]) {
      const r = await build(out, 'success', [flag!, value!]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([`error: ${flag}: "${value}" is not a positive number (fix: e.g. ${flag} 2)`]);
    }
    expect(existsSync(join(out, 'vocoder.engine'))).toBe(false);
    expect(existsSync(join(out, 'build-manifest.json'))).toBe(false);
  });
});

// Golden plans per TensorRT dialect, with the stand-in reporting that version (orchestration only: it
// builds nothing). TensorRT 11 plans converted models with no precision flag; 10 the same with
// --stronglyTyped (deliberately changed from --fp16); 8.6 is unchanged.
const MODULES = ['text_encoder', 'style_encoder', 'acoustic_encoder', 'acoustic_decoder', 'vocoder'];
const DIALECTS = [
  { version: '11.0.0', dialect: 'trt11', mode: 'strongly-typed' },
  { version: '10.3.0', dialect: 'trt10', mode: 'strongly-typed' },
  { version: '8.6.1', dialect: 'trt8.6', mode: 'legacy-flags' },
] as const;

async function emovoice(args: string[], version: string, extraEnv: Record<string, string> = {}) {
  return cliInProcess(args, { cwd: ROOT, env: { TRTEXEC: FAKE, FAKE_TRTEXEC_VERSION: version, CI: 'true', ...extraEnv } });
}

function expectOneErrorLine(stderr: string, ...parts: RegExp[]) {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  for (const p of parts) expect(lines[0]).toMatch(p);
}

describe('build --dry-run --json per TensorRT dialect (stand-in trtexec reporting the version)', () => {
  const vocoderArgv = (out: string, version: string, onnx: string, precisionFlags: string[]) => [
    FAKE,
    `--onnx=${onnx}`,
    `--saveEngine=${join(out, 'vocoder.engine')}`,
    '--minShapes=mel:1x80x16',
    '--optShapes=mel:1x80x142', // a streamed chunk: 128 frames + 7 + 7 context
    '--maxShapes=mel:4x80x1024',
    ...precisionFlags,
    version.startsWith('8.') ? '--memPoolSize=workspace:4096' : '--memPoolSize=workspace:4096M',
    '--builderOptimizationLevel=3',
    `--timingCacheFile=${join(ROOT, 'out/timing-a10g.cache')}`,
    '--skipInference',
  ];

  it('a10g-fp16', async () => {
    const out = await mkdtemp(join(tmpdir(), 'ev-dialect-'));
    for (const d of DIALECTS) {
      const r = await emovoice(['build', '--profile', 'a10g-fp16', '--dry-run', '--json', '--set', `output=${out}`], d.version);
      expect(r.exitCode, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.tensorrt).toEqual({ version: d.version, dialect: d.dialect, found: true, mode: d.mode });
      expect(j.commands.map((c: { module: string }) => c.module)).toEqual(MODULES);
      const strong = d.mode === 'strongly-typed';
      for (const c of j.commands) {
        const converted = join(out, 'converted', `${c.module}.fp16.onnx`);
        expect(c.onnx, `${d.version} ${c.module}`).toBe(strong ? converted : join(ROOT, 'models/tiny', `${c.module}.onnx`));
        expect(c.argv.filter((a: string) => /^--(fp16|int8|bf16|best|calib|stronglyTyped)/.test(a)), `${d.version} ${c.module}`).toEqual(
          d.dialect === 'trt11' ? [] : d.dialect === 'trt10' ? ['--stronglyTyped'] : ['--fp16'],
        );
      }
      const voc = j.commands.find((c: { module: string }) => c.module === 'vocoder');
      const flags = d.dialect === 'trt11' ? [] : d.dialect === 'trt10' ? ['--stronglyTyped'] : ['--fp16'];
      expect(voc.argv).toEqual(vocoderArgv(out, d.version, strong ? join(out, 'converted/vocoder.fp16.onnx') : join(ROOT, 'models/tiny/vocoder.onnx'), flags));
      if (strong) expect(voc.conversion).toEqual({ precision: 'fp16', source: join(ROOT, 'models/tiny/vocoder.onnx'), qdq: null, output: join(out, 'converted/vocoder.fp16.onnx') });
    }
  }, 60_000);

  it('a10g-int8: TensorRT 11 and 10 plan the calibrated Q/DQ vocoder with FP16 around it; 8.6 keeps --int8 --calib', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-int8-'));
    const cache = join(dir, 'vocoder.calib');
    await writeQdqVocoder(dir);
    await writeFile(cache, 'TRT-100300-EntropyCalibration2\n'); // only its existence matters to a dry run
    for (const d of DIALECTS) {
      const r = await emovoice(['build', '--profile', 'a10g-int8', '--module', 'vocoder', '--dry-run', '--json', '--set', `output=${dir}/out`, '--set', `modules.vocoder.calibration.cache=${cache}`], d.version);
      expect(r.exitCode, r.stderr).toBe(0);
      const voc = JSON.parse(r.stdout).commands[0];
      if (d.mode === 'strongly-typed') {
        expect(voc.conversion).toEqual({ precision: 'int8', source: join(ROOT, 'models/tiny/vocoder.onnx'), qdq: join(dir, 'vocoder.qdq.onnx'), output: join(dir, 'out/converted/vocoder.int8.onnx') });
        expect(voc.argv).toEqual(vocoderArgv(join(dir, 'out'), d.version, join(dir, 'out/converted/vocoder.int8.onnx'), d.dialect === 'trt10' ? ['--stronglyTyped'] : []));
      } else {
        expect(voc.conversion).toBeNull();
        expect(voc.argv).toEqual(vocoderArgv(join(dir, 'out'), d.version, join(ROOT, 'models/tiny/vocoder.onnx'), ['--int8', '--fp16', `--calib=${cache}`]));
      }
    }
  }, 60_000);
});

describe('strongly typed builds: bad input gives one error line, exit 2', () => {
  it('a TensorRT newer than the known dialects names the newest supported one', async () => {
    const r = await emovoice(['build', '--profile', 'a10g-fp16', '--dry-run'], '12.0.0');
    expect(r.exitCode).toBe(2);
    expectOneErrorLine(r.stderr, new RegExp(`^error: ${FAKE} TensorRT 12\\.0\\.0 is newer than every trtexec dialect emovoice knows \\(newest supported: 11\\.x\\)`));
  });

  it('keep_fp32 naming a node the module does not have', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-keep-'));
    const profile = join(dir, 'p.yaml');
    await writeFile(profile, `name: p\nextends: ${join(ROOT, 'configs/a10g-fp16.yaml')}\noutput: ${dir}/out\nmodules:\n  vocoder:\n    keep_fp32: [Tanh, /conv_post/Conv, /conv_post/Cnv]\n`);
    const r = await emovoice(['build', '--profile', profile, '--dry-run'], '11.0.0');
    expect(r.exitCode).toBe(2);
    expectOneErrorLine(r.stderr, new RegExp(`^error: ${profile}:6:40 modules\\.vocoder\\.keep_fp32\\.2: vocoder: keep_fp32 names node "/conv_post/Cnv", which .*vocoder\\.onnx does not have \\(fix: did you mean "/conv_post/Conv"`));
  });

  it('an INT8 module whose Q/DQ model was never made by calibration (TensorRT 8.6 only needs the cache)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-int8-'));
    const cache = join(dir, 'vocoder.calib');
    await writeFile(cache, 'TRT-100300-EntropyCalibration2\n');
    const args = ['build', '--profile', 'a10g-int8', '--module', 'vocoder', '--dry-run', '--set', `modules.vocoder.calibration.cache=${cache}`];
    const r = await emovoice(args, '11.0.0');
    expect(r.exitCode).toBe(2);
    expectOneErrorLine(r.stderr, /vocoder: a strongly typed INT8 build needs the Q\/DQ model that calibration writes; .*vocoder\.qdq\.onnx does not exist/, /fix: run `emovoice calibrate vocoder`/);
    expect((await emovoice(args, '8.6.1')).exitCode).toBe(0);
  });

  it('TensorRT 11 with the legacy-flags switch', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-legacy-'));
    const profile = join(dir, 'p.yaml');
    await writeFile(profile, `name: p\nextends: ${join(ROOT, 'configs/a10g-fp16.yaml')}\noutput: ${dir}/out\ntensorrt: { legacy_precision_flags: true }\n`);
    const r = await emovoice(['build', '--profile', profile, '--dry-run'], '11.0.0');
    expect(r.exitCode).toBe(2);
    expectOneErrorLine(r.stderr, new RegExp(`^error: ${profile}:4:\\d+ tensorrt\\.legacy_precision_flags: TensorRT 11 builds strongly typed networks only`));
    expect((await emovoice(['build', '--profile', profile, '--dry-run'], '10.3.0')).exitCode).toBe(0);
  });
});

describe.skipIf(!haveSpeech())('a strongly typed build with the stand-in reporting TensorRT 11 (orchestration only)', () => {
  it('converts on real speech, then runs trtexec without the flags 11 removed; the manifest names the mode', async () => {
    const out = await mkdtemp(join(tmpdir(), 'ev-build11-'));
    // the stand-in refuses --fp16/--int8/--calib/... the way trtexec 11 does: a plan with one would fail here
    const r = await emovoice(['build', '--profile', 'a10g-fp16', '--module', 'vocoder', '--set', `output=${out}`, '--samples', '2', '--json'], '11.0.0', { FAKE_TRTEXEC_MODE: 'success' });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/vocoder: converted \(fp16, \d+ node\(s\) kept in FP32\)/);
    const m = JSON.parse(await readFile(join(out, 'build-manifest.json'), 'utf8'));
    expect(m.tensorrt).toMatchObject({ version: '11.0.0', dialect: 'trt11', mode: 'strongly-typed' });
    expect(m.modules.vocoder.onnx.path).toBe(join(out, 'converted/vocoder.fp16.onnx'));
    expect(m.modules.vocoder.converted).toEqual({ source: join(ROOT, 'models/tiny/vocoder.onnx'), report: join(out, 'converted/vocoder.fp16.report.json') });
    const report = JSON.parse(await readFile(m.modules.vocoder.converted.report, 'utf8'));
    expect(report).toMatchObject({ format: 'emovoice-precision-report/1', module: 'vocoder', precision: 'fp16', target: 'fp16', emit: 'typed' });
    // the same plan with the legacy flags is what trtexec 11 would refuse
    const legacy = await emovoice(['build', '--profile', 'a10g-fp16', '--module', 'vocoder', '--set', `output=${out}`, '--json'], '8.6.1', { FAKE_TRTEXEC_MODE: 'success' });
    expect(legacy.exitCode, legacy.stderr).toBe(0); // 8.6 takes --fp16
    const again = await emovoice(['doctor'], '11.0.0');
    expect(again.stdout).toMatch(/TensorRT 11\.0\.0, trt11 dialect/);
    expect(again.stdout).toMatch(/a10g-fp16\.yaml +ok — strongly typed \(precision decided in the converted ONNX; TensorRT 11 has no precision flags\)/);
  }, 120_000);
});

// `build` finds the calibration `emovoice calibrate` made for the model and module exactly as synth does
// (src/precision/calibration.ts), in a working folder holding the real tiny-vocoder calibration that
// test/calibrate/store.test.ts also runs synth on (the content-keyed test cache: made once per run).
describe.skipIf(!haveSpeech())('build finds the model’s own INT8 calibration (stand-in trtexec, orchestration only)', () => {
  const FOUND = /^vocoder: int8 from calibration\/out\/emovoice-ref-tiny\/vocoder\.qdq\.onnx \(the calibration made for this model and module\)$/m;
  const int8 = ['--profile', 'a10g-fp16', '--module', 'vocoder', '--set', 'modules.vocoder.precision=int8'];

  it('builds the found Q/DQ model in every dialect, says which file it used, and records its bytes', async () => {
    const work = await tinyCalibration();
    const qdq = join(work, 'calibration/out/emovoice-ref-tiny/vocoder.qdq.onnx');
    const out = await mkdtemp(join(tmpdir(), 'ev-found-'));
    try {
      const inWork = (args: string[], version: string) => cliInProcess(args, { cwd: work, env: { TRTEXEC: FAKE, FAKE_TRTEXEC_VERSION: version, FAKE_TRTEXEC_MODE: 'success', CI: 'true' } });
      // a real (stand-in) build on TensorRT 11: the engine is built from the found Q/DQ model, named on stderr
      const r = await inWork(['build', ...int8, '--set', `output=${out}/b`, '--json'], '11.0.0');
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toMatch(FOUND);
      const m = JSON.parse(await readFile(join(out, 'b/build-manifest.json'), 'utf8'));
      expect(m.modules.vocoder.onnx).toMatchObject({ path: qdq, sha256: await sha256File(qdq) });
      // every dialect plans that file: no --calib on 8.6 either (the same bytes synth runs); with
      // layer_fallback: fp16 the conversion starts from it
      for (const d of DIALECTS) {
        const dry = await inWork(['build', ...int8, '--set', `output=${out}/d`, '--dry-run', '--json'], d.version);
        expect(dry.exitCode, dry.stderr).toBe(0);
        expect(dry.stderr).toMatch(FOUND);
        const voc = JSON.parse(dry.stdout).commands[0];
        expect(voc.onnx, d.version).toBe(qdq);
        expect(voc.argv.filter((a: string) => /^--(fp16|int8|calib|stronglyTyped)/.test(a)), d.version).toEqual(d.dialect === 'trt11' ? [] : d.dialect === 'trt10' ? ['--stronglyTyped'] : ['--int8']);
      }
      const fb = await inWork(['build', ...int8, '--set', 'modules.vocoder.layer_fallback=fp16', '--set', `output=${out}/f`, '--dry-run', '--json'], '11.0.0');
      expect(fb.exitCode, fb.stderr).toBe(0);
      expect(JSON.parse(fb.stdout).commands[0].conversion).toEqual({ precision: 'int8', source: join(ROOT, 'models/tiny/vocoder.onnx'), qdq, output: join(out, 'f/converted/vocoder.int8.onnx') });
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 120_000);

  it('a calibration made before the model changed is refused in one line; a folder without one names the command', async () => {
    const work = await tinyCalibration();
    const model = await mkdtemp(join(tmpdir(), 'ev-stale-'));
    try {
      await cp(join(ROOT, 'models/tiny'), model, { recursive: true });
      // other bytes, the same model name, a valid model: the vocoder gains a doc_string (as a re-export would)
      await appendFile(join(model, 'vocoder.onnx'), new Uint8Array([0x32, 0x01, 0x41]));
      const run = (cwd: string) =>
        cliInProcess(['build', ...int8, '--set', `model=${join(model, 'manifest.yaml')}`, '--set', `output=${model}/out`, '--dry-run'], { cwd, env: { TRTEXEC: FAKE, FAKE_TRTEXEC_VERSION: '11.0.0', CI: 'true' } });
      const stale = await run(work);
      expect(stale.exitCode).toBe(2);
      expectOneErrorLine(stale.stderr, /^error: calibration\/out\/emovoice-ref-tiny\/vocoder\.qdq\.onnx vocoder: stale calibration: made from other bytes than \S+vocoder\.onnx now has .*\(fix: run `emovoice calibrate vocoder --profile a10g-fp16` again\)$/);
      const none = await run(model);
      expect(none.exitCode).toBe(2);
      expectOneErrorLine(none.stderr, /vocoder: INT8 needs calibration, and none was made for emovoice-ref-tiny's vocoder \(calibration\/out\/emovoice-ref-tiny\/vocoder\.qdq\.onnx does not exist\) \(fix: run `emovoice calibrate vocoder --profile a10g-fp16`/);
      expect(existsSync(join(model, 'out'))).toBe(false);
    } finally {
      await rm(model, { recursive: true, force: true });
    }
  }, 120_000);

  it('doctor lints an INT8 profile that names no calibration with the one calibrate made (a note names it); without one, the profile is a problem', async () => {
    const work = await tinyCalibration();
    const dir = await mkdtemp(join(tmpdir(), 'ev-doctor-int8-'));
    try {
      await mkdir(join(dir, 'configs'));
      for (const f of ['a10g-fp16.yaml', 'profile.schema.json']) await copyFile(join(ROOT, 'configs', f), join(dir, 'configs', f));
      const base = await readFile(join(ROOT, 'configs/base.yaml'), 'utf8');
      await writeFile(join(dir, 'configs/base.yaml'), base.replace('model: ../models/tiny/manifest.yaml', `model: ${join(ROOT, 'models/tiny/manifest.yaml')}`));
      await writeFile(join(dir, 'configs/int8-found.yaml'), 'name: int8-found\nextends: a10g-fp16\noutput: out/int8-found\nmodules: { vocoder: { precision: int8 } }\n');
      const doctor = (cwd: string) => cliInProcess(['doctor', '--config-dir', join(dir, 'configs'), '--json'], { cwd, env: { TRTEXEC: FAKE, FAKE_TRTEXEC_VERSION: '11.0.0', CI: 'true' } });
      const found = await doctor(work);
      expect(found.exitCode, found.stdout).toBe(0);
      const r = JSON.parse(found.stdout).profiles['int8-found.yaml'];
      expect(r.problems).toEqual([]);
      expect(r.notes).toContainEqual(expect.stringMatching(FOUND));
      const none = await doctor(dir); // a folder where calibrate never ran
      expect(none.exitCode).toBe(1);
      expect(JSON.parse(none.stdout).profiles['int8-found.yaml'].problems.join('\n')).toMatch(/vocoder: int8 needs a calibration/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

/** A Q/DQ vocoder as calibrate writes it, with ranges from the bundled reference inputs (real speech). */
async function writeQdqVocoder(dir: string): Promise<void> {
  const { measureRanges } = await import('../../src/precision/ranges.ts');
  const { insertQdq } = await import('../../src/calibrate/quantize.ts');
  const { decodeOnnxModel, encodeOnnxModel } = await import('../../src/model/onnx.ts');
  const { readNpz } = await import('../../src/tensor/io.ts');
  const onnx = join(ROOT, 'models/tiny/vocoder.onnx');
  const ref = await readNpz(join(ROOT, 'models/tiny/refs/vocoder/typical.npz'));
  const { ranges } = await measureRanges(onnx, [{ mel: ref.mel! }]);
  const q = insertQdq(await decodeOnnxModel(await readFile(onnx)), new Map([...ranges].map(([k, r]) => [k, r.absmax])));
  await writeFile(join(dir, 'vocoder.qdq.onnx'), await encodeOnnxModel(q.model));
}

describe('doctor', () => {
  it('names the build mode per dialect, and what a fresh clone lacks by design is a note with its command (exit 0)', async () => {
    for (const [version, mode] of [
      ['11.0.0', 'strongly typed \\(precision decided in the converted ONNX; TensorRT 11 has no precision flags\\)'],
      ['10.3.0', 'strongly typed \\(precision decided in the converted ONNX, --stronglyTyped\\)'],
    ] as const) {
      const r = await emovoice(['doctor'], version);
      expect(r.exitCode, r.stdout).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`TensorRT ${version.replace(/\./g, '\\.')}, trt1[01] dialect`));
      expect(r.stdout).toMatch(new RegExp(`a10g-fp16\\.yaml +ok — ${mode}`));
      expect(r.stdout).not.toMatch(/error:/);
      // calibration outputs and engines are made by commands; where they are missing doctor says which
      // (a calibration found for a profile that names none is a note of what exists, not of what is missing)
      for (const line of r.stdout.split('\n').filter((l) => l.includes('note:') && !l.includes('(the calibration made for this model and module)'))) expect(line).toMatch(/`emovoice (calibrate \w+|build --profile [\w-]+|import piper [^`]+)`/);
      if (!existsSync(join(ROOT, 'calibration/out/emovoice-ref-tiny/vocoder.calib'))) expect(r.stdout).toMatch(/note: vocoder: not calibrated yet .*`emovoice calibrate vocoder` makes it/);
    }
  }, 60_000);

  it('a model that set-up makes (the imported Piper voice) is a note naming how, not a problem, where it is not there', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'emovoice-doctor-'));
    try {
      await mkdir(join(dir, 'configs'));
      await copyFile(join(ROOT, 'configs/piper-joe-cpu.yaml'), join(dir, 'configs/piper-joe-cpu.yaml'));
      await copyFile(join(ROOT, 'configs/profile.schema.json'), join(dir, 'configs/profile.schema.json'));
      // the same profile with no model_made_by: a missing model is a problem (exit 1)
      const yaml = await readFile(join(ROOT, 'configs/piper-joe-cpu.yaml'), 'utf8');
      await writeFile(join(dir, 'configs/mine.yaml'), yaml.replace(/^name: .*$/m, 'name: mine').replace(/^model_made_by: .*\n/m, ''));
      const r = await emovoice(['--config-dir', join(dir, 'configs'), 'doctor'], '10.3.0');
      expect(r.stdout).toMatch(/piper-joe-cpu\.yaml +ok\n +note: model not there yet \(\S+models\/joe\/manifest\.yaml\); scripts\/setup\.sh imports it/);
      expect(r.stdout).toMatch(/mine\.yaml +1 problem\(s\)\n +error: \S+models\/joe\/manifest\.yaml/);
      expect(r.exitCode).toBe(1);
      await rm(join(dir, 'configs/mine.yaml'));
      const ok = await emovoice(['--config-dir', join(dir, 'configs'), 'doctor'], '10.3.0');
      expect(ok.exitCode, ok.stdout).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('an INT8 profile that names no calibration: where none was made here, a note naming the command (exit 0)', async (ctx) => {
    if (!existsSync(join(ROOT, 'models/joe/manifest.yaml'))) ctx.skip(); // piper-joe-cpu-int8's model: scripts/setup.sh imports it
    const dir = await mkdtemp(join(tmpdir(), 'emovoice-doctor-int8-'));
    try {
      // calibrations are found relative to the working folder: this one has none
      const r = await cliInProcess(['doctor'], { cwd: dir, env: { TRTEXEC: FAKE, FAKE_TRTEXEC_VERSION: '10.3.0', CI: 'true' } });
      expect(r.exitCode, r.stdout).toBe(0);
      expect(r.stdout).toMatch(/piper-joe-cpu-int8\.yaml +ok\n +note: vocoder: INT8 needs calibration, and none was made for piper-en_US-joe-medium's vocoder \(calibration\/out\/piper-en_US-joe-medium\/vocoder\.qdq\.onnx does not exist\); `emovoice calibrate vocoder` makes it \(--profile piper-joe-cpu-int8\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('something broken is still an error and exit 1: h100-fp16 needs TensorRT 10 and finds 8.6', async () => {
    const r = await emovoice(['doctor'], '8.6.1');
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/a10g-fp16\.yaml +ok — legacy precision flags \(--fp16\/--int8\/--calib on the FP32 ONNX; TensorRT 8\.6 has no strong typing\)/);
    expect(r.stdout).toMatch(/h100-fp16\.yaml +1 problem\(s\)[^\n]*\n +error: \S+h100-fp16\.yaml:\d+:\d+ tensorrt\.min_version: needs TensorRT ≥ 10\.0, found 8\.6\.1/);
  }, 60_000);
});
