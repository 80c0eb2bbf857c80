import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { UserError } from '../../src/core/errors.ts';
import { loadModelManifest, type ModelManifest } from '../../src/model/manifest.ts';
import { readOnnxModel, type OnnxInfo } from '../../src/model/onnx.ts';
import { loadProfile, type LoadedProfile } from '../../src/profile/load.ts';
import { validateProfile } from '../../src/profile/validate.ts';
import { requirePath } from '../support/setup.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CONFIGS = join(ROOT, 'configs');
const MINI = join(ROOT, 'test/fixtures/profile/mini');

async function setup(nameOrPath: string, configsDir = MINI, overrides?: string[]) {
  const loaded = await loadProfile(nameOrPath, { configsDir, overrides });
  const manifest = await loadModelManifest(loaded.profile.model);
  const infos: Record<string, OnnxInfo> = {};
  for (const [k, m] of Object.entries(manifest.modules)) infos[k] = await readOnnxModel(m.file);
  return { loaded, manifest, infos };
}
const where = (e: UserError) => `${e.place.file?.replace(MINI + '/', '')}:${e.place.line}:${e.place.column} ${e.place.path}`;
const exists = () => true;

describe('validateProfile against the mini fixture model', () => {
  it('a good profile has no problems', async () => {
    const { loaded, manifest, infos } = await setup('good');
    expect(validateProfile(loaded, manifest, infos, { fileExists: exists })).toEqual([]);
  });

  it('bad shapes: every problem at once, each placed and with a fix', async () => {
    const { loaded, manifest, infos } = await setup('bad-shapes');
    const errs = validateProfile(loaded, manifest, infos, { fileExists: exists });
    const got = errs.map((e) => `${where(e)} | ${e.message}`);
    expect(got).toEqual([
      'bad-shapes.yaml:8:7 modules.vocoder.shapes.tokens | vocoder has no input "tokens"',
      'bad-shapes.yaml:6:51 modules.vocoder.shapes.mel.max | vocoder.mel.max[1] is 81, the model fixes this dim to 80',
      'bad-shapes.yaml:6:7 modules.vocoder.shapes.mel | vocoder.mel: need min ≤ opt ≤ max in dim 2, got 400 / 16 / 4096',
      "bad-shapes.yaml:6:51 modules.vocoder.shapes.mel.max | vocoder.mel.max[2] = 4096 exceeds the model's mel_len limit of 1024",
      'bad-shapes.yaml:7:14 modules.vocoder.shapes.ids.min | vocoder.ids.min has rank 1, the model input has rank 2 [batch, text_len]',
      'bad-shapes.yaml:7:24 modules.vocoder.shapes.ids.opt | vocoder.ids.opt has rank 1, the model input has rank 2 [batch, text_len]',
      'bad-shapes.yaml:7:34 modules.vocoder.shapes.ids.max | vocoder.ids.max has rank 1, the model input has rank 2 [batch, text_len]',
    ]);
    for (const e of errs) expect(e.hint).toBeTruthy();
    expect(errs.find((e) => e.message.includes('"tokens"'))!.hint).toMatch(/mel, ids/);
  });

  it('a dynamic input without a shape range', async () => {
    const { loaded, manifest, infos } = await setup('missing-shape');
    const errs = validateProfile(loaded, manifest, infos);
    expect(errs.map(where)).toEqual(['missing-shape.yaml:7:5 modules.vocoder.shapes']);
    expect(errs[0]!.message).toMatch(/vocoder\.ids has dynamic dims \[batch, text_len\] but no shape range/);
    expect(errs[0]!.hint).toMatch(/modules\.vocoder\.shapes\.ids: \{ min/);
    // the ORT backend needs no shapes
    const ort = await setup('missing-shape', MINI, ['backend=ort']);
    expect(validateProfile(ort.loaded, ort.manifest, ort.infos)).toEqual([]);
  });

  it('int8 needs a calibration cache or a QDQ model, and the file must exist', async () => {
    const { loaded, manifest, infos } = await setup('int8-bf16');
    const errs = validateProfile(loaded, manifest, infos);
    expect(errs.map(where)).toEqual(['int8-bf16.yaml:7:5 modules.vocoder.precision']);
    expect(errs[0]!.hint).toMatch(/emovoice calibrate vocoder/);
    const good = await setup('good');
    const missing = validateProfile(good.loaded, good.manifest, good.infos, { fileExists: () => false });
    expect(missing.map(where)).toEqual(['good.yaml:9:20 modules.vocoder.calibration.cache']);
    // --set replaces the whole calibration mapping; its paths are relative to the working directory
    const qdq = await setup('good', MINI, ['modules.vocoder.calibration={qdq_model: q.onnx}']);
    expect(qdq.loaded.profile.modules!.vocoder!.calibration).toEqual({ qdq_model: resolve('q.onnx') });
    expect(qdq.loaded.sources['modules.vocoder.calibration.cache']).toBeUndefined();
    expect(validateProfile(qdq.loaded, qdq.manifest, qdq.infos, { fileExists: exists })).toEqual([]);
    const none = await setup('good', MINI, ['modules.vocoder.calibration={}']);
    expect(validateProfile(none.loaded, none.manifest, none.infos).map((e) => e.place.path)).toEqual(['modules.vocoder.precision']);
  });

  it('bf16 needs TensorRT 9 when a version is given', async () => {
    const { loaded, manifest, infos } = await setup('bf16');
    const errs = validateProfile(loaded, manifest, infos);
    expect(errs.map(where)).toEqual(['bf16.yaml:4:3 defaults.precision']);
    expect(errs[0]!.message).toMatch(/bf16 needs TensorRT 9/);
    expect(validateProfile(loaded, manifest, infos, { tensorrtVersion: '8.6.1' })).toHaveLength(1);
    expect(validateProfile(loaded, manifest, infos, { tensorrtVersion: '10.3.0' })).toEqual([]);
    const newer = await setup('bf16', MINI, ['tensorrt.min_version=9.0']);
    expect(validateProfile(newer.loaded, newer.manifest, newer.infos)).toEqual([]);
  });

  it('a module the model does not have, and a TensorRT older than min_version', async () => {
    const { loaded, manifest, infos } = await setup('good', MINI, ['modules.text_encoder.precision=fp16']);
    const errs = validateProfile(loaded, manifest, infos, { fileExists: exists, tensorrtVersion: '8.5' });
    expect(errs.map((e) => e.place.path)).toEqual(['tensorrt.min_version', 'modules.text_encoder']);
    expect(errs[1]!.message).toMatch(/no module "text_encoder"/);
  });

  it('is pure: works from plain data, no files read', () => {
    const manifest = {
      path: '/m/manifest.yaml', dir: '/m', name: 'x', config: 'x', limits: { mel_len: 100 },
      modules: { vocoder: { file: '/m/v.onnx', inputs: {}, outputs: {}, engine: true } },
      graph: [], frontend: { output: 'ids' },
    } as unknown as ModelManifest;
    const infos = {
      vocoder: { path: '/m/v.onnx', inputs: [{ name: 'mel', dtype: 'float32', dims: ['batch', 80, 'mel_len'] }] } as unknown as OnnxInfo,
    };
    const loaded = {
      profile: { name: 'p', backend: 'trt', model: '/m/manifest.yaml', output: '/o', modules: { vocoder: { shapes: { mel: { min: [1, 80, 1], opt: [1, 80, 50], max: [1, 80, 200] } } } } },
      file: '/p.yaml', sha256: '', sources: {}, chain: ['/p.yaml'],
      locate: (path: (string | number)[]) => ({ file: '/p.yaml', line: 1, column: 1, path: path.join('.') }),
    } as unknown as LoadedProfile;
    const errs = validateProfile(loaded, manifest, infos);
    expect(errs.map((e) => e.message)).toEqual(["vocoder.mel.max[2] = 200 exceeds the model's mel_len limit of 100"]);
  });
});

describe('configs/*.yaml lint clean against models/tiny', () => {
  // models/tiny is committed: the lint always runs
  const names = readdirSync(CONFIGS).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, ''));
  it('the bundled profiles are all there', () => {
    expect(names.sort()).toEqual(['a10g-fp16', 'a10g-int8', 'base', 'cpu', 'emotivoice-a10g-fp16', 'emotivoice-cpu', 'h100-fp16', 'piper-joe-cpu', 'piper-joe-cpu-int8', 't4-fp16']);
  });
  // except the Piper voice, which scripts/setup.sh imports into models/joe/ (not in the repository)
  const notCommitted: Record<string, string> = { 'piper-joe-cpu': 'models/joe/manifest.yaml', 'piper-joe-cpu-int8': 'models/joe/manifest.yaml' };
  for (const name of names) {
    it(`${name} has no problems`, async (ctx) => {
      const model = notCommitted[name];
      if (model && !requirePath(model, 'bash scripts/setup.sh', `${model} (the Piper voice that ${name} builds)`)) ctx.skip();
      const { loaded, manifest, infos } = await setup(name, CONFIGS);
      // the calibration cache is made by `emovoice calibrate`; its absence is checked at build time
      const errs = validateProfile(loaded, manifest, infos, { fileExists: exists });
      expect(errs.map((e) => e.format())).toEqual([]);
      if (loaded.profile.backend === 'trt') {
        for (const [mod, info] of Object.entries(infos)) {
          for (const input of info.inputs) expect(loaded.profile.modules?.[mod]?.shapes?.[input.name], `${mod}.${input.name}`).toBeDefined();
        }
      }
    });
  }
});

