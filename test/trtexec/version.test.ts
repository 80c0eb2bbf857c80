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

// Small shell scripts standing in for trtexec's process behaviour around --help (no TensorRT here).
describe('detectTensorRt: how trtexec --help is run and read', () => {
  async function script(name: string, body: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'emovoice-detect-'));
    const file = join(dir, name);
    await writeFile(file, `#!/bin/sh\n${body}\n`);
    await chmod(file, 0o755);
    return file;
  }
  const rejection = (p: Promise<unknown>) => p.then(() => expect.unreachable('should have thrown'), (e: unknown) => e as UserError);

  it('passes exactly one argument, --help', async () => {
    const exe = await script('trtexec', `if [ "$#" -eq 1 ] && [ "$1" = "--help" ]; then echo '&&&& RUNNING TensorRT.trtexec [TensorRT v100300] # trtexec --help'; exit 0; fi\necho "unexpected: $*"; exit 2`);
    expect(await detectTensorRt(exe)).toEqual({ version: '10.3.0', dialect: 'trt10' });
  });

  it('reads the banner from stderr and whatever the exit status (some builds exit 1 after --help)', async () => {
    const exe = await script('trtexec', `echo '&&&& RUNNING TensorRT.trtexec [TensorRT v8601] # trtexec --help' >&2\necho '=== Model Options ==='\nexit 1`);
    expect(await detectTensorRt(exe)).toEqual({ version: '8.6.1', dialect: 'trt8.6' });
  });

  it('a missing executable: "cannot run", exit 3, how to install', async () => {
    const e = await rejection(detectTensorRt('/nonexistent/trtexec'));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toBe('cannot run /nonexistent/trtexec --help: ENOENT');
    expect(e.exitCode).toBe(3);
    expect(e.hint).toBe('install TensorRT and put trtexec on PATH, or set TRTEXEC=');
  });

  it('no banner in the output: not trtexec, exit 3, what its banner looks like', async () => {
    const exe = await script('not-trtexec', `echo 'usage: something else'`);
    const e = await rejection(detectTensorRt(exe));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toBe(`could not read the TensorRT version from \`${exe} --help\``);
    expect(e.exitCode).toBe(3);
    expect(e.hint).toBe('check that this is NVIDIA trtexec (its banner reads "&&&& RUNNING TensorRT.trtexec [TensorRT vNNNN]")');
  });
});

describe('version strings at the edges', () => {
  const thrown = (f: () => unknown): UserError => {
    try {
      f();
    } catch (e) {
      return e as UserError;
    }
    return expect.unreachable('should have thrown');
  };
  it('"TensorRT version:" lines with multi-digit parts and any spacing', () => {
    expect(parseVersionBanner('[I] TensorRT version: 10.13.3')).toBe('10.13.3');
    expect(parseVersionBanner('[I] TensorRT version: 8.6.12')).toBe('8.6.12');
    expect(parseVersionBanner('[I] TensorRT version:8.6.1')).toBe('8.6.1');
    expect(parseVersionBanner('[I] TensorRT version:   8.6.1')).toBe('8.6.1');
    // the banner wins over a version line
    expect(parseVersionBanner('[I] TensorRT version: 8.6.1\n&&&& PASSED TensorRT.trtexec [TensorRT v100300] # x')).toBe('10.3.0');
    // the 10.x encoding starts at 10.0.0 = 100000; 8.x numbers (MAJOR*1000 + MINOR*100 + PATCH) stay below 10000
    expect(decodeTrtVersionNumber(100000)).toBe('10.0.0');
    expect(decodeTrtVersionNumber(8699)).toBe('8.6.99');
  });

  it('dialects: leading/trailing space is fine, anything before the number is not; minor 6 only for major 8', () => {
    expect(dialectFor(' 10.3.0\n')).toBe('trt10');
    expect(dialectFor('8.6.1 ')).toBe('trt8.6');
    for (const v of ['v10.3.0', 'TensorRT 8.6', 'abc', '', '8.61', '8.60.1', '7.6.0', '9.6.1', '8', '8.5']) {
      const u = thrown(() => dialectFor(v, '/opt/trt/trtexec'));
      expect(u, JSON.stringify(v)).toBeInstanceOf(UserError);
      expect(u.message, v).toBe(`TensorRT ${v} is not supported`);
      expect(u.hint).toBe('use TensorRT 11.x, 10.x or 8.6.x (set TRTEXEC= to that trtexec)');
      expect(u.place).toEqual({ file: '/opt/trt/trtexec' });
      expect(u.exitCode).toBe(2);
    }
    // without a source, no place
    expect(thrown(() => dialectFor('7.2.1')).place).toEqual({});
    const newer = thrown(() => dialectFor('12.0'));
    expect(newer.place).toEqual({});
    expect(newer.hint).toBe('use TensorRT 11.x, 10.x or 8.6.x (set TRTEXEC= to that trtexec, or --trt-version for a dry run), or update emovoice');
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
