// The Triton orchestrator as a decoupled model (`emovoice package --stream` → emovoice_stream): its config
// parses as Triton's ModelConfig with decoupled: true, pipeline.json carries the chunked stages with the
// context computed from the ONNX graphs, and run as Triton's Python backend would run it (the pb_utils
// STAND-IN answering BLS calls on ONNX Runtime; no Triton server here) one request gets its audio as
// several responses, in order — joined, the non-streaming orchestrator's answer — then a final empty one.
import { execa } from 'execa';
import { lstat, mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requirePython } from '../support/setup.ts';

const ROOT = resolve(__dirname, '../..');
const have = requirePython(['tritonclient', 'google.protobuf', 'onnxruntime', 'numpy']);
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe.skipIf(!have)('emovoice_stream (Triton decoupled orchestrator)', () => {
  it('validates against Triton’s schema and streams a request’s audio in ordered chunks', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-triton-stream-'));
    const engines = await mkdtemp(join(tmpdir(), 'ev-no-engines-'));
    dirs.push(dir, engines);
    const set = ['--set', `output=${engines}`, '--set', 'serving.stream_first_chunk_frames=8', '--set', 'serving.stream_chunk_frames=24'];
    const r = await execa('node', ['bin/emovoice.js', 'package', '--profile', 'emotivoice-a10g-fp16', '--triton', dir, '--stream', ...set], { cwd: ROOT, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    const v = await execa('python3', [join(ROOT, 'test/serving/validate_triton.py'), dir], { reject: false });
    expect(v.stdout).not.toMatch(/^error/m);
    expect(v.stdout).toMatch(/^ok emovoice_stream python max_batch_size=0 /m);
    const cfg = await readFile(join(dir, 'emovoice_stream/config.pbtxt'), 'utf8');
    expect(cfg).toMatch(/model_transaction_policy \{\n  decoupled: true\n\}/);
    expect((await lstat(join(dir, 'emovoice_stream/1'))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(dir, 'emovoice_stream/1'))).toBe(join('..', 'emovoice', '1'));
    const pipe = JSON.parse(await readFile(join(dir, 'emovoice/1/pipeline.json'), 'utf8'));
    expect(pipe.streaming).toEqual({
      dim: 'mel_len',
      first_chunk_frames: 8,
      chunk_frames: 24,
      stages: [{ id: 'vocoder', left: 8, right: 8, time_inputs: { mel: -1 }, time_outputs: { waveform: { axis: -1, scale: 256 } } }],
    });
    const s = await execa('python3', [join(ROOT, 'test/serving/run_stream_orchestrator.py'), dir, 'The weather is lovely today, 我们去公园散步吧。'], { reject: false });
    expect(s.exitCode, s.stderr).toBe(0);
    const out = JSON.parse(s.stdout) as { chunks: number[]; final: boolean; errors: string[]; streamed: number; whole: number; max_abs_diff: number; whole_peak: number };
    expect(out.errors).toEqual([]);
    expect(out.chunks.length).toBeGreaterThan(3);
    expect(out.chunks[0]).toBe(8 * 256);
    expect(out.final).toBe(true);
    expect(out.streamed).toBe(out.whole);
    expect(out.max_abs_diff).toBeLessThan(1e-4 * out.whole_peak);
  });
});
