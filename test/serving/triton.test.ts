// `emovoice package --triton`: every generated config.pbtxt must parse as Triton's ModelConfig
// (Triton's own model_config.proto, from the tritonclient wheel that scripts/setup.sh installs).
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { servingPlan } from '../../src/serving/triton.ts';
import { textToPhonemes } from '../../src/text/frontend.ts';

const ROOT = resolve(__dirname, '../..');
const haveSchema = (await execa('python3', ['-c', 'import tritonclient, google.protobuf'], { reject: false })).exitCode === 0;
if (!haveSchema) console.log('SKIPPED: python3 with tritonclient not available (scripts/setup.sh installs it)');

describe.skipIf(!haveSchema)('Triton model repository', () => {
  it('writes a plan model and a CPU fallback model per engine plus the orchestrator, all valid against Triton’s schema', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-triton-'));
    const r = await execa('node', [join(ROOT, 'bin/emovoice.js'), 'package', '--profile', 'a10g-fp16', '--triton', dir, '--allow-missing-engines'], { cwd: ROOT });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/warning: 5 engine\(s\) not built yet/);
    const v = await execa('python3', [join(ROOT, 'test/serving/validate_triton.py'), dir], { reject: false });
    expect(v.stdout).not.toMatch(/^error/m);
    expect(v.exitCode).toBe(0);
    expect(v.stdout.split('\n').filter((l) => l.startsWith('ok '))).toHaveLength(11);
    expect(v.stdout).toMatch(/ok vocoder tensorrt_plan max_batch_size=4 inputs=1 outputs=1/);
    expect(v.stdout).toMatch(/ok vocoder_cpu onnxruntime_onnx max_batch_size=0 inputs=1 outputs=1/);
    expect(v.stdout).toMatch(/ok emovoice python max_batch_size=0 inputs=7 outputs=3/);
    const voc = await readFile(join(dir, 'vocoder/config.pbtxt'), 'utf8');
    expect(voc).toMatch(/max_queue_delay_microseconds: 10000/);
    // serving.timeout_ms (2000) as the queue timeout; requests may ask for less
    expect(voc).toMatch(/default_queue_policy \{\n    timeout_action: REJECT\n    default_timeout_microseconds: 2000000\n    allow_timeout_override: true\n  \}/);
    expect(voc).toMatch(/name: "mel"\n    data_type: TYPE_FP32\n    dims: \[ 80, -1 \]/); // batch is Triton's implicit dim
    expect(await readFile(join(dir, 'vocoder_cpu/1/model.onnx'))).toEqual(await readFile(join(ROOT, 'models/tiny/vocoder.onnx')));
    const orch = await readFile(join(dir, 'emovoice/config.pbtxt'), 'utf8');
    expect(orch).toMatch(/key: "max_text_len"\n  value: \{ string_value: "128" \}/);
    expect(orch).toMatch(/key: "timeout_ms"\n  value: \{ string_value: "2000" \}/);
    expect(orch).toMatch(/key: "max_mel_frames"\n  value: \{ string_value: "1024" \}/);
    for (const f of ['model.py', 'frontend.mjs', 'frontend.json', 'emotions.npz']) expect(existsSync(join(dir, 'emovoice/1', f)), f).toBe(true);
  });

  it('the bundled frontend runs on plain Node and gives the ids the CLI frontend gives', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-triton-'));
    await execa('node', [join(ROOT, 'bin/emovoice.js'), 'package', '--profile', 'a10g-fp16', '--triton', dir, '--allow-missing-engines'], { cwd: ROOT });
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

  it('copies built engines in as model.plan, and --no-cpu-fallback leaves the CPU models out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-triton-'));
    const engines = await mkdtemp(join(tmpdir(), 'ev-engines-'));
    for (const m of ['text_encoder', 'style_encoder', 'acoustic_encoder', 'acoustic_decoder', 'vocoder']) await writeFile(join(engines, `${m}.engine`), `plan bytes of ${m}`);
    const r = await execa('node', [join(ROOT, 'bin/emovoice.js'), 'package', '--profile', 'a10g-fp16', '--set', `output=${engines}`, '--triton', dir, '--no-cpu-fallback'], { cwd: ROOT, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await readFile(join(dir, 'vocoder/1/model.plan'), 'utf8')).toBe('plan bytes of vocoder');
    expect(existsSync(join(dir, 'vocoder_cpu'))).toBe(false);
    expect(await readFile(join(dir, 'emovoice/config.pbtxt'), 'utf8')).toMatch(/key: "cpu_fallback"\n  value: \{ string_value: "false" \}/);
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
    let r = await execa('node', [join(ROOT, 'bin/emovoice.js'), 'package', '--profile', 'a10g-fp16', '--triton', dir], { cwd: ROOT, reject: false });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/warning: 5 engine\(s\) not built yet, so their model folders have no model\.plan .*\(fix: run `emovoice build --profile a10g-fp16`/);
    expect(existsSync(join(dir, 'vocoder/config.pbtxt'))).toBe(true);
    dir = await mkdtemp(join(tmpdir(), 'ev-triton-'));
    r = await execa('node', [join(ROOT, 'bin/emovoice.js'), 'package', '--profile', 'a10g-fp16', '--triton', dir, '--require-engines'], { cwd: ROOT, reject: false });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/error: engines not built yet: .*\(fix: run `emovoice build --profile a10g-fp16` first/);
    expect(existsSync(join(dir, 'emovoice'))).toBe(false); // nothing half-written
  });
});

describe('serving plan (pure)', () => {
  const manifest = { modules: { text_encoder: {}, vocoder: {} }, limits: { text_len: 200 } } as never;
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
    expect(plan.maxMelFrames).toBe(900);
    expect(plan.orchestratorInstances).toBe(8);
    expect(plan.maxTextLen).toBe(64);
  });
  it('defaults: batch 4, 10 ms queue delay, CPU fallback on', () => {
    const plan = servingPlan({}, manifest);
    expect(plan.maxBatch).toEqual({ text_encoder: 4, vocoder: 4 });
    expect(plan.queueDelayMs).toBe(10);
    expect(plan.cpuFallback).toBe(true);
    expect(plan.maxTextLen).toBe(200); // the model's own limit, as synth and bench use it
  });
  it('a bad instance count ends in one error line, exit 2, nothing written', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'ev-triton-')), 'repo');
    const r = await execa('node', [join(ROOT, 'bin/emovoice.js'), 'package', '--profile', 'a10g-fp16', '--triton', dir, '--instances', '0'], { cwd: ROOT, reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['error: --instances: "0" is not a positive whole number (fix: e.g. --instances 2)']);
    expect(existsSync(dir)).toBe(false);
  });

  it('the t4 profile’s vocoder (max batch 2) gets max_batch_size 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-triton-'));
    await execa('node', [join(ROOT, 'bin/emovoice.js'), 'package', '--profile', 't4-fp16', '--triton', dir, '--allow-missing-engines'], { cwd: ROOT });
    expect(await readFile(join(dir, 'vocoder/config.pbtxt'), 'utf8')).toMatch(/max_batch_size: 2\n/);
    expect(await readFile(join(dir, 'text_encoder/config.pbtxt'), 'utf8')).toMatch(/max_batch_size: 4\n/);
  });
});
