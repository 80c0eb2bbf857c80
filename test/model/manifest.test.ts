import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError, UserErrors } from '../../src/core/errors.ts';
import { loadModelManifest } from '../../src/model/manifest.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const MINI = join(ROOT, 'test/fixtures/profile/mini/manifest.yaml');
const TINY = join(ROOT, 'models/tiny/manifest.yaml');

async function withManifest(text: string, fn: (path: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'ev-manifest-'));
  try {
    await writeFile(join(dir, 'manifest.yaml'), text);
    await fn(join(dir, 'manifest.yaml'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('loadModelManifest', () => {
  it('parses the fixture manifest and resolves files next to it', async () => {
    const m = await loadModelManifest(MINI);
    expect(m.path).toBe(MINI);
    expect(m.dir).toBe(join(ROOT, 'test/fixtures/profile/mini'));
    expect(m.name).toBe('mini-fixture');
    expect(m.config).toBe('mini');
    expect(m.audio.sample_rate).toBe(16000);
    expect(m.audio.mel).toMatchObject({ n_fft: 1024, hop: 256, n_mels: 80 });
    expect(m.audio.ref_seconds).toEqual({ min: 3, max: 10 });
    expect(m.lengthRegulator).toEqual({ maxFramesPerPhoneme: 50, minFrames: 1 });
    expect(m.symbols).toEqual(['<pad>', '<sil>', '<sp>', 'AA0']);
    expect(m.emotions).toEqual({ labels: ['neutral', 'happy'], file: join(m.dir, 'emotions.npz') });
    expect(m.modules.vocoder!.file).toBe(join(ROOT, 'test/fixtures/onnx/tiny.onnx'));
    expect(m.modules.vocoder!.inputs.mel).toEqual({ dtype: 'float32', dims: ['batch', 80, 'mel_len'], meaning: 'log-mel' });
    expect(m.references).toEqual({ dir: join(m.dir, 'refs'), cases: ['vocoder/short'] });
    expect(m.limits).toEqual({ text_len: 128, mel_len: 1024 });
  });

  it('a wrong format points at file:line:col of the key', async () => {
    const text = (await readFile(MINI, 'utf8')).replace('emovoice-model-manifest/1', 'emovoice-model-manifest/9');
    await withManifest(text, async (p) => {
      const e = (await loadModelManifest(p).catch((x) => x)) as UserError;
      expect(e).toBeInstanceOf(UserError);
      expect(e.place).toMatchObject({ file: p, line: 1, column: 1, path: 'format' });
      expect(e.hint).toMatch(/format: emovoice-model-manifest\/1/);
    });
  });

  it('reports every problem at once, each with its place', async () => {
    const text = (await readFile(MINI, 'utf8'))
      .replace('sample_rate: 16000', 'sample_rate: -1')
      .replace('    file: ../../onnx/tiny.onnx\n', '')
      .replace('ids: { dtype: int32, dims: [batch, text_len] }', 'ids: { dims: [batch, text_len] }');
    await withManifest(text, async (p) => {
      const e = (await loadModelManifest(p).catch((x) => x)) as UserErrors;
      expect(e).toBeInstanceOf(UserErrors);
      const got = e.errors.map((x) => `${x.place.line}:${x.place.column} ${x.place.path}`);
      expect(got).toEqual(['5:3 audio.sample_rate', '14:3 modules.vocoder.file', '17:7 modules.vocoder.inputs.ids']);
      for (const x of e.errors) expect(x.hint).toBeTruthy();
    });
  });

  it('invalid YAML gives line:col', async () => {
    await withManifest('format: emovoice-model-manifest/1\nmodules: { a: [1, 2 }\n', async (p) => {
      const e = (await loadModelManifest(p).catch((x) => x)) as UserError;
      expect(e).toBeInstanceOf(UserError);
      expect(e.place.file).toBe(p);
      expect(e.place.line).toBe(2);
    });
  });

  it('loads models/tiny/manifest.yaml (the bundled, committed model)', async () => {
    const m = await loadModelManifest(TINY);
    expect(Object.keys(m.modules).sort()).toEqual(['acoustic_decoder', 'acoustic_encoder', 'style_encoder', 'text_encoder', 'vocoder']);
    expect(m.modules.text_encoder!.inputs.phoneme_ids!.dtype).toBe('int32');
    expect(m.limits.text_len).toBeGreaterThan(0);
  });
});
