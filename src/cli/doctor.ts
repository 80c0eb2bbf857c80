// `emovoice doctor`: what this machine can do — trtexec, its version, dialect and build mode, GPU and
// driver, ONNX Runtime — and a lint of every profile in configs/ against its model. What a fresh clone
// lacks by design (calibration outputs, engines) is a note naming the command that makes it, not a
// problem: doctor exits 1 only when something is broken.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { UserError, UserErrors } from '../core/errors.ts';
import { loadModelManifest } from '../model/manifest.ts';
import { readOnnxGraphIo } from '../model/onnx-io.ts';
import { describeMode } from '../build/plan.ts';
import { readModuleInfos } from '../build/spec.ts';
import type { Dialect } from '../build/types.ts';
import { checkLayerPrecisions } from '../precision/checks.ts';
import { checkProfilePrecision, modulePrecisions } from '../precision/profile.ts';
import { qdqModelFor } from '../precision/files.ts';
import { describeCalibration, int8Calibration, withInt8Calibrations } from '../precision/calibration.ts';
import { loadProfile, type LoadedProfile } from '../profile/load.ts';
import { validateProfile } from '../profile/validate.ts';
import { queryGpus } from '../system/nvidia-smi.ts';
import { buildModeFor } from '../trtexec/flags.ts';
import { findTrtexec } from '../trtexec/find.ts';
import { detectTensorRt } from '../trtexec/version.ts';
import { providerLines, providerStatus } from '../runtime/providers.ts';
import { CONFIGS_DIR } from './common.ts';
import { espeakLine, espeakStatus } from '../families/piper/espeak.ts';

interface ProfileReport {
  problems: string[];
  notes: string[];
  mode: string | null;
}

/** One profile's lint against its model: problems, and notes for what is missing by design. */
async function lintProfile(given: LoadedProfile, r: ProfileReport, trtVersion: string | null, dialect: Dialect | null): Promise<void> {
  const manifest = await loadModelManifest(given.profile.model);
  // An INT8 module whose profile names no calibration builds from the one `emovoice calibrate` made for this
  // model and module, as build and synth find it (src/precision/calibration.ts): the lint checks that profile.
  // Where none is found (or it is stale) the checks below say what is missing, as before.
  // (Only those modules: a named calibration is linted as named, and nothing is hashed for it here.)
  const precisions = modulePrecisions(given.profile, manifest);
  const unnamed = Object.fromEntries(Object.entries(precisions).filter(([m, x]) => x === 'int8' && !qdqModelFor(m, given.profile.modules?.[m]?.calibration)));
  let loaded = given;
  if (Object.keys(unnamed).length) {
    try {
      const w = await withInt8Calibrations(given, manifest, unnamed);
      loaded = w.loaded;
      for (const [m, c] of Object.entries(w.calibrations)) r.notes.push(describeCalibration(m, c));
    } catch (e) {
      if (!(e instanceof UserError)) throw e; // UserErrors too
      // a profile that relies on finding its calibration (none named): say which is missing, and how it is made
      for (const m of Object.keys(unnamed)) {
        const why = await int8Calibration(given, manifest, m).then(() => null, (err: unknown) => (err instanceof UserError ? err.message : String(err)));
        if (why) r.notes.push(`${why}; \`emovoice calibrate ${m}\` makes it (--profile ${given.profile.name})`);
      }
    }
  }
  const p = loaded.profile;
  // the lint reads each graph's inputs, outputs and opsets, never the weights (doctor stays light)
  const infos = await readModuleInfos(loaded, manifest, readOnnxGraphIo);
  const trt = p.backend === 'trt';
  const legacy = p.tensorrt?.legacy_precision_flags ?? false;
  const mode = trt && dialect ? buildModeFor(dialect, legacy, loaded.locate(['tensorrt', 'legacy_precision_flags'])) : null;
  if (trt) r.mode = mode && dialect ? describeMode(mode, dialect) : legacy ? 'legacy precision flags on TensorRT 10 and 8.6 (TensorRT 11 has none)' : 'strongly typed on TensorRT 11 and 10, legacy precision flags on 8.6';
  // Calibration outputs are made by `emovoice calibrate`: missing on a fresh clone, by design.
  const made = new Map<string, string>();
  for (const [m, mp] of Object.entries(p.modules ?? {})) {
    if (precisions[m] !== 'int8') continue;
    for (const file of [mp.calibration?.cache, mp.calibration?.qdq_model, qdqModelFor(m, mp.calibration)]) if (file) made.set(file, m);
  }
  const missing = new Map<string, string>();
  const fileExists = (file: string) => {
    if (existsSync(file)) return true;
    if (made.has(file)) missing.set(file, made.get(file)!);
    return made.has(file);
  };
  const problems = [
    ...validateProfile(loaded, manifest, infos, { tensorrtVersion: trtVersion ?? undefined, fileExists }),
    ...(await checkProfilePrecision(loaded, manifest, null, fileExists)),
    ...(trt && mode !== 'legacy-flags' ? checkLayerPrecisions(loaded) : []),
  ];
  r.problems.push(...problems.map((e) => e.format()));
  // a strongly typed INT8 build reads the Q/DQ model beside the cache
  if (trt && mode !== 'legacy-flags') for (const [m, mp] of Object.entries(p.modules ?? {})) if (made.get(qdqModelFor(m, mp.calibration) ?? '') === m) fileExists(qdqModelFor(m, mp.calibration)!);
  const byModule = new Map<string, string[]>();
  for (const [file, m] of missing) byModule.set(m, [...(byModule.get(m) ?? []), file]);
  for (const [m, files] of byModule) r.notes.push(`${m}: not calibrated yet (${files.join(', ')}); \`emovoice calibrate ${m}\` makes it`);
  if (trt && !existsSync(join(p.output, 'build-manifest.json'))) r.notes.push(`no engines built yet in ${p.output}; \`emovoice build --profile ${p.name}\` builds them (needs TensorRT)`);
}

