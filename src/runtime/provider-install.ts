// Puts ONNX Runtime's GPU provider libraries where onnxruntime-node dlopens them, taken from the
// onnxruntime-gpu wheel of the SAME version on PyPI (`pip download onnxruntime-gpu==<v> --no-deps`):
// onnxruntime-node's own install script fetches them from NuGet, which air-gapped or proxied GPU hosts
// cannot reach. The wheel is a zip; the libraries are onnxruntime/capi/libonnxruntime_providers_
// {shared,cuda,tensorrt}.so. A wheel of another version is refused (the providers' ABI is the core's),
// and each library is written atomically (a copy interrupted half way never sits under the real name).
// Adapter: reads one zip, writes files; the choice of entries and the version check are pure.
import { unzipSync } from 'fflate';
import { chmod } from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UserError } from '../core/errors.ts';
import { writeFileAtomic } from '../core/files.ts';
import { PROVIDER_LIBS, type ProviderLib } from './providers.ts';

/** The version a wheel's file name carries (`onnxruntime_gpu-1.30.0-cp311-…whl` → 1.30.0), or null. Pure. */
export function wheelVersion(file: string): { name: string; version: string } | null {
  const m = /^([A-Za-z0-9_.]+?)-(\d+(?:\.\d+)*[^-]*)-/.exec(basename(file));
  return m ? { name: m[1]!.toLowerCase().replace(/[-.]/g, '_'), version: m[2]! } : null;
}

/** The zip entries to take for these providers (the shared one always comes with a GPU provider). Pure. */
export function wantedEntries(providers: ProviderLib[]): Map<string, string> {
  const set = new Set<ProviderLib>(['shared', ...providers]);
  return new Map([...set].map((p) => [`onnxruntime/capi/${PROVIDER_LIBS[p]}`, PROVIDER_LIBS[p]]));
}

export interface InstallResult {
  wheel: string;
  version: string;
  dest: string;
  written: { file: string; bytes: number }[];
}

/**
 * Installs the provider libraries of `wheel` into `dest` (onnxruntime-node's bin/napi-v6/<platform>/<arch>).
 * `ortVersion`: onnxruntime-node's version, which the wheel must match.
 */
export async function installProviders(o: { wheel: string; dest: string; ortVersion: string; providers?: ProviderLib[] }): Promise<InstallResult> {
  const id = wheelVersion(o.wheel);
  if (!id || !o.wheel.endsWith('.whl')) {
    throw new UserError('not a wheel file name (expected onnxruntime_gpu-<version>-…whl)', { place: { file: o.wheel }, hint: `pip download onnxruntime-gpu==${o.ortVersion} --no-deps -d DIR, and pass the .whl it saves` });
  }
  if (id.name !== 'onnxruntime_gpu') {
    throw new UserError(`${id.name} is not the onnxruntime-gpu wheel`, { place: { file: o.wheel }, hint: `pip download onnxruntime-gpu==${o.ortVersion} --no-deps` });
  }
  if (id.version !== o.ortVersion) {
    throw new UserError(`the wheel is onnxruntime-gpu ${id.version}, but onnxruntime-node is ${o.ortVersion}: providers only load into the same version`, {
      place: { file: o.wheel },
      hint: `pip download onnxruntime-gpu==${o.ortVersion} --no-deps`,
    });
  }
  const want = wantedEntries(o.providers ?? ['cuda', 'tensorrt']);
  const bytes = await readFile(o.wheel).catch(() => {
    throw new UserError('wheel not found', { place: { file: o.wheel }, hint: `pip download onnxruntime-gpu==${o.ortVersion} --no-deps -d DIR` });
  });
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter: (f) => want.has(f.name) });
  } catch (e) {
    throw new UserError(`the wheel cannot be read as a zip (${e instanceof Error ? e.message : e})`, { place: { file: o.wheel }, hint: 'download it again; it may be truncated' });
  }
  const missing = [...want.keys()].filter((k) => !files[k]);
  if (missing.length) {
    throw new UserError(`the wheel has no ${missing.join(', ')}`, { place: { file: o.wheel }, hint: 'use the Linux x86_64 onnxruntime-gpu wheel (manylinux), not a CPU-only or other-platform one' });
  }
  const written: InstallResult['written'] = [];
  for (const [entry, name] of want) {
    const file = join(o.dest, name);
    await writeFileAtomic(file, files[entry]!);
    await chmod(file, 0o755);
    written.push({ file, bytes: files[entry]!.length });
  }
  return { wheel: o.wheel, version: id.version, dest: o.dest, written };
}
