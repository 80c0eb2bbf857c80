// TensorRT version from trtexec's banner. trtexec prints
//   &&&& RUNNING TensorRT.trtexec [TensorRT v100300] # trtexec ...
// where the number is NV_TENSORRT_VERSION: MAJOR*10000 + MINOR*100 + PATCH for 10.x,
// MAJOR*1000 + MINOR*100 + PATCH for 8.x (samples/common/logging.h), and 8.x/10.x logs also carry
//   [I] TensorRT version: 8.6.1
import { execa } from 'execa';
import { UserError } from '../core/errors.ts';
import type { Dialect } from './flags.ts';

export function decodeTrtVersionNumber(n: number): string {
  if (n >= 10000) return `${Math.floor(n / 10000)}.${Math.floor(n / 100) % 100}.${n % 100}`;
  return `${Math.floor(n / 1000)}.${Math.floor(n / 100) % 10}.${n % 100}`;
}

export function parseVersionBanner(text: string): string | null {
  const banner = /\[TensorRT v(\d+)\]/.exec(text);
  if (banner) return decodeTrtVersionNumber(Number(banner[1]));
  const line = /TensorRT version:\s*(\d+\.\d+\.\d+)/.exec(text);
  if (line) return line[1]!;
  return null;
}

export function dialectFor(version: string): Dialect {
  const m = /^(\d+)(?:\.(\d+))?/.exec(version.trim());
  const major = m ? Number(m[1]) : NaN;
  const minor = m?.[2] !== undefined ? Number(m[2]) : 0;
  if (major >= 10) return 'trt10';
  if (major === 8 && minor === 6) return 'trt8.6';
  throw new UserError(`TensorRT ${version} is not supported`, {
    hint: 'use TensorRT 8.6.x or 10.x',
    exitCode: 3,
  });
}

export async function detectTensorRt(exe: string): Promise<{ version: string; dialect: Dialect }> {
  let text: string;
  try {
    const r = await execa(exe, ['--help'], { reject: false, all: true, timeout: 30_000, stdin: 'ignore' });
    if ((r as { code?: string }).code === 'ENOENT') throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    text = r.all ?? `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  } catch (e) {
    throw new UserError(`cannot run ${exe} --help: ${(e as Error).message}`, {
      hint: 'install TensorRT and put trtexec on PATH, or set TRTEXEC=',
      exitCode: 3,
    });
  }
  const version = parseVersionBanner(text);
  if (!version) {
    throw new UserError(`could not read the TensorRT version from \`${exe} --help\``, {
      hint: 'check that this is NVIDIA trtexec (its banner reads "&&&& RUNNING TensorRT.trtexec [TensorRT vNNNN]")',
      exitCode: 3,
    });
  }
  return { version, dialect: dialectFor(version) };
}
