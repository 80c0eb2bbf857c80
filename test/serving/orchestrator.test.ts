// The generated Triton orchestrator (emovoice/1/model.py + frontend.mjs) run as Triton's Python backend
// would run it, with a pb_utils STAND-IN answering BLS calls on ONNX Runtime (test/serving/triton_stub;
// no Triton server or TensorRT here). Checked against the TypeScript pipeline on the same text and real
// recording: the same phoneme ids, the same audio; and the serving behaviour: sentence splitting,
// embedding cache, clear per-request errors, CPU fallback on an engine failure or timeout.
// Each test's requests are one run of a fresh orchestrator (its own parameters, fault injection, call
// counts and log), as before; the runs of a describe block go to one Python process
// (run_orchestrator.py --batches), made in its beforeAll, so that Python, numpy and ONNX Runtime start
// twice per file rather than once per test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeWav, parseWav } from '../../src/audio/wav.ts';
import { loadModelManifest } from '../../src/model/manifest.ts';
import { loadProfile } from '../../src/profile/load.ts';
import { Pipeline } from '../../src/pipeline/executor.ts';
import { openModel } from '../../src/pipeline/model.ts';
import { makeRunners } from '../../src/synth/runners.ts';
import { synthesizeText } from '../../src/synth/speak.ts';
import { readNpy, readNpz } from '../../src/tensor/io.ts';
import { textToPhonemes } from '../../src/text/frontend.ts';
import { ALSA_DIR as ALSA, REF_WAV as REF, requireAlsa, requirePython, requireReferenceVoice } from '../support/setup.ts';
import { elementwise } from '../../src/compare/metrics.ts';

const ROOT = resolve(__dirname, '../..');
// Each piece of set-up is checked: under CI the first missing
// piece fails this file with its set-up step; elsewhere the suite skips, saying why (for each missing one).
const have = [requirePython(['tritonclient', 'google.protobuf', 'onnxruntime', 'numpy']), requireReferenceVoice(), requireAlsa()].every(Boolean);

interface Result { name: string; error?: string; code?: number; samples?: number; sample_rate?: number; warnings?: string[] }
interface Run { results: Result[]; calls: Record<string, number>; log: string[] }

type Ran = Run & { byName: Record<string, Result> };
/** One run of the orchestrator: its requests (one execute() call), fault injection (STUB_*) and parameters. */
interface Batch { requests: unknown[]; env?: Record<string, string>; params?: string[] }

let repo: string;
let work: string;

