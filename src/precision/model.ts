// The ONNX file a module runs at a precision: fp32 → the original; fp16/bf16 → the strongly typed
// conversion (measured ranges on real module inputs, convert.ts), cached by content hash in the profile's
// output folder; int8 → the Q/DQ model that `emovoice calibrate` wrote (named by the profile, else the one
// made for this model and module in calibration/out/<model>/, refused when stale), with FP16 elsewhere where the
// profile says layer_fallback: fp16. Used by `emovoice convert`, by `build` (the file TensorRT builds) and
// by the CPU backend (verify, synth): one function, so they all run the same bytes. Adapter: files, ORT.
import { mkdir, readFile } from 'node:fs/promises';
import { UserError, UserErrors } from '../core/errors.ts';
import { sha256File, sha256Text, writeFileAtomic } from '../core/files.ts';
import type { ModelManifest } from '../model/manifest.ts';
import { decodeOnnxModel, encodeOnnxModel } from '../model/onnx.ts';
import type { LoadedProfile } from '../profile/load.ts';
import type { TensorMap } from '../tensor/tensor.ts';
import { int8Calibration } from './calibration.ts';
import { checkKeepFp32, graphFacts } from './checks.ts';
import { convertPrecision, type ConversionReport } from './convert.ts';
import { convertedDir, convertedFile, modulePrecision, needsConversion, reportFile, type Precision } from './files.ts';
import { raiseOpsetTo19 } from './opset.ts';
import { measureRanges, type MeasuredRanges } from './ranges.ts';
import { DEFAULT_FP16_MAX_ABS, RULES_VERSION } from './rules.ts';

export interface PrecisionModelRequest {
  profile: LoadedProfile;
  manifest: ModelManifest;
  module: string;
  precision: Precision;
  /** Folder for converted models (default <profile output>/converted). */
  out?: string;
  /**
   * trt: the strongly typed file TensorRT builds. cpu (default): the file ONNX Runtime on the CPU runs, the
   * same decisions emulated in FP32 with every low-precision tensor rounded where the engine stores it
   * (convert.ts `emit`: ORT's CPU has no BF16 kernels and does not round between FP16 nodes it upcasts).
   */
  runtime?: 'cpu' | 'trt';
  /** Real module inputs for the activation ranges (called only when a conversion has to run). */
  inputs: (module: string) => AsyncIterable<TensorMap>;
  /** What identifies the input set (e.g. the speech manifest's hash): part of the cache key. */
  inputsKey?: string;
}

export interface PrecisionReport extends ConversionReport {
  format: 'emovoice-precision-report/1';
  module: string;
  precision: Precision;
  /** The FP32 model whose activations were measured. */
  source: string;
  /** INT8: the Q/DQ model the conversion started from. */
  qdq: string | null;
  output: string;
  outputSha256: string;
  key: string;
  /** Module inputs the ranges were measured on. */
  measuredInputs: number;
  createdAt: string;
}

export interface PrecisionModel {
  file: string;
  /** null where nothing was converted (fp32, or int8 with FP32 elsewhere: the Q/DQ model as calibrated). */
  report: PrecisionReport | null;
  cached: boolean;
  /** INT8: the Q/DQ model used, and whether it was found (made by calibrate for this model) rather than named by the profile. */
  calibration?: { qdqModel: string; found: boolean };
}

/** The effective precision settings of a module in a profile (module value, else defaults). */
export function precisionSettings(profile: LoadedProfile['profile'], module: string) {
  const m = profile.modules?.[module] ?? {};
  const d = profile.defaults ?? {};
  return {
    precision: modulePrecision(profile, module),
    layerFallback: m.layer_fallback ?? null,
    // layer_precisions pinned to fp32 (the legacy builder's per-layer knob) mean the same in a converted model
    keepFp32: [...(m.keep_fp32 ?? d.keep_fp32 ?? []), ...Object.entries(m.layer_precisions ?? {}).filter(([, v]) => v === 'fp32').map(([k]) => k)],
    fp16MaxAbs: m.fp16_max_abs ?? d.fp16_max_abs ?? DEFAULT_FP16_MAX_ABS,
  };
}