describe('cross-module checks: the engines form one pipeline', () => {
  it('text engines shorter than serving.max_text_len, and a vocoder shorter than the decoder, are errors', async () => {
    const { loaded, manifest, infos } = await setup('a10g-fp16', CONFIGS, ['serving.max_text_len=200', 'modules.vocoder.shapes.mel.max=[4,80,512]']);
    const got = validateProfile(loaded, manifest, infos, { fileExists: exists }).map((e) => `${e.place.path} | ${e.message}`);
    expect(got).toEqual([
      'modules.text_encoder.shapes.phoneme_ids.max | text_encoder.phoneme_ids.max[1] = 128 is below serving.max_text_len 200: sentences the server lets through would not fit the engine',
      'modules.acoustic_encoder.shapes.text_hidden.max | acoustic_encoder.text_hidden.max[1] = 128 is below serving.max_text_len 200: sentences the server lets through would not fit the engine',
      'modules.vocoder.shapes.mel.max | vocoder.mel.max[2] = 512 is below acoustic_decoder.frame_hidden.max[1] = 1024 (both are mel_len): acoustic_decoder takes mel_len that vocoder cannot',
    ]);
  });
  it('equal limits pass', async () => {
    const { loaded, manifest, infos } = await setup('a10g-fp16', CONFIGS, ['serving.max_text_len=128']);
    expect(validateProfile(loaded, manifest, infos, { fileExists: exists })).toEqual([]);
  });
});

