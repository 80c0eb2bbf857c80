// The CLI as a user meets it: real processes, real files. Every user-caused failure must be one
// `error:` line naming the file (and line/field), a fix, a non-zero exit, and no stack trace.
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtemp, readFile, readdir, writeFile, copyFile, mkdir, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeWav } from '../../src/audio/wav.ts';
import { readNpz } from '../../src/tensor/io.ts';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/emovoice.js');
const FIX = join(ROOT, 'test/fixtures/profile');

async function cli(args: string[], env: Record<string, string> = {}, cwd = ROOT) {
  const r = await execa('node', [BIN, ...args], { cwd, reject: false, env: { TRTEXEC: '', PATH: process.env.PATH!, ...env } });
  return { code: r.exitCode, out: r.stdout, err: r.stderr };
}

/** A reference voice of our own (the PyTorch reference's, from the committed hello.npz), not data/ref-alsa.wav. */
let voiceFile: string | undefined;
async function voice(): Promise<string> {
  if (!voiceFile) {
    const e2e = await readNpz(join(ROOT, 'models/tiny/refs/e2e/hello.npz'));
    voiceFile = join(await mkdtemp(join(tmpdir(), 'ev-cli-voice-')), 'voice.wav');
    await writeFile(voiceFile, encodeWav(e2e.wav_ref!.data as Float32Array, 16000, { format: 'pcm16' }));
  }
  return voiceFile;
}

function expectOneErrorLine(err: string, ...parts: (string | RegExp)[]) {
  const lines = err.trim().split('\n');
  expect(lines.filter((l) => l.startsWith('error: '))).toHaveLength(lines.length);
  expect(err).not.toMatch(/\n\s+at /); // no stack
  for (const p of parts) expect(err).toMatch(p);
}

