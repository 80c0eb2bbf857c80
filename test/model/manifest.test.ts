// The model manifest (format 2): loading, the graph checks that make a declared graph runnable, the
// format-1 migration, and one error line with file:line:col and a fix for each way a manifest can be wrong.
import { describe, expect, it } from 'vitest';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError, UserErrors } from '../../src/core/errors.ts';
import { loadModelManifest, moduleOrder, servedTextLen } from '../../src/model/manifest.ts';
import { cliInProcess } from '../support/cli-inprocess.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const MINI = join(ROOT, 'test/fixtures/profile/mini/manifest.yaml');
const TINY = join(ROOT, 'models/tiny/manifest.yaml');
const TINY_V1 = join(ROOT, 'test/fixtures/manifest/tiny-v1.yaml');

/** The tiny manifest with `edit` applied, in a copy of models/tiny (so its ONNX files resolve). */
async function withTiny(edit: (text: string) => string, fn: (path: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'ev-manifest-'));
  try {
    await cp(join(ROOT, 'models/tiny'), dir, { recursive: true });
    const path = join(dir, 'manifest.yaml');
    const text = await readFile(path, 'utf8');
    const edited = edit(text);
    expect(edited, 'the edit must change the manifest').not.toBe(text);
    await writeFile(path, edited);
    await fn(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function loadError(path: string): Promise<UserError> {
  const e = await loadModelManifest(path).catch((x) => x);
  expect(e).toBeInstanceOf(UserError);
  return e as UserError;
}

/** The CLI on a bad manifest (its main() in this process): exit 2, every line an `error:` with file:line:col and a fix, no stack. */
async function cliErrors(path: string): Promise<string[]> {
  const r = await cliInProcess(['verify', '--set', `model=${path}`], { cwd: ROOT });
  expect(r.exitCode).toBe(2);
  const lines = r.stderr.trim().split('\n');
  for (const l of lines) expect(l).toMatch(new RegExp(`^error: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+ .*\\(fix: .+\\)$`));
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return lines;
}

describe('loadModelManifest (format 2)', () => {
  it('loads the bundled tiny model: modules, frontend, conditioning, graph in run order', async () => {
    const m = await loadModelManifest(TINY);
    expect(m.sourceFormat).toBe(2);
    expect(m.family).toBe('ref-audio');
    expect(moduleOrder(m)).toEqual(['style_encoder', 'text_encoder', 'acoustic_encoder', 'acoustic_decoder', 'vocoder']);
    expect(m.frontend).toMatchObject({ name: 'emovoice-mixed', output: 'phoneme_ids', dtype: 'int32' });
    expect(m.frontend.symbols.slice(0, 4)).toEqual(['<pad>', '<unk>', '<sil>', '<sp>']);
    expect(Object.values(m.conditioning).map((c) => [c.flag, c.kind, c.required])).toEqual([['ref', 'audio', true], ['emotion', 'label', false], ['emotion-ref', 'audio', false]]);
    expect(m.modules.vocoder!.outputs.waveform!.kind).toBe('waveform');
    expect(m.graph.find((s) => s.id === 'length_regulation')!.params).toMatchObject({ durations: { rounding: 'round_half_even', min: 1, max: 50 } });
    expect(servedTextLen(undefined, m)).toBe(128); // the limit of text_len, the dim the frontend's ids fill
    expect(servedTextLen({ max_text_len: 40 }, m)).toBe(40);
  });

  it('loads a minimal manifest and resolves files next to it', async () => {
    const m = await loadModelManifest(MINI);
    expect(m.dir).toBe(join(ROOT, 'test/fixtures/profile/mini'));
    expect(m.modules.vocoder!.file).toBe(join(ROOT, 'test/fixtures/onnx/tiny.onnx'));
    expect(m.graphInfo.order).toEqual([0, 1]);
    expect(m.references).toEqual({ dir: join(m.dir, 'refs'), cases: ['vocoder/short'] });
  });

  it('format 1 loads, migrated in memory to the same graph the exporter writes in format 2', async () => {
    const v1 = await loadModelManifest(TINY_V1);
    const v2 = await loadModelManifest(TINY);
    expect(v1.sourceFormat).toBe(1);
    const shape = (m: typeof v1) => ({
      graph: m.graph.map(({ id, label, module, step, in: i, out, params }) => ({ id, label, module, step, in: i, out, params })),
      conditioning: Object.values(m.conditioning).map(({ name, kind, flag, output, required, seconds, labels }) => ({ name, kind, flag, output, required, seconds, labels })),
      modules: Object.fromEntries(Object.entries(m.modules).map(([k, x]) => [k, { inputs: x.inputs, outputs: x.outputs }])),
      symbols: m.frontend.symbols,
      limits: m.limits,
    });
    const a = shape(v1);
    const b = shape(v2);
    // the ordering of conditioning sources differs between the files; compare them as sets
    expect(new Set(a.conditioning.map((c) => JSON.stringify(c)))).toEqual(new Set(b.conditioning.map((c) => JSON.stringify(c))));
    expect({ ...a, conditioning: null }).toEqual({ ...b, conditioning: null });
  });

  it('`emovoice migrate` rewrites a format-1 file in place (the old one kept), and the result loads as format 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-migrate-'));
    await cp(join(ROOT, 'models/tiny'), dir, { recursive: true });
    const v1 = (await readFile(TINY_V1, 'utf8')).replaceAll('../../../models/tiny/', '');
    await writeFile(join(dir, 'manifest.yaml'), v1);
    let r = await cliInProcess(['migrate', join(dir, 'manifest.yaml'), '--check']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/is emovoice-model-manifest\/1: `emovoice migrate .*` rewrites it/);
    r = await cliInProcess(['migrate', join(dir, 'manifest.yaml')]);
    expect(r.exitCode).toBe(0);
    expect(await readFile(join(dir, 'manifest.v1.yaml'), 'utf8')).toBe(v1);
    const m = await loadModelManifest(join(dir, 'manifest.yaml'));
    expect(m.sourceFormat).toBe(2);
    expect(m.graph.map((s) => s.id)).toEqual((await loadModelManifest(TINY)).graph.map((s) => s.id));
    r = await cliInProcess(['migrate', join(dir, 'manifest.yaml')]);
    expect([r.exitCode, r.stderr]).toEqual([0, expect.stringMatching(/already emovoice-model-manifest\/2/)]);
  });
});

