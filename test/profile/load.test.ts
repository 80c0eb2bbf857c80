import { describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import { UserError, UserErrors } from '../../src/core/errors.ts';
import { loadProfile, parseOverride } from '../../src/profile/load.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CONFIGS = join(ROOT, 'configs');
const MINI = join(ROOT, 'test/fixtures/profile/mini');

async function fails(p: Promise<unknown>): Promise<UserError[]> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e instanceof UserErrors ? e.errors : [e as UserError];
  }
  throw new Error('expected the profile to fail');
}
const where = (e: UserError) => `${e.place.file?.replace(ROOT + '/', '')}:${e.place.line}:${e.place.column} ${e.place.path}`;

describe('loadProfile: extends, paths, positions', () => {
  it('merges the extends chain: objects merge, later files win', async () => {
    const l = await loadProfile('good', { configsDir: MINI });
    const p = l.profile;
    expect(l.file).toBe(join(MINI, 'good.yaml'));
    expect(l.chain).toEqual([join(MINI, 'good.yaml'), join(MINI, 'base.yaml')]);
    expect(l.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(p.name).toBe('mini-good');
    expect(p.abstract).toBeUndefined(); // abstract is not inherited
    expect(p.backend).toBe('trt');
    expect(p.defaults).toEqual({ precision: 'fp16', workspace_mib: 1024, timing_cache: join(ROOT, 'test/fixtures/profile/out/timing.cache') });
    expect(p.modules!.vocoder!.precision).toBe('int8');
    expect(p.modules!.vocoder!.layer_fallback).toBe('fp16');
    expect(p.modules!.vocoder!.shapes).toEqual({
      mel: { min: [1, 80, 16], opt: [1, 80, 400], max: [4, 80, 1024] }, // from base
      ids: { min: [1, 1], opt: [1, 32], max: [2, 128] }, // from good
    });
  });

  it('resolves paths relative to the file that set them', async () => {
    const l = await loadProfile(join(MINI, 'sub/child.yaml'), { configsDir: CONFIGS });
    const p = l.profile;
    expect(p.model).toBe(join(MINI, 'manifest.yaml')); // base.yaml
    expect(p.output).toBe(join(MINI, 'sub/out-child')); // sub/child.yaml
    expect(p.modules!.vocoder!.calibration).toEqual({
      cache: join(MINI, 'calib/vocoder.calib'), // good.yaml
      qdq_model: join(MINI, 'sub/vocoder.qdq.onnx'), // sub/child.yaml
    });
    expect(l.chain.map((f) => f.replace(MINI + '/', ''))).toEqual(['sub/child.yaml', 'good.yaml', 'base.yaml']);
  });

  it('remembers the file:line:col that set each key', async () => {
    const l = await loadProfile('good', { configsDir: MINI });
    const at = (k: string) => `${l.sources[k]!.file!.replace(MINI + '/', '')}:${l.sources[k]!.line}:${l.sources[k]!.column}`;
    expect(at('modules.vocoder.precision')).toBe('good.yaml:7:5');
    expect(at('modules.vocoder.shapes.ids.max')).toBe('good.yaml:11:41');
    expect(at('modules.vocoder.shapes.mel.max')).toBe('base.yaml:14:51');
    expect(at('defaults.workspace_mib')).toBe('base.yaml:9:3');
    expect(at('model')).toBe('base.yaml:5:1');
    const loc = l.locate(['modules', 'vocoder', 'shapes', 'mel', 'opt']);
    expect([loc.file, loc.line, loc.column]).toEqual([join(MINI, 'base.yaml'), 14, 32]);
  });

  it('lists replace instead of merging (t4 vocoder mel range)', async () => {
    const l = await loadProfile('t4-fp16', { configsDir: CONFIGS });
    expect(l.profile.modules!.vocoder!.shapes!.mel!.max[0]).toBe(2);
    expect(l.profile.modules!.vocoder!.shapes!.mel!.opt).toEqual([1, 80, 142]); // a streamed chunk, as in base
    expect(l.profile.modules!.text_encoder!.shapes!.phoneme_ids).toBeDefined();
  });

  it('the bundled profiles load; a10g-int8 resolves its calibration cache', async () => {
    for (const n of ['base', 'a10g-fp16', 'a10g-int8', 'h100-fp16', 't4-fp16', 'cpu']) {
      const l = await loadProfile(n, { configsDir: CONFIGS });
      expect(l.profile.model).toBe(join(ROOT, 'models/tiny/manifest.yaml'));
    }
    const l = await loadProfile('a10g-int8', { configsDir: CONFIGS });
    expect(l.profile.modules!.vocoder).toMatchObject({ precision: 'int8', layer_fallback: 'fp16', calibration: { cache: join(ROOT, 'calibration/out/emovoice-ref-tiny/vocoder.calib') } });
    expect(l.profile.defaults!.precision).toBe('fp16');
    expect(l.profile.output).toBe(join(ROOT, 'out/a10g-int8'));
    expect((await loadProfile('cpu', { configsDir: CONFIGS })).profile.backend).toBe('ort');
    expect((await loadProfile('base', { configsDir: CONFIGS })).profile.abstract).toBe(true);
    expect((await loadProfile('a10g-fp16', { configsDir: CONFIGS })).profile.abstract).toBeUndefined();
  });

  it('extends cycles are an error at the extends key', async () => {
    const [e, ...rest] = await fails(loadProfile('cycle-a', { configsDir: MINI }));
    expect(rest).toEqual([]);
    expect(e!.message).toBe('extends cycle: cycle-a.yaml → cycle-b.yaml → cycle-a.yaml');
    expect(where(e!)).toBe('test/fixtures/profile/mini/cycle-b.yaml:2:1 extends');
    expect(e!.hint).toBeTruthy();
  });

  it('an unknown profile name lists the known ones', async () => {
    const [e] = await fails(loadProfile('a100-fp16', { configsDir: CONFIGS }));
    expect(e!.message).toMatch(/profile "a100-fp16" not found/);
    expect(e!.hint).toMatch(/a10g-fp16/);
  });
});

describe('loadProfile: --set overrides', () => {
  it('sets strings, numbers and lists by key path', async () => {
    const l = await loadProfile('good', {
      configsDir: MINI,
      overrides: ['modules.vocoder.precision=fp16', 'defaults.workspace_mib=2048', 'modules.vocoder.shapes.mel.max=[2,80,512]', 'serving.max_batch=2'],
    });
    expect(l.profile.modules!.vocoder!.precision).toBe('fp16');
    expect(l.profile.defaults!.workspace_mib).toBe(2048);
    expect(l.profile.modules!.vocoder!.shapes!.mel!.max).toEqual([2, 80, 512]);
    expect(l.profile.serving!.max_batch).toBe(2);
    expect(l.sources['modules.vocoder.precision']!.file).toBe('--set');
    const plain = await loadProfile('good', { configsDir: MINI });
    expect(l.sha256).not.toBe(plain.sha256);
  });

  it('a bad override is a UserError', async () => {
    expect(() => parseOverride('modules.vocoder.precision')).toThrow(UserError);
    expect(parseOverride('a.b=1e-3')).toEqual({ path: ['a', 'b'], value: 1e-3 });
    expect(parseOverride('a.b=true')).toEqual({ path: ['a', 'b'], value: true });
    expect(parseOverride('a.b=fp16')).toEqual({ path: ['a', 'b'], value: 'fp16' });
    expect(() => parseOverride('a..b=1')).toThrow(UserError);
    expect(() => parseOverride('a.b={x: [1}')).toThrow(/not valid YAML/);
    const errs = await fails(loadProfile('good', { configsDir: MINI, overrides: ['modules.vocoder.precision=int4', 'defaults.precison=fp16'] }));
    // the command line's problems are one error line: the first, and the others named (issue 25)
    expect(errs.map((e) => `${e.place.file} ${e.place.path}`)).toEqual(['--set defaults.precison']);
    expect(errs[0]!.message).toMatch(/\(and 1 more: modules\.vocoder\.precision\)$/);
    for (const e of errs) expect(e.hint).toBeTruthy();
  });

  it('a number where the schema wants a string stays the string typed', async () => {
    const l = await loadProfile('good', { configsDir: MINI, overrides: ['tensorrt.min_version=10.0', 'target.compute_capability=8.6'] });
    expect(l.profile.tensorrt!.min_version).toBe('10.0');
    expect(l.profile.target!.compute_capability).toBe('8.6');
  });
});

describe('bad profiles: every problem with file:line:col and key path', () => {
  it('invalid YAML', async () => {
    const [e, ...rest] = await fails(loadProfile(join(MINI, 'bad-yaml.yaml'), { configsDir: MINI }));
    expect(rest).toEqual([]);
    expect(`${e!.place.line}:${e!.place.column}`).toBe('6:50');
    expect(e!.message).toMatch(/invalid YAML/);
  });

  it('unknown keys, bad enums, dims < 1, all at once (module names are checked against the model, by validate)', async () => {
    const errs = await fails(loadProfile(join(MINI, 'unknown-keys.yaml'), { configsDir: MINI }));
    expect(errs.map(where).sort()).toEqual(
      [
        'test/fixtures/profile/mini/unknown-keys.yaml:4:3 defaults.precison',
        'test/fixtures/profile/mini/unknown-keys.yaml:7:5 modules.vocoder.precision',
        'test/fixtures/profile/mini/unknown-keys.yaml:9:14 modules.vocoder.shapes.mel.min.0',
        'test/fixtures/profile/mini/unknown-keys.yaml:9:71 modules.vocoder.shapes.mel.best',
      ].sort(),
    );
    const byPath = Object.fromEntries(errs.map((e) => [e.place.path, e]));
    expect(byPath['defaults.precison']!.message).toBe('unknown key "precison"');
    expect(byPath['modules.vocoder.precision']!.message).toMatch(/fp32, fp16, bf16, int8/);
    for (const e of errs) expect(e.hint).toBeTruthy();
    expect(new UserErrors(errs).format().split('\n')).toHaveLength(4);
  });
});

describe('identity is not inherited', () => {
  it('a child without name/output gets its own, so it never overwrites its parent engines', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join, resolve } = await import('node:path');
    const { loadProfile } = await import('../../src/profile/load.ts');
    const dir = await mkdtemp(join(tmpdir(), 'ev-prof-'));
    await writeFile(join(dir, 'child.yaml'), `extends: ${resolve(__dirname, '../../configs/a10g-fp16.yaml')}\n`);
    const l = await loadProfile(join(dir, 'child.yaml'), { configsDir: resolve(__dirname, '../../configs') });
    expect(l.profile.name).toBe('child');
    expect(l.profile.output).toBe(resolve(dir, '../out/child'));
    expect(l.profile.defaults?.precision).toBe('fp16');
  });
});