describe('emovoice build --dry-run', () => {
  it('prints one exact trtexec command per module of the reference model (TensorRT 10 dialect)', async () => {
    const r = await cli(['build', '--profile', 'a10g-fp16', '--dry-run', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.commands.map((c: { module: string }) => c.module)).toEqual(['text_encoder', 'style_encoder', 'acoustic_encoder', 'acoustic_decoder', 'vocoder']);
    const voc = j.commands.find((c: { module: string }) => c.module === 'vocoder').argv;
    expect(voc).toEqual([
      'trtexec',
      `--onnx=${join(ROOT, 'out/a10g-fp16/converted/vocoder.fp16.onnx')}`, // strongly typed: the converted model
      `--saveEngine=${join(ROOT, 'out/a10g-fp16/vocoder.engine')}`,
      '--minShapes=mel:1x80x16',
      '--optShapes=mel:1x80x142', // a streamed chunk: 128 frames + 7 + 7 context
      '--maxShapes=mel:4x80x1024',
      '--stronglyTyped',
      '--memPoolSize=workspace:4096M',
      '--builderOptimizationLevel=3',
      `--timingCacheFile=${join(ROOT, 'out/timing-a10g.cache')}`,
      '--skipInference',
    ]);
  });

  it('speaks the TensorRT 8.6 dialect when asked', async () => {
    const r = await cli(['build', '--profile', 'a10g-fp16', '--dry-run', '--trt-version', '8.6', '--module', 'vocoder']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('--memPoolSize=workspace:4096 ');
  });

  it('--set overrides a profile value', async () => {
    const r = await cli(['build', '--profile', 'a10g-fp16', '--dry-run', '--module', 'vocoder', '--set', 'modules.vocoder.precision=fp32']);
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('--fp16');
  });

  it('without trtexec, a real build says what it needs (exit 3)', async () => {
    const r = await cli(['build', '--profile', 'a10g-fp16', '--module', 'vocoder']);
    expect(r.code).toBe(3);
    expectOneErrorLine(r.err, /trtexec was not found/, /TRTEXEC=/);
  });
});

describe('bad input gives one clear error line', () => {
  it('YAML syntax error: file:line:col', async () => {
    const r = await cli(['build', '--profile', join(FIX, 'bad-yaml.yaml'), '--dry-run']);
    expect(r.code).toBe(2);
    expectOneErrorLine(r.err, /bad-yaml\.yaml:6:\d+ invalid YAML/);
  });

  it('unknown key: file:line:col and key path', async () => {
    const r = await cli(['build', '--profile', join(FIX, 'unknown-key.yaml'), '--dry-run']);
    expect(r.code).toBe(2);
    expectOneErrorLine(r.err, /unknown-key\.yaml:5:3 defaults\.precison: unknown key "precison"/);
  });

  it('shapes that do not fit the model: every problem at once', async () => {
    const r = await cli(['build', '--profile', join(FIX, 'bad-shapes.yaml'), '--dry-run']);
    expect(r.code).toBe(2);
    expectOneErrorLine(
      r.err,
      /bad-shapes\.yaml:7:\d+ .*need min ≤ opt ≤ max in dim 2/,
      /mel\.max\[1\] is 81, the model fixes this dim to 80/,
      /mel\.max\[2\] = 4096 exceeds the model's mel_len limit of 1024/,
      /phoneme_ids\.min has rank 1, the model input has rank 2/,
      /text_encoder has no input "tokens"/,
    );
  });

  it('int8 without calibration (none named, none made for the model in the working folder)', async () => {
    // a working folder of its own: calibration/out/<model>/ there is where build looks (as synth does)
    const r = await cli(['build', '--profile', join(FIX, 'int8-no-calib.yaml'), '--dry-run'], {}, await mkdtemp(join(tmpdir(), 'ev-no-calib-')));
    expect(r.code).toBe(2);
    expectOneErrorLine(r.err, /int8-no-calib\.yaml:\d+:\d+ .*vocoder: INT8 needs calibration, and none was made for emovoice-ref-tiny's vocoder/, /emovoice calibrate vocoder --profile int8-no-calib/);
  });

  it('unknown profile name lists the known ones', async () => {
    const r = await cli(['build', '--profile', 'a100-fp16', '--dry-run']);
    expect(r.code).toBe(2);
    expectOneErrorLine(r.err, /profile "a100-fp16" not found/, /a10g-fp16/);
  });

  it('corrupt ONNX file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-cli-'));
    await writeFile(join(dir, 'model.onnx'), (await readFile(join(ROOT, 'models/tiny/vocoder.onnx'))).subarray(0, 5000));
    const r = await cli(['inspect', join(dir, 'model.onnx')]);
    expect(r.code).toBe(2);
    expectOneErrorLine(r.err, /model\.onnx not a valid ONNX model/, /re-export/);
  });

  it('corrupt ONNX referenced by a profile stops the build before trtexec', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-cli-'));
    await cp(join(ROOT, 'models/tiny'), join(dir, 'tiny'), { recursive: true });
    await writeFile(join(dir, 'tiny/vocoder.onnx'), 'garbage');
    const r = await cli(['build', '--profile', 'a10g-fp16', '--dry-run', '--set', `model=${join(dir, 'tiny/manifest.yaml')}`]);
    expect(r.code).toBe(2);
    // caught when the manifest loads (issue 25), at the manifest's line for the module's file
    expectOneErrorLine(r.err, /manifest\.yaml:\d+:\d+ modules\.vocoder\.file: \S+vocoder\.onnx is not an ONNX model: /);
  });
});

describe('emovoice export', () => {
  it('says clearly when Python or torch is missing', async () => {
    let r = await cli(['export', '--python', '/nonexistent/python3', '--out', '/tmp/ev-never']);
    expect(r.code).toBe(3);
    expectOneErrorLine(r.err, /Python was not found \(\/nonexistent\/python3\)/);
    r = await cli(['export', '--python', '/bin/false', '--out', '/tmp/ev-never']);
    expect(r.code).toBe(3);
    expectOneErrorLine(r.err, /cannot import torch\/onnx\/onnxruntime/, /requirements\.txt/);
  });
});