/** Every batch as a run of its own (a fresh orchestrator of `at`), one after another in one Python process. */
async function runBatches(at: string, batches: Record<string, Batch>): Promise<Record<string, Ran>> {
  const file = join(work, `batches-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify(Object.fromEntries(Object.entries(batches).map(([id, b]) => [id, { repo: at, ...b }]))));
  const r = await execa('python3', [join(ROOT, 'test/serving/run_orchestrator.py'), '--batches', file, join(work, 'out')], { reject: false });
  if (r.exitCode !== 0) throw new Error(`driver failed: ${r.stderr}`);
  const all = JSON.parse(r.stdout) as Record<string, Run>;
  return Object.fromEntries(Object.entries(all).map(([id, j]) => [id, { ...j, byName: Object.fromEntries(j.results.map((x) => [x.name, x])) }]));
}

/** The waveform a request of a batch answered with. */
const wave = async (batch: string, name: string) => (await readNpy(join(work, 'out', batch, `${name}.npy`))).data as Float32Array;

const relL2 = (a: Float32Array, b: Float32Array) => elementwise(a, b).rel_l2; // b: the reference

/** The TypeScript pipeline on ONNX Runtime: what `emovoice synth` would produce (float, before WAV). One per profile. */
const pipelines = new Map<string, Promise<Pipeline>>();
async function tsPipeline(profile: string): Promise<Pipeline> {
  let p = pipelines.get(profile);
  if (!p) {
    p = (async () => {
      const prof = (await loadProfile(profile, { configsDir: join(ROOT, 'configs') })).profile;
      const manifest = await loadModelManifest(prof.model);
      const runners = makeRunners(manifest, 'ort');
      await Promise.all(Object.values(runners).map((r) => r.load()));
      return new Pipeline(await openModel(manifest, prof.serving), runners);
    })();
    pipelines.set(profile, p);
  }
  return p;
}
/** The temporary folders this file makes, removed at the end. */
const temps: string[] = [];
const tempDir = async (prefix: string) => {
  const d = await mkdtemp(join(tmpdir(), prefix));
  temps.push(d);
  return d;
};
afterAll(async () => {
  for (const p of pipelines.values()) await Promise.all(Object.values((await p).runners).map((x) => x.close()));
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

const voice = async (file: string) => {
  const wav = parseWav(await readFile(file));
  return { samples: wav.samples, sampleRate: wav.sampleRate };
};

async function tsSynth(text: string, emotion?: string, emotionRef?: string): Promise<{ wave: Float32Array; sentences: number }> {
  const conditioning = { ref: await voice(REF), ...(emotion && { emotion }), ...(emotionRef && { 'emotion-ref': await voice(emotionRef) }) };
  const r = await synthesizeText(await tsPipeline('a10g-fp16'), { text, conditioning });
  return { wave: r.waveform, sentences: r.parts.length };
}

const LONG = Array.from({ length: 10 }, (_, i) => `This is sentence number ${i + 1}, spoken clearly.`).join(' ') + ' 今天天气很好，我们去公园散步吧。';

describe.skipIf(!have)('Triton orchestrator (stand-in pb_utils, ONNX Runtime)', () => {
  let runs: Record<string, Ran>;
  const run = (id: string) => runs[id]!;

  beforeAll(async () => {
    work = await tempDir('ev-orch-');
    repo = join(work, 'repo');
    // output= an empty folder: engines a build left in out/a10g-fp16/ must not end up in this repository
    const noEngines = await tempDir('ev-orch-no-engines-');
    const r = await execa('node', [join(ROOT, 'bin/emovoice.js'), 'package', '--profile', 'a10g-fp16', '--triton', repo, '--allow-missing-engines', '--set', `output=${noEngines}`], { cwd: ROOT, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    // A reference at 48 kHz: the alsa-utils recordings as recorded (real speech, not resampled here).
    const parts = await Promise.all(['Front_Center', 'Front_Left', 'Front_Right'].map(async (n) => parseWav(await readFile(join(ALSA, `${n}.wav`))).samples));
    const joined = new Float32Array(parts.reduce((a, x) => a + x.length, 0));
    let off = 0;
    for (const x of parts) {
      joined.set(x, off);
      off += x.length;
    }
    const ref48k = join(work, 'ref48k.wav');
    await writeFile(ref48k, encodeWav(joined, 48000, { format: 'pcm16' }));
    // the PyTorch reference's voice, sent as 16-bit PCM (as the driver sends every WAV)
    const e2e = await readNpz(join(ROOT, 'models/tiny/refs/e2e/hello.npz'));
    const ptVoice = join(work, 'pytorch-voice.wav');
    await writeFile(ptVoice, encodeWav(e2e.wav_ref!.data as Float32Array, 16000, { format: 'pcm16' }));
    const ids = Array.from(textToPhonemes('Hello world', { symbols: (await loadModelManifest(join(ROOT, 'models/tiny/manifest.yaml'))).frontend.symbols }).ids);
    const keyed = (text: string, key: string) => [
      { name: 'a', inputs: { TEXT: text, REF_WAV: REF, REF_KEY: key } },
      { name: 'b', inputs: { TEXT: text, REF_KEY: key } },
    ];
    runs = await runBatches(repo, {
      pt: { requests: [{ name: 'pt', inputs: { TEXT: 'Hello world, 你好世界', REF_WAV: ptVoice, EMOTION: 'neutral' } }] },
      hello: {
        requests: [
          { name: 'hello', inputs: { TEXT: 'Hello world, 你好世界', REF_WAV: REF, REF_KEY: 'alice' } },
          { name: 'happy', inputs: { TEXT: 'Hello world, 你好世界', REF_KEY: 'alice', EMOTION: 'happy' } },
        ],
      },
      evicted: { requests: keyed('Hello', 'alice'), params: ['cache_size=1'] },
      long: { requests: [{ name: 'long', inputs: { TEXT: LONG, REF_WAV: REF } }] },
      bad: {
        requests: [
          { name: 'empty', inputs: { TEXT: '  ', REF_WAV: REF } },
          { name: 'short-ref', inputs: { TEXT: 'Hello', REF_WAV: REF, REF_SECONDS: 1 } },
          { name: 'no-ref', inputs: { TEXT: 'Hello' } },
          { name: 'unknown-key', inputs: { TEXT: 'Hello', REF_KEY: 'bob' } },
          { name: 'emotion', inputs: { TEXT: 'Hello', REF_WAV: REF, EMOTION: 'sleepy' } },
          { name: 'ids-too-long', inputs: { PHONEME_IDS: Array(129).fill(5), REF_WAV: REF } },
          { name: 'not-an-input', inputs: { TEXT: 'Hello', REF_WAV: REF, SPEAKER: 3 } },
          { name: 'both-emotions', inputs: { TEXT: 'Hello', REF_WAV: REF, EMOTION: 'happy', EMOTION_REF_WAV: REF } },
          { name: 'ok', inputs: { TEXT: 'Hello', REF_WAV: REF } },
        ],
      },
      r48: { requests: [{ name: 'r48', inputs: { TEXT: 'Hello world', REF_WAV: ref48k } }] },
      emoref: {
        requests: [
          { name: 'emoref', inputs: { TEXT: 'Hello world, how are you?', REF_WAV: REF, REF_KEY: 'alice', EMOTION_REF_WAV: ref48k } },
          { name: 'again', inputs: { TEXT: 'Hello world, how are you?', REF_KEY: 'alice', EMOTION_REF_WAV: ref48k } },
        ],
      },
      failing: { requests: keyed('Hello world, 你好世界', 'alice'), env: { STUB_FAIL: 'vocoder' } },
      slow: { requests: keyed('Hello', 'k'), env: { STUB_SLOW: 'vocoder:1500' }, params: ['timeout_ms=300'] },
      queued: { requests: keyed('Hello', 'k'), env: { STUB_TIMEOUT: 'acoustic_decoder' } },
      nofallback: { requests: [{ name: 'a', inputs: { TEXT: 'Hello', REF_WAV: REF } }], env: { STUB_FAIL: 'text_encoder' }, params: ['cpu_fallback=false'] },
      nonode: {
        requests: [
          { name: 'text', inputs: { TEXT: 'Hello world', REF_WAV: REF } },
          { name: 'ids', inputs: { PHONEME_IDS: ids, REF_WAV: REF } },
        ],
        params: ['node=/nonexistent/node'],
      },
    });
  }, 180_000);

  it('the PyTorch reference’s voice, text and emotion in, the PyTorch waveform out (models/tiny/refs/e2e/hello.npz)', async () => {
    const e2e = await readNpz(join(ROOT, 'models/tiny/refs/e2e/hello.npz'));
    const r = run('pt');
    expect(r.byName.pt!.error).toBeUndefined();
    const want = e2e.waveform!.data as Float32Array;
    const got = await wave('pt', 'pt');
    expect(got.length).toBe(want.length);
    // measured ~1e-4 (ONNX Runtime vs PyTorch, and the voice rounded to 16 bits); silence would be 1
    expect(relL2(got, want)).toBeLessThan(2e-3);
  }, 60_000);

  it('text + reference voice in, the same audio as the TypeScript pipeline out; the voice is cached', async () => {
    const r = run('hello');
    expect(r.byName.hello!.error).toBeUndefined();
    expect(r.byName.hello!.sample_rate).toBe(16000);
    expect(r.byName.hello!.warnings).toEqual([]);
    const ts = await tsSynth('Hello world, 你好世界');
    const py = await wave('hello', 'hello');
    expect(py.length).toBe(ts.wave.length);
    expect(relL2(py, ts.wave)).toBeLessThan(1e-3);
    const tsHappy = await tsSynth('Hello world, 你好世界', 'happy');
    const pyHappy = await wave('hello', 'happy');
    expect(pyHappy.length).toBe(tsHappy.wave.length);
    expect(relL2(pyHappy, tsHappy.wave)).toBeLessThan(1e-3);
    expect(relL2(pyHappy.subarray(0, Math.min(py.length, pyHappy.length)), py.subarray(0, Math.min(py.length, pyHappy.length)))).toBeGreaterThan(1e-2);
    expect(r.calls.style_encoder).toBe(1); // the second request reused the cached voice
    expect(r.calls.vocoder).toBe(2);
  }, 60_000);

  it('the stage cache is bounded (cache_size, least recently used out first): an evicted voice must be sent again', () => {
    const r = run('evicted');
    expect(r.byName.a!.error).toBeUndefined();
    expect(r.byName.b!.error).toMatch(/REF_KEY 'alice' is not cached \(evicted or never sent\); send REF_AUDIO with it once/);
  });

  it('long text is split at sentence boundaries within max_text_len, reported, and every part is spoken', async () => {
    const r = run('long');
    const res = r.byName.long!;
    expect(res.error).toBeUndefined();
    const ts = await tsSynth(LONG);
    expect(ts.sentences).toBeGreaterThan(1);
    expect(res.warnings!.join(' ')).toMatch(new RegExp(`split into ${ts.sentences} sentences to stay within 128 phonemes`));
    expect(r.calls.vocoder).toBe(ts.sentences);
    const py = await wave('long', 'long');
    expect(py.length).toBe(ts.wave.length);
    expect(relL2(py, ts.wave)).toBeLessThan(1e-3);
  }, 60_000);

  it('answers bad requests with one clear error each and keeps serving the rest of the batch', () => {
    const r = run('bad');
    const err = (n: string) => r.byName[n]!.error ?? '';
    expect(err('empty')).toMatch(/text is empty or has nothing to pronounce \(fix: /);
    expect(err('short-ref')).toMatch(/REF_AUDIO is 1\.00 s long; this model takes 3-10 s \(trim or join recordings\)/);
    expect(err('no-ref')).toMatch(/send REF_AUDIO \(the target voice: 3-10 s of speech\), or REF_KEY of a recording sent before/);
    expect(err('unknown-key')).toMatch(/REF_KEY 'bob' is not cached/);
    expect(err('emotion')).toMatch(/unknown EMOTION 'sleepy'; use one of: angry, happy, neutral, sad, surprise/);
    expect(err('ids-too-long')).toMatch(/129 ids, over max_text_len 128/);
    expect(err('not-an-input')).toMatch(/unexpected inference input 'SPEAKER'/); // this model has no speaker id source
    expect(err('both-emotions')).toMatch(/send either EMOTION or EMOTION_REF_AUDIO, not both/); // the manifest's excludes
    for (const n of ['empty', 'short-ref', 'no-ref', 'unknown-key', 'emotion', 'ids-too-long', 'not-an-input', 'both-emotions']) expect(r.byName[n]!.code).toBe(3); // INVALID_ARG
    expect(r.byName.ok!.samples).toBeGreaterThan(0);
  });

  it('takes a reference at another sample rate and resamples it', () => {
    const r = run('r48');
    expect(r.byName.r48!.error).toBeUndefined();
    expect(r.byName.r48!.samples).toBeGreaterThan(16000 * 0.3);
  });

  it('EMOTION_REF_AUDIO (the manifest\'s emotion_reference source, flag emotion-ref) takes the emotion from another recording, as synth --emotion-ref does', async () => {
    const r = run('emoref');
    expect(r.byName.emoref!.error).toBeUndefined();
    const ts = await tsSynth('Hello world, how are you?', undefined, join(work, 'ref48k.wav'));
    const py = await wave('emoref', 'emoref');
    expect(py.length).toBe(ts.wave.length);
    expect(relL2(py, ts.wave)).toBeLessThan(1e-3);
    expect(relL2(await wave('emoref', 'again'), py)).toBe(0);
    expect(r.calls.style_encoder).toBe(2); // the voice once, the emotion recording once (cached by its content hash)
  }, 60_000);

  it('an engine that fails is answered by its CPU model, then bypassed; the audio is unchanged', async () => {
    const r = run('failing');
    expect(r.byName.a!.error).toBeUndefined();
    expect(r.byName.a!.warnings!.join(' ')).toMatch(/vocoder failed \(stub: injected failure.*\); answered by vocoder_cpu; engine bypassed for 30 s/);
    expect(r.byName.b!.warnings!.join(' ')).toMatch(/vocoder bypassed after an earlier failure; answered by vocoder_cpu/);
    expect(r.calls.vocoder).toBe(1); // not retried while bypassed
    expect(r.calls.vocoder_cpu).toBe(2);
    expect(r.log.join('\n')).toMatch(/vocoder failed/);
    const ts = await tsSynth('Hello world, 你好世界');
    expect(relL2(await wave('failing', 'b'), ts.wave)).toBeLessThan(1e-3);
  }, 60_000);

  it('an engine call still running at the deadline (timeout_ms) is answered by the CPU model, for that request only', async () => {
    const r = run('slow');
    for (const n of ['a', 'b']) {
      expect(r.byName[n]!.error).toBeUndefined();
      expect(r.byName[n]!.warnings!.join(' ')).toMatch(/vocoder timed out \(no answer within timeout_ms 300\); answered by vocoder_cpu$/);
    }
    expect(r.calls.vocoder).toBe(2); // not bypassed: tried again for the second request
    expect(r.calls.vocoder_cpu).toBe(2);
    expect(r.calls.acoustic_decoder_cpu ?? 0).toBe(0); // the engines in time were not replaced
    const ts = await tsSynth('Hello');
    expect(relL2(await wave('slow', 'b'), ts.wave)).toBeLessThan(1e-3);
  }, 60_000);

  it('a call rejected by Triton’s queue timeout falls back for that request only', () => {
    const r = run('queued');
    for (const n of ['a', 'b']) expect(r.byName[n]!.warnings!.join(' ')).toMatch(/acoustic_decoder timed out \(Request timeout expired\); answered by acoustic_decoder_cpu$/);
    expect(r.calls.acoustic_decoder).toBe(2); // tried again for the second request
    expect(r.calls.acoustic_decoder_cpu).toBe(2);
  });

  it('with the fallback disabled an engine failure fails the request with the engine named', () => {
    const r = run('nofallback');
    expect(r.byName.a!.error).toMatch(/^emovoice: text_encoder: stub: injected failure/);
  });

  it('without Node.js, TEXT requests get a clear error and PHONEME_IDS requests still work', () => {
    const r = run('nonode');
    expect(r.log.join('\n')).toMatch(/text frontend not available .*install Node\.js >= 20/);
    expect(r.byName.text!.error).toMatch(/TEXT needs the text frontend, which needs Node\.js >= 20/);
    expect(r.byName.ids!.error).toBeUndefined();
    expect(r.byName.ids!.samples).toBeGreaterThan(0);
  });
});

// A family the serving code has never heard of: test/fixtures/synthetic/make_family.py's toy (an encoder,
// a `repeat` host step, a decoder; text only), with its encoder kept off the engine path. Packaged and
// served from its manifest alone, against the TypeScript pipeline on the same text.
describe.skipIf(!have)('Triton orchestrator on a family it does not know (make_family.py)', () => {
  let toy: string;
  let toyRepo: string;
  let runs: Record<string, Ran>;
  const toyRun = (id: string) => runs[id]!;
  async function tsToy(text: string): Promise<Float32Array> {
    return (await synthesizeText(await tsPipeline(join(toy, 'profile.yaml')), { text, conditioning: {} })).waveform;
  }
  const LONG_SENTENCE = 'The quick brown fox jumps over the lazy dog near the river bank';

  beforeAll(async () => {
    work ??= await tempDir('ev-orch-');
    toy = await tempDir('ev-toy-serve-');
    await execa('python3', [join(ROOT, 'test/fixtures/synthetic/make_family.py'), toy, join(ROOT, 'models/tiny/symbols.txt')]);
    const manifest = join(toy, 'manifest.yaml');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replace('    file: encoder.onnx\n', '    file: encoder.onnx\n    engine: false\n'));
    // the decoder's engine takes at most 60 frames: a long sentence must be refused, not truncated
    await writeFile(join(toy, 'profile-trt.yaml'), [
      'name: toy-trt', 'backend: trt', 'model: manifest.yaml', `output: ${join(toy, 'engines')}`, 'defaults: { precision: fp16 }',
      'modules:', '  decoder: { shapes: { frames: { min: [1, 1, 4], opt: [1, 32, 4], max: [2, 60, 4] } } }',
      'serving: { max_text_len: 64, timeout_ms: 2000, max_batch: 4 }', '',
    ].join('\n'));
    toyRepo = join(toy, 'repo');
    const r = await execa('node', [join(ROOT, 'bin/emovoice.js'), 'package', '--profile', join(toy, 'profile-trt.yaml'), '--triton', toyRepo], { cwd: ROOT, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/wrote .*: 1 engine models \(max batch decoder 2;.*1 CPU fallback models, 1 ONNX Runtime models for modules off the engine path, and the emovoice orchestrator \(TEXT in, WAVEFORM out; inputs: TEXT, IDS, LANGUAGE;/);
    runs = await runBatches(toyRepo, {
      toy: { requests: [{ name: 'toy', inputs: { TEXT: 'Hello there.' } }] },
      'toy-py': { requests: [{ name: 'toy-py', inputs: { TEXT: 'Hello there, you.' } }] },
      'toy-node': { requests: [{ name: 'toy-node', inputs: { TEXT: 'Hello there, you.' } }], params: ['host_steps=node'] },
      'toy-limits': {
        requests: [
          { name: 'ref', inputs: { TEXT: 'Hello', REF_WAV: REF } },
          { name: 'long', inputs: { TEXT: LONG_SENTENCE } },
          { name: 'ids', inputs: { IDS: [10, 11, 12] } },
        ],
      },
      'toy-enc': { requests: [{ name: 'a', inputs: { TEXT: 'Hello' } }], env: { STUB_FAIL: 'encoder' } },
      'toy-dec': { requests: [{ name: 'b', inputs: { TEXT: 'Hello' } }], env: { STUB_FAIL: 'decoder' } },
    });
  }, 180_000);

  it('its repository: the engine and its fallback, the encoder on ONNX Runtime alone, an orchestrator taking text only; all valid for Triton', async () => {
    const v = await execa('python3', [join(ROOT, 'test/serving/validate_triton.py'), toyRepo], { reject: false });
    expect(v.exitCode, v.stdout).toBe(0);
    expect(v.stdout.trim().split('\n')).toEqual([
      'ok decoder tensorrt_plan max_batch_size=2 inputs=1 outputs=1',
      'ok decoder_cpu onnxruntime_onnx max_batch_size=0 inputs=1 outputs=1',
      'ok emovoice python max_batch_size=0 inputs=3 outputs=3',
      'ok encoder onnxruntime_onnx max_batch_size=0 inputs=1 outputs=2',
    ]);
    const pipe = JSON.parse(await readFile(join(toyRepo, 'emovoice/1/pipeline.json'), 'utf8'));
    expect(pipe.graph.map((g: { id: string; step?: string }) => `${g.id}:${g.step ?? 'module'}`)).toEqual(['encoder:module', 'upsample:repeat', 'decoder:module']);
    expect(pipe.modules.decoder.inputs.frames.max).toEqual([null, 60, 4]); // the engine's profile, inside limits.frames_len 512
    expect(pipe.modules.encoder).toMatchObject({ model: 'encoder', fallback: null, engine: false });
    expect(pipe.frontend).toMatchObject({ output: 'ids', input: 'IDS', dtype: 'int32' });
  });

  it('text in, the audio of the TypeScript pipeline out (ids through the bundled frontend, the repeat step as its numpy twin)', async () => {
    const r = toyRun('toy');
    expect(r.byName.toy!.error).toBeUndefined();
    expect(r.byName.toy!.sample_rate).toBe(8000);
    const ts = await tsToy('Hello there.');
    const py = await wave('toy', 'toy');
    expect(py.length).toBe(ts.length);
    expect(relL2(py, ts)).toBeLessThan(1e-6);
    expect(r.calls).toEqual({ encoder: 1, decoder: 1 }); // the stand-in answers decoder (a plan) from decoder_cpu's ONNX
    expect(r.log.join('\n')).not.toMatch(/Node process/);
  }, 60_000);

  it('host_steps=node: the repeat step runs as the TypeScript step in the Node process, with the same audio', async () => {
    const py = toyRun('toy-py');
    const node = toyRun('toy-node');
    expect(py.byName['toy-py']!.error).toBeUndefined();
    expect(node.byName['toy-node']!.error).toBeUndefined();
    expect(node.log.join('\n')).toMatch(/host steps in the Node process: upsample \(repeat\)/);
    const a = await wave('toy-py', 'toy-py');
    const b = await wave('toy-node', 'toy-node');
    expect(b.length).toBe(a.length);
    expect(relL2(a, b)).toBe(0); // the same frames into the same decoder: the twin is the step
  }, 60_000);

  it('its own contract and limits: a REF_AUDIO is refused, a sentence over the decoder engine’s 60 frames is an error, and an ids request works', async () => {
    const r = toyRun('toy-limits');
    expect(r.byName.ref!.error).toMatch(/unexpected inference input 'REF_AUDIO'/);
    expect(r.byName.long!.error).toMatch(/^emovoice: a sentence needs \d+ frames_len at decoder\.frames, over the limit of 60; send shorter sentences$/);
    expect(r.byName.long!.code).toBe(3);
    expect(r.byName.ids!.samples).toBeGreaterThanOrEqual(3 * 2 * 16);
  }, 60_000);

  it('a module off the engine path has no fallback: its failure fails the request; the engine’s failure falls back', async () => {
    const enc = toyRun('toy-enc');
    expect(enc.byName.a!.error).toMatch(/^emovoice: encoder: stub: injected failure/);
    const dec = toyRun('toy-dec');
    expect(dec.byName.b!.warnings!.join(' ')).toMatch(/decoder failed \(stub: injected failure.*\); answered by decoder_cpu; engine bypassed for 30 s/);
    expect(relL2(await wave('toy-dec', 'b'), await tsToy('Hello'))).toBeLessThan(1e-6);
  }, 60_000);
});

