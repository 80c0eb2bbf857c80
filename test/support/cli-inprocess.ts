// The CLI's main() run inside the test process, its stdout and stderr captured: the same code path as
// `node bin/emovoice.js …` without a Node start (~1 s each on a 2-core machine), for tests that run the
// CLI many times (the property test). One call at a time. What needs a process of its own (a command
// line's length, an exit that never comes, a signal) is tested by spawning the CLI instead.
import { main } from '../../src/cli/main.ts';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

let busy = false;

export async function runCli(args: string[]): Promise<CliResult> {
  if (busy) throw new Error('runCli: one call at a time (it captures process.stdout/stderr)');
  busy = true;
  const out: string[] = [];
  const err: string[] = [];
  const stdout = process.stdout.write;
  const stderr = process.stderr.write;
  const exitCode = process.exitCode;
  process.exitCode = undefined;
  process.stdout.write = ((chunk: string | Uint8Array) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await main(['node', 'emovoice', ...args]);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
    process.exitCode = exitCode;
    busy = false;
  }
}

/**
 * runCli with these environment variables and this working folder for the call (both restored after), in
 * the shape of an execa result (output without its final newline): for files that run the CLI many times
 * (the stand-in build tests, init, models, diff), where each `node bin/emovoice.js` would start Node and
 * tsx again. Processes the command starts (trtexec's stand-in) inherit the environment as they would from
 * a spawned CLI. Not for what needs a process of its own (a signal, stdin, a terminal, an exit that never comes).
 */
export async function cliInProcess(args: string[], o: { env?: Record<string, string>; cwd?: string } = {}): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const saved = Object.fromEntries(Object.keys(o.env ?? {}).map((k) => [k, process.env[k]]));
  const cwd = process.cwd();
  Object.assign(process.env, o.env);
  if (o.cwd) process.chdir(o.cwd);
  try {
    const r = await runCli(args);
    // as execa gives a spawned CLI's output: without its final newline
    const strip = (x: string) => x.replace(/\r?\n$/, '');
    return { exitCode: r.code, stdout: strip(r.out), stderr: strip(r.err) };
  } finally {
    process.chdir(cwd);
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
