// A manifest checked against its ONNX files when it loads: each module's declared inputs and outputs
// (names, dtypes, static dims) must be the file's, so a manifest that says 81 mel bins where the vocoder
// takes 80, a renamed input, or a module `file:` pointing at another module's ONNX is one error at the
// manifest's line (file:line:col), before anything runs — not a run-time failure naming neither, nor
// audio from a model that disagrees with its declaration. Reads only each file's graph header
// (onnx-header.ts), never its weights.
import { UserError, UserErrors } from '../core/errors.ts';
import type { ModelManifest, TensorSpec } from './manifest.ts';
import { NotOnnxError, readOnnxHeader, type HeaderIo } from './onnx-header.ts';

const shape = (dims: (number | string | null)[]) => `[${dims.map((d) => d ?? '?').join(', ')}]`;

/** The problems of one side (inputs or outputs) of a module, as [key path, message]. Pure. */
export function compareIo(declared: Record<string, TensorSpec>, actual: HeaderIo[], side: 'inputs' | 'outputs'): [string[], string][] {
  const out: [string[], string][] = [];
  const byName = new Map(actual.map((a) => [a.name, a]));
  for (const [name, spec] of Object.entries(declared)) {
    const a = byName.get(name);
    if (!a) {
      out.push([[side, name], `"${name}" is not one of the ONNX file's ${side} (it has ${actual.map((x) => x.name).join(', ') || 'none'})`]);
      continue;
    }
    if (a.dtype !== 'unknown' && spec.dtype !== a.dtype) out.push([[side, name, 'dtype'], `${name} is ${a.dtype} in the ONNX file, not ${spec.dtype}`]);
    if (a.dims.length && spec.dims.length !== a.dims.length) {
      out.push([[side, name, 'dims'], `${name} has ${a.dims.length} dims ${shape(a.dims)} in the ONNX file, not ${spec.dims.length} ${shape(spec.dims)}`]);
      continue;
    }
    spec.dims.forEach((d, i) => {
      const o = a.dims[i];
      if (typeof d === 'number' && typeof o === 'number' && d !== o) out.push([[side, name, 'dims', String(i)], `${name} dim ${i} is ${o} in the ONNX file ${shape(a.dims)}, not ${d}`]);
    });
  }
  for (const a of actual) {
    if (!(a.name in declared)) out.push([[side], `the ONNX file has ${side === 'inputs' ? 'an input' : 'an output'} "${a.name}" ${shape(a.dims)} that the manifest does not declare`]);
  }
  return out;
}

/** Every module of a loaded manifest against its ONNX file's header; a UserError (or several) at the manifest's lines. */
export async function checkManifestOnnx(m: ModelManifest): Promise<void> {
  const errors: UserError[] = [];
  for (const [name, mod] of Object.entries(m.modules)) {
    let header;
    try {
      header = await readOnnxHeader(mod.file);
    } catch (e) {
      if (!(e instanceof NotOnnxError)) throw e;
      errors.push(new UserError(`${mod.file} is not an ONNX model: ${e.message}`, { place: m.locate(['modules', name, 'file']), hint: 'export or import the model again (emovoice inspect shows what an ONNX file holds)' }));
      continue;
    }
    const problems = [...compareIo(mod.inputs, header.inputs, 'inputs'), ...compareIo(mod.outputs, header.outputs, 'outputs')];
    if (!problems.length) continue;
    const [path, message] = problems[0]!;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more difference${problems.length > 2 ? 's' : ''})` : '';
    errors.push(
      new UserError(`module ${name} disagrees with ${mod.file}: ${message}${more}`, {
        place: m.locate(['modules', name, ...path]),
        hint: `make modules.${name} declare what the file has (emovoice inspect ${mod.file}), or point file: at the right ONNX`,
      }),
    );
  }
  if (errors.length) throw errors.length === 1 ? errors[0]! : new UserErrors(errors);
}
