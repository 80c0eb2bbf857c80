// The Triton Inference Server adapter for `emovoice serve --triton`: find an installed server, set up
// what its Python backend needs, start it on a model repository, wait until it is ready, stop it.
// The server is PyPI's nvidia-pytriton bundle (pytriton/tritonserver: the server, the Python backend,
// one backend stub per Python version, its libraries in nvidia_pytriton.libs), installed with numpy and
// onnxruntime in a Python environment of its own (scripts/setup.sh: .cache/triton-python) and found by
// asking that environment's python without importing pytriton; or any tritonserver named by
// $TRITONSERVER (an NGC image's), run as it is.
// How the stub sees that environment: it embeds libpython3.X (LD_LIBRARY_PATH: the environment's own),
// and an embedded interpreter finds its prefix from the `python3` first on PATH, so the environment's
// bin/ goes first on PATH and its pyvenv.cfg makes its site-packages the stub's (PYTHONPATH is not read).
// Its numpy must be 1.x: the bundle's stub reads numpy 1's array layout (with numpy 2 string tensors and
// output sizes come out wrong). Processes are spawned with argument arrays; the server's log goes to a file.
import { spawn, type ChildProcess } from 'node:child_process';
import { execa } from 'execa';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UserError } from '../core/errors.ts';

export const SETUP_STEP = 'bash scripts/setup.sh (it installs nvidia-pytriton==0.7.0, numpy==1.26.4 and onnxruntime==1.30.0 into .cache/triton-python), or set EMOVOICE_TRITON_PYTHON to the python of a venv with them';

export interface TritonInstall {
  /** The tritonserver executable. */
  server: string;
  /** The Python backend folder to serve from (null: the server's own default). */
  pythonBackend: { lib: string; utils: string; stub: string } | null;
  env: Record<string, string>;
  /** What was found, for messages. */
  describe: string;
}

const PROBE = `
import importlib.util, json, os, sys, sysconfig
spec = importlib.util.find_spec("pytriton")
libdir, so = sysconfig.get_config_var("LIBDIR") or "", sysconfig.get_config_var("INSTSONAME") or ""
def version(m):
    if importlib.util.find_spec(m) is None: return None
    from importlib.metadata import version as v
    try: return v(m)
    except Exception: return "?"
print(json.dumps({
  "pytriton": list(spec.submodule_search_locations)[0] if spec else None,
  "version": f"{sys.version_info[0]}.{sys.version_info[1]}",
  "libpython": os.path.join(libdir, so) if so.endswith(".so.1.0") and os.path.exists(os.path.join(libdir, so)) else None,
  "venv": sys.prefix != sys.base_prefix,
  "prefix": sys.prefix,
  "numpy": version("numpy"), "onnxruntime": version("onnxruntime"),
}))
`;

interface Probe { pytriton: string | null; version: string; libpython: string | null; venv: boolean; prefix: string; numpy: string | null; onnxruntime: string | null }

/**
 * The server to run: $TRITONSERVER as it is, else the nvidia-pytriton bundle of the Python environment
 * `python` belongs to (a venv: scripts/setup.sh makes .cache/triton-python). One error line naming the
 * set-up step when there is none.
 */
export async function findTriton(python: string, env: NodeJS.ProcessEnv = process.env): Promise<TritonInstall> {
  if (env.TRITONSERVER) {
    if (!existsSync(env.TRITONSERVER)) throw new UserError(`TRITONSERVER=${env.TRITONSERVER} does not exist`, { hint: `point it at a tritonserver executable, or unset it to use the nvidia-pytriton bundle (${SETUP_STEP})` });
    return { server: env.TRITONSERVER, pythonBackend: null, env: {}, describe: env.TRITONSERVER };
  }
  const r = await execa(python, ['-c', PROBE], { reject: false });
  if (r.exitCode !== 0 || r.failed) {
    throw new UserError(`the Triton server is not installed: ${python} did not run (${String(r.stderr || r.shortMessage || "no output").split('\n').pop()})`, { hint: `run ${SETUP_STEP}` });
  }
  const p = JSON.parse(r.stdout) as Probe;
  if (!p.pytriton) throw new UserError(`the Triton server is not installed: ${python} has no nvidia-pytriton`, { hint: `run ${SETUP_STEP}, or set TRITONSERVER to a tritonserver executable` });
  const root = join(p.pytriton, 'tritonserver');
  const server = join(root, 'bin', 'tritonserver');
  const stub = join(root, 'python_backend_stubs', p.version, 'triton_python_backend_stub');
  const libs = join(p.pytriton, '..', 'nvidia_pytriton.libs');
  if (!existsSync(server)) throw new UserError(`the nvidia-pytriton install at ${p.pytriton} has no tritonserver/bin/tritonserver`, { hint: `reinstall it: ${SETUP_STEP}` });
  if (!existsSync(stub)) throw new UserError(`nvidia-pytriton has no Python backend stub for Python ${p.version} (${stub})`, { hint: 'make the environment with a python3 of version 3.8 to 3.13' });
  if (!p.numpy || !p.onnxruntime) throw new UserError(`${python} has no ${[!p.numpy && 'numpy', !p.onnxruntime && 'onnxruntime'].filter(Boolean).join(' or ')}, which the served models import`, { hint: `run ${SETUP_STEP}` });
  if (Number(p.numpy.split('.')[0] ?? 0) >= 2) {
    throw new UserError(`${python} has numpy ${p.numpy}; the nvidia-pytriton 0.7.0 backend stub needs numpy 1.x (with numpy 2 it reads tensors wrongly)`, { hint: `run ${SETUP_STEP}, or install numpy==1.26.4 into that environment` });
  }
  if (!p.venv || !p.libpython) {
    throw new UserError(`${python} is not a virtual environment with a shared libpython (${p.prefix}); the backend stub finds its packages through one`, { hint: `run ${SETUP_STEP}` });
  }
  return {
    server,
    pythonBackend: { lib: join(root, 'backends', 'python', 'libtriton_python.so'), utils: join(root, 'backends', 'python', 'triton_python_backend_utils.py'), stub },
    env: {
      LD_LIBRARY_PATH: [dirname(p.libpython), libs, env.LD_LIBRARY_PATH].filter((x): x is string => !!x).join(':'),
      PATH: [join(p.prefix, 'bin'), env.PATH].filter(Boolean).join(':'),
    },
    describe: `nvidia-pytriton in ${p.prefix} (Python ${p.version}, numpy ${p.numpy}, onnxruntime ${p.onnxruntime})`,
  };
}

