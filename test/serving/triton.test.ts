// `emovoice package --triton`: every generated config.pbtxt must parse as Triton's ModelConfig
// (Triton's own model_config.proto, from the tritonclient wheel that scripts/setup.sh installs).
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { requestContract } from '../../src/serving/contract.ts';
import { moduleModels, onnxRuntimeConfig, servingPlan } from '../../src/serving/triton.ts';
import { registry } from '../../src/pipeline/registry.ts';
import { decodeValue, encodeValue } from '../../src/serving/frontend-server.ts';
import { cliInProcess } from '../support/cli-inprocess.ts';
import { expectSameBytes } from '../support/bytes.ts';
import { bundleFrontend } from '../../src/serving/bundle.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';
import { textToPhonemes } from '../../src/text/frontend.ts';
import { requirePython } from '../support/setup.ts';

const ROOT = resolve(__dirname, '../..');
// Under CI a missing tritonclient fails this file, naming the set-up step; elsewhere it skips, saying so.
const haveSchema = requirePython(['tritonclient', 'google.protobuf']);

/**
 * `emovoice package` with the profile's engine folder (`output`) pointed at an empty temporary folder, so
 * that engines a build left in out/<profile>/ never change what these tests see. The CLI's main() runs in
 * this process (test/support/cli-inprocess.ts); `reject` (the default) throws on a non-zero exit, as execa does.
 */
async function pkg(args: string[], opts: { reject?: boolean } = {}) {
  const output = args.some((a) => a.startsWith('output=')) ? [] : ['--set', `output=${await mkdtemp(join(tmpdir(), 'ev-no-engines-'))}`];
  const r = await cliInProcess(['package', ...args, ...output], { cwd: ROOT });
  if ((opts.reject ?? true) && r.exitCode !== 0) throw new Error(`emovoice package exited ${r.exitCode}: ${r.stderr}`);
  return r;
}

