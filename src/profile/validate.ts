// Checks a loaded profile against the model it builds: every dynamic input has a shape, ranks and
// static dims match the ONNX model, min ≤ opt ≤ max, max within the manifest's limits, int8 has a
// calibration cache or QDQ model, bf16 has a TensorRT that knows it. Pure: takes the ONNX infos as
// data and returns every problem at once (one UserError each, with its place and a fix).
import { existsSync } from 'node:fs';
import { UserError } from '../core/errors.ts';
import { textDim, type ModelManifest } from '../model/manifest.ts';
import type { OnnxGraphIo } from '../model/onnx-io.ts';
import type { LoadedProfile } from './load.ts';

function versionAtLeast(v: string, min: string): boolean {
  const a = v.split('.').map(Number);
  const b = min.split('.').map(Number);
  // Stryker: equivalent (i <= 3; >= below) — versions here have three parts (trtexec's banner and the
  // schema's min_version), so a 4th is 0 on both sides; and the parts differ where `>` is reached.
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0); // Stryker: equivalent (>=) — the parts differ here
  }
  return true;
}

export function validateProfile(
  loaded: LoadedProfile,
  manifest: ModelManifest,
  infos: Record<string, OnnxGraphIo>,
  opts: { tensorrtVersion?: string; fileExists?: (p: string) => boolean } = {},
): UserError[] {
  const p = loaded.profile;
  const exists = opts.fileExists ?? existsSync;
  const errs: UserError[] = [];
  const err = (path: (string | number)[], msg: string, hint: string) => errs.push(new UserError(msg, { place: loaded.locate(path), hint }));
  const trt = p.backend === 'trt';

  if (trt && opts.tensorrtVersion && p.tensorrt?.min_version && !versionAtLeast(opts.tensorrtVersion, p.tensorrt.min_version)) {
    err(['tensorrt', 'min_version'], `needs TensorRT ≥ ${p.tensorrt.min_version}, found ${opts.tensorrtVersion}`, 'install a newer TensorRT or lower min_version');
  }
  for (const name of Object.keys(p.modules ?? {})) {
    if (!manifest.modules[name]) err(['modules', name], `the model has no module "${name}"`, `modules of ${manifest.path}: ${Object.keys(manifest.modules).join(', ')}`);
  }
  for (const [name, mod] of Object.entries(manifest.modules)) {
    const mp = p.modules?.[name] ?? {};
    const info = infos[name];
    // Stryker: equivalent ('' for 'fp32') — the default is only ever compared with 'int8' and 'bf16'.
    const precision = mp.precision ?? p.defaults?.precision ?? 'fp32';
    if (trt && precision === 'int8' && !mp.calibration?.cache && !mp.calibration?.qdq_model) {
      err(['modules', name, 'precision'], `${name}: int8 needs a calibration cache or a QDQ model`, `run \`emovoice calibrate ${name}\` and set modules.${name}.calibration.cache`);
    }
    for (const key of ['cache', 'qdq_model'] as const) {
      const f = mp.calibration?.[key];
      if (trt && precision === 'int8' && f && !exists(f)) {
        err(['modules', name, 'calibration', key], `${name}: calibration ${key === 'cache' ? 'cache' : 'QDQ model'} not found: ${f}`, `run \`emovoice calibrate ${name}\` first`);
      }
    }
    const trtVersion = opts.tensorrtVersion ?? p.tensorrt?.min_version;
    if (trt && precision === 'bf16' && trtVersion && !versionAtLeast(trtVersion, '9.0')) {
      const found = opts.tensorrtVersion ? `found ${opts.tensorrtVersion}` : `tensorrt.min_version is ${trtVersion}`;
      err(
        mp.precision ? ['modules', name, 'precision'] : ['defaults', 'precision'],
        `${name}: bf16 needs TensorRT 9 or newer (${found})`,
        opts.tensorrtVersion ? 'use fp16, or install TensorRT ≥ 9' : 'use fp16, or set tensorrt.min_version: "9.0"',
      );
    }
    if (!info) continue;
    const shapes = mp.shapes ?? {};
    for (const sname of Object.keys(shapes)) {
      if (!info.inputs.some((i) => i.name === sname)) {
        err(['modules', name, 'shapes', sname], `${name} has no input "${sname}"`, `inputs of ${info.path}: ${info.inputs.map((i) => i.name).join(', ')}`);
      }
    }
    for (const input of info.inputs) {
      const dynamic = input.dims.some((d) => typeof d !== 'number');
      const r = shapes[input.name];
      if (!r) {
        if (dynamic && trt) {
          err(['modules', name, 'shapes'], `${name}.${input.name} has dynamic dims [${input.dims.join(', ')}] but no shape range`, `add modules.${name}.shapes.${input.name}: { min: [...], opt: [...], max: [...] }`);
        }
        continue;
      }
      const base = ['modules', name, 'shapes', input.name];
      for (const k of ['min', 'opt', 'max'] as const) {
        if (r[k].length !== input.dims.length) {
          err([...base, k], `${name}.${input.name}.${k} has rank ${r[k].length}, the model input has rank ${input.dims.length} [${input.dims.join(', ')}]`, `give ${input.dims.length} dims`);
          continue;
        }
        input.dims.forEach((d, i) => {
          if (typeof d === 'number' && r[k][i] !== d) {
            err([...base, k], `${name}.${input.name}.${k}[${i}] is ${r[k][i]}, the model fixes this dim to ${d}`, `set it to ${d}`);
          }
        });
      }
      if (r.min.length === r.opt.length && r.opt.length === r.max.length) {
        for (let i = 0; i < r.min.length; i++) {
          if (!(r.min[i]! <= r.opt[i]! && r.opt[i]! <= r.max[i]!)) {
            err(base, `${name}.${input.name}: need min ≤ opt ≤ max in dim ${i}, got ${r.min[i]} / ${r.opt[i]} / ${r.max[i]}`, 'reorder the shapes');
          }
          const sym = input.dims[i];
          // Stryker: equivalent (either guard dropped) — a fixed dim has no limit entry, and x > undefined is false.
          const limit = typeof sym === 'string' ? manifest.limits[sym] : undefined;
          // Stryker: equivalent (limit check dropped) — x > undefined is false.
          if (limit !== undefined && r.max[i]! > limit) {
            err([...base, 'max'], `${name}.${input.name}.max[${i}] = ${r.max[i]} exceeds the model's ${sym} limit of ${limit}`, `lower it to ≤ ${limit} (manifest limits)`);
          }
        }
      }
    }
    void mod;
  }
  if (trt) crossModule(p, manifest, err);
  return errs;
}

