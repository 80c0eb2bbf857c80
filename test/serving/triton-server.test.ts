// A REAL Triton Inference Server (PyPI nvidia-pytriton 0.7.0: tritonserver 2.51 with the Python backend,
// installed by scripts/setup.sh into .cache/triton-python) serving the repositories `emovoice package
// --triton --module-backend python` writes, started and stopped by `emovoice serve --triton` on loopback
// ports, called by the real clients (PyPI tritonclient, HTTP and gRPC; test/serving/triton_clients.py).
// One server per family, started together and shared by the file:
// - synth: the Piper voice through the server passes the WER gate against `emovoice synth`'s path; the
//   bundled ref-audio and EmotiVoice-graph models match the TypeScript pipeline within verify's tolerances;
// - streaming (the Piper repository is packaged with --stream): a gRPC streaming request to emovoice_stream
//   gets its audio in ordered chunks, then the empty final response; joined, the non-streamed answer;
// - bad requests answered with an error each, the server serving the next;
// - bounded load (N gRPC clients for T seconds): every request answered once, completely, with the audio
//   a request alone gets; P50/P99/throughput printed;
// - faults: one module's Python backend process killed mid-load; then the orchestrator's;
// - a request whose timeout passes is answered with a timeout and stops calling modules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa, type ResultPromise } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseWav } from '../../src/audio/wav.ts';
import { DEFAULT_MAX_WER_INCREASE, werCheck, werLines, pickSentences } from '../../src/asr/check.ts';
import { heldOutSentences } from '../../src/asr/intelligibility.ts';
import { relL2, snrDb } from '../../src/compare/metrics.ts';
import { loadModelManifest } from '../../src/model/manifest.ts';
import { Pipeline } from '../../src/pipeline/executor.ts';
import { openModel } from '../../src/pipeline/model.ts';
import { loadProfile } from '../../src/profile/load.ts';
import { makeRunners } from '../../src/synth/runners.ts';
import { synthesizeText } from '../../src/synth/speak.ts';
import { readNpy } from '../../src/tensor/io.ts';
import { DEFAULT_TOLERANCES } from '../../src/verify/verify.ts';
import { piperMissing, PIPER_SETUP_STEP, recognizer } from '../support/piper-voice.ts';
import { REF_WAV, SETUP, requirePath, requirePython, requireReferenceVoice, requireSetup } from '../support/setup.ts';

const ROOT = resolve(__dirname, '../..');
const have = [
  requirePython(['tritonclient.http', 'tritonclient.grpc', 'numpy']),
  requirePath('.cache/triton-python/bin/python3', SETUP.python, 'the Triton server (nvidia-pytriton in .cache/triton-python)'),
  requireReferenceVoice(),
  requireSetup(`the Piper voice, espeak-ng and the recogniser (${piperMissing})`, PIPER_SETUP_STEP, piperMissing === null),
].every(Boolean);

interface Server { name: string; repo: string; http: string; grpc: string; pid: number; proc: ResultPromise; out: () => string }
interface Outcome { name: string; ms: number; status?: string; error?: string; samples?: number; sample_rate?: number; warnings?: string[] }
interface LoadReport {
  streams: number; seconds: number; requests: number; ok: number; errors: number; hangs: number; mismatches: number; fallbacks: number;
  p50_ms: number | null; p99_ms: number | null; max_ms: number | null; throughput_rps: number; audio_seconds: number; error_messages: Record<string, number>;
  kill?: { model: string; pids: number[]; at_s: number };
  after_kill?: Record<'ok' | 'error' | 'hang' | 'mismatch' | 'fallback', number>;
  recovery?: { served: { after_s: number; warnings: string[] } | null; last_error: string[] | null; model_ready: boolean; server_live: boolean; new_stub_pids: number[] };
}

let work: string;
const servers: Record<string, Server> = {};

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

const emovoice = (args: string[]) => execa('node', [join(ROOT, 'bin/emovoice.js'), ...args], { cwd: ROOT, reject: false });

