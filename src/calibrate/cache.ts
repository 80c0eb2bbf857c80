// TensorRT's INT8 calibration cache, text form, written and read exactly as TensorRT does. Pure: strings
// in and out (the CLI writes the file).
//
//   TRT-<version code>-<algorithm>\n
//   <tensor name>: <hex>\n          one line per tensor
//
// <hex> is the IEEE-754 float32 bit pattern of the SCALE = amax / 127, as a lowercase hexadecimal
// unsigned integer, most significant digit first, WITHOUT zero padding (C++ `std::hex` of the uint32):
// scale 1.0 → "3f800000", 1/127 → "3c010204", 0 → "0". Sources: NVIDIA/TensorRT samples/sampleINT8/README.md
// ("abs(max_dynamic_range) / 127.0f", with a TRT-7000-EntropyCalibration2 table); ONNX Runtime's TensorRT EP
// (ReadDynamicRange: strtoul(hex, 16) → float bits, × 127.0 = dynamic range); a TRT 8.4.1 cache quoted in
// zhsky2017/TRT-Hackathon-2022-SegFormer README (lines "366: 0"). See test/fixtures/calib/*.cache.
//
// Version code: TensorRT ≤ 8: major·1000 + minor·100 + patch (8.6.1 → 8601, NvInfer.h kNV_TENSORRT_VERSION_IMPL);
// TensorRT ≥ 10: major·10000 + minor·100 + patch (10.3.0 → 100300, NvInferVersion.h NV_TENSORRT_VERSION_INT).
// TensorRT only accepts a cache whose header names its own version and the calibrator variant in use; a
// mismatch makes it recalibrate (or, with trtexec --calib and no data, fail). trtexec's own calibrator is an
// IInt8EntropyCalibrator2, so caches meant for `trtexec --int8 --calib=…` must say EntropyCalibration2
// whatever algorithm chose the ranges (TRT uses the scales as given).
// Tensor names may contain ':' (e.g. "input_1:0"), so a line splits at its LAST ':'.
import { UserError } from '../core/errors.ts';

export type CalibrationAlgorithm = 'EntropyCalibration2' | 'EntropyCalibration' | 'MinMaxCalibration' | 'LegacyCalibration';
export const CALIBRATION_ALGORITHMS: readonly CalibrationAlgorithm[] = [
  'EntropyCalibration2',
  'EntropyCalibration',
  'MinMaxCalibration',
  'LegacyCalibration',
];

export interface CalibrationCache {
  /** The version code as written, e.g. "8601" or "100300". */
  versionCode: string;
  /** Algorithm name as written (one of CALIBRATION_ALGORITHMS for caches TensorRT wrote). */
  algorithm: string;
  /** Tensor name → scale (amax / 127), in file order. */
  scales: Map<string, number>;
}

/** "8.6.1" / "8.6.1.6" / "10.3.0" → "8601" / "8601" / "100300". */
export function trtVersionCode(version: string): string {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  if (!m) throw new Error(`not a TensorRT version: "${version}"`);
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  if (minor > 99 || patch > 99) throw new Error(`TensorRT version out of range: "${version}"`);
  // 9.x is built like 10.x (NV_TENSORRT_VERSION_INT); only 7.x/8.x are confirmed on the ·1000 form.
  return String(major >= 9 ? major * 10000 + minor * 100 + patch : major * 1000 + minor * 100 + patch);
}

export function calibrationHeader(trtVersion: string, algorithm: CalibrationAlgorithm = 'EntropyCalibration2'): string {
  return `TRT-${trtVersionCode(trtVersion)}-${algorithm}`;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 bits of `scale` as TensorRT prints them: lowercase hex, no padding. */
export function scaleToHex(scale: number): string {
  f32[0] = scale;
  return u32[0]!.toString(16);
}

export function hexToScale(hex: string): number {
  u32[0] = Number.parseInt(hex, 16);
  return f32[0]!;
}

/** scale = float32(float32(amax) / 127), as TensorRT computes it in float. */
export function amaxToScale(amax: number): number {
  return Math.fround(Math.fround(amax) / 127);
}

export function scaleToAmax(scale: number): number {
  return scale * 127;
}

/** The cache text for tensor → amax. Names keep the map's order. */
export function formatCalibrationCache(opts: {
  trtVersion: string;
  algorithm?: CalibrationAlgorithm;
  amax: ReadonlyMap<string, number>;
}): string {
  const lines = [calibrationHeader(opts.trtVersion, opts.algorithm)];
  for (const [name, amax] of opts.amax) {
    if (!(amax >= 0 && Number.isFinite(amax))) throw new Error(`tensor "${name}": amax must be finite and >= 0, got ${amax}`);
    if (/[\r\n]/.test(name)) throw new Error(`tensor name contains a line break: ${JSON.stringify(name)}`);
    lines.push(`${name}: ${scaleToHex(amaxToScale(amax))}`);
  }
  return lines.join('\n') + '\n';
}

/** The cache text for a parsed / edited cache (scales as given). */
export function serializeCalibrationCache(cache: CalibrationCache): string {
  const lines = [`TRT-${cache.versionCode}-${cache.algorithm}`];
  for (const [name, scale] of cache.scales) lines.push(`${name}: ${scaleToHex(scale)}`);
  return lines.join('\n') + '\n';
}

const HEADER = /^TRT-(\d+)-([A-Za-z0-9]+)$/;

export function parseCalibrationCache(text: string, file = '<calibration cache>'): CalibrationCache {
  const lines = text.split(/\r?\n/);
  const header = lines[0]?.trim() ?? '';
  const m = HEADER.exec(header);
  if (!m) {
    throw new UserError(`not a TensorRT calibration cache: first line is "${header.slice(0, 60)}", expected TRT-<version>-<algorithm>`, {
      place: { file, line: 1, column: 1 },
      hint: 'pass a cache written by TensorRT or by `emovoice calibrate`',
    });
  }
  const scales = new Map<string, number>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const colon = line.lastIndexOf(':');
    const hex = colon < 0 ? '' : line.slice(colon + 1).trim();
    if (colon <= 0 || !/^[0-9a-fA-F]{1,8}$/.test(hex)) {
      throw new UserError(`expected "<tensor name>: <hex float32 scale>", got "${line.slice(0, 80)}"`, {
        place: { file, line: i + 1, column: 1 },
        hint: 'each line after the header is a tensor name, ": " and up to 8 hex digits',
      });
    }
    scales.set(line.slice(0, colon), hexToScale(hex));
  }
  return { versionCode: m[1]!, algorithm: m[2]!, scales };
}
