// `emovoice bench --file chapter.txt [--batch N]`: long-form throughput, batch 1 vs the profile's batch
// (or --batch), each a fresh `emovoice synth --file --json` process on the same text (so peak memory is
// that run's own), in rounds that alternate the order (1, N then N, 1). The table is src/bench/longform.ts.
import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { renderLongformBench, type LongformBench, type LongformRun } from '../bench/longform.ts';
import { UserError } from '../core/errors.ts';
import { loadModelManifest } from '../model/manifest.ts';
import { loadProfile } from '../profile/load.ts';
import { moduleBatches } from '../synth/longform.ts';
import { CONFIGS_DIR, backendOf, log, positiveInt } from './common.ts';
import type { RequestOpts } from './request.ts';

export interface BenchFileOpts extends RequestOpts {
  file: string;
  batch?: string;
  rounds?: string;
  profile: string;
  backend?: string;
  set?: string[];
  json?: boolean;
}

/** The command line that started this process (the compiled CLI or the development entry). */
function self(): string[] {
  return [...process.execArgv, process.argv[1]!];
}

export async function benchFile(opts: BenchFileOpts): Promise<void> {
  const loaded = await loadProfile(opts.profile, { configsDir: CONFIGS_DIR, overrides: opts.set ?? [] });
  const backend = backendOf(opts.backend, loaded.profile.backend);
  const manifest = await loadModelManifest(loaded.profile.model);
  const profileBatch = Math.max(...Object.values(moduleBatches(loaded.profile, manifest, backend)));
  const n = opts.batch !== undefined ? positiveInt('--batch', opts.batch) : profileBatch;
  if (n === 1) log(`note: the profile's batch is 1 (serving.max_batch); give --batch N (or --set serving.max_batch=N) to compare a larger batch`);
  const passOn = [
    '--profile', opts.profile,
    ...(opts.backend ? ['--backend', opts.backend] : []),
    ...(opts.set ?? []).flatMap((s) => ['--set', s]),
    ...(['ref', 'emotion', 'emotionRef', 'speaker', 'prompt'] as const).flatMap((k) => (opts[k] ? [`--${k === 'emotionRef' ? 'emotion-ref' : k}`, opts[k]!] : [])),
    ...(opts.input ?? []).flatMap((s) => ['--input', s]),
  ];
  const dir = await mkdtemp(join(tmpdir(), 'emovoice-bench-file-'));
  const loadBefore = loadavg();
  const runs: LongformRun[] = [];
  try {
    const rounds = opts.rounds === undefined ? 2 : positiveInt('--rounds', opts.rounds);
    const sizes = [...new Set([1, n])];
    for (let round = 0; round < rounds; round++) for (const batch of round % 2 ? [...sizes].reverse() : sizes) {
      log(`bench --file: round ${round + 1}, batch ${batch} …`);
      const r = await execa(process.execPath, [...self(), 'synth', '--file', resolve(opts.file), '--out', join(dir, `b${batch}.wav`), '--batch', String(batch), '--json', ...passOn], { reject: false });
      if (r.exitCode !== 0) {
        throw new UserError(`synth --file at batch ${batch} failed (exit ${r.exitCode}): ${r.stderr.trim().split('\n').filter((l) => l.startsWith('error')).pop() ?? r.stderr.trim().split('\n').pop() ?? ''}`, { place: { file: opts.file }, hint: 'run emovoice synth --file on it to see every failed line', exitCode: r.exitCode === 2 ? 2 : 3 });
      }
      const j = JSON.parse(r.stdout) as LongformRun & { sentences: number };
      runs.push({ batch, round, sentences: j.sentences, madeAudioSeconds: j.madeAudioSeconds, wallSeconds: j.wallSeconds, peakRssMiB: j.peakRssMiB, batches: j.batches, padding: j.padding });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const report: LongformBench = {
    profile: loaded.profile.name,
    backend,
    file: opts.file,
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}`,
    loadBefore,
    loadAfter: loadavg(),
    runs,
  };
  if (opts.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else {
    process.stdout.write(renderLongformBench(report));
    if (backend === 'ort') process.stdout.write('GPU: this is ONNX Runtime on the CPU; on a GPU host the same command takes --backend cuda.\n');
  }
}
