// The pure parts of the precision conversion around convert.ts: the rule tables (rules.ts), the file names
// (files.ts) and the profile checks (checks.ts). The checks take a loaded profile as data; `loadedOf` below
// builds one whose locate() answers with the key path, so each error's place can be checked exactly.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Place } from '../../src/core/errors.ts';
import type { LoadedProfile, Profile } from '../../src/profile/load.ts';
import { checkInt8Calibration, checkKeepFp32, checkLayerPrecisions, graphFacts, type GraphFacts } from '../../src/precision/checks.ts';
import { convertedDir, convertedFile, DEFAULT_SAMPLES, needsConversion, qdqModelFor, reportFile } from '../../src/precision/files.ts';
import {
  classifyKeepEntry,
  DEFAULT_FP16_MAX_ABS,
  FP16_MAX,
  FP16_UNDERFLOW,
  HEAVY_OPS,
  ONNX_OPS,
  PHASE_MAX_ABS,
  RULE_GROUPS,
  ruleGroupOf,
} from '../../src/precision/rules.ts';

function loadedOf(profile: Partial<Profile>): LoadedProfile {
  return {
    profile: profile as Profile,
    file: '/p/profile.yaml',
    sha256: '',
    locate: (path): Place => ({ file: '/p/profile.yaml', line: path.length, column: 1, path: path.join('.') }),
    sources: {},
    chain: ['/p/profile.yaml'],
  };
}
const graph = (file: string, nodes: string[]): GraphFacts => ({ file, nodes: new Set(nodes) });
const KINDS = 'keep_fp32 takes an ONNX op type (e.g. LayerNormalization), a rule group (layernorm, softmax, reducemean, pow, exp, trig, typed), a node name, or a scope ending in "/" (every node under it, e.g. /dp/)';

