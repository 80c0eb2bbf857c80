// `emovoice bench --triton URL`: a running Triton server measured as `bench` measures the embedded
// pipeline — end-to-end latency (text in, audio out) by concurrent streams, the P99 objective, the
// requests a CPU fallback answered — over Triton's HTTP/REST API (KServe v2; the audio comes back as
// binary data). Per stage: the server's own statistics (/v2/models/stats) of every module model, read
// before and after the run: calls per request, queue and compute time per call. This is the adapter
// (fetch) and the report; which text and conditioning to send comes from the model manifest (cli).
import { UserError } from '../core/errors.ts';
import type { ModelManifest } from '../model/manifest.ts';
import type { RequestConditioning } from '../pipeline/conditioning.ts';
import { requestContract } from '../serving/contract.ts';
import { ORCHESTRATOR_MODEL } from '../serving/triton.ts';
import { p99Label, runStreams, type LatencyStats, type StreamResult } from './load.ts';

type Input = { name: string; shape: number[]; datatype: string; data: (string | number)[] };

/** The orchestrator's inputs for a text and the request's conditioning, by the manifest's request contract (pure). */
export function tritonInputs(m: Pick<ModelManifest, 'conditioning' | 'frontend' | 'name'>, text: string, conditioning: RequestConditioning, opts: { keysOnly?: boolean } = {}): Input[] {
  const contract = requestContract(m as ModelManifest);
  const out: Input[] = [{ name: 'TEXT', shape: [1], datatype: 'BYTES', data: [text] }];
  for (const [name, spec] of Object.entries(m.conditioning)) {
    const v = conditioning[spec.flag];
    const io = contract.conditioning[name];
    if (v === undefined || !io) continue;
    if ('audio' in io && typeof v === 'object') {
      out.push({ name: io.key, shape: [1], datatype: 'BYTES', data: [`bench-${spec.flag}`] });
      if (!opts.keysOnly) {
        out.push({ name: io.audio, shape: [v.samples.length], datatype: 'FP32', data: Array.from(v.samples) });
        out.push({ name: io.sample_rate, shape: [1], datatype: 'INT32', data: [v.sampleRate] });
      }
    } else if ('id' in io) {
      const n = Number(v);
      if (Number.isInteger(n)) out.push({ name: io.id, shape: [1], datatype: 'INT32', data: [n] });
      else if (io.name) out.push({ name: io.name, shape: [1], datatype: 'BYTES', data: [String(v)] });
    } else if ('value' in io) {
      out.push({ name: io.value, shape: [1], datatype: 'BYTES', data: [String(v)] });
    }
  }
  return out;
}

export interface TritonAnswer { samples: number; sampleRate: number; warnings: string[] }