export function register(program: Command): void {
  program
    .command('doctor')
    .description('check trtexec, TensorRT version and build mode, GPU/driver, ONNX Runtime, and lint every profile in configs/')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const report: Record<string, unknown> = {};
      const lines: string[] = [];
      let broken = false;
      let exe: string | null = null;
      try {
        exe = await findTrtexec();
      } catch (e) {
        lines.push(`trtexec        ${e instanceof UserError ? e.format() : String(e)}`);
      }
      let trtVersion: string | null = null;
      let dialect: Dialect | null = null;
      if (exe) {
        try {
          const v = await detectTensorRt(exe);
          trtVersion = v.version;
          dialect = v.dialect;
          lines.push(`trtexec        ${exe} (TensorRT ${v.version}, ${v.dialect} dialect)`);
        } catch (e) {
          broken = true;
          lines.push(`trtexec        ${exe} (unusable: ${e instanceof UserError ? e.format() : String(e)})`);
        }
      } else if (!lines.length) {
        lines.push('trtexec        not found (set TRTEXEC= or add it to PATH; build --dry-run, convert, verify and synth on ort still work)');
      }
      report.trtexec = { path: exe, tensorrtVersion: trtVersion, dialect };
      const gpus = await queryGpus();
      report.gpus = gpus;
      lines.push(gpus?.length ? gpus.map((g) => `GPU            ${g.name} (cc ${g.computeCapability ?? '?'}, driver ${g.driverVersion ?? '?'}, ${g.memoryMiB ?? '?'} MiB)`).join('\n') : 'GPU            none found (nvidia-smi absent or no GPU)');
      const require = createRequire(import.meta.url);
      const ortVersion = (require('onnxruntime-node/package.json') as { version: string }).version;
      report.onnxruntimeNode = ortVersion;
      lines.push(`onnxruntime    onnxruntime-node ${ortVersion} (CPU backend available)`);
      // the GPU providers onnxruntime-node would dlopen, and what each cannot load (src/runtime/providers.ts)
      const providers = await providerStatus();
      report.providers = providers;
      for (const l of providerLines(providers)) lines.push(`provider       ${l}`);
      // the Piper voices' phonemizer: libespeak-ng in process, else the espeak-ng program
      const espeak = await espeakStatus();
      report.espeak = espeak;
      lines.push(`espeak-ng      ${espeakLine(espeak)}`);
      const profiles: Record<string, ProfileReport> = {};
      const files = (await readdir(CONFIGS_DIR)).filter((f) => /\.ya?ml$/.test(f)).sort();
      const width = Math.max(18, ...files.map((f) => f.length)); // the status column lines up under the longest name
      for (const f of files) {
        const r: ProfileReport = { problems: [], notes: [], mode: null };
        try {
          const loaded = await loadProfile(join(CONFIGS_DIR, f), { configsDir: CONFIGS_DIR });
          const p = loaded.profile;
          if (p.abstract) continue;
          // A model made at set-up or by a command (an imported voice) is missing on a bare machine, by design.
          if (p.model_made_by && !existsSync(p.model)) r.notes.push(`model not there yet (${p.model}); ${p.model_made_by}`);
          else await lintProfile(loaded, r, trtVersion, dialect);
        } catch (e) {
          if (e instanceof UserErrors) r.problems.push(...e.errors.map((x) => x.format()));
          else if (e instanceof UserError) r.problems.push(e.format());
          else throw e;
        }
        profiles[f] = r;
        if (r.problems.length) broken = true;
        lines.push(`profile        ${f.padEnd(width)} ${r.problems.length ? `${r.problems.length} problem(s)` : 'ok'}${r.mode ? ` — ${r.mode}` : ''}`);
        for (const p of r.problems) lines.push(`                 error: ${p}`);
        for (const n of r.notes) lines.push(`                 note: ${n}`);
      }
      report.profiles = profiles;
      process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : lines.join('\n') + '\n');
      if (broken) process.exitCode = 1;
    });
}