describe('rules', () => {
  it('a keep_fp32 entry is a rule group, else an ONNX op type, else a node name', () => {
    expect(classifyKeepEntry('softmax')).toEqual({ kind: 'group', name: 'softmax' });
    expect(classifyKeepEntry('Softmax')).toEqual({ kind: 'op', name: 'Softmax' });
    expect(classifyKeepEntry('LayerNormalization')).toEqual({ kind: 'op', name: 'LayerNormalization' });
    expect(classifyKeepEntry('/dec/Conv_3')).toEqual({ kind: 'node', name: '/dec/Conv_3' });
    // inherited properties of a plain object are no group names
    expect(classifyKeepEntry('constructor')).toEqual({ kind: 'node', name: 'constructor' });
    expect(classifyKeepEntry('toString')).toEqual({ kind: 'node', name: 'toString' });
  });

  it('every op of every group is a real ONNX op, in exactly one group', () => {
    const seen = new Map<string, string>();
    for (const [group, ops] of Object.entries(RULE_GROUPS)) {
      expect(ops.length, group).toBeGreaterThan(0);
      for (const op of ops) {
        expect(ONNX_OPS.has(op), `${group}: ${op}`).toBe(true);
        expect(seen.get(op), op).toBeUndefined();
        seen.set(op, group);
        expect(ruleGroupOf(op)).toBe(group);
      }
    }
    // the groups the issues name (TensorRT #2564, #3101, #1954): normalisation, softmax, exp
    expect(['LayerNormalization', 'Softmax', 'LogSoftmax', 'Exp', 'Pow', 'ReduceMean', 'Sin', 'Cos', 'RandomNormal'].map(ruleGroupOf)).toEqual([
      'layernorm', 'softmax', 'softmax', 'exp', 'pow', 'reducemean', 'trig', 'trig', 'typed',
    ]);
    expect(['Conv', 'MatMul', 'Add', 'Relu', 'not an op'].map(ruleGroupOf)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('the ONNX op list: whole names from the first (Abs) to the last (Xor), no empty entry', () => {
    // ops from every line of the list, so that no part of it can go missing unnoticed
    const common = ['Abs', 'Add', 'Cast', 'Clip', 'Concat', 'Conv', 'ConvTranspose', 'Div', 'Gather', 'Gelu', 'Gemm', 'Identity', 'LSTM', 'LeakyRelu',
      'MatMul', 'Mul', 'Neg', 'Pad', 'Range', 'Reciprocal', 'ReduceMax', 'Relu', 'Reshape', 'Resize', 'ReverseSequence', 'Round', 'STFT', 'Scan',
      'ScatterND', 'SequenceAt', 'Shape', 'Sigmoid', 'Sin', 'Slice', 'Softmax', 'Sqrt', 'Squeeze', 'Sub', 'Sum', 'Tanh', 'TfIdfVectorizer',
      'Tile', 'Transpose', 'Unsqueeze', 'Where', 'Xor'];
    for (const op of common) expect(ONNX_OPS.has(op), op).toBe(true);
    expect(ONNX_OPS.has('')).toBe(false);
    for (const op of ONNX_OPS) expect(op, op).toMatch(/^[A-Z][A-Za-z0-9]*$/);
    for (const op of HEAVY_OPS) expect(ONNX_OPS.has(op), op).toBe(true);
    for (const op of ['Conv', 'ConvTranspose', 'MatMul', 'Gemm', 'LSTM']) expect(HEAVY_OPS.has(op), op).toBe(true);
    expect(HEAVY_OPS.has('Sin')).toBe(false);
  });

  it('FP16 limits follow from the format: 1 sign, 5 exponent, 10 fraction bits', () => {
    expect(FP16_MAX).toBe((2 - 2 ** -10) * 2 ** 15);
    expect(FP16_UNDERFLOW).toBe((2 ** -14 * 2 ** -10) / 2); // half the smallest subnormal
    // the keep-FP32 threshold leaves headroom below FP16's largest value
    expect(DEFAULT_FP16_MAX_ABS).toBeLessThan(FP16_MAX / 2);
    expect(PHASE_MAX_ABS).toBeLessThan(DEFAULT_FP16_MAX_ABS);
  });
});

describe('files', () => {
  it('converted models, their reports and the emulated CPU twin', () => {
    expect(convertedDir(join('/o', 'a10g'))).toBe(join('/o', 'a10g', 'converted'));
    expect(convertedFile('/d', 'vocoder', 'fp16')).toBe(join('/d', 'vocoder.fp16.onnx'));
    expect(convertedFile('/d', 'vocoder', 'bf16', 'typed')).toBe(join('/d', 'vocoder.bf16.onnx'));
    expect(convertedFile('/d', 'vocoder', 'int8', 'emulated')).toBe(join('/d', 'vocoder.int8.cpu.onnx'));
    expect(reportFile(join('/d', 'vocoder.fp16.onnx'))).toBe(join('/d', 'vocoder.fp16.report.json'));
    expect(reportFile(join('/d', 'x.onnx.onnx'))).toBe(join('/d', 'x.onnx.report.json'));
    expect(DEFAULT_SAMPLES).toBeGreaterThan(0);
  });

  it('the Q/DQ model: the profile’s qdq_model, else <module>.qdq.onnx beside the cache, else none', () => {
    expect(qdqModelFor('vocoder', { qdq_model: '/q/v.onnx', cache: '/c/v.cache' })).toBe('/q/v.onnx');
    expect(qdqModelFor('vocoder', { cache: join('/c', 'cal', 'v.cache') })).toBe(join('/c', 'cal', 'vocoder.qdq.onnx'));
    expect(qdqModelFor('vocoder', { qdq_model: null, cache: '/c/v.cache' })).toBe(join('/c', 'vocoder.qdq.onnx'));
    expect(qdqModelFor('vocoder', { cache: '' })).toBeNull();
    expect(qdqModelFor('vocoder', {})).toBeNull();
    expect(qdqModelFor('vocoder', undefined)).toBeNull();
  });

  it('fp16 and bf16 are converted; int8 only with an FP16 fallback; fp32 never', () => {
    const table: [Parameters<typeof needsConversion>[0], string | null | undefined, boolean][] = [
      ['fp32', undefined, false],
      ['fp32', 'fp16', false],
      ['fp16', undefined, true],
      ['fp16', null, true],
      ['bf16', undefined, true],
      ['int8', 'fp16', true],
      ['int8', 'fp32', false],
      ['int8', null, false],
      ['int8', undefined, false],
    ];
    for (const [p, f, want] of table) expect(needsConversion(p, f), `${p} ${f}`).toBe(want);
  });
});

describe('checks', () => {
  it('graphFacts: node names, an unnamed node by its first output, no graph → no nodes', () => {
    const facts = graphFacts({ graph: { node: [{ name: 'a', output: ['x'] }, { name: '', output: ['y', 'z'] }, { output: ['w'] }] } }, '/m.onnx');
    expect(facts.file).toBe('/m.onnx');
    expect([...facts.nodes]).toEqual(['a', 'y', 'w']);
    expect([...graphFacts({}, '/e.onnx').nodes]).toEqual([]);
    expect([...graphFacts({ graph: {} }, '/e.onnx').nodes]).toEqual([]);
    // a node with neither name nor output (invalid ONNX) does not stop the check
    expect([...graphFacts({ graph: { node: [{}] } }, '/e.onnx').nodes]).toEqual([undefined]);
  });

  it('keep_fp32 in a module: only node names are checked, against that module’s graph; the hint suggests near names', () => {
    const graphs = {
      decoder: graph('/m/decoder.onnx', ['decoder.conv', 'encoder.norm', 'decoder.nrm', 'postnet', 'decoder.norm2']),
      vocoder: graph('/m/vocoder.onnx', ['decoder.norm']),
    };
    const loaded = loadedOf({ modules: { decoder: { keep_fp32: ['softmax', 'Conv', 'decoder.nrm', 'decoder.norm', 'zzz'] }, vocoder: {}, other: { keep_fp32: ['ghost'] } } });
    const errs = checkKeepFp32(loaded, graphs);
    expect(errs.map((e) => [e.place.path, e.message])).toEqual([
      ['modules.decoder.keep_fp32.3', 'decoder: keep_fp32 names node "decoder.norm", which /m/decoder.onnx does not have'],
      ['modules.decoder.keep_fp32.4', 'decoder: keep_fp32 names node "zzz", which /m/decoder.onnx does not have'],
    ]);
    // edit distances to "decoder.norm": nrm 1 (a deletion), norm2 1 (an insertion), encoder.norm 2
    // (two substitutions), decoder.conv 3 (within 12/3 = 4, but only the 3 nearest are named), postnet far
    expect(errs[0]!.hint).toBe(`did you mean "decoder.nrm", "decoder.norm2", "encoder.norm"? ${KINDS}`);
    expect(errs[1]!.hint).toBe(KINDS);
  });

  it('how near a suggestion must be: at most max(2, a third of the name) edits', () => {
    const hint = (entry: string, nodes: string[]) => checkKeepFp32(loadedOf({ modules: { m: { keep_fp32: [entry] } } }), { m: graph('/m.onnx', nodes) })[0]!.hint;
    expect(hint('decoder.norm', ['decoder.conv'])).toBe(`did you mean "decoder.conv"? ${KINDS}`); // 3 ≤ 4
    expect(hint('decoder.norm', ['dekoter.konf'])).toBe(KINDS); // 5 > 4
    expect(hint('ab', ['xy'])).toBe(`did you mean "xy"? ${KINDS}`); // 2 ≤ max(2, 0.7)
    expect(hint('ab', ['xyz'])).toBe(KINDS); // 3
    expect(hint('abcdef', ['abcxyz'])).toBe(KINDS); // 3 > max(2, 2)
    expect(hint('abcdef', ['abcdxy', 'bcdef', 'abcdefgh'])).toBe(`did you mean "bcdef", "abcdxy", "abcdefgh"? ${KINDS}`);
  });

  it('keep_fp32 in defaults: a node name must exist in some module; defaults: false skips them', () => {
    const graphs = { a: graph('/a.onnx', ['enc.ln']), b: graph('/b.onnx', ['dec.ln']) };
    const loaded = loadedOf({ defaults: { keep_fp32: ['layernorm', 'Exp', 'dec.ln', 'xec.ln', 'nowhere_at_all_x'] }, modules: {} });
    const errs = checkKeepFp32(loaded, graphs);
    expect(errs.map((e) => [e.place.path, e.message])).toEqual([
      ['defaults.keep_fp32.3', 'keep_fp32 names node "xec.ln", which no module\'s ONNX model has'],
      ['defaults.keep_fp32.4', 'keep_fp32 names node "nowhere_at_all_x", which no module\'s ONNX model has'],
    ]);
    // suggestions come from every module's nodes
    expect(errs[0]!.hint).toBe(`did you mean "dec.ln", "enc.ln"? ${KINDS}`); // 1 and 2 edits
    expect(checkKeepFp32(loaded, graphs, { defaults: false })).toEqual([]);
    expect(checkKeepFp32(loaded, graphs, { defaults: true })).toHaveLength(2);
    expect(checkKeepFp32(loadedOf({}), graphs)).toEqual([]);
  });

  it('a strongly typed INT8 module needs its Q/DQ model on disk; the error points at the key that names it', () => {
    const loaded = loadedOf({
      modules: {
        a: { calibration: { cache: join('/c', 'a.cache') } },
        b: { calibration: { cache: join('/c', 'b.cache') } },
        c: { calibration: { qdq_model: '/q/c.onnx' } },
        d: {},
        e: { calibration: { qdq_model: '/q/e.onnx', cache: '/c/e.cache' } },
      },
    });
    const present = new Set(['/q/c.onnx']);
    const asked: string[] = [];
    const exists = (p: string) => (asked.push(p), present.has(p));
    const errs = checkInt8Calibration(loaded, { a: 'int8', b: 'fp16', c: 'int8', d: 'int8', e: 'int8' }, exists);
    expect(errs.map((e) => [e.place.path, e.message])).toEqual([
      ['modules.a.calibration.cache', `a: a strongly typed INT8 build needs the Q/DQ model that calibration writes; ${join('/c', 'a.qdq.onnx')} does not exist`],
      ['modules.e.calibration.qdq_model', 'e: a strongly typed INT8 build needs the Q/DQ model that calibration writes; /q/e.onnx does not exist'],
    ]);
    expect(errs[0]!.hint).toBe('run `emovoice calibrate a` (it writes the calibration cache and a.qdq.onnx side by side)');
    expect(asked).toEqual([join('/c', 'a.qdq.onnx'), '/q/c.onnx', '/q/e.onnx']); // not b (fp16), not d (nothing set)
    expect(checkInt8Calibration(loadedOf({}), { x: 'int8' }, () => false)).toEqual([]);
    expect(checkInt8Calibration(loadedOf({ modules: {} }), { x: 'int8' }, () => false)).toEqual([]);
  });

  it('layer_precisions under strong typing: only fp32 entries keep a meaning', () => {
    const loaded = loadedOf({ modules: { m: { layer_precisions: { l1: 'fp32', l2: 'fp16', l3: 'int8' } }, n: {} } });
    const errs = checkLayerPrecisions(loaded);
    expect(errs.map((e) => [e.place.path, e.message])).toEqual([
      ['modules.m.layer_precisions.l2', "m: layer_precisions l2: fp16 has no meaning in a strongly typed build (the converted model decides each layer's type)"],
      ['modules.m.layer_precisions.l3', "m: layer_precisions l3: int8 has no meaning in a strongly typed build (the converted model decides each layer's type)"],
    ]);
    expect(errs[0]!.hint).toMatch(/keep only fp32 entries .*tensorrt\.legacy_precision_flags: true/);
    expect(checkLayerPrecisions(loadedOf({}))).toEqual([]);
  });
});