/** One request to the orchestrator; an error response is an Error with the server's message. */
export async function tritonInfer(base: string, inputs: Input[], timeoutMs = 600_000): Promise<TritonAnswer> {
  const res = await fetch(`${base}/v2/models/${ORCHESTRATOR_MODEL}/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs, outputs: [{ name: 'WAVEFORM', parameters: { binary_data: true } }, { name: 'SAMPLE_RATE' }, { name: 'WARNINGS' }] }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = Buffer.from(await res.arrayBuffer());
  const headerLen = Number(res.headers.get('inference-header-content-length') ?? body.length);
  const json = JSON.parse(body.subarray(0, headerLen).toString('utf8')) as {
    error?: string;
    outputs?: { name: string; shape: number[]; data?: (string | number)[]; parameters?: { binary_data_size?: number } }[];
  };
  if (!res.ok || json.error) throw new Error(json.error ?? `HTTP ${res.status}`);
  const outs = json.outputs ?? [];
  const wave = outs.find((o) => o.name === 'WAVEFORM');
  return {
    samples: wave?.parameters?.binary_data_size !== undefined ? wave.parameters.binary_data_size / 4 : (wave?.data?.length ?? 0),
    sampleRate: Number(outs.find((o) => o.name === 'SAMPLE_RATE')?.data?.[0] ?? 0),
    warnings: (outs.find((o) => o.name === 'WARNINGS')?.data ?? []).map(String),
  };
}

interface ModelStat { name: string; inference_count: number; execution_count: number; inference_stats: Record<string, { count: number; ns: number }> }

export async function modelStats(base: string): Promise<Map<string, ModelStat>> {
  const r = (await (await fetch(`${base}/v2/models/stats`)).json()) as { model_stats: ModelStat[] };
  return new Map(r.model_stats.map((s) => [s.name, s]));
}

export interface ServerStage { model: string; callsPerRequest: number; queueMs: number; computeMs: number }

/** Per module model: what the server spent per call between two stats snapshots (pure). */
export function stageDelta(before: Map<string, ModelStat>, after: Map<string, ModelStat>, requests: number): ServerStage[] {
  const out: ServerStage[] = [];
  for (const [name, a] of after) {
    if (name === ORCHESTRATOR_MODEL) continue;
    const b = before.get(name);
    const d = (k: string) => (a.inference_stats[k]?.ns ?? 0) - (b?.inference_stats[k]?.ns ?? 0);
    const calls = a.inference_count - (b?.inference_count ?? 0);
    if (calls <= 0) continue;
    out.push({ model: name, callsPerRequest: calls / Math.max(1, requests), queueMs: d('queue') / calls / 1e6, computeMs: (d('compute_input') + d('compute_infer') + d('compute_output')) / calls / 1e6 });
  }
  return out;
}

export interface TritonReport {
  url: string;
  server: string;
  model: string;
  textSeconds: number;
  text: string;
  audioSeconds: number;
  sloP99Ms: number;
  warmup: number;
  single: LatencyStats;
  sweep: StreamResult[];
  maxStreamsWithinSlo: number;
  stages: ServerStage[];
  warnings: string[];
}

/** The server's name and version; one error line when nothing answers at `url` or it has no ready orchestrator. */
export async function connectTriton(url: string): Promise<string> {
  const base = url.replace(/\/+$/, '');
  const meta = await fetch(`${base}/v2`).then((r) => r.json() as Promise<{ name?: string; version?: string }>, (e: Error) => {
    throw new UserError(`no Triton server answers at ${url} (${e.message})`, { hint: 'start one with `emovoice serve --triton DIR` and give its HTTP endpoint', exitCode: 3 });
  });
  const ready = await fetch(`${base}/v2/models/${ORCHESTRATOR_MODEL}/ready`).then((r) => r.ok, () => false);
  if (!ready) throw new UserError(`the server at ${url} has no ready ${ORCHESTRATOR_MODEL} model`, { hint: 'serve a repository `emovoice package --triton` wrote', exitCode: 3 });
  return `${meta.name ?? 'triton'} ${meta.version ?? '?'}`;
}

export async function benchTriton(o: {
  url: string; manifest: ModelManifest; text: string; conditioning: RequestConditioning; textSeconds: number;
  streams: number[]; requests: number; warmup: number; slo: number; log: (s: string) => void;
}): Promise<TritonReport> {
  const base = o.url.replace(/\/+$/, '');
  const server = await connectTriton(o.url);
  // The first request brings the conditioning (a voice's recording, with its key); the rest send the keys, as a client of a server does.
  const first = await tritonInfer(base, tritonInputs(o.manifest, o.text, o.conditioning)).catch((e: Error) => {
    throw new UserError(`the server refused the bench request: ${e.message}`, { hint: 'give the conditioning flags this model needs (emovoice models)', exitCode: 3 });
  });
  const inputs = tritonInputs(o.manifest, o.text, o.conditioning, { keysOnly: true });
  let fellBack = false;
  const serve = async () => {
    const s = performance.now();
    const r = await tritonInfer(base, inputs);
    fellBack = r.warnings.some((w) => /answered by/.test(w));
    return { stages: [{ stage: 'server', ms: performance.now() - s, ...(fellBack && { fallback: 'timeout' as const }) }] };
  };
  for (let i = 1; i < o.warmup; i++) await serve();
  const before = await modelStats(base);
  const single = await runStreams(serve, 1, o.requests, o.slo);
  const stages = stageDelta(before, await modelStats(base), single.requests);
  const sweep: StreamResult[] = [];
  for (const s of o.streams) {
    sweep.push(s === 1 ? single : await runStreams(serve, s, Math.max(1, Math.ceil(o.requests / s)), o.slo));
    const r = sweep.at(-1)!;
    o.log(`streams ${s}: p99 ${r.latency.p99.toFixed(1)} ms, ${r.throughputRps.toFixed(1)} req/s, ${r.fellBack}/${r.requests} fell back`);
  }
  return {
    url: o.url, server, model: o.manifest.name, textSeconds: o.textSeconds, text: o.text,
    audioSeconds: first.samples / Math.max(1, first.sampleRate), sloP99Ms: o.slo, warmup: o.warmup, single: single.latency, sweep,
    maxStreamsWithinSlo: Math.max(0, ...sweep.filter((s) => s.meetsSlo).map((s) => s.streams)), stages, warnings: first.warnings,
  };
}

const f1 = (x: number | undefined | null) => (x == null ? '-' : x.toFixed(1));

export function renderTriton(r: TritonReport): string {
  const fell = r.sweep.reduce((a, s) => a + s.fellBack, 0);
  const total = r.sweep.reduce((a, s) => a + s.requests, 0);
  return [
    `emovoice bench — Triton ${r.server} at ${r.url}, model ${r.model}, ${r.textSeconds} s of speech per request (text → audio: ${r.audioSeconds.toFixed(1)} s audio), P99 objective ${r.sloP99Ms} ms`,
    `end-to-end latency, one stream: mean ${f1(r.single.mean)} ms, median ${f1(r.single.p50)} ms, P99 ${f1(r.single.p99)} ms (${p99Label(r.single.n)})`,
    `concurrent streams within P99 ${r.sloP99Ms} ms: ${r.maxStreamsWithinSlo}`,
    '',
    'per module model, from the server’s statistics over the one-stream run:',
    'model                     calls/request  queue ms/call  compute ms/call',
    ...r.stages.map((s) => `${s.model.padEnd(25)} ${s.callsPerRequest.toFixed(2).padStart(13)} ${f1(s.queueMs).padStart(14)} ${f1(s.computeMs).padStart(16)}`),
    '',
    'streams  requests  mean ms   p99 ms  req/s  within P99  fell back to CPU',
    ...r.sweep.map((s) => `${String(s.streams).padStart(7)} ${String(s.requests).padStart(9)} ${f1(s.latency.mean).padStart(8)} ${f1(s.latency.p99).padStart(8)} ${s.throughputRps.toFixed(1).padStart(6)}  ${(s.meetsSlo ? 'yes' : 'no').padEnd(10)}  ${`${s.fellBack}/${s.requests}`.padStart(16)}`),
    `requests whose WARNINGS say a CPU fallback answered: ${fell} of ${total}`,
    `each request: HTTP/REST (KServe v2, audio as binary data), the conditioning sent with the first request and its keys after; ${r.warmup} warm-up request${r.warmup === 1 ? '' : 's'} not counted; "max of N" where fewer than 100 requests were measured`,
    ...r.warnings.map((w) => `warning (first request): ${w}`),
  ].join('\n') + '\n';
}
