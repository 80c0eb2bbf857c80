import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.ts';
import {
  amaxToScale,
  calibrationHeader,
  formatCalibrationCache,
  hexToScale,
  parseCalibrationCache,
  scaleToHex,
  serializeCalibrationCache,
  trtVersionCode,
} from '../../src/calibrate/cache.ts';

const fixture = (f: string) => readFileSync(new URL(`../fixtures/calib/${f}`, import.meta.url), 'utf8');

describe('TensorRT calibration cache', () => {
  it('encodes the scale as big-endian float32 bits in lowercase hex, unpadded', () => {
    expect(scaleToHex(1)).toBe('3f800000');
    expect(scaleToHex(2)).toBe('40000000');
    expect(scaleToHex(0.5)).toBe('3f000000');
    expect(scaleToHex(1 / 127)).toBe('3c010204');
    expect(scaleToHex(0)).toBe('0');
    expect(scaleToHex(1e-45)).toBe('1'); // smallest subnormal
    expect(hexToScale('3f800000')).toBe(1);
    expect(hexToScale('0')).toBe(0);
    expect(amaxToScale(127)).toBe(1);
  });

  it('version codes and headers for TensorRT 7/8 and 10', () => {
    expect(trtVersionCode('8.6.1')).toBe('8601');
    expect(trtVersionCode('8.6.1.6')).toBe('8601');
    expect(trtVersionCode('8.4.1')).toBe('8401');
    expect(trtVersionCode('7.0.0')).toBe('7000');
    expect(trtVersionCode('10.3.0')).toBe('100300');
    expect(trtVersionCode('10.14.1')).toBe('101401');
    expect(calibrationHeader('8.6.1')).toBe('TRT-8601-EntropyCalibration2');
    expect(calibrationHeader('10.3.0', 'MinMaxCalibration')).toBe('TRT-100300-MinMaxCalibration');
  });

  it('reads a cache TensorRT 7.0 wrote (NVIDIA sampleINT8) and writes it back byte for byte', () => {
    const text = fixture('sampleint8-trt7000.cache');
    const c = parseCalibrationCache(text);
    expect(c.versionCode).toBe('7000');
    expect(c.algorithm).toBe('EntropyCalibration2');
    expect([...c.scales.keys()]).toEqual(['data', 'conv1', 'pool1', 'conv2', 'pool2', 'ip1', 'ip2', 'prob']);
    expect(c.scales.get('prob')! * 127).toBeCloseTo(1.000244, 6); // softmax output: amax ≈ 1
    expect(serializeCalibrationCache(c)).toBe(text);
  });

  it('reads TensorRT 8.4 output with spaces in names and zero scales, and writes it back', () => {
    const text = fixture('segformer-trt8401.cache');
    const c = parseCalibrationCache(text);
    expect(c.versionCode).toBe('8401');
    expect(c.scales.get('(Unnamed Layer* 64) [Shuffle]_output')).toBe(0);
    expect(c.scales.get('input')).toBe(hexToScale('3caa54fc'));
    expect(serializeCalibrationCache(c)).toBe(text);
  });

  it('round-trips amax through the written text', () => {
    const amax = new Map([
      ['phoneme_ids', 1],
      ['text_hidden', 3.75],
      ['input_1:0', 12.5],
      ['mel', 0],
    ]);
    const text = formatCalibrationCache({ trtVersion: '8.6.1', amax });
    expect(text.split('\n')[0]).toBe('TRT-8601-EntropyCalibration2');
    expect(text).toContain('mel: 0\n');
    expect(text.endsWith('\n')).toBe(true);
    const back = parseCalibrationCache(text);
    for (const [k, v] of amax) expect(back.scales.get(k)! * 127).toBeCloseTo(v, 5);
    expect(back.scales.get('input_1:0')).toBe(Math.fround(12.5 / 127));
  });

  it('reports a bad file as a UserError with its line', () => {
    expect(() => parseCalibrationCache('hello\n', 'x.cache')).toThrow(UserError);
    try {
      parseCalibrationCache('TRT-8601-EntropyCalibration2\na: 3f800000\nbroken line\n', 'x.cache');
      expect.unreachable();
    } catch (e) {
      expect((e as UserError).place).toMatchObject({ file: 'x.cache', line: 3 });
    }
  });
});