describe.skipIf(!haveSchema)('Triton model repository', () => {
  it('writes a plan model and a CPU fallback model per engine plus the orchestrator, all valid against Triton’s schema', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-triton-'));
    const r = await pkg(['--profile', 'a10g-fp16', '--triton', dir, '--allow-missing-engines']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/warning: 5 engine\(s\) not built yet/);
    const v = await execa('python3', [join(ROOT, 'test/serving/validate_triton.py'), dir], { reject: false });
    expect(v.stdout).not.toMatch(/^error/m);
    expect(v.exitCode).toBe(0);
    expect(v.stdout.split('\n').filter((l) => l.startsWith('ok '))).toHaveLength(11);
    expect(v.stdout).toMatch(/ok vocoder tensorrt_plan max_batch_size=4 inputs=1 outputs=1/);
    expect(v.stdout).toMatch(/ok vocoder_cpu onnxruntime_onnx max_batch_size=0 inputs=1 outputs=1/);
    // TEXT, PHONEME_IDS, LANGUAGE; REF_AUDIO/_SAMPLE_RATE/_KEY; EMOTION; EMOTION_REF_AUDIO/_SAMPLE_RATE/_KEY — from the manifest
    expect(v.stdout).toMatch(/ok emovoice python max_batch_size=0 inputs=10 outputs=3/);
    const voc = await readFile(join(dir, 'vocoder/config.pbtxt'), 'utf8');
    expect(voc).toMatch(/max_queue_delay_microseconds: 10000/);
    // serving.timeout_ms (2000) as the queue timeout; requests may ask for less
    expect(voc).toMatch(/default_queue_policy \{\n    timeout_action: REJECT\n    default_timeout_microseconds: 2000000\n    allow_timeout_override: true\n  \}/);
    expect(voc).toMatch(/name: "mel"\n    data_type: TYPE_FP32\n    dims: \[ 80, -1 \]/); // batch is Triton's implicit dim
    expectSameBytes(await readFile(join(dir, 'vocoder_cpu/1/model.onnx')), await readFile(join(ROOT, 'models/tiny/vocoder.onnx')), 'vocoder_cpu/1/model.onnx');
    const orch = await readFile(join(dir, 'emovoice/config.pbtxt'), 'utf8');
    expect(orch).toMatch(/key: "timeout_ms"\n  value: \{ string_value: "2000" \}/);
    expect(orch).toMatch(/name: "EMOTION_REF_AUDIO"\n    data_type: TYPE_FP32\n    dims: \[ -1 \]\n    optional: true/);
    for (const f of ['model.py', 'frontend.mjs', 'frontend.json', 'pipeline.json', 'assets/emotions.npz']) expect(existsSync(join(dir, 'emovoice/1', f)), f).toBe(true);
    expectSameBytes(await readFile(join(dir, 'emovoice/1/assets/emotions.npz')), await readFile(join(ROOT, 'models/tiny/emotions.npz')), 'emovoice/1/assets/emotions.npz');
    const pipe = JSON.parse(await readFile(join(dir, 'emovoice/1/pipeline.json'), 'utf8'));
    expect(pipe.max_text_len).toBe(128);
    expect(pipe.graph.map((g: { id: string }) => g.id)).toEqual(['reference_mel', 'style_encoder', 'emotion_reference_mel', 'emotion_style_encoder', 'emotion', 'text_encoder', 'acoustic_encoder', 'length_regulation', 'acoustic_decoder', 'vocoder']);
    expect(pipe.graph.find((g: { id: string }) => g.id === 'style_encoder').depends_on).toEqual(['conditioning:reference']); // cached by the voice
    expect(pipe.modules.acoustic_decoder.inputs.frame_hidden.max).toEqual([null, 1024, 64]); // limits.mel_len and the profile's max shape
    expect(pipe.conditioning.find((c: { name: string }) => c.name === 'emotion').excludes).toEqual(['emotion_reference']);
    expect(pipe.conditioning.map((c: { name: string; inputs: object }) => [c.name, c.inputs])).toEqual([
      ['reference', { audio: 'REF_AUDIO', sample_rate: 'REF_SAMPLE_RATE', key: 'REF_KEY' }],
      ['emotion', { value: 'EMOTION' }],
      ['emotion_reference', { audio: 'EMOTION_REF_AUDIO', sample_rate: 'EMOTION_REF_SAMPLE_RATE', key: 'EMOTION_REF_KEY' }],
    ]);
  });

  it('the bundled frontend runs on plain Node and gives the ids the CLI frontend gives', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-triton-'));
    await pkg(['--profile', 'a10g-fp16', '--triton', dir, '--allow-missing-engines']);
    const f = join(dir, 'emovoice/1');
    const r = await execa('node', [join(f, 'frontend.mjs'), '--frontend', join(f, 'frontend.json')], {
      cwd: tmpdir(), // no node_modules in reach: the bundle must stand alone
      input: ['{"text": "Hello world, 你好世界"}', '{"text": "  "}', 'not json'].join('\n') + '\n',
    });
    const [ok, empty, bad] = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const { symbols } = JSON.parse(await readFile(join(f, 'frontend.json'), 'utf8'));
    expect(ok.sentences).toEqual([{ text: 'Hello world, 你好世界', ids: Array.from(textToPhonemes('Hello world, 你好世界', { symbols }).ids) }]);
    expect(empty.error).toMatch(/text is empty/);
    expect(bad.error).toMatch(/not valid JSON/);
  });

  it('the bundled frontend.mjs also runs the pipeline’s host steps: the registry’s own step, answered over the line protocol', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-triton-'));
    await pkg(['--profile', 'a10g-fp16', '--triton', dir, '--allow-missing-engines', '--set', `output=${join(ROOT, 'out/a10g-fp16')}`]);
    const f = join(dir, 'emovoice/1');
    const pipe = JSON.parse(await readFile(join(f, 'pipeline.json'), 'utf8'));
    const stage = pipe.graph.find((g: { step?: string }) => g.step === 'repeat');
    const logD: Tensor = { dtype: 'float32', shape: [1, 4], data: Float32Array.from([0.1, 1.2, 2.3, 0.7]) };
    const hidden: Tensor = { dtype: 'float32', shape: [1, 4, 3], data: Float32Array.from({ length: 12 }, (_, i) => i / 3) };
    const call = { step: stage.id, inputs: { log_durations: encodeValue(logD), hidden: encodeValue(hidden) } };
    const r = await execa('node', [join(f, 'frontend.mjs'), '--frontend', join(f, 'frontend.json'), '--pipeline', join(f, 'pipeline.json')], {
      cwd: tmpdir(), // no node_modules in reach: the bundle must stand alone
      input: [JSON.stringify({ ping: true }), JSON.stringify(call), JSON.stringify({ step: 'nope', inputs: {} })].join('\n') + '\n',
    });
    const [pong, ans, bad] = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(pong).toEqual({ pong: true, steps: registry.stepNames(), frontend: 'ok' });
    const want = await (await registry.step('repeat')!.create(stage.params, { manifestPath: '', dir: '', audio: pipe.audio, place: {} })).run({ log_durations: logD, hidden });
    expect(Object.keys(ans.outputs).sort()).toEqual(['durations', 'hidden']);
    for (const k of ['durations', 'hidden']) expect(decodeValue(ans.outputs[k])).toEqual(want[k]);
    expect(Array.from((want.durations as Tensor).data as Int32Array)).toEqual([1, 2, 9, 1]); // round_half_even(exp(x) − 1), at least 1
    expect(bad).toMatchObject({ error: expect.stringMatching(/no host step stage "nope"/), user: true });
  });

  it('copies built engines in as model.plan, and --no-cpu-fallback leaves the CPU models out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-triton-'));
    const engines = await mkdtemp(join(tmpdir(), 'ev-engines-'));
    for (const m of ['text_encoder', 'style_encoder', 'acoustic_encoder', 'acoustic_decoder', 'vocoder']) await writeFile(join(engines, `${m}.engine`), `plan bytes of ${m}`);
    const r = await pkg(['--profile', 'a10g-fp16', '--set', `output=${engines}`, '--triton', dir, '--no-cpu-fallback'], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await readFile(join(dir, 'vocoder/1/model.plan'), 'utf8')).toBe('plan bytes of vocoder');
    expect(existsSync(join(dir, 'vocoder_cpu'))).toBe(false);
    expect(await readFile(join(dir, 'emovoice/config.pbtxt'), 'utf8')).toMatch(/key: "cpu_fallback"\n  value: \{ string_value: "false" \}/);
  });

  it('a bad host-step parameter is an error at package time, at its manifest line, and nothing is written', async () => {
    const toy = await mkdtemp(join(tmpdir(), 'ev-toy-bad-'));
    await execa('python3', [join(ROOT, 'test/fixtures/synthetic/make_family.py'), toy, join(ROOT, 'models/tiny/symbols.txt')]);
    const manifest = join(toy, 'manifest.yaml');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replace('rounding: round_half_even', 'rounding: nearest'));
    await writeFile(join(toy, 'trt.yaml'), `name: toy-trt\nbackend: trt\nmodel: manifest.yaml\noutput: ${join(toy, 'engines')}\n`);
    const repo = join(toy, 'repo');
    const r = await cliInProcess(['package', '--profile', join(toy, 'trt.yaml'), '--triton', repo], { cwd: ROOT });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: \S+manifest\.yaml:\d+:\d+ graph\.1\.params\.durations\.rounding: repeat: rounding must be one of round_half_even, round, ceil, floor, got "nearest" \(fix: e\.g\. rounding: round_half_even\)$/)]);
    expect(existsSync(repo)).toBe(false);
  });

  it('the validator rejects a config Triton would reject', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-triton-bad-'));
    await execa('mkdir', ['-p', join(dir, 'vocoder')]);
    await writeFile(join(dir, 'vocoder/config.pbtxt'), 'name: "vocoder"\nplatform: "tensorrt_plan"\nmax_batch: 4\n');
    const v = await execa('python3', [join(ROOT, 'test/serving/validate_triton.py'), dir], { reject: false });
    expect(v.exitCode).toBe(1);
    expect(v.stdout).toMatch(/error vocoder: .*max_batch/);
  });

  it('without engines: writes the configs with a warning, or with --require-engines fails and writes nothing', async () => {
    let dir = await mkdtemp(join(tmpdir(), 'ev-triton-'));
    let r = await pkg(['--profile', 'a10g-fp16', '--triton', dir], { reject: false });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/warning: 5 engine\(s\) not built yet, so their model folders have no model\.plan .*\(fix: run `emovoice build --profile a10g-fp16`/);
    expect(existsSync(join(dir, 'vocoder/config.pbtxt'))).toBe(true);
    dir = await mkdtemp(join(tmpdir(), 'ev-triton-'));
    r = await pkg(['--profile', 'a10g-fp16', '--triton', dir, '--require-engines'], { reject: false });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/error: engines not built yet: .*\(fix: run `emovoice build --profile a10g-fp16` first/);
    expect(existsSync(join(dir, 'emovoice'))).toBe(false); // nothing half-written
  });
});