/** package --module-backend python, then `emovoice serve --triton` on two free loopback ports; resolves once it prints its endpoints. */
async function serve(name: string, profile: string, extra: string[]): Promise<Server> {
  const repo = join(work, name);
  const p = await emovoice(['package', '--profile', profile, '--triton', repo, '--module-backend', 'python', '--orchestrator-instances', '1', ...extra]);
  expect(p.exitCode, p.stderr).toBe(0);
  const [hp, gp] = [await freePort(), await freePort()];
  const proc = execa('node', [join(ROOT, 'bin/emovoice.js'), 'serve', '--triton', repo, '--http-port', String(hp), '--grpc-port', String(gp), '--log', join(work, `${name}.log`)], { cwd: ROOT, reject: false, all: true });
  let text = '';
  proc.all!.on('data', (d: Buffer) => (text += d.toString()));
  const deadline = Date.now() + 240_000;
  while (!/Ctrl-C stops the server/.test(text)) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`emovoice serve (${name}) did not come up:\n${text}\n${await readFile(join(work, `${name}.log`), 'utf8').catch(() => '')}`.slice(0, 4000));
    await new Promise((r) => setTimeout(r, 200));
  }
  const pid = Number(/pid (\d+)/.exec(text)![1]);
  return { name, repo, http: `127.0.0.1:${hp}`, grpc: `127.0.0.1:${gp}`, pid, proc, out: () => text };
}

