import { describe, expect, it } from 'vitest';
import { inferenceArgv, parseExportedOutputs, TrtexecRunner } from '../../src/runtime/trt.ts';

describe('trt backend (pure parts)', () => {
  it('builds the inference command for a dynamic-shape engine', () => {
    expect(inferenceArgv('/e/vocoder.engine', [{ name: 'mel', shape: [1, 80, 100], file: '/t/mel.bin' }], '/t/out.json')).toEqual([
      '--loadEngine=/e/vocoder.engine',
      '--shapes=mel:1x80x100',
      '--loadInputs=mel:/t/mel.bin',
      '--iterations=1',
      '--warmUp=0',
      '--duration=0',
      '--avgRuns=1',
      '--exportOutput=/t/out.json',
    ]);
  });

  it("parses trtexec's --exportOutput JSON (the layout exportJSONOutput writes) with manifest dtypes", () => {
    // Same layout as samples/common/sampleReporting.cpp exportJSONOutput: '[', '  { "name" : ...', '  , "dimensions" : ...'
    const json = [
      '[',
      '  { "name" : "waveform"',
      '  , "dimensions" : "1x1x4"',
      '  , "values" : [ 0.1, -0.25, 0.5, 1e-07 ]',
      '  }',
      ', { "name" : "durations"',
      '  , "dimensions" : "3"',
      '  , "values" : [ 1, 2, 3 ]',
      '  }',
      ']',
    ].join('\n');
    const out = parseExportedOutputs(json, [
      { name: 'waveform', dtype: 'float32', dims: [] },
      { name: 'durations', dtype: 'int32', dims: [] },
    ]);
    expect(out.waveform!.shape).toEqual([1, 1, 4]);
    expect(out.waveform!.data).toEqual(new Float32Array([0.1, -0.25, 0.5, 1e-7]));
    expect(out.durations!.dtype).toBe('int32');
    expect([...(out.durations!.data as Int32Array)]).toEqual([1, 2, 3]);
  });

  it('says what it needs when trtexec or the engine is missing', async () => {
    await expect(new TrtexecRunner({ exe: null, engine: '/x.engine', inputs: [], outputs: [] }).load()).rejects.toThrow(/needs trtexec/);
    await expect(new TrtexecRunner({ exe: '/bin/true', engine: '/nonexistent/x.engine', inputs: [], outputs: [] }).load()).rejects.toThrow(
      /engine file not found/,
    );
  });
});
