// Run trtexec as a child process and report how it ended. Argument array, never a shell; stdout and
// stderr merged, every byte streamed into the log file as it arrives and every line handed to onLine.
// A timeout or an AbortSignal (Ctrl-C) stops the whole process tree: the child runs in its own process
// group, which gets SIGTERM and, KILL_GRACE_MS later if anything is still alive, SIGKILL.
// It never decides whether an engine is good or removes files: that is the build executor's job.
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { execa } from 'execa';
import { UserError } from '../core/errors.ts';

export const KILL_GRACE_MS = 2_000;

export interface RunTrtexecOptions {
  exe: string;
  argv: string[];
  logFile: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
  /** Extra environment for the child (merged over process.env). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Grace between SIGTERM and SIGKILL (default KILL_GRACE_MS). */
  killGraceMs?: number;
}

export interface RunTrtexecResult {
  /** null when the process was ended by a signal. */
  exitCode: number | null;
  /** e.g. "SIGSEGV" for a crash, "SIGTERM"/"SIGKILL" after a timeout or abort; null on a normal exit. */
  signal: string | null;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
  logFile: string;
}

const GROUPS = process.platform !== 'win32';

/** Send sig to the child's process group (the child and whatever it started), or the child alone. */
function signalTree(pid: number | undefined, sig: NodeJS.Signals, fallback: () => void): void {
  if (pid === undefined) return;
  try {
    if (GROUPS) process.kill(-pid, sig);
    else fallback();
  } catch {
    // ESRCH: already gone.
  }
}

export async function runTrtexec(opts: RunTrtexecOptions): Promise<RunTrtexecResult> {
  await mkdir(dirname(opts.logFile), { recursive: true });
  const log = createWriteStream(opts.logFile);
  const logClosed = new Promise<void>((resolve, reject) => {
    log.on('close', resolve);
    log.on('error', reject);
  });
  const started = performance.now();

  if (opts.signal?.aborted) {
    log.end();
    await logClosed.catch(() => undefined);
    return { exitCode: null, signal: null, timedOut: false, aborted: true, durationMs: 0, logFile: opts.logFile };
  }

  const subprocess = execa(opts.exe, opts.argv, {
    reject: false,
    all: true,
    buffer: false,
    stdin: 'ignore',
    shell: false,
    windowsHide: true,
    // Own process group, so that a stop reaches every process trtexec started.
    detached: GROUPS,
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  const pid = subprocess.pid;

  let timedOut = false;
  let aborted = false;
  let graceTimer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    signalTree(pid, 'SIGTERM', () => subprocess.kill('SIGTERM'));
    graceTimer ??= setTimeout(() => signalTree(pid, 'SIGKILL', () => subprocess.kill('SIGKILL')), opts.killGraceMs ?? KILL_GRACE_MS);
  };
  const timeoutTimer =
    opts.timeoutMs && opts.timeoutMs > 0
      ? setTimeout(() => {
          if (!aborted) timedOut = true;
          stop();
        }, opts.timeoutMs)
      : undefined;
  const onAbort = (): void => {
    if (!timedOut) aborted = true;
    stop();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  // If this process exits while trtexec runs (uncaught error, process.exit), do not leave it behind.
  const onExit = (): void => signalTree(pid, 'SIGKILL', () => subprocess.kill('SIGKILL'));
  process.once('exit', onExit);

  const decoder = new StringDecoder('utf8');
  let pending = '';
  const emit = (text: string, flush: boolean): void => {
    pending += text;
    const parts = pending.split('\n');
    pending = flush ? '' : parts.pop()!;
    if (!opts.onLine) return;
    for (const [i, p] of parts.entries()) {
      if (flush && i === parts.length - 1 && p === '') continue;
      opts.onLine(p.endsWith('\r') ? p.slice(0, -1) : p);
    }
  };
  subprocess.all?.on('data', (chunk: Buffer | string) => {
    log.write(chunk);
    emit(typeof chunk === 'string' ? chunk : decoder.write(chunk), false);
  });

  const result = await subprocess;
  const durationMs = performance.now() - started;
  clearTimeout(timeoutTimer);
  opts.signal?.removeEventListener('abort', onAbort);
  process.removeListener('exit', onExit);
  // The direct child is gone; make sure nothing of its group outlives it after a stop.
  if (graceTimer) {
    clearTimeout(graceTimer);
    signalTree(pid, 'SIGKILL', () => undefined);
  }
  emit(decoder.end(), true);
  log.end();
  await logClosed.catch(() => undefined);

  const code = (result as { code?: string }).code ?? (result as { cause?: { code?: string } }).cause?.code;
  if (code === 'ENOENT' || code === 'EACCES') {
    throw new UserError(`cannot run trtexec at "${opts.exe}" (${code === 'ENOENT' ? 'no such file' : 'not executable'})`, {
      hint: 'install TensorRT and put trtexec on PATH, or set TRTEXEC=',
      exitCode: 3,
    });
  }
  return {
    exitCode: typeof result.exitCode === 'number' ? result.exitCode : null,
    signal: result.signal ?? null,
    timedOut,
    aborted,
    durationMs,
    logFile: opts.logFile,
  };
}
