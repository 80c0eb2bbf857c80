// `emovoice synth --file chapter.txt|- --out chapter.wav [--srt F] [--vtt F] [--batch N]`: long-form
// synthesis (src/synth/longform.ts) behind the synth command: loads the profile, model and runners as
// synth does, wraps the runners for engine batches, keeps the work folder next to the output, shows
// progress, and names the lines that failed (exit 2) after writing everything else.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../core/errors.ts';
import { loadModelManifest, type ModelManifest } from '../model/manifest.ts';
import { BatchCoordinator } from '../pipeline/batching.ts';
import { resolveConditioning } from '../pipeline/conditioning.ts';
import { Pipeline } from '../pipeline/executor.ts';
import { openModel } from '../pipeline/model.ts';
import { loadProfile } from '../profile/load.ts';
import { DiskStore } from '../synth/cache.ts';
import { moduleBatches, synthesizeLongform, workKey } from '../synth/longform.ts';
import { cpuModels } from '../synth/precision.ts';
import { onEngines } from '../runtime/backends.ts';
import { checkTensorRtBackend } from '../runtime/providers.ts';
import { makeProgress } from '../synth/progress.ts';
import { io, makeRunners, servingFor } from '../synth/runners.ts';
import { findTrtexec } from '../trtexec/find.ts';
import { CONFIGS_DIR, backendOf, fallbackLine, log, positiveInt, positiveNumber } from './common.ts';
import { requestConditioning, type RequestOpts } from './request.ts';

export interface FileOpts extends RequestOpts {
  file: string;
  out: string;
  srt?: string;
  vtt?: string;
  batch?: string;
  progressEvery?: string;
  profile: string;
  backend?: string;
  language?: string;
  json?: boolean;
  set?: string[];
  timeoutMs?: string;
}

async function readText(file: string): Promise<string> {
  let bytes: Buffer;
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    bytes = Buffer.concat(chunks);
  } else {
    bytes = await readFile(file).catch(() => {
      throw new UserError('cannot read the text file', { place: { file }, hint: 'check the path (or give --file - to read stdin)' });
    });
  }
  // bytes that are not UTF-8 become U+FFFD: the sentence holding them fails, naming its line
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(bytes);
}

/** What the work folder keys on: the content of every module file. */
async function modelHash(m: ModelManifest): Promise<string> {
  const h = createHash('sha256');
  for (const f of [...new Set(Object.values(m.modules).map((s) => s.file))].sort()) h.update(await readFile(f));
  return h.digest('hex').slice(0, 16);
}

