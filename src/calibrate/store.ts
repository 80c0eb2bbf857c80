// Where calibration outputs live and how a profile finds them. `emovoice calibrate` writes
// <calibration/out>/<model name>/<module>.{calib,qdq.onnx,quality.json,calibration.json}, so calibrating
// two models' vocoders never overwrites one with the other; an INT8 module whose profile names no
// calibration runs the one made for its model and module there. <module>.calibration.json records the
// content hash of the ONNX file that was calibrated: a Q/DQ model made from other bytes (the model
// changed since) is refused in one error line, never run. Adapter: reads files; never writes.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../core/errors.ts';
import { sha256File } from '../core/files.ts';

/** The default calibration output folder, relative to the working folder (calibrate's --out default). */
export const CALIBRATION_DIR = join('calibration', 'out');

export const RECORD_FORMAT = 'emovoice-calibration/1';

/** What calibrate records beside its outputs: which model's module, from which bytes. */
export interface CalibrationRecord {
  format: typeof RECORD_FORMAT;
  model: string;
  module: string;
  /** The ONNX file calibrated, and the SHA-256 of its bytes. */
  onnx: string;
  onnxSha256: string;
  qdqModel: string;
  cache: string;
  createdAt: string;
}

/** A model's name as a folder name (anything but letters, digits, dot, dash and underscore becomes _). Pure. */
export function modelFolderName(model: string): string {
  const safe = model.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return safe || '_';
}

/** The folder calibrate writes a model's outputs to by default: <base>/<model name>. Pure. */
export function calibrationFolder(model: string, base = CALIBRATION_DIR): string {
  return join(base, modelFolderName(model));
}

/** The outputs of one module's calibration in a folder. Pure. */
export function calibrationFiles(dir: string, module: string) {
  return {
    cache: join(dir, `${module}.calib`),
    qdqModel: join(dir, `${module}.qdq.onnx`),
    quality: join(dir, `${module}.quality.json`),
    record: join(dir, `${module}.calibration.json`),
  };
}

/** The record beside a Q/DQ model (<dir>/<module>.calibration.json for <dir>/<module>.qdq.onnx). Pure. */
export function recordFor(qdqModel: string): string {
  return join(dirname(qdqModel), `${basename(qdqModel).replace(/\.qdq\.onnx$/, '')}.calibration.json`);
}

/**
 * The calibration made for this model and module in the default folder, or null: its Q/DQ model (what the
 * CPU backend runs) and the cache beside it.
 */
export function findCalibration(model: string, module: string, base = CALIBRATION_DIR, exists: (path: string) => boolean = existsSync): { qdqModel: string; cache: string } | null {
  const f = calibrationFiles(calibrationFolder(model, base), module);
  return exists(f.qdqModel) ? { qdqModel: f.qdqModel, cache: f.cache } : null;
}

/**
 * Refuses a Q/DQ model calibrated on other bytes than the module's ONNX file now (one UserError naming
 * the file and the command that remakes it). A Q/DQ model without a record (made elsewhere, named by
 * the profile) is taken as it is.
 */
export async function checkCalibrationFresh(qdqModel: string, o: { model: string; module: string; onnx: string; profile: string }): Promise<CalibrationRecord | null> {
  let record: CalibrationRecord;
  try {
    record = JSON.parse(await readFile(recordFor(qdqModel), 'utf8')) as CalibrationRecord;
  } catch {
    return null;
  }
  if (record.format !== RECORD_FORMAT) return null;
  const redo = `run \`emovoice calibrate ${o.module} --profile ${o.profile}\` again`;
  if (record.model !== o.model || record.module !== o.module) {
    throw new UserError(`${o.module}: this Q/DQ model was calibrated for ${record.model}'s ${record.module}, not ${o.model}'s ${o.module}`, { place: { file: qdqModel }, hint: redo });
  }
  const now = await sha256File(o.onnx).catch(() => null);
  if (now !== record.onnxSha256) {
    throw new UserError(`${o.module}: stale calibration: made from other bytes than ${o.onnx} now has (the model changed since ${record.createdAt})`, { place: { file: qdqModel }, hint: redo });
  }
  return record;
}
