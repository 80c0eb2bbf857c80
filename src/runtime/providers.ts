// ONNX Runtime's GPU execution providers as onnxruntime-node loads them: where their libraries must be
// (the addon's own folder, bin/napi-v6/<platform>/<arch>), which shared libraries each one needs and
// which of those the loader cannot find (ldd), the TensorRT version the TensorRT provider was linked
// against (libnvinfer.so.<major>), and the in-process TensorRT runner over the EPContext model `build`
// writes beside each engine. Pure parsing at the top; the adapters (ldd, files) below.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { epContextFile } from '../build/epcontext.ts';
import { UserError } from '../core/errors.ts';
import type { TensorMap } from '../tensor/tensor.ts';
import { OrtThreadRunner } from './ort-thread.ts';
import type { IoInfo, Runner } from './runner.ts';

/** The provider libraries onnxruntime-node dlopens, by provider (`shared` is needed by both GPU ones). */
export const PROVIDER_LIBS = {
  shared: 'libonnxruntime_providers_shared.so',
  cuda: 'libonnxruntime_providers_cuda.so',
  tensorrt: 'libonnxruntime_providers_tensorrt.so',
} as const;
export type ProviderLib = keyof typeof PROVIDER_LIBS;

export interface LddEntry {
  name: string;
  /** Where the loader found it; null: "not found". */
  path: string | null;
}

/** Parse `ldd` output: one entry per needed library (the vdso and the loader itself are left out). Pure. */
export function parseLdd(text: string): LddEntry[] {
  const out: LddEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const m = /^(\S+)\s+=>\s+(not found|(\S+))/.exec(line);
    if (!m) continue;
    out.push({ name: m[1]!, path: m[2] === 'not found' ? null : m[3]! });
  }
  return out;
}

/** The TensorRT major version a provider library links (libnvinfer.so.<major>), or null if it links none. Pure. */
export function linkedTensorRtMajor(entries: LddEntry[]): number | null {
  for (const e of entries) {
    const m = /^libnvinfer\.so\.(\d+)$/.exec(e.name);
    if (m) return Number(m[1]);
  }
  return null;
}

/**
 * Refuses an engine built by another TensorRT major than the one the TensorRT provider loads (an engine
 * deserializes only in the TensorRT that built it). One error line naming both. Pure.
 */
export function checkTensorRtMatch(engineVersion: string, providerMajor: number | null, places: { buildManifest: string; provider: string }): void {
  const engineMajor = Number(/^(\d+)/.exec(engineVersion)?.[1] ?? NaN);
  if (providerMajor === null) {
    throw new UserError(`the TensorRT provider links no libnvinfer, so engines built by TensorRT ${engineVersion} cannot be loaded by it`, {
      place: { file: places.provider },
      hint: 'install the onnxruntime-gpu wheel of the same version as onnxruntime-node (`emovoice providers install`), or use --backend trtexec',
      exitCode: 2,
    });
  }
  if (engineMajor !== providerMajor) {
    throw new UserError(`engines built by TensorRT ${engineVersion}, but ONNX Runtime's TensorRT provider loads TensorRT ${providerMajor} (libnvinfer.so.${providerMajor})`, {
      place: { file: places.buildManifest },
      hint: `rebuild the engines with TensorRT ${providerMajor}.x (\`emovoice build\`), or run them with --backend trtexec`,
      exitCode: 2,
    });
  }
}

/** The folder onnxruntime-node loads its libraries from (and dlopens the providers from). */
export function ortNodeBinDir(): string {
  const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
  return join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
}

export interface ProviderStatus {
  provider: ProviderLib;
  file: string;
  present: boolean;
  /** Libraries the loader cannot find for it (ldd "not found"), with the current LD_LIBRARY_PATH. */
  missing: string[];
  /** tensorrt: the libnvinfer major it links. */
  tensorrtMajor?: number | null;
}

/** `ldd file` as entries (an empty list where ldd cannot run: not Linux, or no ldd). */
export async function ldd(file: string): Promise<LddEntry[]> {
  const r = await execa('ldd', [file], { reject: false });
  return r.exitCode === 0 ? parseLdd(r.stdout) : [];
}

/** Each provider library in onnxruntime-node's folder: there or not, and what it cannot load. */
export async function providerStatus(dir = ortNodeBinDir()): Promise<ProviderStatus[]> {
  const out: ProviderStatus[] = [];
  for (const provider of Object.keys(PROVIDER_LIBS) as ProviderLib[]) {
    const file = join(dir, PROVIDER_LIBS[provider]);
    if (!existsSync(file)) {
      out.push({ provider, file, present: false, missing: [] });
      continue;
    }
    const entries = await ldd(file);
    const s: ProviderStatus = { provider, file, present: true, missing: entries.filter((e) => e.path === null).map((e) => e.name) };
    if (provider === 'tensorrt') s.tensorrtMajor = linkedTensorRtMajor(entries);
    out.push(s);
  }
  return out;
}

