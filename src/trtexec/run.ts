// Run trtexec as a child process: argument array (never a shell), stdout+stderr merged, every
// byte streamed into a log file as it arrives and every line handed to onLine. A timeout or an
// AbortSignal stops it with SIGTERM and, 2 s later if it is still alive, SIGKILL.
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
}

export interface RunTrtexecResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
  logFile: string;
}

export async function runTrtexec(opts: RunTrtexecOptions): Promise<RunTrtexecResult> {
  await mkdir(dirname(opts.logFile), { recursive: true });
  const log = createWriteStream(opts.logFile);
  const logClosed = new Promise<void>((resolve, reject) => {
    log.on('close', resolve);
    log.on('error', reject);
  });
  const started = performance.now();
  const subprocess = execa(opts.exe, opts.argv, {
    reject: false,
    all: true,
    buffer: false,
    stdin: 'ignore',
    shell: false,
    windowsHide: true,
    killSignal: 'SIGTERM',
    forceKillAfterDelay: KILL_GRACE_MS,
    ...(opts.timeoutMs && opts.timeoutMs > 0 ? { timeout: opts.timeoutMs } : {}),
    ...(opts.signal ? { cancelSignal: opts.signal } : {}),
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });

  const decoder = new StringDecoder('utf8');
  let pending = '';
  const emit = (text: string, flush: boolean): void => {
    pending += text;
    const parts = pending.split('\n');
    pending = flush ? '' : parts.pop()!;
    if (!opts.onLine) return;
    for (const p of parts) {
      const line = p.endsWith('\r') ? p.slice(0, -1) : p;
      if (flush && line === '' && p === parts[parts.length - 1]) continue;
      opts.onLine(line);
    }
  };
  subprocess.all?.on('data', (chunk: Buffer | string) => {
    log.write(chunk);
    emit(typeof chunk === 'string' ? chunk : decoder.write(chunk), false);
  });

  const result = await subprocess;
  const durationMs = performance.now() - started;
  emit(decoder.end(), true);
  log.end();
  await logClosed.catch(() => undefined);

  const code = (result as { code?: string }).code ?? ((result as { cause?: { code?: string } }).cause?.code);
  if (code === 'ENOENT' || code === 'EACCES') {
    throw new UserError(`cannot run trtexec at "${opts.exe}" (${code})`, {
      hint: 'install TensorRT and put trtexec on PATH, or set TRTEXEC=',
      exitCode: 3,
    });
  }
  const aborted = Boolean(result.isCanceled || (opts.signal?.aborted && !result.timedOut && result.exitCode === undefined));
  return {
    exitCode: typeof result.exitCode === 'number' ? result.exitCode : null,
    signal: result.signal ?? null,
    timedOut: Boolean(result.timedOut),
    aborted,
    durationMs,
    logFile: opts.logFile,
  };
}
