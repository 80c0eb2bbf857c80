// `emovoice package --profile p --triton DIR`: a Triton model repository for the profile's engines.
import type { Command } from 'commander';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.ts';
import { loadModelManifest } from '../model/manifest.ts';
import { loadProfile } from '../profile/load.ts';
import { engineConfig, orchestratorConfig, ORCHESTRATOR_PY } from '../serving/triton.ts';
import { CONFIGS_DIR, collect, log } from './common.ts';

export function register(program: Command): void {
  program
    .command('package')
    .description('write a Triton Inference Server model repository for the built engines (+ an orchestrating model)')
    .requiredOption('--profile <name|path>', 'build profile whose engines to package')
    .requiredOption('--triton <dir>', 'output model repository')
    .option('--instances <n>', 'GPU instances per engine model', '1')
    .option('--allow-missing-engines', 'write configs even where an engine is not built yet')
    .option('--set <key=value>', 'override a profile value (repeatable)', collect)
    .action(async (opts: { profile: string; triton: string; instances: string; allowMissingEngines?: boolean; set?: string[] }) => {
      const loaded = await loadProfile(opts.profile, { configsDir: CONFIGS_DIR, overrides: opts.set ?? [] });
      const p = loaded.profile;
      if (p.backend !== 'trt') throw new UserError(`profile ${p.name} has no TensorRT engines`, { place: { file: loaded.file, path: 'backend' }, hint: 'package a trt profile' });
      const manifest = await loadModelManifest(p.model);
      const o = { maxBatch: p.serving?.max_batch ?? 4, queueDelayMs: p.serving?.batching_window_ms ?? 10, instances: Number(opts.instances) };
      const missing: string[] = [];
      for (const [name, spec] of Object.entries(manifest.modules)) {
        const dir = join(opts.triton, name);
        await mkdir(join(dir, '1'), { recursive: true });
        await writeFile(join(dir, 'config.pbtxt'), engineConfig(name, spec, o));
        const engine = join(p.output, `${name}.engine`);
        if (existsSync(engine)) await copyFile(engine, join(dir, '1', 'model.plan'));
        else missing.push(engine);
      }
      await mkdir(join(opts.triton, 'emovoice', '1'), { recursive: true });
      await writeFile(join(opts.triton, 'emovoice', 'config.pbtxt'), orchestratorConfig(manifest));
      await writeFile(join(opts.triton, 'emovoice', '1', 'model.py'), ORCHESTRATOR_PY);
      if (manifest.emotions.file) await copyFile(manifest.emotions.file, join(opts.triton, 'emovoice', '1', 'emotions.npz'));
      log(`wrote ${opts.triton}: ${Object.keys(manifest.modules).length} engine models + emovoice orchestrator (max_batch ${o.maxBatch}, queue delay ${o.queueDelayMs} ms)`);
      if (missing.length) {
        const msg = `engines not built yet: ${missing.join(', ')}`;
        if (!opts.allowMissingEngines) throw new UserError(msg, { hint: `run \`emovoice build --profile ${p.name}\` first, or pass --allow-missing-engines`, exitCode: 3 });
        log(`warning: ${msg} (configs written; copy model.plan files in later)`);
      }
    });
}