export interface ServeOptions {
  repository: string;
  host: string;
  httpPort: number;
  grpcPort: number;
  /** null: metrics off. */
  metricsPort: number | null;
  /** A folder of ours for the backend folder (symlinks into the install) and the log. */
  workDir: string;
  logFile: string;
  /** Seconds to wait for readiness. */
  readyTimeoutS: number;
  /** Seconds Triton waits for requests in flight when it stops (--exit-timeout-secs). */
  exitTimeoutS: number;
  /** Called with the server process as soon as it is spawned (so a signal during start-up can stop it). */
  onSpawn?: (proc: ChildProcess) => void;
}

/** tritonserver's command line (pure). */
export function serverArgs(o: ServeOptions, backendDir: string | null): string[] {
  return [
    `--model-repository=${o.repository}`,
    ...(backendDir ? [`--backend-directory=${backendDir}`] : []),
    `--http-address=${o.host}`, `--http-port=${o.httpPort}`,
    `--grpc-address=${o.host}`, `--grpc-port=${o.grpcPort}`,
    ...(o.metricsPort === null ? ['--allow-metrics=false'] : [`--metrics-address=${o.host}`, `--metrics-port=${o.metricsPort}`]),
    // explicit control, every model loaded at start: a model whose backend process died can be loaded again (reload())
    '--model-control-mode=explicit', '--load-model=*',
    '--strict-readiness=true', '--exit-on-error=true', `--exit-timeout-secs=${o.exitTimeoutS}`,
  ];
}

export interface RunningServer {
  proc: ChildProcess;
  pid: number;
  http: string;
  grpc: string;
  version: string;
  models: { name: string; version?: string; state?: string }[];
  /** Resolves with the exit code (or signal) when the server process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function lastLogLines(file: string, n: number): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.trim()).slice(-n);
}

/** The first line of the log that says why the server did not come up (a model that did not load, a port taken). */
export function whyNotReady(log: string): string | null {
  const lines = log.split('\n');
  const pick = (re: RegExp) => lines.find((l) => re.test(l));
  const hit = pick(/failed to load|Failed to start|failed to start|address already in use|error: creating server/i) ?? pick(/^E\d{4} /);
  // Triton quotes the message and writes a Python traceback's newlines as \n: its first line is the reason
  return hit ? hit.replace(/^[EWI]\d{4} [\d:.]+ +\d+ [\w.]+:\d+\] /, '').split('\\n')[0]!.replace(/^"|"$/g, '').trim() : null;
}