// Plain-data profiles (no files read): the boundaries of each rule, where an off-by-one or a dropped
// condition changes the answer.
function pure(profile: Record<string, unknown>, opts: { limits?: Record<string, number>; dims?: (string | number)[] } = {}) {
  const manifest = {
    path: '/m/manifest.yaml', dir: '/m', name: 'x', config: 'x', limits: opts.limits ?? { mel_len: 100 },
    modules: { vocoder: { file: '/m/v.onnx', inputs: {}, outputs: {}, engine: true } },
    graph: [], frontend: { output: 'ids' },
  } as unknown as ModelManifest;
  const infos = {
    vocoder: { path: '/m/v.onnx', inputs: [{ name: 'mel', dtype: 'float32', dims: opts.dims ?? ['batch', 80, 'mel_len'] }] } as unknown as OnnxInfo,
  };
  const loaded = {
    profile: { name: 'p', backend: 'trt', model: '/m/manifest.yaml', output: '/o', ...profile },
    file: '/p.yaml', sha256: '', sources: {}, chain: ['/p.yaml'],
    locate: (path: (string | number)[]) => ({ file: '/p.yaml', line: 1, column: 1, path: path.join('.') }),
  } as unknown as LoadedProfile;
  return { loaded, manifest, infos };
}
const melShapes = (min: number[], opt: number[], max: number[]) => ({ modules: { vocoder: { shapes: { mel: { min, opt, max } } } } });
const messages = (p: ReturnType<typeof pure>, o: Parameters<typeof validateProfile>[3] = {}) => validateProfile(p.loaded, p.manifest, p.infos, o).map((e) => e.message);