describe('serving plan (pure)', () => {
  const manifest = {
    modules: {
      text_encoder: { engine: true, inputs: { phoneme_ids: { dtype: 'int32', dims: ['batch', 'text_len'] } } },
      vocoder: { engine: true, inputs: { mel: { dtype: 'float32', dims: ['batch', 80, 'mel_len'] } } },
    },
    limits: { text_len: 200, mel_len: 1024 },
    graph: [{ index: 0, id: 'text_encoder', module: 'text_encoder', in: [['phoneme_ids', 'phoneme_ids']], out: [], params: {} }],
    frontend: { output: 'phoneme_ids' },
  } as never;
  it('caps each engine’s Triton batch at its optimization profile’s maximum', () => {
    const plan = servingPlan(
      {
        serving: { max_batch: 8, batching_window_ms: 5, timeout_ms: 300, max_text_len: 64 },
        modules: { text_encoder: { shapes: { phoneme_ids: { min: [1, 1], opt: [1, 64], max: [4, 128] } } }, vocoder: { shapes: { mel: { min: [1, 80, 16], opt: [1, 80, 200], max: [2, 80, 900] } } } },
      },
      manifest,
    );
    expect(plan.maxBatch).toEqual({ text_encoder: 4, vocoder: 2 });
    expect(plan.queueDelayMs).toBe(5);
    expect(plan.inputMax.vocoder).toEqual({ mel: [null, 80, 900] }); // the engine's profile under limits.mel_len 1024
    expect(plan.inputMax.text_encoder).toEqual({ phoneme_ids: [null, 128] });
    expect(plan.orchestratorInstances).toBe(8);
    expect(plan.maxTextLen).toBe(64);
  });
  it('defaults: batch 4, 10 ms queue delay, CPU fallback on', () => {
    const plan = servingPlan({}, manifest);
    expect(plan.maxBatch).toEqual({ text_encoder: 4, vocoder: 4 });
    expect(plan.queueDelayMs).toBe(10);
    expect(plan.cpuFallback).toBe(true);
    expect(plan.maxTextLen).toBe(200); // the model's own limit, as synth and bench use it
    expect(plan.inputMax.vocoder).toEqual({ mel: [null, null, 1024] }); // no profile shapes: the manifest's limits (80 is static)
  });
  it('a module kept off the engine path: no Triton batch, its ONNX Runtime model under its own name, no fallback', () => {
    const m = structuredClone(manifest) as { modules: Record<string, { engine: boolean }> };
    m.modules.vocoder!.engine = false;
    const plan = servingPlan({ modules: { vocoder: { shapes: { mel: { min: [1, 80, 16], opt: [1, 80, 200], max: [2, 80, 900] } } } } }, m as never);
    expect(plan.maxBatch).toEqual({ text_encoder: 4 });
    expect(plan.inputMax.vocoder).toEqual({ mel: [null, null, 1024] }); // not an engine: its profile shapes do not bind it
    const models = moduleModels({ ...(m as object), locate: () => ({}) } as never, plan);
    expect(models).toEqual({ text_encoder: { model: 'text_encoder', fallback: 'text_encoder_cpu', engine: true }, vocoder: { model: 'vocoder', fallback: null, engine: false } });
    expect(onnxRuntimeConfig('vocoder', { file: '', inputs: {}, outputs: {}, engine: false }, plan, 'only')).toMatch(/^# vocoder: ONNX Runtime on the CPU, vocoder is kept off the engine path.*\nname: "vocoder"\nplatform: "onnxruntime_onnx"/);
  });
  it('a module whose Triton model name is taken is an error at the module', () => {
    const locate = (path: (string | number)[]) => ({ file: 'manifest.yaml', path: path.join('.') });
    expect(() => moduleModels({ modules: { emovoice: { engine: true } }, locate } as never, { cpuFallback: true })).toThrow(/module emovoice would be served as the Triton model "emovoice", which the orchestrator already is/);
    expect(() => moduleModels({ modules: { x: { engine: true }, x_cpu: { engine: false } }, locate } as never, { cpuFallback: true })).toThrow(/module x_cpu would be served as the Triton model "x_cpu", which module x already is/);
  });
  it('a bad instance count ends in one error line, exit 2, nothing written', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'ev-triton-')), 'repo');
    const r = await pkg(['--profile', 'a10g-fp16', '--triton', dir, '--instances', '0'], { reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['error: --instances: "0" is not a positive whole number (fix: e.g. --instances 2)']);
    expect(existsSync(dir)).toBe(false);
  });

  it('the t4 profile’s vocoder (max batch 2) gets max_batch_size 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-triton-'));
    await pkg(['--profile', 't4-fp16', '--triton', dir, '--allow-missing-engines']);
    expect(await readFile(join(dir, 'vocoder/config.pbtxt'), 'utf8')).toMatch(/max_batch_size: 2\n/);
    expect(await readFile(join(dir, 'text_encoder/config.pbtxt'), 'utf8')).toMatch(/max_batch_size: 4\n/);
  });
});

