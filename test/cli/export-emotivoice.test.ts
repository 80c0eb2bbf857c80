// `emovoice export --from-checkpoint`: a randomly initialised EmotiVoice written in the released
// checkpoint layout (by the Python reference) goes through the CLI into a model folder; the user's
// mistakes end in one error line naming the file. Needs Python with torch/onnx/onnxruntime/tokenizers
// (`bash scripts/setup.sh`): under CI=true their absence fails, elsewhere the test says why it skips.
import { describe, expect, it, beforeAll } from 'vitest';
import { execa } from 'execa';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { exporterArgs, parseExporterError } from '../../src/cli/export.ts';
import { cliInProcess } from '../support/cli-inprocess.ts';

const ROOT = resolve(import.meta.dirname, '../..');
// one torch thread: on a small shared machine its intra-op threads wait on each other for every op
const env = { PATH: process.env.PATH!, PYTHONPATH: join(ROOT, 'reference'), OMP_NUM_THREADS: '1' };
const probe = await execa('python3', ['-c', 'import torch, onnx, onnxruntime, tokenizers'], { env, reject: false });
const havePython = probe.exitCode === 0;
if (!havePython) {
  if (process.env.CI === 'true') throw new Error('python3 with torch, onnx, onnxruntime and tokenizers is missing: run bash scripts/setup.sh');
  console.warn('export-emotivoice.test.ts: SKIPPED the CLI runs (python3 with torch/onnx/onnxruntime/tokenizers not available; bash scripts/setup.sh)');
}

// the CLI's main() in this process (test/support/cli-inprocess.ts); the exporter it starts is a Python process
const cli = async (args: string[]) => {
  const r = await cliInProcess(args, { cwd: ROOT, env });
  return { code: r.exitCode, err: r.stderr };
};

function oneErrorLine(err: string): string {
  const lines = err.trim().split('\n').filter((l) => l.startsWith('error: '));
  expect(lines).toHaveLength(1);
  expect(err).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

describe('export argv', () => {
  it('passes a checkout and its overrides to the emotivoice exporter, with machine-readable errors', () => {
    const base = { family: 'emotivoice', seed: '1234', python: 'python3', upsampling: 'engine', refs: true };
    expect(exporterArgs({ ...base, fromCheckpoint: '/ev', speakers: '/ev/info/speaker', textLen: '100' }, '/out')).toEqual([
      '-m', 'emovoice_ref.emotivoice.export', '--out', '/out', '--upsampling', 'engine', '--error-json',
      '--from-checkpoint', '/ev', '--speakers', '/ev/info/speaker', '--text-len', '100',
    ]);
    expect(exporterArgs({ ...base, config: 'base', refs: false }, '/o')).toEqual([
      '-m', 'emovoice_ref.emotivoice.export', '--out', '/o', '--upsampling', 'engine', '--error-json', '--random', 'base', '--seed', '1234', '--no-refs',
    ]);
    expect(exporterArgs({ ...base, family: 'ref-audio', config: 'tiny' }, '/o')).toEqual(['-m', 'emovoice_ref.export', '--config', 'tiny', '--out', '/o', '--seed', '1234']);
  });

  it("turns the exporter's error line into ours", () => {
    const e = parseExporterError('emovoice-error: {"message": "the tokenlist is missing", "file": "/ev/data/youdao/text/tokenlist", "hint": "it is data/youdao/text/tokenlist"}');
    expect(e?.format()).toBe('/ev/data/youdao/text/tokenlist the tokenlist is missing (fix: it is data/youdao/text/tokenlist)');
    expect(parseExporterError('exported /o/vocoder.onnx')).toBeNull();
  });
});

describe.skipIf(!havePython)('emovoice export --from-checkpoint', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ev-export-'));
    await execa('python3', ['-c', `from emovoice_ref.emotivoice.export import random_checkout; random_checkout('tiny', ${JSON.stringify(join(dir, 'EmotiVoice'))}, 1234)`], { env });
    return () => rm(dir, { recursive: true, force: true });
  }, 120_000);

  it('exports a checkpoint in the released layout into a complete model folder', async () => {
    const out = join(dir, 'models', 'ev');
    const r = await cli(['export', '--from-checkpoint', join(dir, 'EmotiVoice'), '--out', out, '--text-len', '32', '--mel-len', '160', '--no-refs']);
    expect(r.code, r.err).toBe(0);
    const files = await readdir(out);
    for (const f of ['style_encoder.onnx', 'text_encoder.onnx', 'acoustic_encoder.onnx', 'acoustic_decoder.onnx', 'vocoder.onnx', 'manifest.yaml', 'tokenlist', 'speakers.txt', 'vocab.txt', 'speaker_table.npy']) {
      expect(files).toContain(f);
    }
    const man = parse(await readFile(join(out, 'manifest.yaml'), 'utf8'));
    expect(man.family).toBe('emotivoice');
    expect(man.limits).toEqual({ text_len: 32, mel_len: 160, bert_len: 512 });
    expect(man.conditioning.speaker.names).toBe('speakers.txt');
    const check = JSON.parse(await readFile(join(out, 'export_check.json'), 'utf8'));
    expect(Math.max(...check.ort_vs_torch.map((r: { rel_l2: number }) => r.rel_l2))).toBeLessThanOrEqual(1e-4);
    expect((await readdir(join(dir, 'models'))).filter((f) => f.includes('partial'))).toEqual([]);
  }, 300_000);

  it('names the missing or mismatched file in one error line, exit 2, leaving no folder behind', async () => {
    let r = await cli(['export', '--from-checkpoint', join(dir, 'nowhere')]);
    expect(r.code).toBe(2);
    expect(oneErrorLine(r.err)).toMatch(/nowhere no such folder \(fix: check --from-checkpoint/);
    const list = join(dir, 'three-speakers.txt');
    await writeFile(list, 'a\nb\nc\n');
    const out = join(dir, 'models', 'bad');
    r = await cli(['export', '--from-checkpoint', join(dir, 'EmotiVoice'), '--speakers', list, '--out', out]);
    expect(r.code).toBe(2);
    expect(oneErrorLine(r.err)).toMatch(/g_00000000 am\.spk_tokenizer\.weight has shape \(12, 32\), the model expects \(3, 32\) \(fix: .*speaker list/);
    expect(await readdir(join(dir, 'models'))).not.toContain('bad');
    r = await cli(['export', '--config', 'tiny', '--from-checkpoint', join(dir, 'EmotiVoice')]);
    expect(r.code).toBe(2);
    expect(oneErrorLine(r.err)).toMatch(/--config and --from-checkpoint exclude each other/);
    r = await cli(['export', '--family', 'emotivoice', '--speakers', list]);
    expect(oneErrorLine(r.err)).toMatch(/--speakers needs --from-checkpoint/);
  }, 300_000);
});