describe('validateProfile boundaries (plain data)', () => {
  it('max may equal the manifest limit; one more is an error', () => {
    expect(messages(pure(melShapes([1, 80, 1], [1, 80, 50], [1, 80, 100])))).toEqual([]);
    expect(messages(pure(melShapes([1, 80, 1], [1, 80, 50], [1, 80, 101])))).toEqual(["vocoder.mel.max[2] = 101 exceeds the model's mel_len limit of 100"]);
    // a dim without a manifest limit has no upper bound; a fixed dim is checked against the model instead
    expect(messages(pure(melShapes([1, 80, 1], [4, 80, 50], [64, 80, 100])))).toEqual([]);
  });

  it('min ≤ opt ≤ max in every dim: opt above max and min above opt are both errors; equal values are fine', () => {
    expect(messages(pure(melShapes([1, 80, 10], [1, 80, 10], [1, 80, 10])))).toEqual([]);
    expect(messages(pure(melShapes([1, 80, 1], [1, 80, 90], [1, 80, 60])))).toEqual(['vocoder.mel: need min ≤ opt ≤ max in dim 2, got 1 / 90 / 60']);
    expect(messages(pure(melShapes([1, 80, 70], [1, 80, 60], [1, 80, 90])))).toEqual(['vocoder.mel: need min ≤ opt ≤ max in dim 2, got 70 / 60 / 90']);
    expect(messages(pure(melShapes([2, 80, 1], [1, 80, 5], [4, 80, 9])))).toEqual(['vocoder.mel: need min ≤ opt ≤ max in dim 0, got 2 / 1 / 4']);
  });

  it('tensorrt.min_version compares major, minor and patch as numbers', () => {
    const p = pure({ ...melShapes([1, 80, 1], [1, 80, 50], [1, 80, 100]), tensorrt: { min_version: '8.6.3' } });
    const verdict = (found: string) => messages(p, { tensorrtVersion: found }).length === 0;
    expect(['8.6.3', '8.6.4', '8.6.10', '8.7.0', '10.0.0', '9'].map(verdict)).toEqual([true, true, true, true, true, true]);
    expect(['8.6.1', '8.6.2', '8.6', '8.5.9', '7.9.9', '8'].map(verdict)).toEqual([false, false, false, false, false, false]);
    expect(messages(p, { tensorrtVersion: '8.6.1' })).toEqual(['needs TensorRT ≥ 8.6.3, found 8.6.1']);
    // numeric, not text: 10.x is newer than 9.x, x.10 newer than x.9
    const ten = pure({ ...melShapes([1, 80, 1], [1, 80, 50], [1, 80, 100]), tensorrt: { min_version: '9.2.10' } });
    expect(messages(ten, { tensorrtVersion: '10.0.1' })).toEqual([]);
    expect(messages(ten, { tensorrtVersion: '9.2.9' })).toHaveLength(1);
    expect(messages(ten, { tensorrtVersion: '9.10.0' })).toEqual([]);
  });

  it('bf16 needs TensorRT 9.0 or newer, patch levels included', () => {
    const bf16 = (v: string) => messages(pure({ ...melShapes([1, 80, 1], [1, 80, 50], [1, 80, 100]), defaults: { precision: 'bf16' } }), { tensorrtVersion: v });
    expect(bf16('9.0.0')).toEqual([]);
    expect(bf16('9')).toEqual([]);
    expect(bf16('8.6.99')).toEqual(['vocoder: bf16 needs TensorRT 9 or newer (found 8.6.99)']);
  });

  it('the ORT backend checks shapes and limits but not TensorRT versions or precisions', () => {
    const p = pure({ backend: 'ort', tensorrt: { min_version: '99.0' }, defaults: { precision: 'int8' }, ...melShapes([1, 80, 1], [1, 80, 50], [1, 80, 101]) });
    expect(messages(p, { tensorrtVersion: '8.6.1' })).toEqual(["vocoder.mel.max[2] = 101 exceeds the model's mel_len limit of 100"]);
  });
});