/**
 * The engines form one pipeline (the manifest's graph): a sentence the serving limits let through must
 * fit every engine that reads the frontend's ids, and engines whose inputs share a symbolic dim (the
 * frames a decoder makes and a vocoder takes) must accept the same largest size of it.
 */
function crossModule(p: LoadedProfile['profile'], manifest: ModelManifest, err: (path: (string | number)[], msg: string, hint: string) => void): void {
  const maxText = p.serving?.max_text_len;
  const text = textDim(manifest);
  // every engine input with a symbolic dim past the batch: [module, input, axis, dim, profile max]
  // Stryker: equivalent (a junk first entry) — an entry without dim or max compares false with everything.
  const uses: { m: string; input: string; axis: number; dim: string; max: number }[] = [];
  for (const [m, mod] of Object.entries(manifest.modules)) {
    if (!mod.engine) continue;
    for (const [input, t] of Object.entries(mod.inputs)) {
      t.dims.forEach((d, axis) => {
        // Stryker: equivalent (max[axis] without ?.) — the profile schema requires max in every shape range.
        const max = p.modules?.[m]?.shapes?.[input]?.max?.[axis];
        // Stryker: equivalent (max check dropped) — an undefined max compares false with everything.
        if (axis > 0 && typeof d === 'string' && max !== undefined) uses.push({ m, input, axis, dim: d, max });
      });
    }
  }
  for (const u of uses) {
    // Stryker: equivalent (maxText check dropped) — u.max < undefined is false.
    if (u.dim === text && maxText !== undefined && u.max < maxText) {
      err(['modules', u.m, 'shapes', u.input, 'max'], `${u.m}.${u.input}.max[${u.axis}] = ${u.max} is below serving.max_text_len ${maxText}: sentences the server lets through would not fit the engine`, `raise it to ${maxText}, or lower serving.max_text_len`);
    }
  }
  for (const dim of new Set(uses.map((u) => u.dim))) {
    const same = uses.filter((u) => u.dim === dim);
    const top = same.reduce((a, b) => (b.max > a.max ? b : a));
    for (const u of same) {
      if (u.max < top.max) {
        err(['modules', u.m, 'shapes', u.input, 'max'], `${u.m}.${u.input}.max[${u.axis}] = ${u.max} is below ${top.m}.${top.input}.max[${top.axis}] = ${top.max} (both are ${dim}): ${top.m} takes ${dim} that ${u.m} cannot`, `set both to the same ${dim}`);
      }
    }
  }
}
