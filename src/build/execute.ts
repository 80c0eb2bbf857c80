// Runs a build plan: one trtexec process per module, log streamed beside the engine, engine moved
// into place only after a verified success. Never replaces a good engine with a failed or
// interrupted build, and never leaves a half-written file under the engine's name.
import { readFile, rename, rm, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UserError } from '../core/errors.ts';
import { fileSize, sha256File, sha256Text, writeFileAtomic } from '../core/files.ts';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { epContextFile, epContextModel } from './epcontext.ts';
import { encodeOnnxModel, readOnnxModel } from '../model/onnx.ts';
import { reportFile } from '../precision/files.ts';
import { parseTrtexecLog } from '../trtexec/parse.ts';
import { runTrtexec } from '../trtexec/run.ts';
import type { GpuInfo } from '../system/nvidia-smi.ts';
import type { BuildManifest, BuildPlan, ModuleRecord, PlannedModule } from './types.ts';

export const EMOVOICE_VERSION = '0.1.0';

export interface ExecuteOptions {
  force?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  gpu: GpuInfo | null;
  onEvent?: (e: BuildEvent) => void;
}

export type BuildEvent =
  | { kind: 'start'; module: string; argv: string[] }
  | { kind: 'line'; module: string; line: string }
  | { kind: 'skip'; module: string; reason: string }
  | { kind: 'done'; module: string; record: ModuleRecord }
  | { kind: 'fail'; module: string; reason: string; log: string };

export interface BuildResult {
  manifest: BuildManifest;
  built: string[];
  skipped: string[];
  failed: { module: string; reason: string; log: string }[];
  interrupted: boolean;
}

/** The build key: everything that decides the engine's bytes. Same key → the engine on disk is current. */
export async function buildKey(m: PlannedModule, plan: BuildPlan, gpu: GpuInfo | null): Promise<{ key: string; onnxSha: string }> {
  const hashes: Record<string, string> = {};
  for (const f of m.keyInputs) hashes[f] = await sha256File(f);
  const data = {
    emovoice: EMOVOICE_VERSION,
    tensorrt: plan.tensorrt.version,
    gpu: gpu ? { name: gpu.name, cc: gpu.computeCapability } : null,
    argv: m.argv,
    files: hashes,
    ...m.keyData,
  };
  return { key: sha256Text(JSON.stringify(data)), onnxSha: hashes[m.onnx] ?? (await sha256File(m.onnx)) };
}

export async function readBuildManifest(path: string): Promise<BuildManifest | null> {
  try {
    const m = JSON.parse(await readFile(path, 'utf8')) as BuildManifest;
    return m.format === 'emovoice-build-manifest/1' ? m : null;
  } catch {
    return null;
  }
}

export async function executePlan(plan: BuildPlan, opts: ExecuteOptions): Promise<BuildResult> {
  const exe = plan.tensorrt.exe;
  if (!exe) {
    throw new UserError('trtexec was not found, so no engine can be built', {
      hint: 'install TensorRT and put trtexec on PATH or set TRTEXEC=/path/to/trtexec; use --dry-run to see the commands',
      exitCode: 3,
    });
  }
  await mkdir(plan.outputDir, { recursive: true });
  const release = await acquireLock(`${plan.outputDir}/.build.lock`);
  try {
    const previous = await readBuildManifest(plan.manifestPath);
    const manifest: BuildManifest = {
      format: 'emovoice-build-manifest/1',
      emovoiceVersion: EMOVOICE_VERSION,
      profile: plan.profile,
      tensorrt: { version: plan.tensorrt.version, dialect: plan.tensorrt.dialect, trtexec: exe, mode: plan.mode },
      gpu: opts.gpu
        ? { name: opts.gpu.name, computeCapability: opts.gpu.computeCapability, driverVersion: opts.gpu.driverVersion }
        : null,
      updatedAt: new Date().toISOString(),
      modules: { ...(previous?.modules ?? {}) },
    };
    const result: BuildResult = { manifest, built: [], skipped: [], failed: [], interrupted: false };

    for (const m of plan.modules) {
      if (opts.signal?.aborted) {
        result.interrupted = true;
        break;
      }
      const { key, onnxSha } = await buildKey(m, plan, opts.gpu);
      const prev = previous?.modules[m.module];
      if (!opts.force && prev?.engine && prev.key === key && (await engineMatches(m.engine, prev.engine.sha256))) {
        manifest.modules[m.module] = { ...prev, status: 'skipped' };
        // an engine built before EPContext models were written gets its own now (--backend trt runs it)
        if (!existsSync(epContextFile(m.engine))) await writeEpContext(m.engine, m.onnx);
        result.skipped.push(m.module);
        opts.onEvent?.({ kind: 'skip', module: m.module, reason: 'build key unchanged' });
        continue;
      }
      const outcome = await buildOne(m, exe, opts);
      // the one-node EPContext model beside the engine: ONNX Runtime's TensorRT provider loads this engine through it
      if (outcome.ok) await writeEpContext(m.engine, m.onnx);
      if (outcome.ok) {
        const record: ModuleRecord = {
          module: m.module,
          status: 'built',
          key,
          onnx: { path: m.onnx, sha256: onnxSha },
          engine: { path: m.engine, bytes: outcome.bytes, sha256: await sha256File(m.engine) },
          command: [exe, ...m.argv.map((a) => a.replace(m.partialEngine, m.engine))],
          buildSeconds: outcome.summary.buildSeconds,
          wallSeconds: outcome.wallSeconds,
          log: m.log,
          summary: outcome.summary,
          builtAt: new Date().toISOString(),
          precision: m.precision,
          mode: m.mode,
          converted: m.conversion ? { source: m.conversion.source, report: reportFile(m.conversion.output) } : null,
        };
        manifest.modules[m.module] = record;
        result.built.push(m.module);
        opts.onEvent?.({ kind: 'done', module: m.module, record });
      } else {
        const failure = { at: new Date().toISOString(), reason: outcome.reason, log: outcome.log };
        if (prev) manifest.modules[m.module] = { ...prev, lastFailure: failure };
        result.failed.push({ module: m.module, reason: outcome.reason, log: outcome.log });
        opts.onEvent?.({ kind: 'fail', module: m.module, reason: outcome.reason, log: outcome.log });
        if (outcome.aborted) {
          result.interrupted = true;
          manifest.updatedAt = new Date().toISOString();
          await writeFileAtomic(plan.manifestPath, JSON.stringify(manifest, null, 2) + '\n');
          break;
        }
      }
      manifest.updatedAt = new Date().toISOString();
      await writeFileAtomic(plan.manifestPath, JSON.stringify(manifest, null, 2) + '\n');
    }
    return result;
  } finally {
    await release();
  }
}