export async function synthFile(opts: FileOpts): Promise<void> {
  const wall0 = performance.now();
  const source = opts.file === '-' ? '<stdin>' : opts.file;
  const text = await readText(opts.file);
  const loaded = await loadProfile(opts.profile, { configsDir: CONFIGS_DIR, overrides: opts.set ?? [] });
  const p = loaded.profile;
  const manifest = await loadModelManifest(p.model);
  const backend = backendOf(opts.backend, p.backend);
  const batch = moduleBatches(p, manifest, backend, opts.batch === undefined ? undefined : positiveInt('--batch', opts.batch));
  const conditioning = await requestConditioning(manifest, opts);
  const model = await openModel(manifest, servingFor(p.serving, backend));
  if (backend === 'trt') await checkTensorRtBackend(p.output);
  const cpu = onEngines(backend) ? null : await cpuModels(loaded, manifest, undefined, { log, runtime: backend === 'cuda' ? 'cuda' : 'cpu' });
  const runners = makeRunners(manifest, backend, {
    onnx: cpu?.files,
    engineDir: p.output,
    trtexec: backend === 'trtexec' ? await findTrtexec() : null,
    timeoutMs: opts.timeoutMs ? positiveNumber('--timeout-ms', opts.timeoutMs) : p.serving?.timeout_ms,
    onFallback: (e) => log(`warning: ${fallbackLine(e)}`),
  });
  const coordinator = new BatchCoordinator({ maxBatch: batch, tolerance: p.tolerances?.fp32?.rel_l2 ?? 1e-4 });
  const wrapped = Object.fromEntries(Object.entries(runners).map(([m, r]) => [m, coordinator.wrap(m, r, { inputs: io(manifest.modules[m]!.inputs), outputs: io(manifest.modules[m]!.outputs) })]));
  const mhash = await modelHash(manifest);
  const pipeline = new Pipeline(model, wrapped, undefined, new DiskStore(mhash));
  const out = resolve(opts.out);
  const keys = Object.fromEntries(Object.entries(resolveConditioning(model, conditioning)).map(([k, v]) => [k, v.key]));
  const key = workKey({ text, model: mhash, profile: { ...p, output: undefined }, conditioning: keys, language: opts.language, batch });
  const workDir = join(dirname(out), `.${basename(out)}.work`, key);
  const subtitles = [...(opts.srt ? [{ path: resolve(opts.srt), format: 'srt' as const }] : []), ...(opts.vtt ? [{ path: resolve(opts.vtt), format: 'vtt' as const }] : [])];
  const every = opts.progressEvery === undefined ? 10 : positiveInt('--progress-every', opts.progressEvery);
  const progress = await makeProgress({ stream: process.stderr, every, quiet: opts.json });
  const warned = new Map<string, number[]>();
  // Ctrl-C: finished parts are on disk already (written atomically); stop after the batch running now
  // (ONNX Runtime's threads must not be torn down mid-call), close the runners, exit 130. A second
  // Ctrl-C exits at once.
  const stop = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (stop.signal.aborted) process.exit(130);
    stop.abort(sig);
    log(`\n${sig}: stopping after the batch running now (again to quit at once)`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await Promise.all(Object.values(runners).map((r) => r.load()));
    const r = await synthesizeLongform({
      text,
      pipeline,
      coordinator,
      conditioning,
      language: opts.language,
      groupSize: Math.max(...Object.values(batch)),
      workDir,
      out,
      subtitles,
      progress,
      signal: stop.signal,
      onWarning: (w) => {
        // one line per warning text, with every line it came from
        const m = /^line (\d+): (.*)$/s.exec(w);
        if (!m) return log(`warning: ${source}: ${w}`);
        warned.set(m[2]!, [...(warned.get(m[2]!) ?? []), Number(m[1])]);
      },
    });
    for (const [w, all] of warned) {
      const [first, ...more] = [...new Set(all)];
      log(`warning: ${source}:${first} ${w}${more.length ? ` (also line${more.length > 1 ? 's' : ''} ${more.join(', ')})` : ''}`);
    }
    const wallSeconds = (performance.now() - wall0) / 1000;
    const report = {
      out,
      subtitles: subtitles.map((s) => s.path),
      model: manifest.path,
      family: manifest.family,
      backend,
      batch,
      sentences: r.sentences,
      spoken: r.spoken,
      failed: r.failed,
      sampleRate: r.sampleRate,
      audioSeconds: r.audioSeconds,
      madeParts: r.madeParts,
      madeAudioSeconds: r.madeAudioSeconds,
      resumedParts: r.parts - r.madeParts,
      wallSeconds,
      audioSecondsPerWallSecond: r.madeAudioSeconds / wallSeconds,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      padding: r.padding,
      batches: Object.fromEntries(Object.entries(r.batches).map(([m, b]) => [m, { calls: b.length, mean: b.reduce((a, x) => a + x, 0) / Math.max(b.length, 1) }])),
    };
    if (opts.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else if (r.spoken) {
      process.stdout.write(
        `wrote ${out} (${r.spoken} sentences, ${r.audioSeconds.toFixed(2)} s at ${r.sampleRate} Hz${subtitles.length ? `; subtitles ${subtitles.map((s) => s.path).join(', ')}` : ''})\n` +
          `${r.madeParts} of ${r.parts} parts made in ${wallSeconds.toFixed(1)} s${r.parts > r.madeParts ? ` (${r.parts - r.madeParts} resumed from the work folder)` : ''}; batch ${Object.entries(batch).map(([m, b]) => `${m} ${b}`).join(', ')}\n`,
      );
    }
    if (r.failed.length) {
      for (const f of r.failed) log(`error: ${source}:${f.line} ${f.message}`);
      const lines = r.failed.map((f) => f.line).join(', ');
      throw new UserError(`${r.failed.length} sentence${r.failed.length === 1 ? '' : 's'} failed (line${r.failed.length === 1 ? '' : 's'} ${lines}); ${r.spoken ? `the other ${r.spoken} are in ${out}` : 'nothing was written'}`, {
        place: { file: source },
        hint: 'fix those lines and run again',
      });
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    progress.stop();
    await Promise.all([...Object.values(runners).map((r) => r.close()), model.close()]);
  }
}
