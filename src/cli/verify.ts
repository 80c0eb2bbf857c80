// `emovoice verify --profile p`: every module on every PyTorch reference case, compared per output; the
// model's end-to-end requests through the whole graph; and, for a model that speaks English, what a
// speech recogniser hears (WER of held-out sentences on the path verified next to the FP32 ONNX path).
import type { Command } from 'commander';
import { readdir } from 'node:fs/promises';
import { writeFileAtomic } from '../core/files.ts';
import { join, resolve } from 'node:path';
import { formatJUnit, formatNumber } from '../compare/report.ts';
import { werCheck, werLines, werOptions, werSkipReason, type SpeakingPath, type WerCheck } from '../asr/check.ts';
import { fp32Pipeline, mcdMelConfig } from '../calibrate/run.ts';
import { MediaCollector } from '../report/html/collect.ts';
import type { Tolerances } from '../compare/compare.ts';
import { UserError } from '../core/errors.ts';
import { moduleOrder, type ModelManifest } from '../model/manifest.ts';
import { loadProfile } from '../profile/load.ts';
import { loadProfileModel } from '../profile/model.ts';
import { readNpz } from '../tensor/io.ts';
import { findTrtexec } from '../trtexec/find.ts';
import { Pipeline } from '../pipeline/executor.ts';
import { openModel } from '../pipeline/model.ts';
import { DEFAULT_SAMPLES, type Precision } from '../precision/files.ts';
import { cpuModels, PRECISIONS } from '../synth/precision.ts';
import { makeRunners, servingFor, servingRunnerOptions } from '../synth/runners.ts';
import { e2eCases } from '../verify/e2e.ts';
import { firstDeparture } from '../verify/debug-layers.ts';
import { DEFAULT_TOLERANCES, profileTolerances, caseName, splitCase, verifyCase, verifyE2e, type CaseResult } from '../verify/verify.ts';
import { speakingPath, werConditioning, werJUnitCase } from '../verify/wer.ts';
import { CONFIGS_DIR, ROOT, backendOf, collect, log, positiveInt } from './common.ts';
import { onEngines, toleranceTier } from '../runtime/backends.ts';
import { checkTensorRtBackend } from '../runtime/providers.ts';

interface Opts {
  profile: string;
  backend?: string;
  json?: boolean;
  set?: string[];
  junit?: string;
  module?: string[];
  debugLayers?: boolean;
  precision?: string;
  e2e?: boolean;
  werSentences?: string;
  maxWerIncrease?: string;
  samples: string;
  html?: string;
}

// the held-out split of the real-speech manifest gives the test sentences
const SPEECH = resolve(ROOT, 'calibration/speech.yaml');

/** End-to-end audio against PyTorch at each precision: the tolerance of the least precise module decides. */
export const E2E_TOLERANCES: Record<string, Tolerances> = {
  fp32: { snr_db_min: 40 },
  fp16: { snr_db_min: 25 },
  bf16: { snr_db_min: 15 },
  int8: { snr_db_min: 10 },
};
const ORDER = ['fp32', 'fp16', 'bf16', 'int8'];