async function engineMatches(path: string, sha: string): Promise<boolean> {
  try {
    return (await sha256File(path)) === sha;
  } catch {
    return false;
  }
}

type Outcome =
  | { ok: true; bytes: number; wallSeconds: number; summary: ReturnType<typeof parseTrtexecLog> }
  | { ok: false; reason: string; log: string; aborted: boolean };

async function buildOne(m: PlannedModule, exe: string, opts: ExecuteOptions): Promise<Outcome> {
  await mkdir(dirname(m.engine), { recursive: true });
  await rm(m.partialEngine, { force: true });
  const partialLog = `${m.log}.partial`;
  const failedLog = m.log.replace(/(\.build)?\.log$/, '.failed.log');
  opts.onEvent?.({ kind: 'start', module: m.module, argv: m.argv });
  let run;
  try {
    run = await runTrtexec({
      exe,
      argv: m.argv,
      logFile: partialLog,
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
      onLine: (line) => opts.onEvent?.({ kind: 'line', module: m.module, line }),
    });
  } catch (e) {
    await rm(m.partialEngine, { force: true });
    await rm(partialLog, { force: true });
    throw e;
  }
  const text = await readFile(partialLog, 'utf8').catch(() => '');
  const summary = parseTrtexecLog(text);
  const bytes = (await fileSize(m.partialEngine)) ?? 0;
  let reason: string | null = null;
  if (run.aborted) reason = 'interrupted (Ctrl-C); the previous engine is untouched';
  else if (run.timedOut) reason = `trtexec ran past the ${Math.round((opts.timeoutMs ?? 0) / 1000)} s timeout and was stopped`;
  else if (run.signal) reason = `trtexec was killed by ${run.signal}`;
  else if (run.exitCode !== 0) reason = `trtexec exited with code ${run.exitCode}${summary.errors[0] ? `: ${summary.errors[0]}` : ''}`;
  else if (summary.status === 'failed') reason = `trtexec reported FAILED${summary.errors[0] ? `: ${summary.errors[0]}` : ''}`;
  else if (bytes === 0) reason = 'trtexec exited 0 but wrote no engine';
  if (reason) {
    await rm(m.partialEngine, { force: true });
    await rename(partialLog, failedLog).catch(() => undefined);
    return { ok: false, reason, log: failedLog, aborted: run.aborted };
  }
  await rename(m.partialEngine, m.engine);
  await rename(partialLog, m.log);
  return { ok: true, bytes, wallSeconds: run.durationMs / 1000, summary };
}

/** One build per output folder at a time; a lock left by a dead process is taken over. */
async function acquireLock(path: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return async () => {
        await rm(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(await readFile(path, 'utf8').catch(() => ''));
      if (pid && isAlive(pid)) {
        throw new UserError(`another emovoice build (pid ${pid}) is using this output folder`, {
          place: { file: path },
          hint: 'wait for it to finish, or delete the lock file if that process is gone',
        });
      }
      await rm(path, { force: true });
    }
  }
  throw new UserError('could not take the build lock', { place: { file: path }, hint: 'delete the lock file' });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes the EPContext model of a built engine beside it (atomically): its I/O are those of the ONNX file
 * the engine was built from (src/build/epcontext.ts says why). Reads that file's graph, never its weights.
 */
export async function writeEpContext(engine: string, builtFrom: string): Promise<string> {
  const info = await readOnnxModel(builtFrom);
  const file = epContextFile(engine);
  await writeFileAtomic(file, await encodeOnnxModel(epContextModel({ engine: basename(engine), inputs: info.inputs, outputs: info.outputs })));
  return file;
}