/** doctor's lines for the providers: found (and usable) or not, naming each missing library. Pure. */
export function providerLines(status: ProviderStatus[]): string[] {
  const lines: string[] = [];
  for (const s of status) {
    if (!s.present) {
      lines.push(`${s.provider}: not installed (${s.file}); \`emovoice providers install <onnxruntime-gpu wheel>\` puts it there`);
      continue;
    }
    const trt = s.provider === 'tensorrt' ? `, links TensorRT ${s.tensorrtMajor ?? '(none)'}` : '';
    if (!s.missing.length) lines.push(`${s.provider}: found${trt} (${s.file})`);
    else lines.push(`${s.provider}: found${trt}, but cannot load: missing ${s.missing.join(', ')} (add their folder to LD_LIBRARY_PATH)`);
  }
  return lines;
}

/** Where the EPContext model of a module's engine is. */
export const epContextPath = epContextFile;

/**
 * Before any engine runs on the TensorRT provider: the engines' TensorRT version (build-manifest.json)
 * against the one the provider links. Refuses a mismatch (one error line naming both). Where either is
 * not there yet, nothing is refused here: the engine runner's load fails and says what is missing (and
 * synth and bench serve from the CPU fallback, saying so).
 */
export async function checkTensorRtBackend(engineDir: string, dir = ortNodeBinDir()): Promise<void> {
  const buildManifest = join(engineDir, 'build-manifest.json');
  const text = await readFile(buildManifest, 'utf8').catch(() => null);
  const provider = join(dir, PROVIDER_LIBS.tensorrt);
  if (text === null || !existsSync(provider)) return;
  let version: string | undefined;
  try {
    version = (JSON.parse(text) as { tensorrt?: { version?: string } }).tensorrt?.version;
  } catch {
    version = undefined;
  }
  if (!version) throw new UserError('the build manifest names no TensorRT version', { place: { file: buildManifest, path: 'tensorrt.version' }, hint: 'rebuild the engines with `emovoice build`' });
  checkTensorRtMatch(version, linkedTensorRtMajor(await ldd(provider)), { buildManifest, provider });
}

/** A load failure of a GPU session: one error line naming the provider and where to look (not "corrupt file"). */
function providerLoadError(provider: 'cuda' | 'tensorrt', file: string, e: unknown): UserError {
  const msg = e instanceof Error ? e.message : String(e);
  // onnxruntime-node: "OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library"
  if (!/ExecutionProvider|shared library|providers_/i.test(msg)) return e instanceof UserError ? e : new UserError(msg, { place: { file } });
  return new UserError(`ONNX Runtime's ${provider === 'cuda' ? 'CUDA' : 'TensorRT'} provider cannot start (${msg.replace(/^ONNX Runtime cannot load the model: /, '')})`, {
    place: { file },
    hint: '`emovoice providers` names the libraries it cannot load; install them or add their folder to LD_LIBRARY_PATH (docs/gpu.md)',
    exitCode: 3,
  });
}

/** A runner over one GPU-provider session in a worker thread (made once): the subclasses say how it loads. */
abstract class GpuSessionRunner implements Runner {
  abstract readonly name: string;
  protected abstract readonly session: OrtThreadRunner;
  abstract load(): Promise<void>;
  inputs(): IoInfo[] {
    return this.session.inputs();
  }
  outputs(): IoInfo[] {
    return this.session.outputs();
  }
  infer(feeds: TensorMap, outputNames?: string[]): Promise<TensorMap> {
    return this.session.infer(feeds, outputNames);
  }
  close(): Promise<void> {
    return this.session.close();
  }
}

/** A module's ONNX file in a CUDA-provider session (in a worker thread), made once; a provider that cannot start is one clear error. */
export class CudaRunner extends GpuSessionRunner {
  readonly name: string;
  protected readonly session: OrtThreadRunner;

  constructor(readonly modelPath: string) {
    super();
    this.session = new OrtThreadRunner(modelPath, { providers: ['cuda'] });
    this.name = this.session.name;
  }
  async load(): Promise<void> {
    await this.session.load().catch((e: unknown) => {
      throw providerLoadError('cuda', this.modelPath, e);
    });
  }
}

export interface EpContextRunnerOptions {
  /** The EPContext model beside the engine. */
  model: string;
  engine: string;
  buildManifest: string;
}

/** An engine in process: its EPContext model in a TensorRT-provider session (in a worker thread), made once. */
export class EpContextRunner extends GpuSessionRunner {
  readonly name: string;
  protected readonly session: OrtThreadRunner;

  constructor(private readonly o: EpContextRunnerOptions) {
    super();
    this.session = new OrtThreadRunner(o.model, { providers: ['tensorrt'] });
    this.name = `ort(tensorrt):${o.engine}`;
  }

  async load(): Promise<void> {
    if (!existsSync(this.o.engine)) throw new UserError('engine not built yet', { place: { file: this.o.engine }, hint: 'run `emovoice build` first, or use --backend cuda' });
    const provider = join(ortNodeBinDir(), PROVIDER_LIBS.tensorrt);
    if (!existsSync(provider)) throw new UserError("ONNX Runtime's TensorRT provider is not installed", { place: { file: provider }, hint: '`emovoice providers install <onnxruntime-gpu wheel>`, or use --backend trtexec' });
    if (!existsSync(this.o.model)) throw new UserError('no EPContext model beside the engine', { place: { file: this.o.model }, hint: 'rebuild with this version of `emovoice build`, which writes it' });
    await this.session.load().catch((e: unknown) => {
      throw providerLoadError('tensorrt', this.o.model, e);
    });
  }
}