describe('validateProfile rules and messages (plain data)', () => {
  const ok = melShapes([1, 80, 1], [1, 80, 50], [1, 80, 100]);
  const errs = (p: ReturnType<typeof pure>, o: Parameters<typeof validateProfile>[3] = {}) => validateProfile(p.loaded, p.manifest, p.infos, o);
  it('no modules section: dynamic inputs still need shapes; static inputs do not; a module without ONNX info is skipped', () => {
    expect(messages(pure({}))).toEqual(['vocoder.mel has dynamic dims [batch, 80, mel_len] but no shape range']);
    expect(messages(pure({}, { dims: [1, 80, 100] }))).toEqual([]);
    const p = pure(ok);
    expect(validateProfile(p.loaded, p.manifest, {}, {})).toEqual([]);
  });
  it('calibration files: checked only for int8 on TensorRT, each kind named, with hints', () => {
    const calib = (precision: string, backend = 'trt') => pure({ backend, ...ok, modules: { vocoder: { ...ok.modules.vocoder, precision, calibration: { cache: 'c.calib', qdq_model: 'q.onnx' } } } });
    const gone = { fileExists: () => false };
    const e = errs(calib('int8'), gone);
    expect(e.map((x) => [x.place.path, x.message, x.hint])).toEqual([
      ['modules.vocoder.calibration.cache', 'vocoder: calibration cache not found: c.calib', 'run `emovoice calibrate vocoder` first'],
      ['modules.vocoder.calibration.qdq_model', 'vocoder: calibration QDQ model not found: q.onnx', 'run `emovoice calibrate vocoder` first'],
    ]);
    expect(errs(calib('int8'), { fileExists: () => true })).toEqual([]);
    expect(errs(calib('fp16'), gone)).toEqual([]);
    expect(errs(calib('int8', 'ort'), gone)).toEqual([]);
    const none = errs(pure({ ...ok, defaults: { precision: 'int8' } }));
    expect(none.map((x) => [x.place.path, x.message, x.hint])).toEqual([
      ['modules.vocoder.precision', 'vocoder: int8 needs a calibration cache or a QDQ model', 'run `emovoice calibrate vocoder` and set modules.vocoder.calibration.cache'],
    ]);
  });
  it('bf16: placed where it was set, with the found version or the min_version in the message and the matching hint', () => {
    const onModule = errs(pure({ tensorrt: { min_version: '8.6' }, modules: { vocoder: { ...ok.modules.vocoder, precision: 'bf16' } } }));
    expect(onModule.map((x) => [x.place.path, x.message, x.hint])).toEqual([
      ['modules.vocoder.precision', 'vocoder: bf16 needs TensorRT 9 or newer (tensorrt.min_version is 8.6)', 'use fp16, or set tensorrt.min_version: "9.0"'],
    ]);
    const found = errs(pure({ ...ok, defaults: { precision: 'bf16' } }), { tensorrtVersion: '8.6.1' });
    expect(found.map((x) => [x.place.path, x.hint])).toEqual([['defaults.precision', 'use fp16, or install TensorRT ≥ 9']]);
    // no version known at all: nothing to check against
    expect(errs(pure({ ...ok, defaults: { precision: 'bf16' } }))).toEqual([]);
  });
  it('messages and hints of the version and module checks', () => {
    const e = errs(pure({ ...ok, tensorrt: { min_version: '9.1' }, modules: { ...ok.modules, postnet: {} } }), { tensorrtVersion: '9.0.2' });
    expect(e.map((x) => [x.place.path, x.message, x.hint])).toEqual([
      ['tensorrt.min_version', 'needs TensorRT ≥ 9.1, found 9.0.2', 'install a newer TensorRT or lower min_version'],
      ['modules.postnet', 'the model has no module "postnet"', 'modules of /m/manifest.yaml: vocoder'],
    ]);
    const two = pure({ ...ok, modules: { ...ok.modules, postnet: {} } });
    (two.manifest.modules as Record<string, unknown>).decoder = { file: '/m/d.onnx', inputs: {}, outputs: {}, engine: true };
    expect(errs(two).map((x) => x.hint)).toEqual(['modules of /m/manifest.yaml: vocoder, decoder']);
  });
  it('min/opt/max of different ranks: the rank errors only, no ordering check on mismatched dims', () => {
    const p = pure({ modules: { vocoder: { shapes: { mel: { min: [1, 80], opt: [1, 80, 5], max: [1, 80, 9] } } } } });
    expect(messages(p)).toEqual(['vocoder.mel.min has rank 2, the model input has rank 3 [batch, 80, mel_len]']);
    const q = pure({ modules: { vocoder: { shapes: { mel: { min: [1, 80, 1], opt: [1, 80, 5], max: [9, 1, 80, 9] } } } } });
    expect(messages(q)).toEqual(['vocoder.mel.max has rank 4, the model input has rank 3 [batch, 80, mel_len]']);
    // opt's rank is off, and its first dims would break min ≤ opt if they were compared
    const r = pure({ modules: { vocoder: { shapes: { mel: { min: [9, 80, 1], opt: [1, 80], max: [9, 80, 9] } } } } });
    expect(messages(r)).toEqual(['vocoder.mel.opt has rank 2, the model input has rank 3 [batch, 80, mel_len]']);
  });
});

