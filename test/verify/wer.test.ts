// `emovoice verify` hears what it verifies: the WER of held-out English sentences on the path verified
// next to the FP32 ONNX path, gated by --max-wer-increase (exit 1), in the text, JSON and JUnit reports.
// The bundled random-weight model declares no English and skips it at once; the Piper voice runs it
// (skipped with its reason where the voice, espeak-ng or the recogniser is not installed; failing under
// CI naming the set-up step). A vocoder broken on purpose (INT8 ranges at the 10th percentile, so nearly
// every activation is clipped) shows the gate failing on real audio.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireSetup } from '../setup-needed.ts';
import { piperMissing, PIPER_SETUP_STEP } from '../support/piper-voice.ts';
import { cliInProcess } from '../support/cli-inprocess.ts';

// the CLI's main() in this process (test/support/cli-inprocess.ts): the same code as `node bin/emovoice.js`
const cli = (args: string[]) => cliInProcess(args);
const dirs: string[] = [];
const tmp = async () => {
  const d = await mkdtemp(join(tmpdir(), 'emovoice-verify-wer-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('verify on a model that declares no English', () => {
  it('skips WER with the reason, starts no recogniser, and passes on its cases alone', async () => {
    const dir = await tmp();
    const r = await cli(['verify', '--profile', 'cpu', '--json', '--junit', join(dir, 'v.xml')]);
    expect(r.exitCode).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.pass).toBe(true);
    expect(j.wer).toEqual({ status: 'skipped', reason: 'the model declares no English (frontend.language in its manifest), so a recogniser of English cannot score it' });
    expect(r.stderr).not.toMatch(/WER: speaking/);
    expect(await readFile(join(dir, 'v.xml'), 'utf8')).not.toMatch(/intelligibility/);
    const text = await cli(['verify', '--profile', 'cpu', '--module', 'vocoder']);
    expect(text.stdout).toMatch(/^WER {3}skipped: only modules were verified \(--module\)$/m);
  }, 120_000);

  it('a bad --max-wer-increase is one error line', async () => {
    const r = await cli(['verify', '--profile', 'cpu', '--max-wer-increase', 'lots']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe('error: --max-wer-increase must be a number ≥ 0, got "lots" (fix: e.g. --max-wer-increase 0.05 (5 points of WER))');
  });
});

const missing = piperMissing;
const STEP = PIPER_SETUP_STEP;

describe('verify on the Piper voice', () => {
  it('at fp32 on the CPU reports the one WER of the FP32 ONNX path, with nothing to gate', async (t) => {
    requireSetup(t, missing, STEP);
    const r = await cli(['verify', '--profile', 'piper-joe-cpu', '--wer-sentences', '2', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.wer.status).toBe('measured');
    expect(j.wer.sentences).toBe(2);
    expect(j.wer.fp32.sentences.map((s: { text: string }) => s.text)).toEqual(['front center', 'side right']);
    // measured: both heard right
    expect(j.wer.fp32.wer).toBeLessThanOrEqual(0.25);
    expect(j.wer.candidate).toBeUndefined();
  }, 300_000);

  it('fails (exit 1) a vocoder whose INT8 ranges clip the audio away, in every report', async (t) => {
    requireSetup(t, missing, STEP);
    const dir = await tmp();
    // the ranges at the 10th percentile of |x|: nearly every activation clipped
    const c = await cli(['calibrate', 'vocoder', '--profile', 'piper-joe-cpu', '--method', 'percentile', '--percentile', '10', '--samples', '4', '--heldout', '1', '--sensitivity', '0', '--wer-sentences', '2', '--out', dir, '--json']);
    expect(c.exitCode).toBe(1);
    expect(JSON.parse(c.stdout).wer.status).toBe('fail');
    const qdq = join(dir, 'vocoder.qdq.onnx');
    // a gate other than the default (0.05) shows --max-wer-increase reaching it; +1.000 is over either
    const args = ['verify', '--profile', 'piper-joe-cpu', '--precision', 'profile', '--set', 'modules.vocoder.precision=int8', '--set', `modules.vocoder.calibration.qdq_model=${qdq}`, '--wer-sentences', '2', '--max-wer-increase', '0.5'];
    const r = await cli([...args, '--junit', join(dir, 'v.xml')]);
    expect(r.exitCode).toBe(1);
    // measured: FP32 heard both right, the clipped vocoder's audio gave no words at all
    expect(r.stdout).toMatch(/^ {6}FP32 ONNX \(ONNX Runtime CPU\) +0\.000$/m);
    expect(r.stdout).toMatch(/^ {6}ONNX Runtime CPU, vocoder int8 +1\.000$/m);
    expect(r.stdout).toMatch(/^FAIL  WER increase \+1\.000 \(at most \+0\.500, --max-wer-increase\)$/m);
    expect(r.stdout).toMatch(/the WER check failed$/m);
    const junit = await readFile(join(dir, 'v.xml'), 'utf8');
    expect(junit).toMatch(/<testcase classname="[^"]+" name="intelligibility\/wer" time="0">\s*<failure message="failed: wer_increase \(limit 0\.5\); WER FP32 ONNX \(ONNX Runtime CPU\) 0\.000, ONNX Runtime CPU, vocoder int8 1\.000: increase 1\.000 on 2 sentences"/);
    // a gate wide enough (1) would pass these measured WERs: werVerdict(0, 1, 1) in test/asr/check.test.ts,
    // rather than a third run of the same graph
  }, 600_000);
});