export async function precisionModel(req: PrecisionModelRequest): Promise<PrecisionModel> {
  const { profile: loaded, manifest, module, precision } = req;
  const spec = manifest.modules[module];
  if (!spec) throw new UserError(`unknown module "${module}"`, { place: { file: manifest.path }, hint: `modules of this model: ${Object.keys(manifest.modules).join(', ')}` });
  const settings = precisionSettings(loaded.profile, module);
  const source = loaded.profile.modules?.[module]?.onnx ?? spec.file;
  if (precision === 'fp32') return { file: source, report: null, cached: true };

  let qdq: string | null = null;
  let calibration: PrecisionModel['calibration'];
  if (precision === 'int8') {
    // named by the profile, else the one calibrate made for this model and module; refused when stale (one code path with build)
    const c = await int8Calibration(loaded, manifest, module);
    qdq = c.qdqModel;
    calibration = { qdqModel: qdq, found: c.found };
    if (!needsConversion('int8', settings.layerFallback)) return { file: qdq, report: null, cached: true, calibration };
  }

  const sourceBytes = await readFile(source).catch(() => {
    throw new UserError('ONNX file not found', { place: { file: source }, hint: 'check the path in the profile or model manifest' });
  });
  const model = await decodeOnnxModel(qdq ? await readFile(qdq) : sourceBytes, qdq ?? source);
  const keepErrors = checkKeepFp32(loaded, { [module]: graphFacts(model, qdq ?? source) }, { defaults: false });
  if (keepErrors.length) throw keepErrors.length === 1 ? keepErrors[0]! : new UserErrors(keepErrors);

  const emit = (req.runtime ?? 'cpu') === 'cpu' ? 'emulated' : 'typed';
  const target = precision === 'bf16' ? 'bf16' : 'fp16';
  const ioDtypes = Object.fromEntries([...Object.entries(spec.inputs), ...Object.entries(spec.outputs)].map(([k, v]) => [k, v.dtype]));
  const dir = req.out ?? convertedDir(loaded.profile.output);
  const file = convertedFile(dir, module, precision, emit);
  const key = sha256Text(
    JSON.stringify({
      rules: RULES_VERSION,
      source: sha256Text(sourceBytes),
      qdq: qdq ? await sha256File(qdq) : null,
      precision,
      emit,
      keepFp32: settings.keepFp32,
      maxAbs: settings.fp16MaxAbs,
      ioDtypes,
      inputs: req.inputsKey ?? null,
    }),
  );
  const cached = await readCachedReport(file, key);
  if (cached) return { file, report: cached, cached: true, calibration };

  const measured = await rangesOf(source, sourceBytes, req);
  if (qdq && emit === 'typed') raiseOpsetTo19(model); // FP16 scales on Q/DQ need opset 19
  const { report } = convertPrecision(model, { target, emit, ranges: measured.ranges, keepFp32: settings.keepFp32, maxAbs: settings.fp16MaxAbs, ioDtypes });
  const bytes = await encodeOnnxModel(model);
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(file, bytes);
  const full: PrecisionReport = {
    format: 'emovoice-precision-report/1',
    module,
    precision,
    source,
    qdq,
    output: file,
    outputSha256: sha256Text(bytes),
    key,
    measuredInputs: measured.inputs,
    createdAt: new Date().toISOString(),
    ...report,
  };
  await writeFileAtomic(reportFile(file), JSON.stringify(full, null, 2) + '\n');
  return { file, report: full, cached: false, calibration };
}

// Ranges measured in this process, by model content and input set: the CPU and TensorRT files of a module
// (and every precision) come from one pass over the speech.
const measuredRanges = new Map<string, Promise<MeasuredRanges>>();

function rangesOf(source: string, bytes: Uint8Array, req: PrecisionModelRequest): Promise<MeasuredRanges> {
  if (req.inputsKey === undefined) return measureRanges(source, req.inputs(req.module));
  const key = `${sha256Text(bytes)}:${req.inputsKey}`;
  let p = measuredRanges.get(key);
  if (!p) {
    p = measureRanges(source, req.inputs(req.module));
    measuredRanges.set(key, p);
    p.catch(() => measuredRanges.delete(key));
  }
  return p;
}

/** The report of a converted file still current for this key (and the file's bytes unchanged), else null. */
async function readCachedReport(file: string, key: string): Promise<PrecisionReport | null> {
  try {
    const r = JSON.parse(await readFile(reportFile(file), 'utf8')) as PrecisionReport;
    if (r.format !== 'emovoice-precision-report/1' || r.key !== key) return null;
    return (await sha256File(file)) === r.outputSha256 ? r : null;
  } catch {
    return null;
  }
}
