// The strongly typed FP16 conversion of every bundled family, run on ONNX Runtime's CPU by
// `verify --precision fp16`: each module within the FP16 tolerances (rel L2 ≤ 1e-2 against the PyTorch
// FP32 references) and the end-to-end audio's SNR reported. The two tiny models are committed; the real
// Piper voice is imported by set-up (skipped with its reason outside CI, failing under CI).
import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireSetup } from '../setup-needed.ts';
import { PIPER_SETUP_STEP, voiceMissing } from '../support/piper-voice.ts';

const cli = (args: string[]) => execa('node', ['bin/emovoice.js', ...args], { reject: false });

interface Output { name: string; kind: string; pass: boolean; metrics: { rel_l2: number; snr_db?: number }; tolerances: { rel_l2?: number } }
interface Case { module: string; case: string; pass: boolean; outputs: Output[] }

/** The converted models go to a folder of the test's own (the profile's output), converted afresh. */
async function verifyFp16(profile: string): Promise<{ exitCode: number | undefined; cases: Case[] }> {
  const out = await mkdtemp(join(tmpdir(), `emovoice-fp16-${profile}-`));
  try {
    const r = await cli(['verify', '--profile', profile, '--precision', 'fp16', '--wer-sentences', '0', '--set', `output=${out}`, '--json']);
    if (!r.stdout.trim()) throw new Error(`verify exited ${r.exitCode}: ${r.stderr}`);
    return { exitCode: r.exitCode, cases: JSON.parse(r.stdout).cases as Case[] };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

describe('verify --precision fp16 on every bundled family', () => {
  for (const [profile, family, needs] of [
    ['cpu', 'ref-audio', null],
    ['emotivoice-cpu', 'emotivoice', null],
    ['piper-joe-cpu', 'piper-vits', voiceMissing],
  ] as const) {
    it(`${family} (${profile}): every module within rel L2 1e-2, end-to-end SNR reported`, async (t) => {
      requireSetup(t, needs, PIPER_SETUP_STEP);
      const { exitCode, cases } = await verifyFp16(profile);
      const modules = cases.filter((c) => c.module !== 'e2e');
      expect(modules.length).toBeGreaterThan(0);
      for (const c of modules) {
        for (const o of c.outputs) {
          expect(o.tolerances.rel_l2, `${c.module}/${c.case} ${o.name}`).toBe(1e-2);
          expect(o.metrics.rel_l2, `${c.module}/${c.case} ${o.name}`).toBeLessThanOrEqual(1e-2);
        }
      }
      // end to end (the families whose manifests declare reference requests): audio SNR is measured
      for (const c of cases.filter((x) => x.module === 'e2e')) {
        const wave = c.outputs.find((o) => o.kind === 'waveform')!;
        expect(wave.metrics.snr_db, `e2e/${c.case}`).toBeGreaterThan(20);
      }
      expect(cases.every((c) => c.pass)).toBe(true);
      expect(exitCode).toBe(0);
    }, 600_000);
  }
});