async function clients<T>(cmd: 'infer' | 'load' | 'stream', cfg: object): Promise<T> {
  const f = join(work, `cfg-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(f, JSON.stringify(cfg));
  const r = await execa('python3', [join(ROOT, 'test/serving/triton_clients.py'), cmd, f], { reject: false });
  if (r.exitCode !== 0) throw new Error(`triton_clients.py ${cmd} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

async function infer(s: Server, requests: { name: string; inputs: object; timeout_us?: number; protocol?: 'http' | 'grpc' }[], protocol: 'http' | 'grpc' = 'http') {
  const out = join(work, 'wav', s.name);
  await mkdir(out, { recursive: true });
  const r = await clients<{ results: Outcome[] }>('infer', { http: s.http, grpc: s.grpc, protocol, out, client_timeout_s: 60, requests });
  return { byName: Object.fromEntries(r.results.map((x) => [x.name, x])), wave: async (n: string) => (await readNpy(join(out, `${n}.npy`))).data as Float32Array };
}

/** The TypeScript pipeline on ONNX Runtime (what `emovoice synth` runs), once per profile. */
async function tsPipeline(profile: string): Promise<Pipeline> {
  const prof = (await loadProfile(profile, { configsDir: join(ROOT, 'configs') })).profile;
  const manifest = await loadModelManifest(prof.model);
  const runners = makeRunners(manifest, 'ort');
  await Promise.all(Object.values(runners).map((r) => r.load()));
  return new Pipeline(await openModel(manifest, prof.serving), runners);
}

const FP32 = DEFAULT_TOLERANCES.fp32!.rel_l2!;
const PANGRAM = 'The quick brown fox jumps over the lazy dog.';
const TEXTS = [PANGRAM, 'A stitch in time saves nine.', 'She sells sea shells by the sea shore.'];

describe.skipIf(!have)('a real Triton server (nvidia-pytriton) serving the packaged repositories', () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'ev-triton-'));
    // one server per family, started side by side (each loads its models' Python backend processes)
    const [piper, tiny, ev] = await Promise.all([
      serve('piper', 'piper-joe-cpu', ['--stream']),
      serve('tiny', 'cpu', ['--no-cpu-fallback']),
      serve('emotivoice', 'emotivoice-cpu', ['--no-cpu-fallback']),
    ]);
    Object.assign(servers, { piper, tiny, emotivoice: ev });
  }, 300_000);

  afterAll(async () => {
    // Ctrl-C's signal: each server stops cleanly and `emovoice serve` says so
    await Promise.all(Object.values(servers).map(async (s) => {
      s.proc.kill('SIGINT');
      const r = await s.proc;
      expect(r.exitCode, s.out()).toBe(0);
      expect(s.out()).toMatch(/server stopped/);
      expect(existsSync(`/proc/${s.pid}`)).toBe(false);
    }));
  }, 60_000);

  it('the Piper voice through the server passes the WER gate against emovoice synth, and is its audio (HTTP and gRPC alike)', async () => {
    const s = servers.piper!;
    const speech = join(ROOT, 'calibration/speech.yaml');
    const sentences = pickSentences(await heldOutSentences(speech, 'en'), 3);
    const http = await infer(s, sentences.map((t, i) => ({ name: `wer-${i}`, inputs: { TEXT: t } })));
    const grpc = await infer(s, [{ name: 'grpc-pangram', inputs: { TEXT: PANGRAM }, protocol: 'grpc' }, { name: 'http-pangram', inputs: { TEXT: PANGRAM } }]);
    for (const r of [...Object.values(http.byName), ...Object.values(grpc.byName)]) expect(r.error, r.name).toBeUndefined();
    const served = new Map<string, Float32Array>();
    for (const [i, t] of sentences.entries()) served.set(t, await http.wave(`wer-${i}`));
    const ts = await tsPipeline('piper-joe-cpu');
    const manifest = await loadModelManifest(join(ROOT, 'models/joe/manifest.yaml'));
    const check = await werCheck({
      manifest, speech, sentences: sentences.length, maxIncrease: DEFAULT_MAX_WER_INCREASE,
      fp32: { label: 'emovoice synth (ONNX Runtime, Node)', synthesize: async (t) => ({ samples: (await synthesizeText(ts, { text: t, conditioning: {} })).waveform, sampleRate: 22050 }) },
      candidate: { label: 'Triton (Python backend, ONNX Runtime)', synthesize: async (t) => ({ samples: served.get(t)!, sampleRate: 22050 }) },
      recognizer: recognizer.ok ? recognizer.recognizer : undefined,
    });
    console.log(werLines(check).join('\n'));
    expect(check.status).toBe('pass');
    // the same seeded noise and the same ONNX: the served audio is emovoice synth's
    const want = (await synthesizeText(ts, { text: PANGRAM, conditioning: {} })).waveform;
    const [g, h] = [await grpc.wave('grpc-pangram'), await grpc.wave('http-pangram')];
    expect(g.length).toBe(want.length);
    expect(relL2(g, want)).toBeLessThan(FP32);
    expect(Array.from(h)).toEqual(Array.from(g));
    await Promise.all(Object.values(ts.runners).map((r) => r.close()));
  }, 240_000);

  it('the ref-audio and EmotiVoice-graph models through the server match emovoice synth within verify’s FP32 tolerance', async () => {
    const wav = parseWav(await readFile(REF_WAV));
    const tiny = await infer(servers.tiny!, [{ name: 'tiny', inputs: { TEXT: 'Hello world, 你好世界', REF_AUDIO: { dtype: 'FP32', data: Array.from(wav.samples) }, REF_SAMPLE_RATE: { dtype: 'INT32', data: [wav.sampleRate] }, EMOTION: 'happy' } }], 'grpc');
    const ev = await infer(servers.emotivoice!, [{ name: 'ev', inputs: { TEXT: '今天天气很好。Hello!', SPEAKER: { dtype: 'INT32', data: [3] }, PROMPT: '开心' } }]);
    expect(tiny.byName.tiny!.error).toBeUndefined();
    expect(ev.byName.ev!.error).toBeUndefined();
    const cases = [
      { profile: 'cpu', got: await tiny.wave('tiny'), req: { text: 'Hello world, 你好世界', conditioning: { ref: { samples: wav.samples, sampleRate: wav.sampleRate }, emotion: 'happy' } } },
      { profile: 'emotivoice-cpu', got: await ev.wave('ev'), req: { text: '今天天气很好。Hello!', conditioning: { speaker: '3', prompt: '开心' } } },
    ];
    for (const c of cases) {
      const ts = await tsPipeline(c.profile);
      const want = (await synthesizeText(ts, c.req as never)).waveform;
      await Promise.all(Object.values(ts.runners).map((r) => r.close()));
      expect(c.got.length, c.profile).toBe(want.length);
      const d = relL2(c.got, want);
      console.log(`${c.profile}: ${want.length} samples, rel L2 vs emovoice synth ${d.toExponential(2)} (tolerance ${FP32})`);
      expect(d, c.profile).toBeLessThan(FP32);
    }
  }, 180_000);

  it('a streaming request through the server (gRPC stream, emovoice_stream) gets its audio in ordered chunks, then the final empty response', async () => {
    const s = servers.piper!;
    const out = join(work, 'wav', 'stream');
    await mkdir(out, { recursive: true });
    // two sentences: the small first chunk, the rest of the first sentence, the second sentence from its start
    const text = `${PANGRAM} ${TEXTS[1]}`;
    const r = await clients<{ responses: { samples?: number | null; final?: boolean; id?: string; error?: string }[]; ended: boolean; whole?: number; whole_error?: string[] }>(
      'stream', { http: s.http, grpc: s.grpc, out, client_timeout_s: 60, inputs: { TEXT: text } });
    console.log(`stream: ${r.responses.map((x) => x.error ?? `${x.samples ?? 'empty'}${x.final ? ' (final)' : ''}`).join(', ')}; whole ${r.whole}`);
    for (const x of r.responses) expect(x.error, JSON.stringify(r)).toBeUndefined();
    expect(r.whole_error).toBeUndefined();
    expect(r.ended).toBe(true);
    const last = r.responses.at(-1)!;
    const chunks = r.responses.slice(0, -1);
    // the final response is empty and only it is flagged final; every other response carries audio
    expect(last).toMatchObject({ final: true, samples: null });
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) {
      expect(c.final).toBe(false);
      expect(c.samples).toBeGreaterThan(0);
      expect(c.id).toBe('stream-1');
    }
    // in order: the first chunk is the small one pipeline.json asks for; joined, the chunks are the whole answer
    const pipe = JSON.parse(await readFile(join(s.repo, 'emovoice/1/pipeline.json'), 'utf8')) as { streaming: { first_chunk_frames: number; stages: { time_outputs: Record<string, { scale: number }> }[] } };
    const hop = Object.values(pipe.streaming.stages.at(-1)!.time_outputs)[0]!.scale;
    expect(chunks[0]!.samples).toBe(pipe.streaming.first_chunk_frames * hop);
    const streamed = (await readNpy(join(out, 'streamed.npy'))).data as Float32Array;
    const whole = (await readNpy(join(out, 'whole.npy'))).data as Float32Array;
    expect(streamed.length).toBe(r.whole);
    expect(streamed.length).toBe(chunks.reduce((n, c) => n + c.samples!, 0));
    const snr = snrDb(streamed, whole);
    console.log(`stream: ${chunks.length} chunks, ${streamed.length} samples, SNR vs the non-streamed answer ${snr.toFixed(1)} dB`);
    expect(snr).toBeGreaterThanOrEqual(40);
  }, 60_000);

  it('bad requests get an error response each, and the server serves the next request', async () => {
    const ids = (n: number, dtype = 'INT32') => ({ dtype, data: Array.from({ length: n }, () => 5) });
    const piper = await infer(servers.piper!, [
      { name: 'empty', inputs: { TEXT: '' } },
      { name: 'over-limit', inputs: { PHONEME_IDS: ids(401) } },
      { name: 'wrong-dtype', inputs: { TEXT: { dtype: 'INT32', data: [1] } } },
      { name: 'wrong-dtype-ids', inputs: { PHONEME_IDS: ids(10, 'FP32') } },
      { name: 'missing', inputs: { LANGUAGE: 'en' } },
      { name: 'after', inputs: { TEXT: PANGRAM } },
    ], 'grpc');
    const ev = await infer(servers.emotivoice!, [
      { name: 'unknown-id', inputs: { TEXT: 'Hello!', SPEAKER: { dtype: 'INT32', data: [99999] } } },
      { name: 'unknown-name', inputs: { TEXT: 'Hello!', SPEAKER_NAME: 'nobody-at-all' } },
      { name: 'after', inputs: { TEXT: 'Hello!' } },
    ]);
    const tiny = await infer(servers.tiny!, [{ name: 'no-voice', inputs: { TEXT: 'Hello world' } }, { name: 'unknown-emotion', inputs: { TEXT: 'Hello', EMOTION: 'bored', REF_AUDIO: { dtype: 'FP32', data: Array.from(parseWav(await readFile(REF_WAV)).samples) } } }]);
    const want: [Record<string, Outcome>, string, RegExp][] = [
      [piper.byName, 'empty', /send TEXT/],
      [piper.byName, 'over-limit', /401 ids, over max_text_len 400/],
      [piper.byName, 'wrong-dtype', /TEXT.*(TYPE_STRING|BYTES)|(TYPE_STRING|BYTES).*TEXT|datatype/i],
      [piper.byName, 'wrong-dtype-ids', /PHONEME_IDS.*(INT32)|datatype/i],
      [piper.byName, 'missing', /send TEXT \(or PHONEME_IDS\)/],
      [ev.byName, 'unknown-id', /99999/],
      [ev.byName, 'unknown-name', /nobody-at-all/],
      [tiny.byName, 'no-voice', /REF_AUDIO/],
      [tiny.byName, 'unknown-emotion', /bored/],
    ];
    for (const [by, name, re] of want) {
      expect(by[name]!.error, `${name}: ${JSON.stringify(by[name])}`).toMatch(re);
      expect(by[name]!.samples).toBeUndefined();
    }
    console.log(want.map(([by, n]) => `${n.padEnd(16)} ${by[n]!.status} ${by[n]!.error}`).join('\n'));
    expect(piper.byName.after!.error).toBeUndefined();
    expect(piper.byName.after!.samples).toBeGreaterThan(22050);
    expect(ev.byName.after!.error).toBeUndefined();
  }, 120_000);

  it('a request whose timeout passes is answered with a timeout, and stops calling modules', async () => {
    const s = servers.piper!;
    const long = Array.from({ length: 8 }, (_, i) => `This is sentence number ${i + 1} of a long request.`).join(' ');
    const count = async () => {
      const r = (await (await fetch(`http://${s.http}/v2/models/stats`)).json()) as { model_stats: { name: string; inference_count: number }[] };
      return r.model_stats.filter((m) => m.name !== 'emovoice').reduce((n, m) => n + m.inference_count, 0);
    };
    const before = await count();
    const r = await infer(s, [{ name: 'deadline', inputs: { TEXT: long }, timeout_us: 200_000 }, { name: 'deadline-grpc', inputs: { TEXT: long }, timeout_us: 200_000, protocol: 'grpc' }]);
    for (const n of ['deadline', 'deadline-grpc']) {
      expect(r.byName[n]!.error, JSON.stringify(r.byName[n])).toMatch(/timeout expired/i);
      expect(r.byName[n]!.samples).toBeUndefined();
    }
    await new Promise((res) => setTimeout(res, 1500)); // a module call already running when the deadline passed ends alone
    const calls = await count() - before;
    console.log(`deadline: ${r.byName.deadline!.status} after ${r.byName.deadline!.ms.toFixed(0)} ms: ${r.byName.deadline!.error}; module calls made for the 2 × 8 sentences: ${calls}`);
    // the whole text is 8 sentences × 3 modules per request: stopping at the deadline leaves most of them uncalled
    expect(calls).toBeLessThan(2 * 8 * 3 / 2);
  }, 60_000);

  it(`bounded load: N gRPC clients for T seconds, every request answered once with its complete audio`, async () => {
    const s = servers.piper!;
    const rows: LoadReport[] = [];
    for (const streams of [1, 4]) {
      const r = await clients<LoadReport>('load', { http: s.http, grpc: s.grpc, clients: streams, seconds: 5, texts: TEXTS, client_timeout_s: 60 });
      rows.push(r);
      expect(r.errors + r.hangs + r.mismatches, JSON.stringify(r.error_messages)).toBe(0);
      expect(r.ok).toBe(r.requests);
      expect(r.ok).toBeGreaterThanOrEqual(streams);
    }
    const f = (x: number | null) => (x === null ? '–' : x.toFixed(0));
    console.log(['streams | requests | P50 ms | P99 ms (max of N under 100) | throughput req/s | audio s/s | errors',
      ...rows.map((r) => `${r.streams} | ${r.requests} | ${f(r.p50_ms)} | ${f(r.p99_ms)} | ${r.throughput_rps.toFixed(2)} | ${(r.audio_seconds / r.seconds).toFixed(2)} | ${r.errors + r.hangs + r.mismatches}`)].join('\n'));
  }, 120_000);

  it('emovoice bench --triton measures the running server: latency by streams, the objective, per module model', async () => {
    const s = servers.piper!;
    const r = await emovoice(['bench', '--triton', `http://${s.http}`, '--profile', 'piper-joe-cpu', '--text-seconds', '2', '--streams', '1,2', '--requests', '2', '--warmup', '1', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { server: string; sweep: { streams: number; requests: number; fellBack: number }[]; stages: { model: string; callsPerRequest: number; computeMs: number }[]; audioSeconds: number };
    expect(j.server).toMatch(/^triton 2\.\d+/);
    expect(j.sweep.map((x) => [x.streams, x.requests])).toEqual([[1, 2], [2, 2]]);
    expect(j.audioSeconds).toBeGreaterThan(1);
    // every module of the voice ran once per request (one sentence), on its engine-path model
    expect(j.stages.map((x) => x.model).sort()).toEqual(['flow', 'text_encoder', 'vocoder']);
    for (const st of j.stages) {
      expect(st.callsPerRequest).toBe(1);
      expect(st.computeMs).toBeGreaterThan(0);
    }
    const bad = await emovoice(['bench', '--triton', 'http://127.0.0.1:9', '--profile', 'piper-joe-cpu', '--requests', '1']);
    expect(bad.exitCode).toBe(3);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: .*no Triton server answers at http:\/\/127\.0\.0\.1:9 .*emovoice serve --triton/)]);
  }, 120_000);

  for (const model of ['vocoder', 'emovoice']) {
    it(`fault: the ${model} model's Python backend process killed mid-load — errors or fallback answers, never a hang or partial audio; serve loads it again`, async () => {
      const s = servers.piper!;
      const r = await clients<LoadReport>('load', {
        http: s.http, grpc: s.grpc, clients: 3, seconds: 6, texts: TEXTS, client_timeout_s: 60,
        repo: s.repo, server_pid: s.pid, kill: { model, after_s: 2, recover_s: 40 },
      });
      console.log(`kill ${model}: ${JSON.stringify({ requests: r.requests, ok: r.ok, errors: r.errors, hangs: r.hangs, mismatches: r.mismatches, after_kill: r.after_kill, kill: r.kill, recovery: r.recovery, error_messages: r.error_messages })}`);
      expect(r.kill!.pids.length).toBe(1);
      expect(r.hangs).toBe(0);
      expect(r.mismatches).toBe(0); // every answer that came is the whole audio of its own text
      expect(r.ok + r.errors).toBe(r.requests);
      expect(r.recovery!.server_live).toBe(true);
      expect(r.recovery!.served, `${JSON.stringify(r.recovery)}\nemovoice serve said:\n${s.out()}`).not.toBeNull();
      expect(r.recovery!.new_stub_pids.length).toBeGreaterThan(0);
      expect(r.recovery!.model_ready).toBe(true);
      expect(s.out()).toMatch(new RegExp(`model ${model}: its backend process ${r.kill!.pids[0]} ended; loading the model again\\nmodel ${model}: loaded again`));
    }, 120_000);
  }
});
