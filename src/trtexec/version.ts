// TensorRT version from trtexec's banner, and the argv dialect that version takes. trtexec prints the
// banner before it parses any option, also for --help (samples/trtexec/trtexec.cpp main(): reportTestStart,
// then parseHelp; v8.6.1 and v10.3.0), so `trtexec --help` identifies it without building anything:
//   &&&& RUNNING TensorRT.trtexec [TensorRT v100300] # trtexec --help
//   &&&& RUNNING TensorRT.trtexec [TensorRT v101303] [b9] # ...        (10.13+ append the build number)
// The number is NV_TENSORRT_VERSION: MAJOR*10000 + MINOR*100 + PATCH from 10.0 (include/NvInferRuntimeBase.h
// @v10.3.0), MAJOR*1000 + MINOR*100 + PATCH in 8.x (kNV_TENSORRT_VERSION_IMPL @v8.6.1). Logs also carry
//   [I] TensorRT version: 8.6.1
// (11.0: NV_TENSORRT_VERSION_INT is MAJOR*10000 + MINOR*100 + PATCH, include/NvInferRuntimeBase.h @v11.0.)
// Dialects: 8.6 → trt8.6; 10.x → trt10; 11.x → trt11 (strongly typed only: 11.0 dropped --fp16/--int8/--bf16/
// --best/--calib/--precisionConstraints/--layerPrecisions, sampleOptions.cpp @v11.0 and @v11.1). Older
// releases and 9.x (LLM-only releases) are refused, and so is anything newer than 11.x: its trtexec flags
// have not been read, and a flag it dropped would fail the build only after the whole plan ran.
import { UserError } from '../core/errors.ts';
import type { Dialect } from './flags.ts';

export function decodeTrtVersionNumber(n: number): string {
  // Stryker: equivalent (>) — no TensorRT prints 10000: 8.x numbers stay below it, 10.0.0 is 100000.
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

/** The newest TensorRT release line whose trtexec flags this code was written against. */
export const NEWEST_SUPPORTED = '11.x';
const SUPPORTED = 'TensorRT 11.x, 10.x or 8.6.x';

/** The argv dialect of a TensorRT version; `source` (the trtexec path, or --trt-version) is named in errors. */
export function dialectFor(version: string, source?: string): Dialect {
  const m = /^(\d+)(?:\.(\d+))?/.exec(version.trim());
  const major = m ? Number(m[1]) : NaN;
  // Stryker: equivalent (always Number(m[2])) — minor is only compared with 6, and NaN differs from 6 as 0 does.
  const minor = m?.[2] !== undefined ? Number(m[2]) : 0;
  if (major === 11) return 'trt11';
  if (major === 10) return 'trt10';
  if (major === 8 && minor === 6) return 'trt8.6';
  // Stryker: equivalent (>=) — major 11 has returned above.
  if (major > 11) {
    throw new UserError(`TensorRT ${version} is newer than every trtexec dialect emovoice knows (newest supported: ${NEWEST_SUPPORTED})`, {
      place: source ? { file: source } : {},
      hint: `use ${SUPPORTED} (set TRTEXEC= to that trtexec, or --trt-version for a dry run), or update emovoice`,
    });
  }
  throw new UserError(`TensorRT ${version} is not supported`, {
    place: source ? { file: source } : {},
    hint: `use ${SUPPORTED} (set TRTEXEC= to that trtexec)`,
  });
}

export async function detectTensorRt(exe: string): Promise<{ version: string; dialect: Dialect }> {
  let text: string;
  try {
    // execa loads here, when there is a trtexec to run (doctor on a machine without one never loads it)
    const { execa } = await import('execa');
    // Stryker: equivalent (all: false) — the fallback below joins stdout and stderr instead: the same lines.
    const r = await execa(exe, ['--help'], { reject: false, all: true, timeout: 30_000, stdin: 'ignore' });
    if ((r as { code?: string }).code === 'ENOENT') throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    // Stryker: equivalent (the fallback) — with all: true execa always sets r.all; the fallback is a guard.
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
  return { version, dialect: dialectFor(version, exe) };
}
