// `emovoice build --profile p`: validate, plan, and run trtexec once per module.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../core/files.ts';
import { measureEngines } from '../build/measure.ts';
import ora from 'ora';
import { UserError, UserErrors } from '../core/errors.ts';
import { executePlan, type BuildEvent } from '../build/execute.ts';
import { describeMode, displayCommand, planBuild } from '../build/plan.ts';
import { moduleSpecs, readModuleInfos } from '../build/spec.ts';
import type { Dialect } from '../build/types.ts';
import { DEFAULT_SAMPLES } from '../precision/files.ts';
import { describeCalibration, withInt8Calibrations } from '../precision/calibration.ts';
import { checkProfilePrecision, modulePrecisions } from '../precision/profile.ts';
import { loadProfile } from '../profile/load.ts';
import { loadProfileModel } from '../profile/model.ts';
import { validateProfile } from '../profile/validate.ts';
import { queryGpus } from '../system/nvidia-smi.ts';
import { buildModeFor } from '../trtexec/flags.ts';
import { findTrtexec } from '../trtexec/find.ts';
import { detectTensorRt, dialectFor } from '../trtexec/version.ts';
import { CONFIGS_DIR, collect, log, positiveInt, positiveNumber, timestamp } from './common.ts';

interface Opts {
  profile: string;
  module?: string[];
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
  html?: string;
  set?: string[];
  trtVersion?: string;
  timeout?: string;
  verbose?: boolean;
  measure?: string | boolean;
  samples: string;
}


