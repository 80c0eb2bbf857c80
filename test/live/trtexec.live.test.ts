// Live check against a real trtexec (found by src/trtexec/find.ts). Skipped, saying so, where none is
// installed; the build case also needs models/tiny/vocoder.onnx. The stand-in is never used here.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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
});