export function register(program: Command): void {
  program
    .command('verify')
    .description('run every module on the PyTorch reference cases and compare (max/mean abs, rel L2, cosine, SNR, LSD, MCD)')
    .option('--profile <name|path>', 'build profile', 'cpu')
    .option('--backend <ort|cuda|trt|trtexec>', 'override the profile backend')
    .option('--module <name...>', 'only these modules')
    .option('--set <key=value>', 'override a profile value, e.g. model=path/to/manifest.yaml (repeatable)', collect)
    .option('--json', 'print a JSON report')
    .option('--junit <file>', 'write a JUnit XML report')
    .option('--html <file>', 'write a self-contained HTML report: metrics, spectrograms and audio of every audio case, what the recogniser heard')
    .option('--debug-layers', 'for each module, find the first intermediate tensor where the runtime model departs from the fp32 reference')
    .option('--precision <p>', `ort and cuda backends: run every module at ${PRECISIONS.join('|')}, or "profile" (each module at its profile precision); default fp32`)
    .option('--no-e2e', "skip the end-to-end cases (the model's refs/e2e requests through the whole graph) and the WER check")
    .option('--wer-sentences <n>', `held-out English sentences the recogniser hears on each path (0 skips the WER check; models that declare no English skip it)`, '8')
    .option('--max-wer-increase <x>', 'fail when WER on the path verified exceeds the FP32 ONNX path\'s by more than this', '0.05')
    .option('--samples <n>', 'real speech inputs per module for the activation ranges of a converted (FP16/BF16) module', String(DEFAULT_SAMPLES))
    .action(async (opts: Opts) => {
      const loaded = await loadProfile(opts.profile, { configsDir: CONFIGS_DIR, overrides: opts.set ?? [] });
      const p = loaded.profile;
      const manifest = await loadProfileModel(loaded);
      const backend = backendOf(opts.backend, p.backend);
      const choice = opts.precision ?? 'fp32';
      const werOpts = werOptions(opts.werSentences, opts.maxWerIncrease);
      if (choice !== 'profile' && !(PRECISIONS as readonly string[]).includes(choice)) throw new UserError(`--precision: unknown precision "${choice}"`, { hint: `use ${PRECISIONS.join(', ')} or profile` });
      if (opts.precision && onEngines(backend)) throw new UserError('--precision is for the ort and cuda backends: engines run at the precision they were built with', { hint: 'drop --precision, or add --backend cuda (or ort)' });
      if (backend === 'trt') await checkTensorRtBackend(p.output);
      // the CPU backend runs each module at the chosen precision (converted or calibrated files, src/precision);
      // the CUDA provider runs the strongly typed files themselves (FP16 nodes, not their CPU emulation)
      const cpu = onEngines(backend) ? null : await cpuModels(loaded, manifest, choice === 'profile' ? undefined : (choice as Precision), { log, samples: positiveInt('--samples', opts.samples), runtime: backend === 'cuda' ? 'cuda' : 'cpu' });
      const runners = makeRunners(manifest, backend, {
        onnx: cpu?.files,
        ...servingRunnerOptions(p.serving), // the end-to-end cases and WER run as synth runs them
        engineDir: p.output,
        trtexec: backend === 'trtexec' ? await findTrtexec() : null,
        // on cuda and trt a module that cannot run on the GPU fails its cases: it is not verified on the CPU instead
        fallback: backend === 'trtexec' ? 'gpu' : 'never',
        onFallback: (e) => log(`warning: ${e.runner} failed (${e.reason}); this module was verified on the CPU backend instead`),
      });
      const all = moduleOrder(manifest);
      const modules = opts.module ?? all;
      for (const m of modules) {
        if (!all.includes(m)) throw new UserError(`unknown module "${m}"`, { place: { file: manifest.path, path: 'modules' }, hint: `this model's modules: ${all.join(', ')}` });
      }
      // the audio an HTML report plays, kept only when one is asked for
      const media = opts.html ? new MediaCollector(manifest.audio.sample_rate, mcdMelConfig(manifest.audio)) : undefined;
      const pathLabel = backend === 'trt' ? 'TensorRT engines' : `ONNX Runtime CPU${cpu ? `, ${choice}` : ''}`;
      const results: CaseResult[] = [];
      const debug: unknown[] = [];
      let wer: WerCheck | undefined;
      const t0 = performance.now();
      try {
        for (const name of modules) {
          const mod = manifest.modules[name]!;
          const precision = cpu ? cpu.precisions[name]! : (p.modules?.[name]?.precision ?? p.defaults?.precision ?? 'fp32');
          // FP32 on the CUDA provider computes its matrix products and convolutions in TF32 (tierFor says why)
          const tier = toleranceTier(backend, precision);
          const tolerances = profileTolerances(DEFAULT_TOLERANCES[tier], p.tolerances?.[tier]);
          const dir = join(manifest.references.dir, name);
          const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.npz')).sort();
          if (!files.length) {
            throw new UserError(`no reference cases for ${name}`, {
              place: { file: dir },
              hint: 're-export the model with its references (emovoice export)',
            });
          }
          await runners[name]!.load();
          for (const f of files) {
            const all = await readNpz(join(dir, f));
            const { inputs, expected } = splitCase(all, Object.keys(mod.inputs), Object.keys(mod.outputs));
            const kinds = Object.fromEntries(Object.entries(mod.outputs).map(([k, t]) => [k, t.kind ?? 'generic']));
            const r = await verifyCase(runners[name]!, { module: name, case: caseName(f), file: join(dir, f), inputs, expected }, tolerances, kinds, media && ((o, e) => media.moduleCase(name, caseName(f), kinds, o, e, `${backend === 'trt' ? 'TensorRT engine' : 'ONNX Runtime CPU'} (${precision})`)));
            results.push(r);
            if (!opts.json) printCase(r);
          }
          if (opts.debugLayers) {
            const cases = results.filter((r) => r.module === name);
            const target = cases.find((r) => !r.pass) ?? cases.find((r) => r.case === 'typical') ?? cases[0]!;
            const all = await readNpz(join(dir, `${target.case}.npz`));
            const { inputs } = splitCase(all, Object.keys(mod.inputs), Object.keys(mod.outputs));
            const qdq = precision === 'int8' ? p.modules?.[name]?.calibration?.qdq_model : undefined;
            if (onEngines(backend) && !qdq) {
              log(`${name}: --debug-layers compares ONNX Runtime runs; a TensorRT engine exposes no intermediate tensors through trtexec (rebuild with them marked as outputs to inspect it)`);
            }
            const candidate = cpu?.files[name] ?? qdq ?? mod.file;
            const d = await firstDeparture(mod.file, candidate, inputs, tolerances.rel_l2 ?? 1e-4);
            debug.push({ module: name, case: target.case, candidate, ...d });
            if (!opts.json) {
              process.stdout.write(
                d.first
                  ? `      first departure in ${name}/${target.case}: ${d.first.tensor} (rel L2 ${d.first.relL2.toExponential(2)} > ${tolerances.rel_l2}) of ${d.compared} tensors\n`
                  : `      ${name}/${target.case}: no intermediate departs beyond rel L2 ${tolerances.rel_l2} (${d.compared} tensors; worst ${d.worst?.tensor} ${d.worst?.relL2.toExponential(2)})\n`,
              );
            }
          }
        }
        if (opts.e2e !== false && !opts.module) {
          // the model's end-to-end requests through the whole graph on the same runners: the audio a listener gets
          const least = ORDER[Math.max(...Object.keys(manifest.modules).map((m) => ORDER.indexOf(cpu ? cpu.precisions[m]! : (p.modules?.[m]?.precision ?? p.defaults?.precision ?? 'fp32'))))]!;
          const model = await openModel(manifest, servingFor(p.serving, backend));
          try {
            const pipeline = new Pipeline(model, runners);
            for (const c of await e2eCases(manifest)) {
              const r = await verifyE2e(pipeline, c, profileTolerances(E2E_TOLERANCES[least], p.tolerances?.[`e2e_${least}`]), media && ((got, ref) => media.e2eCase(c.name.replace(/^e2e\//, ''), got, ref, pathLabel)), { reduced: least !== 'fp32' });
              results.push(r);
              if (!opts.json) printCase(r);
            }
            // what a listener understands: held-out sentences on this path and on the FP32 ONNX path
            wer = await intelligibilityCheck(manifest, pipeline, p.serving, {
              ...werOpts,
              // the CPU backend with every module at fp32 is the FP32 ONNX path itself: one WER, nothing to gate
              isFp32: backend === 'ort' && Object.values(cpu!.precisions).every((x) => x === 'fp32'),
              label: onEngines(backend) ? 'TensorRT engines' : `ONNX Runtime ${backend === 'cuda' ? 'CUDA' : 'CPU'}, ${precisionLabel(cpu!.precisions)}`,
              record: media ? (x) => media.recordPath(x) : (x) => x,
            });
          } finally {
            await model.close();
          }
        } else {
          wer = { status: 'skipped', reason: opts.e2e === false ? '--no-e2e' : 'only modules were verified (--module)' };
        }
      } finally {
        await Promise.all(Object.values(runners).map((r) => r.close()));
      }
      const failed = results.filter((r) => !r.pass);
      const werFailed = wer?.status === 'fail';
      if (opts.junit) {
        const flat = results.flatMap((r) =>
          r.outputs.length
            ? r.outputs.map((o) => ({ ...o, name: `${r.module}/${r.case}/${o.name}` }))
            : [{ name: `${r.module}/${r.case}`, kind: 'generic' as const, pass: false, failed: ['missing' as const], detail: r.error, reference: { dtype: 'float32' as const, shape: [] }, tolerances: {} }],
        );
        const werCase = wer ? werJUnitCase(wer) : null;
        if (werCase) flat.push(werCase);
        await writeFileAtomic(opts.junit, formatJUnit(flat, { suite: `emovoice verify ${p.name} (${backend})`, timeSec: (performance.now() - t0) / 1000 }), { flag: '--junit' });
      }
      const report = { profile: p.name, backend, precision: cpu ? choice : 'engines', pass: failed.length === 0 && !werFailed, cases: results, ...(wer ? { wer } : {}), ...(opts.debugLayers ? { debugLayers: debug } : {}) };
      if (opts.html) await (await import('../report/html/write.ts')).writeHtmlReport(opts.html, [{ kind: 'verify', doc: report, source: `emovoice verify --profile ${p.name}`, media }]);
      if (opts.json) {
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      } else {
        if (wer) process.stdout.write(`\n${werLines(wer).join('\n')}\n`);
        process.stdout.write(`\n${results.length - failed.length}/${results.length} cases passed (${backend}${cpu ? `, ${choice}` : ''}, profile ${p.name})${werFailed ? '; the WER check failed' : ''}\n`);
      }
      if (failed.length || werFailed) process.exitCode = 1;
    });
}

function printCase(r: CaseResult): void {
  const head = `${r.pass ? 'PASS' : 'FAIL'}  ${`${r.module}/${r.case}`.padEnd(28)} ${r.ms.toFixed(1).padStart(8)} ms`;
  if (r.error) {
    process.stdout.write(`${head}  error: ${r.error}\n`);
    return;
  }
  process.stdout.write(`${head}${r.note ? `  (${r.note})` : ''}\n`);
  for (const o of r.outputs) {
    const m = o.metrics;
    const extra = m
      ? `max_abs ${formatNumber(m.max_abs)}  rel_l2 ${formatNumber(m.rel_l2)}  cos ${formatNumber(m.cosine)}  snr ${formatNumber(m.snr_db)} dB` +
        (m.lsd_db !== undefined ? `  lsd ${formatNumber(m.lsd_db)} dB` : '') +
        (m.mcd_db !== undefined ? `  mcd ${formatNumber(m.mcd_db)} dB` : '')
      : (o.detail ?? '');
    process.stdout.write(`      ${o.pass ? ' ' : '✗'} ${o.name.padEnd(20)} ${extra}${o.failed.length ? `  failed: ${o.failed.join(',')}` : ''}\n`);
  }
}

/** "fp16", or the modules below fp32 ("vocoder int8") when they differ. */
function precisionLabel(precisions: Record<string, string>): string {
  const set = new Set(Object.values(precisions));
  if (set.size === 1) return [...set][0]!;
  return Object.entries(precisions).filter(([, x]) => x !== 'fp32').map(([m, x]) => `${m} ${x}`).join(', ');
}

/**
 * The WER check: the held-out sentences spoken on the pipeline verified and on the model's own FP32 ONNX
 * graph (opened only when the two differ, and only when the check can run), heard by the recogniser.
 */
async function intelligibilityCheck(
  manifest: ModelManifest,
  pipeline: Pipeline,
  serving: { max_text_len?: number } | undefined,
  o: { sentences: number; maxIncrease: number; isFp32: boolean; label: string; record: (p: SpeakingPath) => SpeakingPath },
): Promise<WerCheck> {
  const skip = werSkipReason(manifest, o.sentences);
  if (skip) return { status: 'skipped', reason: skip };
  const conditioning = await werConditioning(manifest);
  log(`WER: speaking up to ${o.sentences} held-out sentences on ${o.isFp32 ? 'the FP32 ONNX path' : `${o.label} and on the FP32 ONNX path`}, heard by the recogniser`);
  if (o.isFp32) return werCheck({ manifest, speech: SPEECH, sentences: o.sentences, maxIncrease: o.maxIncrease, fp32: o.record(speakingPath('FP32 ONNX (ONNX Runtime CPU)', pipeline, conditioning)), candidate: null });
  const fp32 = await fp32Pipeline(manifest, serving);
  try {
    return await werCheck({
      manifest,
      speech: SPEECH,
      sentences: o.sentences,
      maxIncrease: o.maxIncrease,
      fp32: o.record(speakingPath('FP32 ONNX (ONNX Runtime CPU)', fp32, conditioning)),
      candidate: o.record(speakingPath(o.label, pipeline, conditioning)),
    });
  } finally {
    await fp32.close();
  }
}