// A pipeline as plain data (no ONNX infos, so only the cross-module rules speak): a text encoder reads the
// frontend's ids (text_len is the text dim), a decoder and two vocoders share mel_len, a speaker engine has
// a dim of its own, and a host step (no engine) takes mel_len too.
function pipeline(profile: Record<string, unknown>) {
  const mod = (inputs: Record<string, (string | number)[]>, engine = true) => ({ file: '/m/x.onnx', inputs: Object.fromEntries(Object.entries(inputs).map(([k, dims]) => [k, { dims }])), outputs: {}, engine });
  const manifest = {
    path: '/m/manifest.yaml', dir: '/m', name: 'x', config: 'x', limits: {},
    modules: {
      enc: mod({ ids: ['batch', 'text_len'] }),
      dec: mod({ h: ['batch', 'mel_len', 80] }),
      voc: mod({ mel: ['batch', 80, 'mel_len'] }),
      post: mod({ mel: ['batch', 80, 'mel_len'] }),
      spk: mod({ emb: ['batch', 'spk_dim'] }),
      host: mod({ x: ['batch', 'mel_len'] }, false),
    },
    graph: [{ module: 'enc', in: [['ids', 'ids']] }],
    frontend: { output: 'ids' },
  } as unknown as ModelManifest;
  const loaded = {
    profile: { name: 'p', backend: 'trt', model: '/m/manifest.yaml', output: '/o', ...profile },
    file: '/p.yaml', sha256: '', sources: {}, chain: ['/p.yaml'],
    locate: (path: (string | number)[]) => ({ file: '/p.yaml', line: 1, column: 1, path: path.join('.') }),
  } as unknown as LoadedProfile;
  return validateProfile(loaded, manifest, {}).map((e) => [e.place.path, e.message, e.hint]);
}
const shaped = (input: string, m: number[]) => ({ shapes: { [input]: { min: m.map(() => 1), opt: m.map(() => 1), max: m } } });

describe('cross-module checks (plain data)', () => {
  const good = {
    serving: { max_text_len: 128 },
    modules: {
      enc: shaped('ids', [1, 128]),
      dec: shaped('h', [1, 1000, 81]), // the fixed dim 80 is no pipeline dim, whatever its max says
      voc: shaped('mel', [4, 80, 1000]), // batch (axis 0) is no pipeline dim either
      post: shaped('mel', [1, 80, 1000]),
      spk: shaped('emb', [1, 64]), // below max_text_len, but not the text dim
      host: shaped('x', [1, 10]), // no engine: not checked
    },
  };
  it('a consistent pipeline passes; dims that are fixed, batch, another dim or a host step are not compared', () => {
    expect(pipeline(good)).toEqual([]);
  });
  it('the text engine below serving.max_text_len, and a decoder below the largest vocoder, each an error with its fix', () => {
    const bad = { ...good, modules: { ...good.modules, enc: shaped('ids', [1, 100]), dec: shaped('h', [1, 500, 80]) } };
    expect(pipeline(bad)).toEqual([
      ['modules.enc.shapes.ids.max', 'enc.ids.max[1] = 100 is below serving.max_text_len 128: sentences the server lets through would not fit the engine', 'raise it to 128, or lower serving.max_text_len'],
      // the first of the largest (voc before post, both 1000) is named
      ['modules.dec.shapes.h.max', 'dec.h.max[1] = 500 is below voc.mel.max[2] = 1000 (both are mel_len): voc takes mel_len that dec cannot', 'set both to the same mel_len'],
    ]);
    // no serving.max_text_len: nothing to compare the text engine with
    expect(pipeline({ modules: { ...good.modules, enc: shaped('ids', [1, 100]) } })).toEqual([]);
  });
  it('the ORT backend builds no engines: no cross-module check', () => {
    expect(pipeline({ ...good, backend: 'ort', modules: { ...good.modules, dec: shaped('h', [1, 500, 80]) } })).toEqual([]);
  });
  it('modules, shapes or inputs missing from the profile are skipped, not a crash', () => {
    expect(pipeline({})).toEqual([]);
    expect(pipeline({ serving: { max_text_len: 128 }, modules: { enc: {}, voc: shaped('mel', [1, 80, 1000]) } })).toEqual([]);
    expect(pipeline({ serving: { max_text_len: 128 }, modules: { enc: { shapes: {} }, dec: shaped('other', [1, 2, 3]) } })).toEqual([]);
  });
});
