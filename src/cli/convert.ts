// `emovoice convert --profile P [--module M …]`: write the strongly typed ONNX model of every module the
// profile builds below FP32 — FP16/BF16 with FP32 islands chosen from activation ranges measured on real
// speech, INT8 as the calibrated Q/DQ model with FP16 elsewhere — and report every node kept in FP32 and
// why. `build` runs the same step before trtexec. The real module inputs come from speechModuleInputs()
// (src/calibrate/speech-inputs.ts), the one place that turns recordings into module inputs for the conversion.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { speechModuleInputs } from '../calibrate/speech-inputs.ts';
import { UserError, UserErrors } from '../core/errors.ts';
import { loadModelManifest } from '../model/manifest.ts';
import { DEFAULT_SAMPLES } from '../precision/files.ts';
import { precisionModel, precisionSettings, type PrecisionModel } from '../precision/model.ts';
import { checkProfilePrecision } from '../precision/profile.ts';
import { loadProfile } from '../profile/load.ts';
import { loadProfileModel } from '../profile/model.ts';
import { CONFIGS_DIR, collect, log, positiveInt } from './common.ts';

interface Opts {
  profile: string;
  module?: string[];
  set?: string[];
  samples: string;
  data?: string;
  runtime: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('convert')
    .description('write the strongly typed ONNX models a profile builds (FP16/BF16 with FP32 islands from ranges measured on real speech; INT8 Q/DQ with FP16 elsewhere) and report every node kept in FP32')
    .requiredOption('--profile <name|path>', 'profile name in configs/ or a path to a YAML file')
    .option('--module <name...>', 'convert only these modules')
    .option('--set <key=value>', 'override a profile value, e.g. modules.vocoder.keep_fp32=[Tanh] (repeatable)', collect)
    .option('--samples <n>', 'real speech inputs per module for the activation ranges', String(DEFAULT_SAMPLES))
    .option('--data <manifest|dir>', 'real speech: a speech manifest or a folder of WAVs (default calibration/speech.yaml)')
    .option('--runtime <trt|cpu>', 'trt: the files TensorRT builds; cpu: the same decisions emulated in FP32 for ONNX Runtime on the CPU (docs/precision.md)', 'trt')
    .option('--json', 'print the conversion reports as JSON')
    .action(async (opts: Opts) => {
      const samples = positiveInt('--samples', opts.samples);
      if (opts.runtime !== 'trt' && opts.runtime !== 'cpu') throw new UserError(`--runtime: unknown runtime "${opts.runtime}"`, { hint: 'use trt or cpu' });
      const loaded = await loadProfile(opts.profile, { configsDir: CONFIGS_DIR, overrides: opts.set ?? [] });
      const manifest = await loadProfileModel(loaded);
      const modules = Object.keys(manifest.modules);
      for (const m of opts.module ?? []) {
        if (!modules.includes(m)) throw new UserError(`unknown module "${m}"`, { hint: `modules of this model: ${modules.join(', ')}` });
      }
      const problems = await checkProfilePrecision(loaded, manifest, null, existsSync);
      if (problems.length) throw problems.length === 1 ? problems[0]! : new UserErrors(problems);
      const speech = await speechModuleInputs(manifest, { samples, data: opts.data });
      const results: { module: string; precision: string; result: PrecisionModel }[] = [];
      try {
        for (const module of modules.filter((m) => !opts.module?.length || opts.module.includes(m))) {
          const { precision } = precisionSettings(loaded.profile, module);
          const result = await precisionModel({ profile: loaded, manifest, module, precision, runtime: opts.runtime, inputs: speech.inputs, inputsKey: speech.key });
          results.push({ module, precision, result });
          if (!opts.json) printResult(module, precision, result);
        }
      } finally {
        await speech.close();
      }
      if (opts.json) {
        process.stdout.write(JSON.stringify({ profile: loaded.profile.name, runtime: opts.runtime, modules: results.map((r) => ({ module: r.module, precision: r.precision, file: r.result.file, cached: r.result.cached, report: r.result.report })) }, null, 2) + '\n');
      }
    });
}

function printResult(module: string, precision: string, r: PrecisionModel): void {
  if (!r.report) {
    const what = precision === 'fp32' ? 'fp32: nothing to convert, the original model' : 'int8: the Q/DQ model as calibrated (FP32 elsewhere; layer_fallback: fp16 puts FP16 around it)';
    log(`${module.padEnd(17)} ${what} ${r.file}`);
    return;
  }
  const rep = r.report;
  log(`${module.padEnd(17)} ${precision}: ${rep.lowered} of ${rep.floatNodes} float nodes in ${rep.target.toUpperCase()}${rep.emit === 'emulated' ? ' (emulated in FP32 for the CPU)' : ''}, ${rep.kept.length} kept in FP32, ${rep.casts} casts${r.cached ? ' (up to date)' : ` (ranges from ${rep.measuredInputs} real speech inputs)`}`);
  log(`${''.padEnd(17)} ${r.file}`);
  const byRule = new Map<string, number>();
  for (const k of rep.kept) byRule.set(k.rule, (byRule.get(k.rule) ?? 0) + 1);
  for (const k of rep.kept.filter((x) => x.rule !== 'folded')) log(`${''.padEnd(19)}FP32 ${k.node} (${k.opType}): ${k.reason}`);
  if (byRule.get('folded')) log(`${''.padEnd(19)}FP32 ${byRule.get('folded')} node(s) computed from constants only (folded by TensorRT at build time)`);
}
