// `emovoice package --profile p --triton DIR`: a Triton model repository for the profile's engines —
// one TensorRT model per engine, a CPU (ONNX Runtime) fallback model per engine, and the `emovoice`
// orchestrator (Python backend + the bundled text frontend). Configs come from src/serving/triton.ts.
import type { Command } from 'commander';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../core/errors.ts';
import { replaceFolders } from '../core/files.ts';
import { loadModelManifest } from '../model/manifest.ts';
import { loadProfile } from '../profile/load.ts';
import { bundleFrontend } from '../serving/bundle.ts';
import { cpuFallbackConfig, engineConfig, orchestratorConfig, servingPlan } from '../serving/triton.ts';
import { CONFIGS_DIR, collect, log, positiveInt } from './common.ts';

const ORCHESTRATOR = fileURLToPath(new URL('../serving/orchestrator.py', import.meta.url));

export function register(program: Command): void {
  program
    .command('package')
    .description('write a Triton Inference Server model repository: the engines, CPU fallbacks, and an orchestrator (text + voice in, audio out)')
    .requiredOption('--profile <name|path>', 'build profile whose engines to package')
    .requiredOption('--triton <dir>', 'output model repository')
    .option('--instances <n>', 'GPU instances per engine model', '1')
    .option('--cpu-instances <n>', 'CPU instances per fallback model', '1')
    .option('--orchestrator-instances <n>', 'CPU instances of the orchestrator (concurrent requests in flight)')
    .option('--no-cpu-fallback', 'leave out the ONNX Runtime CPU fallback models')
    .option('--require-engines', 'fail (exit 3, nothing written) unless every engine is built; for CI')
    .option('--allow-missing-engines', '(the default) write the repository even where an engine is not built yet, with a warning')
    .option('--set <key=value>', 'override a profile value (repeatable)', collect)
    .action(async (opts: {
      profile: string; triton: string; instances: string; cpuInstances: string; orchestratorInstances?: string;
      cpuFallback: boolean; requireEngines?: boolean; allowMissingEngines?: boolean; set?: string[];
    }) => {
      const loaded = await loadProfile(opts.profile, { configsDir: CONFIGS_DIR, overrides: opts.set ?? [] });
      const p = loaded.profile;
      if (p.backend !== 'trt') throw new UserError(`profile ${p.name} has no TensorRT engines`, { place: { file: loaded.file, path: 'backend' }, hint: 'package a trt profile' });
      const manifest = await loadModelManifest(p.model);
      const plan = servingPlan(p, manifest, {
        instances: positiveInt('--instances', opts.instances),
        cpuInstances: positiveInt('--cpu-instances', opts.cpuInstances),
        orchestratorInstances: opts.orchestratorInstances ? positiveInt('--orchestrator-instances', opts.orchestratorInstances) : undefined,
        cpuFallback: opts.cpuFallback,
      });
      const missing = Object.keys(manifest.modules).map((m) => join(p.output, `${m}.engine`)).filter((f) => !existsSync(f));
      if (missing.length && opts.requireEngines) {
        throw new UserError(`engines not built yet: ${missing.join(', ')}`, {
          hint: `run \`emovoice build --profile ${p.name}\` first (or drop --require-engines to write the configs alone)`,
          exitCode: 3,
        });
      }
      // Each model folder appears complete or not at all (a half-copied model.plan must never look
      // loadable); other models already in the repository are left alone.
      await replaceFolders(opts.triton, async (stage) => {
        for (const [name, spec] of Object.entries(manifest.modules)) {
          const dir = join(stage, name);
          await mkdir(join(dir, '1'), { recursive: true });
          await writeFile(join(dir, 'config.pbtxt'), engineConfig(name, spec, plan));
          const engine = join(p.output, `${name}.engine`);
          if (existsSync(engine)) await copyFile(engine, join(dir, '1', 'model.plan'));
          if (plan.cpuFallback) {
            const cpu = join(stage, `${name}_cpu`);
            await mkdir(join(cpu, '1'), { recursive: true });
            await writeFile(join(cpu, 'config.pbtxt'), cpuFallbackConfig(name, spec, plan));
            await copyFile(spec.file, join(cpu, '1', 'model.onnx'));
            // External weights keep their file name: the ONNX refers to them by it.
            if (existsSync(`${spec.file}.data`)) await copyFile(`${spec.file}.data`, join(cpu, '1', `${basename(spec.file)}.data`));
          }
        }
        const orch = join(stage, 'emovoice');
        await mkdir(join(orch, '1'), { recursive: true });
        await writeFile(join(orch, 'config.pbtxt'), orchestratorConfig(manifest, plan));
        await writeFile(join(orch, '1', 'model.py'), await readFile(ORCHESTRATOR));
        await writeFile(join(orch, '1', 'frontend.mjs'), await bundleFrontend());
        await writeFile(join(orch, '1', 'frontend.json'), JSON.stringify({ name: manifest.frontend.name, section: manifest.frontend.section, symbols: manifest.frontend.symbols }) + '\n');
        const emotions = Object.values(manifest.conditioning).find((c) => c.kind === 'label' && c.table);
        if (emotions?.table) await copyFile(emotions.table, join(orch, '1', 'emotions.npz'));
      });
      const n = Object.keys(manifest.modules).length;
      log(
        `wrote ${opts.triton}: ${n} engine models (max batch ${Object.entries(plan.maxBatch).map(([m, b]) => `${m} ${b}`).join(', ')}; queue delay ${plan.queueDelayMs} ms)` +
          `${plan.cpuFallback ? `, ${n} CPU fallback models` : ''}, and the emovoice orchestrator (TEXT + REF_AUDIO in, WAVEFORM out; needs Node.js ≥ 20 in the Triton image for TEXT)`,
      );
      if (missing.length) {
        log(`warning: ${missing.length} engine(s) not built yet, so their model folders have no model.plan and Triton will not load them: ${missing.join(', ')} (fix: run \`emovoice build --profile ${p.name}\` and package again; --require-engines makes this an error)`);
      }
    });
}
