// Where the strongly typed models live, decided from plain data (the planner and precisionModel agree on
// these names, so a dry run shows the file a build will convert). Pure.
import { basename, dirname, join } from 'node:path';

export type Precision = 'fp32' | 'fp16' | 'bf16' | 'int8';

/** Real speech inputs per module for the activation ranges (convert and build share it, so a build reuses convert's files). */
export const DEFAULT_SAMPLES = 32;

/** The precision the profile gives a module (its own, else the profile's default, else fp32). */
export function modulePrecision(profile: { modules?: Record<string, { precision?: string } | undefined>; defaults?: { precision?: string } }, module: string): Precision {
  return (profile.modules?.[module]?.precision ?? profile.defaults?.precision ?? 'fp32') as Precision;
}

/** The folder of converted models under a profile's output folder. */
export function convertedDir(outputDir: string): string {
  return join(outputDir, 'converted');
}

/**
 * The converted model of a module: <dir>/<module>.<precision>.onnx (what TensorRT builds), and
 * <module>.<precision>.cpu.onnx (the same decisions emulated in FP32 for ONNX Runtime on the CPU).
 */
// Stryker: equivalent (default '') — only 'emulated' changes the name; '' and 'typed' both do not.
export function convertedFile(dir: string, module: string, precision: Precision, emit: 'typed' | 'emulated' = 'typed'): string {
  return join(dir, `${module}.${precision}${emit === 'emulated' ? '.cpu' : ''}.onnx`);
}

export function reportFile(onnx: string): string {
  return join(dirname(onnx), `${basename(onnx, '.onnx')}.report.json`);
}

/**
 * The Q/DQ model of an INT8 module: the profile's calibration.qdq_model, else the one `emovoice calibrate`
 * writes beside the calibration cache (<cache folder>/<module>.qdq.onnx); null when neither is set.
 */
export function qdqModelFor(module: string, calibration: { cache?: string | null; qdq_model?: string | null } | undefined): string | null {
  if (calibration?.qdq_model) return calibration.qdq_model;
  if (calibration?.cache) return join(dirname(calibration.cache), `${module}.qdq.onnx`);
  return null;
}

/** Whether a module at this precision is built from a converted model (fp16/bf16; int8 with FP16 elsewhere). */
export function needsConversion(precision: Precision, layerFallback: string | null | undefined): boolean {
  return precision === 'fp16' || precision === 'bf16' || (precision === 'int8' && layerFallback === 'fp16');
}
