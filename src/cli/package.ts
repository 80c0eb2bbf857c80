// `emovoice package --profile p --triton DIR`: a Triton model repository for the profile's engines —
// one TensorRT model per engine module, a CPU (ONNX Runtime) fallback model per engine, an ONNX Runtime
// model per module kept off the engine path, and the `emovoice` orchestrator (Python backend walking the
// manifest's graph from pipeline.json, plus the bundled frontend and host steps, plus the tables and
// files its steps and conditioning name). Configs come from src/serving/triton.ts, the request contract
// from src/serving/contract.ts, pipeline.json from src/serving/pipeline-file.ts. Knows no family.
import type { Command } from 'commander';
import { copyFile, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../core/errors.ts';
import { replaceFolders } from '../core/files.ts';
import type { ModelManifest } from '../model/manifest.ts';
import { registry } from '../pipeline/registry.ts';
import { loadProfile } from '../profile/load.ts';
import { loadProfileModel } from '../profile/model.ts';
import { bundleFrontend } from '../serving/bundle.ts';
import { mainInput, requestContract } from '../serving/contract.ts';
import { servingPipeline } from '../serving/pipeline-file.ts';
import { MODULE_BACKENDS, ORCHESTRATOR_MODEL, engineConfig, moduleModels, onnxRuntimeConfig, orchestratorConfig, servingPlan, type ModuleBackend } from '../serving/triton.ts';
import { CONFIGS_DIR, collect, log, positiveInt } from './common.ts';

const ORCHESTRATOR = fileURLToPath(new URL('../serving/orchestrator.py', import.meta.url));
const MODULE_MODEL = fileURLToPath(new URL('../serving/module_model.py', import.meta.url));

export function register(program: Command): void {
  program
    .command('package')
    .description('write a Triton Inference Server model repository: the engines, CPU fallbacks, and an orchestrator (text and the conditioning the manifest declares in, audio out)')
    .requiredOption('--profile <name|path>', 'build profile whose engines to package')
    .requiredOption('--triton <dir>', 'output model repository')
    .option('--instances <n>', 'GPU instances per engine model', '1')
    .option('--cpu-instances <n>', 'CPU instances per fallback model', '1')
    .option('--orchestrator-instances <n>', 'CPU instances of the orchestrator (concurrent requests in flight)')
    .option('--module-backend <tensorrt|python>', 'how modules are served: tensorrt (engines, ONNX Runtime fallbacks) or python (every module ONNX Runtime in the Python backend, for a Triton without the onnxruntime and TensorRT backends)', 'tensorrt')
    .option('--no-cpu-fallback', 'leave out the ONNX Runtime CPU fallback models')
    .option('--require-engines', 'fail (exit 3, nothing written) unless every engine is built; for CI')
    .option('--allow-missing-engines', '(the default) write the repository even where an engine is not built yet, with a warning')
    .option('--stream', 'also write emovoice_stream: the orchestrator as a decoupled model, one response per audio chunk (the model must declare streaming stages)')
    .option('--set <key=value>', 'override a profile value (repeatable)', collect)
    .action(async (opts: {
      profile: string; triton: string; instances: string; cpuInstances: string; orchestratorInstances?: string;
      cpuFallback: boolean; requireEngines?: boolean; allowMissingEngines?: boolean; set?: string[]; moduleBackend: string; stream?: boolean;
    }) => {
      if (!(MODULE_BACKENDS as readonly string[]).includes(opts.moduleBackend)) {
        throw new UserError(`--module-backend ${opts.moduleBackend} is not a module backend`, { hint: `use one of ${MODULE_BACKENDS.join(', ')}` });
      }
      const backend = opts.moduleBackend as ModuleBackend;
      const py = backend === 'python';
      const loaded = await loadProfile(opts.profile, { configsDir: CONFIGS_DIR, overrides: opts.set ?? [] });
      const p = loaded.profile;
      if (p.backend !== 'trt' && !py) throw new UserError(`profile ${p.name} has no TensorRT engines`, { place: { file: loaded.file, path: 'backend' }, hint: 'package a trt profile, or serve every module on ONNX Runtime with --module-backend python' });
      const manifest = await loadProfileModel(loaded);
      const plan = servingPlan(p, manifest, {
        instances: positiveInt('--instances', opts.instances),
        cpuInstances: positiveInt('--cpu-instances', opts.cpuInstances),
        orchestratorInstances: opts.orchestratorInstances ? positiveInt('--orchestrator-instances', opts.orchestratorInstances) : undefined,
        cpuFallback: opts.cpuFallback,
      });
      const models = moduleModels(manifest, plan);
      const contract = requestContract(manifest);
      await checkSteps(manifest);
      const bundle = servingPipeline(manifest, plan, models, contract, (f) => existsSync(f) && statSync(f).isFile());
      const streaming = opts.stream ? await import('./package-stream.ts').then((x) => x.streamingSection(manifest, p.serving)) : null;
      if (streaming) Object.assign(bundle.pipeline, { streaming });
      const engines = Object.keys(manifest.modules).filter((m) => models[m]!.engine);
      const missing = py ? [] : engines.map((m) => join(p.output, `${m}.engine`)).filter((f) => !existsSync(f));
      if (missing.length && opts.requireEngines) {
        throw new UserError(`engines not built yet: ${missing.join(', ')}`, {
          hint: `run \`emovoice build --profile ${p.name}\` first (or drop --require-engines to write the configs alone)`,
          exitCode: 3,
        });
      }
      // Each model folder appears complete or not at all (a half-copied model.plan must never look
      // loadable); other models already in the repository are left alone.
      await replaceFolders(opts.triton, async (stage) => {
        const onnxModel = async (name: string, config: string, onnx: string) => {
          const dir = join(stage, name);
          await mkdir(join(dir, '1'), { recursive: true });
          await writeFile(join(dir, 'config.pbtxt'), config);
          if (py) await copyFile(MODULE_MODEL, join(dir, '1', 'model.py'));
          await copyFile(onnx, join(dir, '1', 'model.onnx'));
          // External weights keep their file name: the ONNX refers to them by it.
          if (existsSync(`${onnx}.data`)) await copyFile(`${onnx}.data`, join(dir, '1', `${basename(onnx)}.data`));
        };
        for (const [name, spec] of Object.entries(manifest.modules)) {
          const m = models[name]!;
          if (!m.engine) {
            await onnxModel(m.model, onnxRuntimeConfig(name, spec, plan, 'only', backend), spec.file);
            continue;
          }
          if (py) {
            await onnxModel(m.model, engineConfig(name, spec, plan, backend), spec.file);
            if (m.fallback) await onnxModel(m.fallback, onnxRuntimeConfig(name, spec, plan, 'fallback', backend), spec.file);
            continue;
          }
          const dir = join(stage, m.model);
          await mkdir(join(dir, '1'), { recursive: true });
          await writeFile(join(dir, 'config.pbtxt'), engineConfig(name, spec, plan));
          const engine = join(p.output, `${name}.engine`);
          if (existsSync(engine)) await copyFile(engine, join(dir, '1', 'model.plan'));
          if (m.fallback) await onnxModel(m.fallback, onnxRuntimeConfig(name, spec, plan, 'fallback'), spec.file);
        }
        const orch = join(stage, ORCHESTRATOR_MODEL, '1');
        await mkdir(orch, { recursive: true });
        await writeFile(join(stage, ORCHESTRATOR_MODEL, 'config.pbtxt'), orchestratorConfig(manifest, plan, contract));
        await writeFile(join(orch, 'model.py'), await readFile(ORCHESTRATOR));
        const fe = await bundleFrontend();
        await writeFile(join(orch, 'frontend.mjs'), fe.code);
        await writeFile(join(orch, bundle.pipeline.frontend.file), JSON.stringify(bundle.frontend) + '\n');
        await writeFile(join(orch, 'pipeline.json'), JSON.stringify(bundle.pipeline, null, 1) + '\n');
        for (const f of [...bundle.files, ...fe.files]) {
          await mkdir(dirname(join(orch, f.to)), { recursive: true });
          await cp(f.from, join(orch, f.to), { recursive: true, dereference: true });
        }
        if (streaming) await import('./package-stream.ts').then((x) => x.writeStreamModel(stage, manifest, plan, contract));
      });
      const fallbacks = Object.values(models).filter((m) => m.fallback).length;
      const cpuOnly = Object.values(models).filter((m) => !m.engine).length;
      const required = bundle.pipeline.conditioning.filter((c) => c.required).map((c) => mainInput(c.inputs));
      log(
        `wrote ${opts.triton}: ${engines.length} ${py ? 'engine-path models on ONNX Runtime in the Python backend' : 'engine models'} (max batch ${Object.entries(plan.maxBatch).map(([m, b]) => `${m} ${b}`).join(', ')}; queue delay ${plan.queueDelayMs} ms)` +
          `${fallbacks ? `, ${fallbacks} CPU fallback models` : ''}${cpuOnly ? `, ${cpuOnly} ONNX Runtime models for modules off the engine path` : ''}` +
          `, and the ${ORCHESTRATOR_MODEL} orchestrator (${['TEXT', ...required].join(' + ')} in, WAVEFORM out; inputs: ${contract.inputs.map((i) => i.name).join(', ')}; needs Node.js ≥ 20 in the Triton image for TEXT)`,
      );
      if (missing.length) {
        log(`warning: ${missing.length} engine(s) not built yet, so their model folders have no model.plan and Triton will not load them: ${missing.join(', ')} (fix: run \`emovoice build --profile ${p.name}\` and package again; --require-engines makes this an error)`);
      }
    });
}

/** Every host step's params checked now (the factory's own errors, at the manifest's line), not when Triton loads the model. */
async function checkSteps(m: ModelManifest): Promise<void> {
  for (const st of m.graph) {
    if (!st.step) continue;
    await registry.step(st.step)!.create(st.params, { manifestPath: m.path, dir: m.dir, audio: m.audio, place: m.locate(['graph', st.index, 'params']) });
  }
}
