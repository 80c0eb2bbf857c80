// A keep_fp32 scope ("/dp/"): every node whose name starts with it stays FP32 (a whole submodule, as
// PyTorch's exporter names nodes by module path), the rest is lowered; a scope no node falls under is
// one error line at the profile's line, as a missing node name is.
import { describe, expect, it } from 'vitest';
import { convertPrecision, type TensorRange } from '../../src/precision/convert.ts';
import { checkKeepFp32 } from '../../src/precision/checks.ts';
import { classifyKeepEntry, keepEntryMatches } from '../../src/precision/rules.ts';
import type { LoadedProfile } from '../../src/profile/load.ts';
import { io, model, node } from './graphs.ts';

const ranges = (names: string[]) => new Map<string, TensorRange>(names.map((k) => [k, { absmax: 1, nonFinite: 0 }]));

/** x → /enc/Relu → /dp/Neg → /dp/flows.0/Abs → /dpx/Sigmoid → y: "/dp/" covers two nodes, not "/dpx/…" */
const graph = () =>
  model({
    nodes: [
      node('Relu', '/enc/Relu', ['x'], ['a']),
      node('Neg', '/dp/Neg', ['a'], ['b']),
      node('Abs', '/dp/flows.0/Abs', ['b'], ['c']),
      node('Sigmoid', '/dpx/Sigmoid', ['c'], ['y']),
    ],
    inputs: [io('x', [2, 8])],
    outputs: [io('y', [2, 8])],
    inits: [],
  });

describe('keep_fp32 scopes', () => {
  it('an entry ending in "/" is a scope; a name without the slash stays a node name', () => {
    expect(classifyKeepEntry('/dp/')).toEqual({ kind: 'scope', name: '/dp/' });
    expect(classifyKeepEntry('/dp')).toEqual({ kind: 'node', name: '/dp' });
    expect(classifyKeepEntry('Softmax')).toEqual({ kind: 'op', name: 'Softmax' });
    const nodes = new Set(['/enc/Relu', '/dp/Neg']);
    expect(keepEntryMatches(classifyKeepEntry('/dp/'), nodes)).toBe(true);
    expect(keepEntryMatches(classifyKeepEntry('/flow/'), nodes)).toBe(false);
    expect(keepEntryMatches(classifyKeepEntry('/dp'), nodes)).toBe(false); // a node name must match whole
  });

  it('keeps every node under the scope in FP32 and says why; nodes outside it (even "/dpx/") are lowered', () => {
    const { report } = convertPrecision(graph(), { target: 'fp16', ranges: ranges(['x', 'a', 'b', 'c', 'y']), keepFp32: ['/dp/'] });
    expect(report.kept.map((k) => [k.node, k.rule, k.reason])).toEqual([
      ['/dp/Neg', 'profile', "under /dp/ in the profile's keep_fp32"],
      ['/dp/flows.0/Abs', 'profile', "under /dp/ in the profile's keep_fp32"],
    ]);
    expect(report.lowered).toBe(2);
  });

  it('a scope no node falls under is an error at its profile line, naming what keep_fp32 takes', () => {
    const where: unknown[] = [];
    const loaded = {
      profile: { modules: { text_encoder: { keep_fp32: ['/dp/', '/duration/'] } } },
      locate: (path: unknown[]) => (where.push(path), { file: 'p.yaml', line: 7, col: 5 }),
    } as unknown as LoadedProfile;
    const errs = checkKeepFp32(loaded, { text_encoder: { file: 'te.onnx', nodes: new Set(['/enc/Relu', '/dp/Neg']) } } as never);
    expect(errs).toHaveLength(1);
    expect(errs[0]!.message).toBe('text_encoder: keep_fp32 names node "/duration/", which te.onnx does not have');
    expect(errs[0]!.hint).toMatch(/a scope ending in "\/"/);
    expect(where).toEqual([['modules', 'text_encoder', 'keep_fp32', 1]]);
  });
});