describe('emovoice inspect', () => {
  it('shows symbolic dims, opsets and op counts of a real export', async () => {
    const r = await cli(['inspect', 'models/tiny/vocoder.onnx', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.inputs).toEqual([{ name: 'mel', dtype: 'float32', dims: ['batch', 80, 'mel_len'] }]);
    expect(j.outputs[0].dims).toEqual(['batch', 1, 'samples']);
    expect(j.opsets).toEqual([{ domain: 'ai.onnx', version: 17 }]);
    expect(j.opHistogram.ConvTranspose).toBe(3);
    expect(j.parameterCount).toBeGreaterThan(100_000);
  });
});

describe('emovoice parse-log', () => {
  it('reads a real trtexec log into the documented JSON', async () => {
    const r = await cli(['parse-log', 'test/fixtures/trtexec/trt10-perf-summary-4177.log', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    for (const k of ['tensorrtVersion', 'status', 'buildSeconds', 'throughputQps', 'latencyMs', 'gpuComputeMs', 'errors']) expect(j).toHaveProperty(k);
    for (const k of ['min', 'max', 'mean', 'median', 'p90', 'p95', 'p99']) expect(j.latencyMs).toHaveProperty(k);
  });
});

describe('emovoice verify', () => {
  it('passes on the tiny references with the CPU backend and writes JUnit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-cli-'));
    const r = await cli(['verify', '--profile', 'cpu', '--json', '--junit', join(dir, 'v.xml')]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.pass).toBe(true);
    expect(j.cases.length).toBe(16); // 5 modules × 3 cases, and the end-to-end request through the whole graph
    expect(j.cases.at(-1)).toMatchObject({ module: 'e2e', case: 'hello', pass: true });
    const xml = await readFile(join(dir, 'v.xml'), 'utf8');
    expect(xml).toContain('<testsuite');
    expect(xml).toContain('vocoder/typical/waveform');
  });

  it('fails (exit 1) when an output departs from the PyTorch reference', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-cli-'));
    await cp(join(ROOT, 'models/tiny'), join(dir, 'tiny'), { recursive: true });
    // plant a wrong model: the vocoder replaced by the decoder's twin would not even load; instead swap in
    // a vocoder exported with another seed by editing its reference output slightly via a real npz rewrite
    const { readNpz, writeNpz } = await import('../../src/tensor/io.ts');
    const f = join(dir, 'tiny/refs/vocoder/short.npz');
    const m = await readNpz(f);
    const w = m.waveform!.data as Float32Array;
    for (let i = 0; i < w.length; i += 7) w[i]! += 0.01;
    await writeNpz(f, m);
    const r = await cli(['verify', '--profile', 'cpu', '--module', 'vocoder', '--set', `model=${join(dir, 'tiny/manifest.yaml')}`]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL\s+vocoder\/short/);
    expect(r.out).toMatch(/2\/3 cases passed/);
  });

  it('an unknown --backend is an error, in verify, synth and bench alike', async () => {
    for (const args of [['verify', '--profile', 'cpu'], ['synth', 'hello', '--ref', await voice()], ['bench', '--profile', 'cpu', '--baseline', 'none']]) {
      const r = await cli([...args, '--backend', 'tensorrt']);
      expect(r.code, args[0]).toBe(2);
      expectOneErrorLine(r.err, /^error: --backend: unknown backend "tensorrt" \(fix: use ort, cuda, trt, trtexec \(trtexec: one process per call, for debugging\)\)$/);
      expect(r.out).toBe('');
    }
  });
});

describe('paths the user gets wrong', () => {
  it('a file where a folder is needed, or a folder where a file is: one error line naming the path, exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-cli-'));
    const file = join(dir, 'afile');
    await writeFile(file, 'x');
    let r = await cli(['synth', 'hello', '--ref', await voice(), '--out', join(file, 'x.wav')]);
    expect(r.code).toBe(2);
    // the path as given (issue 25: errors name the user's argument, never a temporary file)
    expectOneErrorLine(r.err, new RegExp(`^error: ${join(file, 'x.wav')} --out: cannot write it: a part of this path is a file, not a folder \\(ENOTDIR\\) \\(fix: choose a path whose parent folders are folders\\)$`));
    r = await cli(['package', '--profile', 'a10g-fp16', '--triton', file]);
    expect(r.code).toBe(2);
    expectOneErrorLine(r.err, new RegExp(`^error: ${file} cannot mkdir it: a file is in the way .*\\(EEXIST\\)`));
    expect(await readdir(dir)).toEqual(['afile']); // no staging folder left behind
    expect(await readFile(file, 'utf8')).toBe('x');
    r = await cli(['inspect', dir]);
    expect(r.code).toBe(2);
    expectOneErrorLine(r.err, new RegExp(`^error: ${dir} is a folder, not an ONNX file`));
  });
});