describe('the request contract, derived from the conditioning (pure)', () => {
  const locate = (path: (string | number)[]) => ({ file: 'manifest.yaml', line: 7, column: 3, path: path.join('.') });
  const src = (name: string, c: object): [string, object] => [name, { name, required: false, dtype: 'int32', output: name, ...c }];
  const manifest = (conditioning: [string, object][], output = 'phoneme_ids', dtype = 'int32') =>
    ({ frontend: { output, dtype }, conditioning: Object.fromEntries(conditioning), locate }) as never;

  it('each kind of source becomes its inputs, named after its flag', () => {
    const c = requestContract(manifest([
      src('voice', { kind: 'audio', flag: 'ref', required: true, seconds: { min: 3, max: 10 } }),
      src('emotion', { kind: 'label', flag: 'emotion', labels: ['happy', 'sad'] }),
      src('speaker', { kind: 'id', flag: 'speaker', names: ['ann', 'bob'], default: 0 }),
      src('seat', { kind: 'id', flag: 'seat', count: 4 }),
      src('prompt', { kind: 'text', flag: 'style-prompt' }),
    ], 'ids', 'int64'));
    expect(c.inputs.map((i) => `${i.name} ${i.type} [${i.dims}]`)).toEqual([
      'TEXT TYPE_STRING [1]', 'IDS TYPE_INT64 [-1]', 'LANGUAGE TYPE_STRING [1]',
      'REF_AUDIO TYPE_FP32 [-1]', 'REF_SAMPLE_RATE TYPE_INT32 [1]', 'REF_KEY TYPE_STRING [1]',
      'EMOTION TYPE_STRING [1]',
      'SPEAKER TYPE_INT32 [1]', 'SPEAKER_NAME TYPE_STRING [1]',
      'SEAT TYPE_INT32 [1]',
      'STYLE_PROMPT TYPE_STRING [1]',
    ]);
    expect(c.inputs.every((i) => i.optional)).toBe(true); // a required source is checked by the orchestrator, which names it
    expect(c.conditioning).toEqual({
      voice: { audio: 'REF_AUDIO', sample_rate: 'REF_SAMPLE_RATE', key: 'REF_KEY' },
      emotion: { value: 'EMOTION' },
      speaker: { id: 'SPEAKER', name: 'SPEAKER_NAME' },
      seat: { id: 'SEAT' },
      prompt: { value: 'STYLE_PROMPT' },
    });
    expect(c.inputs.find((i) => i.name === 'SPEAKER')!.meaning).toMatch(/an id 0–1; default 0/);
    expect(c.outputs.map((o) => o.name)).toEqual(['WAVEFORM', 'SAMPLE_RATE', 'WARNINGS']);
  });

  it('two sources that would share an input name are an error at the flag, with the fix', () => {
    const f = () => requestContract(manifest([src('voice', { kind: 'audio', flag: 'ref', seconds: { min: 1, max: 2 } }), src('k', { kind: 'text', flag: 'ref-key' })]));
    expect(f).toThrow(/conditioning k \(--ref-key\) would be the Triton input REF_KEY, which conditioning voice already is/);
    try {
      f();
    } catch (e) {
      expect((e as { format(): string }).format()).toBe('manifest.yaml:7:3 conditioning.k.flag: conditioning k (--ref-key) would be the Triton input REF_KEY, which conditioning voice already is (fix: give the source another flag (Triton input names are the flags upper-cased))');
    }
    expect(() => requestContract(manifest([src('t', { kind: 'text', flag: 'text' })]))).toThrow(/would be the Triton input TEXT, which the request contract already is/);
    expect(() => requestContract(manifest([], 'language'))).toThrow(/the frontend's output language would be the Triton input LANGUAGE/);
  });
});

describe('the step protocol of the Node process (pure encoding)', () => {
  it('tensors of every dtype and text go over the wire and come back the same', () => {
    const values: (Tensor | string)[] = [
      { dtype: 'float32', shape: [1, 2, 3], data: Float32Array.from([0, -0, 1.5, NaN, Infinity, -2e-38]) },
      { dtype: 'int32', shape: [1, 2], data: Int32Array.from([-7, 2 ** 31 - 1]) },
      { dtype: 'int64', shape: [2], data: BigInt64Array.from([-5n, 2n ** 62n]) },
      { dtype: 'bool', shape: [3], data: Uint8Array.from([1, 0, 1]) },
      'a style prompt, 开心',
    ];
    for (const v of values) expect(decodeValue(JSON.parse(JSON.stringify(encodeValue(v))))).toEqual(v);
    expect(() => decodeValue({ dtype: 'float32', shape: [2, 2], data: 'AAAA' })).toThrow(/3 bytes of float32 do not fill shape \[2, 2\]/);
  });
});

describe('bundling a frontend that brings data files and a native package (bundleFrontend)', () => {
  it('ships the file it opens by URL and the package it loads at run time beside frontend.mjs, and runs from there alone', async () => {
    const src = await mkdtemp(join(tmpdir(), 'ev-bundle-src-'));
    const put = async (file: string, text: string) => {
      await mkdir(join(src, file, '..'), { recursive: true });
      await writeFile(join(src, file), text);
    };
    await put('src/fam/data/table.txt', 'row one');
    await put('src/fam/entry.ts', [
      "import { readFileSync } from 'node:fs';",
      "import { createRequire } from 'node:module';",
      "import eol from 'cjs-dep';",
      "const table = readFileSync(new URL('./data/table.txt', import.meta.url), 'utf8');",
      'const require = createRequire(import.meta.url);',
      "const { greet } = require('fake-native') as { greet(): string };",
      'console.log(JSON.stringify({ table, greet: greet(), eol }));',
    ].join('\n'));
    // a package loaded at run time, with one platform's binary installed among its optional dependencies
    await put('node_modules/fake-native/package.json', JSON.stringify({ name: 'fake-native', main: 'index.js', optionalDependencies: { 'fake-native-linux': '1', 'fake-native-darwin': '1' } }));
    await put('node_modules/fake-native/index.js', "module.exports = { greet: () => require('fake-native-linux').word + '!' };");
    await put('node_modules/fake-native-linux/package.json', JSON.stringify({ name: 'fake-native-linux', main: 'index.js' }));
    await put('node_modules/fake-native-linux/index.js', "module.exports = { word: 'hi' };");
    // CommonJS bundled inside that requires a Node built-in
    await put('node_modules/cjs-dep/package.json', JSON.stringify({ name: 'cjs-dep', main: 'index.js' }));
    await put('node_modules/cjs-dep/index.js', "module.exports = require('os').EOL.length;");
    const b = await bundleFrontend(join(src, 'src/fam/entry.ts'), src);
    expect(b.files.map((f) => f.to).sort()).toEqual(['bundled/src/fam/data/table.txt', 'node_modules/fake-native', 'node_modules/fake-native-linux']);
    const out = await mkdtemp(join(tmpdir(), 'ev-bundle-out-'));
    await writeFile(join(out, 'frontend.mjs'), b.code);
    for (const f of b.files) await cp(f.from, join(out, f.to), { recursive: true });
    await rm(src, { recursive: true }); // nothing may be read from where it was built
    const r = await execa('node', [join(out, 'frontend.mjs')], { cwd: tmpdir() });
    expect(JSON.parse(r.stdout)).toEqual({ table: 'row one', greet: 'hi!', eol: 1 });
  });
});

