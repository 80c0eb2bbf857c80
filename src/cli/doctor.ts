// `emovoice doctor`: what this machine can do — trtexec and its version, GPU and driver, ONNX
// Runtime — and a lint of every profile in configs/ against its model.
import type { Command } from 'commander';
import { readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { UserError, UserErrors } from '../core/errors.ts';
import { loadModelManifest } from '../model/manifest.ts';
import { readModuleInfos } from '../build/spec.ts';
import { loadProfile } from '../profile/load.ts';
import { validateProfile } from '../profile/validate.ts';
import { queryGpus } from '../system/nvidia-smi.ts';
import { findTrtexec } from '../trtexec/find.ts';
import { detectTensorRt } from '../trtexec/version.ts';
import { CONFIGS_DIR } from './common.ts';

export function register(program: Command): void {
  program
    .command('doctor')
    .description('check trtexec, TensorRT version, GPU/driver, ONNX Runtime, and lint every profile in configs/')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const report: Record<string, unknown> = {};
      const lines: string[] = [];
      let exe: string | null = null;
      try {
        exe = await findTrtexec();
      } catch (e) {
        lines.push(`trtexec        ${e instanceof UserError ? e.format() : String(e)}`);
      }
      let trtVersion: string | null = null;
      if (exe) {
        try {
          const v = await detectTensorRt(exe);
          trtVersion = v.version;
          lines.push(`trtexec        ${exe} (TensorRT ${v.version}, ${v.dialect} dialect)`);
        } catch (e) {
          lines.push(`trtexec        ${exe} (version unknown: ${e instanceof UserError ? e.format() : String(e)})`);
        }
      } else if (!lines.length) {
        lines.push('trtexec        not found (set TRTEXEC= or add it to PATH; build --dry-run, verify and synth on ort still work)');
      }
      report.trtexec = { path: exe, tensorrtVersion: trtVersion };
      const gpus = await queryGpus();
      report.gpus = gpus;
      lines.push(gpus?.length ? gpus.map((g) => `GPU            ${g.name} (cc ${g.computeCapability ?? '?'}, driver ${g.driverVersion ?? '?'}, ${g.memoryMiB ?? '?'} MiB)`).join('\n') : 'GPU            none found (nvidia-smi absent or no GPU)');
      const require = createRequire(import.meta.url);
      const ortVersion = (require('onnxruntime-node/package.json') as { version: string }).version;
      report.onnxruntimeNode = ortVersion;
      lines.push(`onnxruntime    onnxruntime-node ${ortVersion} (CPU backend available)`);
      const profiles: Record<string, string[]> = {};
      for (const f of (await readdir(CONFIGS_DIR)).filter((f) => /\.ya?ml$/.test(f)).sort()) {
        const problems: string[] = [];
        try {
          const loaded = await loadProfile(join(CONFIGS_DIR, f), { configsDir: CONFIGS_DIR });
          if (loaded.profile.abstract) continue;
          const manifest = await loadModelManifest(loaded.profile.model);
          const infos = await readModuleInfos(loaded, manifest);
          for (const e of validateProfile(loaded, manifest, infos, { tensorrtVersion: trtVersion ?? undefined })) problems.push(e.format());
        } catch (e) {
          if (e instanceof UserErrors) problems.push(...e.errors.map((x) => x.format()));
          else if (e instanceof UserError) problems.push(e.format());
          else throw e;
        }
        profiles[f] = problems;
        lines.push(`profile        ${f.padEnd(18)} ${problems.length ? `${problems.length} problem(s)` : 'ok'}`);
        for (const p of problems) lines.push(`                 error: ${p}`);
      }
      report.profiles = profiles;
      process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : lines.join('\n') + '\n');
      if (Object.values(profiles).some((p) => p.length)) process.exitCode = 1;
    });
}