export async function startServer(install: TritonInstall, o: ServeOptions): Promise<RunningServer> {
  let backendDir: string | null = null;
  if (install.pythonBackend) {
    // The bundle keeps one stub per Python version apart from the backend; Triton looks for it beside libtriton_python.so.
    backendDir = join(o.workDir, 'backends');
    const py = join(backendDir, 'python');
    await rm(backendDir, { recursive: true, force: true });
    await mkdir(py, { recursive: true });
    await symlink(install.pythonBackend.lib, join(py, 'libtriton_python.so'));
    await symlink(install.pythonBackend.utils, join(py, 'triton_python_backend_utils.py'));
    await symlink(install.pythonBackend.stub, join(py, 'triton_python_backend_stub'));
  }
  const log = createWriteStream(o.logFile);
  await new Promise((r) => log.once('open', r));
  const proc = spawn(install.server, serverArgs(o, backendDir), { env: { ...process.env, ...install.env }, stdio: ['ignore', log, log] });
  o.onSpawn?.(proc);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code, signal }));
    proc.once('error', () => resolve({ code: 127, signal: null }));
  });
  let done: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  void exited.then((d) => (done = d));
  const http = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.httpPort}`;
  const stop = async () => {
    if (done) return;
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), (o.exitTimeoutS + 10) * 1000);
    await exited;
    clearTimeout(t);
    log.end();
  };
  const deadline = Date.now() + o.readyTimeoutS * 1000;
  for (;;) {
    if (done) {
      const text = await readFile(o.logFile, 'utf8').catch(() => '');
      const why = whyNotReady(text) ?? (await lastLogLines(o.logFile, 1))[0] ?? `exit ${(done as { code: number | null }).code}`;
      throw new UserError(`the Triton server stopped before it was ready: ${why}`, { place: { file: o.logFile }, hint: 'read the server log named here; a model that did not load names its file' , exitCode: 3 });
    }
    const ready = await fetch(`${http}/v2/health/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      const why = whyNotReady(await readFile(o.logFile, 'utf8').catch(() => ''));
      throw new UserError(`the Triton server was not ready within ${o.readyTimeoutS} s${why ? `: ${why}` : ''}`, { place: { file: o.logFile }, hint: 'read the server log; raise --ready-timeout on a slow machine', exitCode: 3 });
    }
    await sleep(250);
  }
  const meta = (await (await fetch(`${http}/v2`)).json()) as { version?: string };
  const index = (await (await fetch(`${http}/v2/repository/index`, { method: 'POST', body: '{}' })).json()) as RunningServer['models'];
  return { proc, pid: proc.pid!, http, grpc: `${o.host}:${o.grpcPort}`, version: meta.version ?? '?', models: index, exited, stop };
}

/** The Python backend stub processes the server started, by model (Linux /proc; empty elsewhere). */
export async function stubProcesses(serverPid: number, repository: string): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const prefix = repository.replace(/\/+$/, '') + '/';
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const [cmd, stat] = await Promise.all([readFile(`/proc/${e}/cmdline`, 'utf8'), readFile(`/proc/${e}/stat`, 'utf8')]);
      const argv = cmd.split('\0');
      if (!argv[0]?.endsWith('triton_python_backend_stub') || !argv[1]?.startsWith(prefix)) continue;
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== serverPid) continue;
      const model = argv[1].slice(prefix.length).split('/')[0]!;
      out.set(model, [...(out.get(model) ?? []), Number(e)]);
    } catch {
      // the process ended while being read
    }
  }
  return out;
}

export type StubEvent =
  | { kind: 'died'; model: string; pids: number[] }
  | { kind: 'reloaded'; model: string; seconds: number }
  | { kind: 'reload-failed'; model: string; error: string };

/**
 * Watch the backend processes: Triton's Python backend does not restart a stub that died (the model stays
 * "ready" and answers every call with "Stub process ... is not healthy"), so a model whose process is gone
 * is unloaded and loaded again (explicit model control), which starts a new one. Returns a stop function.
 */
export function superviseStubs(server: Pick<RunningServer, 'pid' | 'http'>, repository: string, onEvent: (e: StubEvent) => void, everyMs = 1000): () => void {
  let known = new Map<string, Set<number>>();
  let stopped = false;
  let busy = false;
  const post = async (path: string, timeoutMs: number) => {
    const r = await fetch(`${server.http}${path}`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(timeoutMs) });
    if (!r.ok) throw new Error(((await r.json().catch(() => ({}))) as { error?: string }).error ?? `HTTP ${r.status}`);
  };
  const tick = async () => {
    if (stopped || busy) return;
    busy = true;
    try {
      const now = await stubProcesses(server.pid, repository);
      for (const [model, pids] of known) {
        const alive = new Set(now.get(model) ?? []);
        const gone = [...pids].filter((p) => !alive.has(p));
        if (!gone.length || stopped) continue;
        onEvent({ kind: 'died', model, pids: gone });
        const t0 = Date.now();
        const at = `/v2/repository/models/${encodeURIComponent(model)}`;
        // The dead instance may never finish unloading (its stub cannot answer): the unload is asked for, not waited on past 10 s.
        await post(`${at}/unload`, 10_000).catch(() => undefined);
        let error: string | null = 'not tried';
        for (let attempt = 0; attempt < 3 && error !== null; attempt++) {
          error = await post(`${at}/load`, 120_000).then(() => null, (err: Error) => err.message);
        }
        onEvent(error === null ? { kind: 'reloaded', model, seconds: (Date.now() - t0) / 1000 } : { kind: 'reload-failed', model, error });
      }
      // The scan this tick compared is the next one's baseline: a process that ends after it is seen then
      // (a fresh scan here would miss one that ended in between). A model loaded again shows its new process next tick.
      known = new Map([...now].map(([m, p]) => [m, new Set(p)]));
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), everyMs);
  void tick();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
