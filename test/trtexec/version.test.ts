import { mkdtemp, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.ts';
import { findTrtexec } from '../../src/trtexec/find.ts';
import { decodeTrtVersionNumber, detectTensorRt, dialectFor, parseVersionBanner } from '../../src/trtexec/version.ts';

const FAKE = resolve('test/fixtures/bin/fake-trtexec');

describe('parseVersionBanner', () => {
  it('reads 10.x and 8.x banners', () => {
    expect(parseVersionBanner('&&&& RUNNING TensorRT.trtexec [TensorRT v100300] # trtexec --help')).toBe('10.3.0');
    expect(parseVersionBanner('&&&& RUNNING TensorRT.trtexec [TensorRT v8601] # trtexec')).toBe('8.6.1');
    expect(parseVersionBanner('&&&& RUNNING TensorRT.trtexec [TensorRT v101303] [b9] # ./trtexec')).toBe('10.13.3');
    expect(parseVersionBanner('[03/28/2024-07:10:12] [I] TensorRT version: 8.6.3')).toBe('8.6.3');
    expect(parseVersionBanner('&&&& PASSED TensorRT.trtexec [TensorRT v8400] # trtexec --loadEngine=mnist16.trt --batch=16')).toBe('8.4.0');
    expect(parseVersionBanner('&&&& RUNNING TensorRT.trtexec [TensorRT v100001] # trtexec --onnx=a.onnx')).toBe('10.0.1');
    expect(parseVersionBanner('no banner here')).toBeNull();
    expect(decodeTrtVersionNumber(8200)).toBe('8.2.0');
    expect(decodeTrtVersionNumber(101602)).toBe('10.16.2');
    // 11.x keeps 10.0's MAJOR*10000 + MINOR*100 + PATCH (NvInferRuntimeBase.h @v11.0)
    expect(parseVersionBanner('&&&& RUNNING TensorRT.trtexec [TensorRT v110100] [b4] # trtexec --help')).toBe('11.1.0');
  });
});

describe('dialectFor', () => {
  it('maps versions to dialects', () => {
    expect(dialectFor('10.3.0')).toBe('trt10');
    expect(dialectFor('10.0')).toBe('trt10');
    expect(dialectFor('8.6.1')).toBe('trt8.6');
    expect(dialectFor('8.6')).toBe('trt8.6');
    expect(dialectFor('10.16.2')).toBe('trt10');
    expect(() => dialectFor('8.5.3')).toThrow(UserError);
    expect(() => dialectFor('7.2.1')).toThrow(UserError);
    expect(() => dialectFor('9.3.0')).toThrow(UserError);
    expect(dialectFor('11.0.0')).toBe('trt11');
    expect(dialectFor('11.1')).toBe('trt11');
  });

  it('refuses a TensorRT newer than the known dialects, naming the newest supported one (exit 2)', () => {
    for (const v of ['12.0.0', '12', '13.2.1']) {
      let err: UserError | undefined;
      try {
        dialectFor(v, '/opt/trt/bin/trtexec');
      } catch (e) {
        err = e as UserError;
      }
      expect(err, v).toBeInstanceOf(UserError);
      expect(err!.exitCode).toBe(2);
      expect(err!.format()).toMatch(new RegExp(`^/opt/trt/bin/trtexec TensorRT ${v.replace(/\./g, '\\.')} is newer than every trtexec dialect emovoice knows \\(newest supported: 11\\.x\\)`));
    }
  });
});

describe('detectTensorRt', () => {
  it('runs --help and parses the banner (stand-in)', async () => {
    process.env.FAKE_TRTEXEC_MODE = 'version';
    process.env.FAKE_TRTEXEC_BANNER = '&&&& RUNNING TensorRT.trtexec [TensorRT v8601] # trtexec --help';
    try {
      expect(await detectTensorRt(FAKE)).toEqual({ version: '8.6.1', dialect: 'trt8.6' });
    } finally {
      delete process.env.FAKE_TRTEXEC_MODE;
      delete process.env.FAKE_TRTEXEC_BANNER;
    }
  });
  it('default --help of the stand-in: the 10.3.0 banner', async () => {
    expect(await detectTensorRt(FAKE)).toEqual({ version: '10.3.0', dialect: 'trt10' });
  });
  it('the stand-in reporting TensorRT 11 and 12 (orchestration only: it builds nothing)', async () => {
    process.env.FAKE_TRTEXEC_VERSION = '11.1.0';
    try {
      expect(await detectTensorRt(FAKE)).toEqual({ version: '11.1.0', dialect: 'trt11' });
      process.env.FAKE_TRTEXEC_VERSION = '12.0.0';
      await expect(detectTensorRt(FAKE)).rejects.toThrow(/newest supported: 11\.x/);
    } finally {
      delete process.env.FAKE_TRTEXEC_VERSION;
    }
  });
  it('missing executable → UserError', async () => {
    await expect(detectTensorRt('/nonexistent/trtexec')).rejects.toBeInstanceOf(UserError);
  });
});

describe('findTrtexec', () => {
  it('TRTEXEC set but missing → UserError naming TRTEXEC', async () => {
    const err = await findTrtexec({ TRTEXEC: '/nonexistent/trtexec', PATH: '' }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toContain('TRTEXEC');
    expect(err.hint).toBeTruthy();
  });
  it('TRTEXEC set and present → that path', async () => {
    expect(await findTrtexec({ TRTEXEC: FAKE, PATH: '' })).toBe(FAKE);
  });
  it('searches PATH', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'emovoice-find-'));
    await writeFile(join(dir, 'trtexec'), '#!/bin/sh\n');
    await chmod(join(dir, 'trtexec'), 0o755);
    expect(await findTrtexec({ PATH: `/nonexistent:${dir}` })).toBe(join(dir, 'trtexec'));
  });
  it('nothing found → null (unless the container default exists)', async () => {
    const r = await findTrtexec({ PATH: '/nonexistent' });
    expect(r === null || r === '/usr/src/tensorrt/bin/trtexec').toBe(true);
  });
});