describe('a bad manifest is one error line per problem, with file:line:col and the fix (exit 2)', () => {
  it('an unknown host step', async () => {
    await withTiny((t) => t.replace('step: repeat', 'step: repeet'), async (p) => {
      const e = await loadError(p);
      expect(e.message).toBe('unknown host step "repeet"');
      expect(e.place).toMatchObject({ file: p, path: expect.stringMatching(/^graph\.\d+\.step$/) });
      expect(e.hint).toMatch(/use one of: .*first_of.*log_mel.*repeat/);
      const [line] = await cliErrors(p);
      expect(line).toMatch(/graph\.\d+\.step: unknown host step "repeet"/);
    });
  });

  it('a tensor consumed but never produced', async () => {
    await withTiny((t) => t.replace('in: {log_durations: log_durations, hidden: adapted_hidden}', 'in: {log_durations: log_durations, hidden: adapted_hiden}'), async (p) => {
      const e = await loadError(p);
      expect(e.message).toBe('tensor "adapted_hiden" is consumed by stage "length_regulation" but no stage, frontend or conditioning produces it');
      expect(e.place.path).toMatch(/^graph\.\d+\.in\.hidden$/);
      await cliErrors(p);
    });
  });

  it('a cycle', async () => {
    // the text encoder made to read the decoder's mel: text_encoder → … → acoustic_decoder → text_encoder
    await withTiny((t) => t.replace("- {id: text_encoder}", '- {id: text_encoder, in: {phoneme_ids: cyc}}').replace('- {id: acoustic_decoder}', '- {id: acoustic_decoder}\n- {id: cyc_ids, step: first_of, in: [mel], out: {value: cyc}}'), async (p) => {
      const e = await loadError(p);
      expect(e.message).toMatch(/^the graph has a cycle: (\S+ → )+\S+$/);
      expect(e.message).toContain('text_encoder');
      expect(e.message).toContain('cyc_ids');
      await cliErrors(p);
    });
  });

  it('a dtype mismatch between producer and consumer', async () => {
    await withTiny((t) => t.replace(/(text_encoder:\n\s+file: text_encoder\.onnx\n\s+inputs:\n\s+phoneme_ids:\n\s+dtype: )int32/, '$1int64'), async (p) => {
      const e = await loadError(p);
      expect(e.message).toBe('dtype mismatch: "phoneme_ids" is int32 but stage "text_encoder" takes int64 at phoneme_ids');
      expect(e.place.path).toMatch(/^graph\.\d+(\.in\.phoneme_ids)?$/);
      await cliErrors(p);
    });
  });

  it('a missing ONNX file', async () => {
    await withTiny((t) => t.replace('file: vocoder.onnx', 'file: vocodr.onnx'), async (p) => {
      const e = await loadError(p);
      expect(e.message).toMatch(/^vocodr\.onnx not found \(looked for .*vocodr\.onnx\)$/);
      expect(e.place).toMatchObject({ path: 'modules.vocoder.file', line: expect.any(Number), column: expect.any(Number) });
      await cliErrors(p);
    });
  });

  it('several problems at once: each its own line', async () => {
    await withTiny((t) => t.replace('file: vocoder.onnx', 'file: vocodr.onnx').replace('step: repeat', 'step: repeet'), async (p) => {
      const e = (await loadModelManifest(p).catch((x) => x)) as UserErrors;
      expect(e).toBeInstanceOf(UserErrors);
      expect(e.errors.map((x) => x.place.path)).toEqual(['modules.vocoder.file', expect.stringMatching(/^graph\.\d+\.step$/)]);
      expect(await cliErrors(p)).toHaveLength(2);
    });
  });

  it('schema problems: an unknown key, a wrong kind, an unknown frontend, a wrong format', async () => {
    await withTiny((t) => t.replace('family: ref-audio', 'family: ref-audio\nfamly: oops'), async (p) => {
      expect((await loadError(p)).message).toBe('unknown key "famly"');
    });
    await withTiny((t) => t.replace('kind: label', 'kind: lable'), async (p) => {
      expect((await loadError(p)).message).toMatch(/must be one of audio, label, id, text/);
    });
    await withTiny((t) => t.replace('name: emovoice-mixed', 'name: espeak-nothing'), async (p) => {
      const e = await loadError(p);
      expect([e.message, e.place.path]).toEqual(['unknown frontend "espeak-nothing"', 'frontend.name']);
    });
    await withTiny((t) => t.replace('emovoice-model-manifest/2', 'emovoice-model-manifest/9'), async (p) => {
      const e = await loadError(p);
      expect(e.place).toMatchObject({ line: 2, column: 1, path: 'format' });
      expect(e.hint).toMatch(/emovoice-model-manifest\/1; `emovoice migrate` rewrites them/);
    });
  });

  it('invalid YAML gives line:col', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-manifest-'));
    await writeFile(join(dir, 'manifest.yaml'), 'format: emovoice-model-manifest/2\nmodules: { a: [1, 2 }\n');
    const e = await loadError(join(dir, 'manifest.yaml'));
    expect(e.place.line).toBe(2);
  });
});