export function register(program: Command): void {
  program
    .command('build')
    .description('build one TensorRT engine per module with trtexec, from a YAML build profile')
    .requiredOption('--profile <name|path>', 'profile name in configs/ or a path to a YAML file')
    .option('--module <name...>', 'build only these modules')
    .option('--dry-run', 'print the trtexec commands and exit (works without TensorRT)')
    .option('--force', 'rebuild even when the build key is unchanged')
    .option('--json', 'print a JSON report on stdout (logs go to stderr)')
    .option('--html <file>', 'also write a self-contained HTML page of the build manifest: per module size, time, precision, profile shapes; the slowest layers and each layer\'s precision where trtexec exported them beside the engine (<module>.layers.json, <module>.profile.json)')
    .option('--set <key=value>', 'override a profile value, e.g. modules.vocoder.precision=fp16 (repeatable)', collect)
    .option('--trt-version <x.y>', 'TensorRT dialect for --dry-run without trtexec (default 10.x)')
    .option('--timeout <seconds>', 'stop a module build that runs longer than this', '3600')
    .option('--verbose', 'pass --verbose to trtexec')
    .option('--measure [seconds]', 'after building, time each engine at its opt shapes (trtexec performance mode, default 3 s) and record it in the build manifest for `emovoice diff`')
    .option('--samples <n>', 'strongly typed builds: real speech inputs per module for the activation ranges of the conversion', String(DEFAULT_SAMPLES))
    .action(async (opts: Opts) => {
      // Flags first: a bad value must not surface after an hour of building.
      const timeoutS = positiveNumber('--timeout', opts.timeout ?? '3600');
      const samples = positiveInt('--samples', opts.samples ?? String(DEFAULT_SAMPLES));
      const measureS = opts.measure === undefined || opts.measure === false ? null : opts.measure === true ? 3 : positiveNumber('--measure', opts.measure);
      let loaded = await loadProfile(opts.profile, { configsDir: CONFIGS_DIR, overrides: opts.set ?? [] });
      let p = loaded.profile;
      if (p.backend === 'ort') {
        throw new UserError(`profile ${p.name} uses the ort backend, which needs no engine build`, {
          place: { file: loaded.file, path: 'backend' },
          hint: 'run `emovoice verify --profile ' + p.name + '` or pick a trt profile (a10g-fp16, h100-fp16, ...)',
        });
      }
      const manifest = await loadProfileModel(loaded);
      const infos = await readModuleInfos(loaded, manifest);

      const exe = await findTrtexec();
      let version: string;
      let dialect: Dialect;
      if (exe) {
        ({ version, dialect } = await detectTensorRt(exe));
      } else if (opts.dryRun) {
        version = opts.trtVersion ?? '10.0';
        dialect = dialectFor(version, '--trt-version');
      } else {
        throw new UserError('trtexec was not found, so no engine can be built', {
          hint: 'install TensorRT and put trtexec on PATH or set TRTEXEC=/path/to/trtexec; `--dry-run` prints the commands without it',
          exitCode: 3,
        });
      }
      const mode = buildModeFor(dialect, p.tensorrt?.legacy_precision_flags ?? false, loaded.locate(['tensorrt', 'legacy_precision_flags']));
      // INT8: the calibration the profile names, else the one `emovoice calibrate` made for this model and
      // module, found as synth finds it (one function); none, or a stale one, is one error line per module
      const int8 = await withInt8Calibrations(loaded, manifest, modulePrecisions(p, manifest), { qdqMustExist: false });
      loaded = int8.loaded;
      p = loaded.profile;
      // A strongly typed INT8 build reads the Q/DQ model, not the calibration cache: only the former must exist.
      const caches = new Set(Object.values(p.modules ?? {}).map((m) => m.calibration?.cache).filter((f): f is string => !!f));
      const fileExists = (f: string) => (mode === 'strongly-typed' && caches.has(f)) || existsSync(f);
      const problems = [
        ...validateProfile(loaded, manifest, infos, { tensorrtVersion: version, fileExists }),
        ...(await checkProfilePrecision(loaded, manifest, mode, existsSync)),
      ];
      if (problems.length) throw new UserErrors(problems);
      if (manifest.streaming) await warnChunkShapes(loaded, manifest);

      let specs = moduleSpecs(loaded, manifest);
      if (opts.module?.length) {
        for (const m of opts.module) {
          if (!specs.some((s) => s.module === m)) {
            throw new UserError(`unknown module "${m}"`, { hint: `modules of this model: ${specs.map((s) => s.module).join(', ')}` });
          }
        }
        specs = specs.filter((s) => opts.module!.includes(s.module));
      }
      for (const s of specs) {
        const c = int8.calibrations[s.module];
        // a legacy-flags build of a named cache reads the cache (--calib on the FP32 ONNX); every other the Q/DQ model
        if (c) log(describeCalibration(s.module, c, mode === 'legacy-flags' && !s.qdqModel && s.calibrationCache ? s.calibrationCache : c.qdqModel));
      }
      const plan = planBuild({
        profile: { name: p.name, path: loaded.file, sha256: loaded.sha256 },
        outputDir: p.output,
        modules: specs,
        tensorrt: { version, dialect, exe },
        mode,
        verbose: opts.verbose,
      });

      if (opts.dryRun) {
        const exeName = exe ?? 'trtexec';
        const commands = plan.modules.map((m) => ({
          module: m.module,
          engine: m.engine,
          precision: m.precision,
          onnx: m.onnx,
          conversion: m.conversion,
          argv: [exeName, ...m.argv.map((a) => a.replace(m.partialEngine, m.engine))],
        }));
        if (opts.json) {
          process.stdout.write(JSON.stringify({ profile: p.name, tensorrt: { version, dialect, found: !!exe, mode }, commands }, null, 2) + '\n');
        } else {
          if (!exe) log(`# trtexec not found: showing the TensorRT ${version} (${dialect}) dialect`);
          process.stdout.write(`# build mode: ${describeMode(mode, dialect)}\n`);
          for (const c of commands) {
            const from = c.conversion ? ` (${c.precision}, converted from ${c.conversion.qdq ?? c.conversion.source} by \`emovoice convert\` before the build)` : '';
            process.stdout.write(`# ${c.module} → ${c.engine}${from}\n${displayCommand(c.argv[0]!, c.argv.slice(1), process.cwd())}\n`);
          }
        }
        return;
      }

      // Strongly typed: the converted models first (cached by content; real speech measures their ranges).
      const toConvert = plan.modules.filter((m) => m.conversion);
      if (toConvert.length) {
        // loaded here: ONNX Runtime and the speech pipeline are only needed by a real strongly typed build
        const { speechModuleInputs } = await import('../calibrate/speech-inputs.ts');
        const { precisionModel } = await import('../precision/model.ts');
        const speech = await speechModuleInputs(manifest, { samples });
        try {
          for (const m of toConvert) {
            const c = m.conversion!;
            const r = await precisionModel({ profile: loaded, manifest, module: m.module, precision: m.precision, runtime: 'trt', out: dirname(c.output), inputs: speech.inputs, inputsKey: speech.key });
            if (r.file !== m.onnx) throw new Error(`the plan builds ${m.onnx}, the conversion wrote ${r.file}`);
            const kept = r.report?.kept.length ?? 0;
            log(`[${timestamp()}] ${m.module}: ${r.cached ? 'converted model up to date' : 'converted'} (${m.precision}, ${kept} node(s) kept in FP32) ${r.file}`);
          }
        } finally {
          await speech.close();
        }
      }

      const gpus = await queryGpus();
      const gpu = gpus?.[0] ?? null;
      if (gpu && p.target?.compute_capability && gpu.computeCapability && gpu.computeCapability !== String(p.target.compute_capability)) {
        log(`warning: profile ${p.name} targets compute capability ${p.target.compute_capability}, this GPU (${gpu.name}) is ${gpu.computeCapability}; engines are not portable across them`);
      }
      const controller = new AbortController();
      const onSigint = () => {
        log('\ninterrupted: stopping trtexec; existing engines are left untouched');
        controller.abort();
      };
      process.once('SIGINT', onSigint);
      process.once('SIGTERM', onSigint);
      const tty = process.stderr.isTTY && !process.env.CI && !opts.json;
      const spinner = tty ? ora({ stream: process.stderr }) : null;
      const onEvent = (e: BuildEvent) => {
        if (e.kind === 'start') {
          if (spinner) spinner.start(`building ${e.module}`);
          else log(`[${timestamp()}] ${e.module}: building`);
        } else if (e.kind === 'line') {
          if (spinner) spinner.text = `building ${e.module}: ${e.line.slice(0, 80)}`;
        } else if (e.kind === 'skip') {
          log(`[${timestamp()}] ${e.module}: up to date (${e.reason}); --force rebuilds`);
        } else if (e.kind === 'done') {
          const msg = `${e.module}: built ${e.record.engine?.path} (${((e.record.engine?.bytes ?? 0) / 1048576).toFixed(1)} MiB, ${e.record.wallSeconds.toFixed(1)} s)`;
          if (spinner) spinner.succeed(msg);
          else log(`[${timestamp()}] ${msg}`);
        } else if (e.kind === 'fail') {
          const msg = `${e.module}: FAILED: ${e.reason} (log: ${e.log})`;
          if (spinner) spinner.fail(msg);
          else log(`[${timestamp()}] ${msg}`);
        }
      };
      try {
        const result = await executePlan(plan, {
          force: opts.force,
          timeoutMs: timeoutS * 1000,
          signal: controller.signal,
          gpu,
          onEvent,
        });
        let measureFailed: { module: string; reason: string; log: string }[] = [];
        if (measureS != null && !result.interrupted) {
          measureFailed = await measureEngines(plan, result.manifest, {
            durationS: measureS,
            signal: controller.signal,
            onEvent: (e) =>
              e.kind === 'measured'
                ? log(`[${timestamp()}] ${e.module}: latency at opt shapes mean ${e.perf.latencyMs.mean?.toFixed(3)} ms, p99 ${e.perf.latencyMs.p99?.toFixed(3) ?? '-'} ms, ${e.perf.throughputQps ?? '-'} qps`)
                : log(`[${timestamp()}] ${e.module}: measurement FAILED: ${e.reason} (log: ${e.log})`),
          });
          result.manifest.updatedAt = new Date().toISOString();
          await writeFileAtomic(plan.manifestPath, JSON.stringify(result.manifest, null, 2) + '\n');
          if (controller.signal.aborted) result.interrupted = true;
        }
        if (opts.html) {
          const { buildLayerFiles, writeHtmlReport } = await import('../report/html/write.ts');
          await writeHtmlReport(opts.html, [{ kind: 'build', doc: result.manifest, source: plan.manifestPath, layers: await buildLayerFiles(result.manifest, { info: {}, profile: {} }) }]);
        }
        if (opts.json) process.stdout.write(JSON.stringify({ ...result, measureFailed, manifestPath: plan.manifestPath }, null, 2) + '\n');
        else log(`build manifest: ${plan.manifestPath} (TensorRT ${version}, ${describeMode(mode, dialect)})`);
        if (result.interrupted) process.exitCode = 130;
        else if (result.failed.length || measureFailed.length) process.exitCode = 3;
      } finally {
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigint);
      }
    });
}

/** A streamed chunk's engine shape (docs/streaming.md): a warning where a chunked module's opt is not at chunk + context. */
async function warnChunkShapes(loaded: Parameters<typeof validateProfile>[0], manifest: Parameters<typeof validateProfile>[1]): Promise<void> {
  const { chunkPolicy, streamPlan } = await import('../pipeline/stream.ts');
  const { streamShapeIssues } = await import('../profile/stream-shapes.ts');
  const { formatProblem } = await import('../core/errors.ts');
  const plan = await streamPlan({ manifest });
  const ctx = plan.stages.map((s) => ({ stage: s.stage.id, left: s.left, right: s.right }));
  for (const e of streamShapeIssues(loaded, manifest, ctx, chunkPolicy(loaded.profile.serving))) log(`warning: ${formatProblem(e.message, e.place, e.hint)}`);
}
