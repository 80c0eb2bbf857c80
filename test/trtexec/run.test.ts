import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.ts';
import { parseTrtexecLog } from '../../src/trtexec/parse.ts';
import { runTrtexec } from '../../src/trtexec/run.ts';

const FAKE = resolve('test/fixtures/bin/fake-trtexec');
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'emovoice-run-'));
});
afterEach(() => {
  delete process.env.FAKE_TRTEXEC_MODE;
  delete process.env.FAKE_TRTEXEC_LOG;
  delete process.env.FAKE_TRTEXEC_IGNORE_TERM;
  delete process.env.FAKE_TRTEXEC_SECONDS;
  delete process.env.FAKE_TRTEXEC_CHILD_PIDFILE;
});

// A killed process whose parent is gone may linger as a zombie until PID 1 reaps it (containers often
// have no reaper): count it as dead.
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
};

describe('runTrtexec with the stand-in', () => {
  it('success: streams merged output to the log (dirs created) and onLine; writes the engine', async () => {
    process.env.FAKE_TRTEXEC_MODE = 'success';
    const lines: string[] = [];
    const logFile = join(dir, 'nested', 'deeper', 'build.log');
    const engine = join(dir, 'e.engine');
    const r = await runTrtexec({ exe: FAKE, argv: [`--saveEngine=${engine}`, '--onnx=a b.onnx'], logFile, onLine: (l) => lines.push(l) });
    expect(r).toMatchObject({ exitCode: 0, signal: null, timedOut: false, aborted: false, logFile });
    expect(r.durationMs).toBeGreaterThan(0);
    const text = await readFile(logFile, 'utf8');
    expect(text).toContain('&&&& PASSED');
    expect(text).toContain('fake warning on stderr');
    expect(lines).toContain('[01/01/2025-00:00:01] [W] fake warning on stderr');
    expect(lines.some((l) => l.includes('--onnx=a b.onnx'))).toBe(true); // argument array, no shell splitting
    expect(await readFile(engine, 'utf8')).toBe('FAKE-ENGINE-NOT-TENSORRT');
    const s = parseTrtexecLog(text);
    expect(s.status).toBe('passed');
    expect(s.buildSeconds).toBe(1.5);
  });

  it('success replaying a real log (FAKE_TRTEXEC_LOG)', async () => {
    process.env.FAKE_TRTEXEC_MODE = 'success';
    process.env.FAKE_TRTEXEC_LOG = resolve('test/fixtures/trtexec/trt10-perf-summary-4177.log');
    const logFile = join(dir, 'perf.log');
    const r = await runTrtexec({ exe: FAKE, argv: [], logFile });
    expect(r.exitCode).toBe(0);
    expect(parseTrtexecLog(await readFile(logFile, 'utf8')).throughputQps).toBe(130.298);
  });

  it('slow: lines reach onLine while the process still runs', async () => {
    process.env.FAKE_TRTEXEC_MODE = 'slow';
    process.env.FAKE_TRTEXEC_SECONDS = '1';
    const t0 = Date.now();
    const seen: number[] = [];
    const r = await runTrtexec({ exe: FAKE, argv: [], logFile: join(dir, 'slow.log'), onLine: (l) => l.includes('progress') && seen.push(Date.now() - t0) });
    const took = Date.now() - t0;
    expect(r.exitCode).toBe(0);
    expect(seen.length).toBeGreaterThanOrEqual(5);
    expect(seen[0]!).toBeLessThan(took - 300); // the first line came well before the end
    const text = await readFile(join(dir, 'slow.log'), 'utf8');
    expect(text.split('\n').filter((l) => l.includes('progress')).length).toBe(seen.length);
  });

  it('fail: non-zero exit, [E] lines in the log', async () => {
    process.env.FAKE_TRTEXEC_MODE = 'fail';
    const logFile = join(dir, 'fail.log');
    const r = await runTrtexec({ exe: FAKE, argv: [], logFile });
    expect(r.exitCode).toBe(1);
    expect(r.signal).toBeNull();
    const s = parseTrtexecLog(await readFile(logFile, 'utf8'));
    expect(s.status).toBe('failed');
    expect(s.errors).toContain('Error[4]: fake failure for tests');
  });

  it('crash: reports SIGSEGV and leaves the half-written engine for the caller to remove', async () => {
    process.env.FAKE_TRTEXEC_MODE = 'crash';
    const engine = join(dir, 'crash.engine');
    const r = await runTrtexec({ exe: FAKE, argv: [`--saveEngine=${engine}`], logFile: join(dir, 'crash.log') });
    expect(r.signal).toBe('SIGSEGV');
    expect(r.exitCode).toBeNull();
    expect(r.timedOut).toBe(false);
    expect((await stat(engine)).size).toBe(12);
  });

  it('hang: killed at the ~1.5 s timeout', async () => {
    process.env.FAKE_TRTEXEC_MODE = 'hang';
    const t0 = Date.now();
    const r = await runTrtexec({ exe: FAKE, argv: [], logFile: join(dir, 'hang.log'), timeoutMs: 1500 });
    const took = Date.now() - t0;
    expect(r.timedOut).toBe(true);
    expect(r.aborted).toBe(false);
    expect(r.signal).toBe('SIGTERM');
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(3000);
  });

  it('hang ignoring SIGTERM: SIGKILL after the 2 s grace', async () => {
    process.env.FAKE_TRTEXEC_MODE = 'hang';
    process.env.FAKE_TRTEXEC_IGNORE_TERM = '1';
    const t0 = Date.now();
    const r = await runTrtexec({ exe: FAKE, argv: [], logFile: join(dir, 'hang2.log'), timeoutMs: 1000 });
    const took = Date.now() - t0;
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    expect(took).toBeGreaterThanOrEqual(2900);
    expect(await readFile(join(dir, 'hang2.log'), 'utf8')).toContain('ignoring SIGTERM');
  });

  it('timeout kills the process tree, not just trtexec', async () => {
    process.env.FAKE_TRTEXEC_MODE = 'hang';
    const pidFile = join(dir, 'child.pid');
    process.env.FAKE_TRTEXEC_CHILD_PIDFILE = pidFile;
    const r = await runTrtexec({ exe: FAKE, argv: [], logFile: join(dir, 'tree.log'), timeoutMs: 1500, killGraceMs: 500 });
    expect(r.timedOut).toBe(true);
    const child = Number(await readFile(pidFile, 'utf8'));
    expect(child).toBeGreaterThan(0);
    await sleep(200);
    expect(alive(child)).toBe(false); // it ignored SIGTERM; the group SIGKILL reached it
  });

  it('AbortSignal already aborted: nothing is started', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await runTrtexec({ exe: FAKE, argv: [], logFile: join(dir, 'pre.log'), signal: ac.signal });
    expect(r).toMatchObject({ aborted: true, exitCode: null, signal: null, timedOut: false });
  });

  it('AbortSignal: stopped, aborted: true', async () => {
    process.env.FAKE_TRTEXEC_MODE = 'hang';
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 500);
    const r = await runTrtexec({ exe: FAKE, argv: [], logFile: join(dir, 'abort.log'), signal: ac.signal });
    expect(r.aborted).toBe(true);
    expect(r.timedOut).toBe(false);
    expect(r.signal).toBe('SIGTERM');
  });

  it('missing executable → UserError exit code 3 with the fix', async () => {
    const err = await runTrtexec({ exe: join(dir, 'no-such-trtexec'), argv: [], logFile: join(dir, 'x.log') }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.exitCode).toBe(3);
    expect(err.hint).toBe('install TensorRT and put trtexec on PATH, or set TRTEXEC=');
  });
});

