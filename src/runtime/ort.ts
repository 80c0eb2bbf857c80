// The embedded backend: ONNX Runtime (onnxruntime-node) on the CPU everywhere, CUDA where present.
// It runs verification, calibration and synthesis on any machine and is the fallback path when a
// TensorRT engine fails. Adapter only: converts our Tensor <-> ort.Tensor and nothing else.
import * as ort from 'onnxruntime-node';
import { readFile, stat } from 'node:fs/promises';
import { UserError } from '../core/errors.ts';
import type { DType, Tensor, TensorMap } from '../tensor/tensor.ts';
import type { IoInfo, Runner } from './runner.ts';
import { ortEnvironmentReady } from './ort-env.ts';
import { sessionOptions, type OrtOptions } from './ort-options.ts';

export type { OrtOptions } from './ort-options.ts';

const ORT_TO_DTYPE: Record<string, DType> = {
  float32: 'float32',
  float16: 'float16',
  float64: 'float64',
  int8: 'int8',
  uint8: 'uint8',
  int32: 'int32',
  int64: 'int64',
  bool: 'bool',
};

export class OrtRunner implements Runner {
  readonly name: string;
  private session: ort.InferenceSession | null = null;

  constructor(
    readonly modelPath: string,
    private readonly options: OrtOptions = {},
  ) {
    this.name = `ort(${(options.providers ?? ['cpu']).join(',')}):${modelPath}`;
  }

  async load(): Promise<void> {
    if (this.session) return;
    const options = sessionOptions(this.options);
    try {
      if (this.options.modelBytes) {
        await ortEnvironmentReady(this.options.modelBytes); // see ort-env.ts: a long command line
        this.session = await ort.InferenceSession.create(this.options.modelBytes, options);
      } else {
        await stat(this.modelPath).catch(() => {
          throw new UserError('ONNX model not found', {
            place: { file: this.modelPath },
            hint: 'check the path in the profile or model manifest, or re-export the model',
          });
        });
        const bytes = await readFile(this.modelPath);
        await ortEnvironmentReady(bytes);
        this.session = await ort.InferenceSession.create(bytes, options);
      }
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(`ONNX Runtime cannot load the model: ${firstLine(e)}`, {
        place: { file: this.modelPath },
        hint: 'the file may be corrupt or use unsupported ops; re-export it and run `emovoice inspect` on it',
      });
    }
  }

  private get s(): ort.InferenceSession {
    if (!this.session) throw new Error(`${this.name}: load() was not called`);
    return this.session;
  }

  inputs(): IoInfo[] {
    return ioInfo(this.s, this.s.inputNames, 'input');
  }

  outputs(): IoInfo[] {
    return ioInfo(this.s, this.s.outputNames, 'output');
  }

  async infer(feeds: TensorMap, outputNames?: string[]): Promise<TensorMap> {
    const s = this.s;
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const name of s.inputNames) {
      const t = feeds[name];
      if (!t) {
        throw new UserError(`missing input "${name}" for ${this.modelPath}`, {
          hint: `provide inputs: ${s.inputNames.join(', ')}`,
        });
      }
      ortFeeds[name] = toOrt(t);
    }
    let result: ort.InferenceSession.OnnxValueMapType;
    try {
      result = outputNames ? await s.run(ortFeeds, outputNames) : await s.run(ortFeeds);
    } catch (e) {
      const shapes = Object.entries(feeds)
        .map(([n, t]) => `${n}[${t.shape.join('x')}]`)
        .join(' ');
      throw new UserError(`ONNX Runtime inference failed on ${this.modelPath} with ${shapes}: ${firstLine(e)}`, {
        exitCode: 3,
        hint: 'check the input shapes against `emovoice inspect`',
      });
    }
    const out: TensorMap = {};
    for (const [name, v] of Object.entries(result)) out[name] = fromOrt(v as ort.Tensor);
    return out;
  }

  async close(): Promise<void> {
    await this.session?.release();
    this.session = null;
  }
}

function toOrt(t: Tensor): ort.Tensor {
  const type = t.dtype === 'bool' ? 'bool' : t.dtype;
  return new ort.Tensor(type as ort.Tensor.Type, t.data as never, t.shape);
}

function fromOrt(v: ort.Tensor): Tensor {
  const dtype = ORT_TO_DTYPE[v.type];
  if (!dtype) throw new Error(`unsupported ONNX Runtime output type ${v.type}`);
  return { dtype, shape: [...v.dims], data: v.data as Tensor['data'] };
}

function ioInfo(s: ort.InferenceSession, names: readonly string[], kind: 'input' | 'output'): IoInfo[] {
  const meta = (kind === 'input' ? s.inputMetadata : s.outputMetadata) as readonly unknown[] | undefined;
  return names.map((name, i) => {
    const m = meta?.[i] as { isTensor?: boolean; type?: string; shape?: (number | string)[] } | undefined;
    return { name, dtype: m?.type ?? 'unknown', dims: m?.shape ? [...m.shape] : [] };
  });
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0]!.trim();
}
