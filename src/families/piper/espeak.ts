// The espeak-ng adapter: IPA for each clause, from libespeak-ng in process (espeak-lib.ts) where it
// loads, else (or when $ESPEAK_NG names a program) from the espeak-ng program (Debian `espeak-ng`, installed
// by scripts/setup.sh) run with an argument array, the text on stdin. The clauses go in separated by blank
// lines (a paragraph break, which ends a clause in espeak-ng without changing its phonemes), and espeak-ng
// prints one line per clause. Starting espeak-ng costs ~50 ms (it loads its dictionary), more than a
// sentence's phonemes, so one process per voice stays up and reads request after request: each request
// ends with a marker clause whose IPA line was learnt at start-up, and the lines before it are the
// request's. When espeak-ng cuts a clause further (quotes, brackets, very long clauses) the lines no
// longer pair up, and each clause is then read by a one-off process of its own. A missing espeak-ng is
// one user error naming the set-up step.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { UserError } from '../../core/errors.ts';
import { espeakLibrary } from './espeak-lib.ts';

export const SETUP_HINT = 'run scripts/setup.sh (it installs Debian espeak-ng), or apt-get install espeak-ng; ESPEAK_NG=/path/to/espeak-ng picks another';

/** The program to run: $ESPEAK_NG, else espeak-ng on PATH. */
export function espeakProgram(env: NodeJS.ProcessEnv = process.env): string {
  return env.ESPEAK_NG || 'espeak-ng';
}

const ARGS = (voice: string) => ['-q', '--ipa', '-b', '1', '-v', voice];

async function run(program: string, voice: string, text: string): Promise<string[]> {
  // loaded when first needed: every family is registered wherever the registry is (the Triton frontend
  // bundle too), and that bundle must not start a process library it never uses
  const { execa } = await import('execa');
  const r = await execa(program, ARGS(voice), { input: text, reject: false, stripFinalNewline: true });
  if ((r as { code?: string }).code === 'ENOENT') {
    throw new UserError(`espeak-ng was not found (${program}): the Piper frontend needs it for phonemes`, { hint: SETUP_HINT, exitCode: 3 });
  }
  if (r.exitCode !== 0 || r.failed) {
    const why = (r.stderr || r.message || '').trim().split('\n')[0];
    throw new UserError(`espeak-ng failed (exit ${r.exitCode ?? '?'}) for voice "${voice}": ${why}`, {
      hint: 'check the voice name (espeak-ng --voices lists them) and the espeak-ng install',
      exitCode: 3,
    });
  }
  return r.stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

/** A clause no request says: its IPA line ends each request's output in the long-lived process. */
const MARKER = 'Zebulon quixotically.';

/**
 * One espeak-ng process for one voice, reading request after request (one at a time, in order). Its pipes
 * hold the event loop only while a request is out, so an idle process never keeps a command from exiting;
 * it ends with ours (its stdin closes).
 */
class EspeakProcess {
  private readonly child: ChildProcessByStdio<Writable, Readable, null>;
  private readonly lines: string[] = [];
  private wake: (() => void) | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  private marker = '';
  dead: Error | null = null;

  constructor(program: string, voice: string) {
    this.child = spawn(program, ARGS(voice), { stdio: ['pipe', 'pipe', 'ignore'] });
    this.child.on('error', (e) => this.fail(e));
    this.child.on('exit', (code) => this.fail(new Error(`espeak-ng exited (${code})`)));
    this.child.stdin.on('error', (e) => this.fail(e));
    let partial = '';
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop()!;
      for (const l of parts) if (l.trim() !== '') this.lines.push(l.trim());
      this.wake?.();
    });
    this.idle();
  }

  private fail(e: Error): void {
    this.dead ??= e;
    this.wake?.();
  }

  private idle(): void {
    (this.child.stdout as unknown as { unref(): void }).unref();
    (this.child.stdin as unknown as { unref?(): void }).unref?.();
    this.child.unref();
  }

  private busy(): void {
    (this.child.stdout as unknown as { ref(): void }).ref();
    this.child.ref();
  }

  /** Lines up to (not including) the marker's line; null if the process died or answered nothing in time. */
  private async exchange(text: string): Promise<string[] | null> {
    this.busy();
    try {
      this.child.stdin.write(`${text}\n\n${MARKER}\n\n`);
      const deadline = Date.now() + 10_000;
      for (;;) {
        const at = this.lines.indexOf(this.marker);
        if (at >= 0) return this.lines.splice(0, at + 1).slice(0, at);
        if (this.dead || Date.now() > deadline) return null;
        await new Promise<void>((res) => {
          this.wake = res;
          setTimeout(res, 200);
        });
        this.wake = null;
      }
    } finally {
      this.idle();
    }
  }

  /** The marker's IPA line, learnt from the process itself (espeak-ng versions differ). */
  async start(): Promise<boolean> {
    this.busy();
    try {
      this.child.stdin.write(`${MARKER}\n\n`);
      const deadline = Date.now() + 10_000;
      while (!this.lines.length && !this.dead && Date.now() < deadline) {
        await new Promise<void>((res) => {
          this.wake = res;
          setTimeout(res, 200);
        });
        this.wake = null;
      }
      if (this.lines.length !== 1) return false;
      this.marker = this.lines.shift()!;
      return true;
    } finally {
      this.idle();
    }
  }

  /** The clauses' lines, or null when this process cannot answer (the caller falls back to one-off runs). */
  read(text: string): Promise<string[] | null> {
    const r = this.tail.then(() => this.exchange(text));
    this.tail = r.catch(() => undefined);
    return r;
  }

  close(): void {
    this.child.stdin.end();
  }
}

const processes = new Map<string, Promise<EspeakProcess | null>>();

/** The long-lived process for this program and voice, started on first use; null where it cannot run. */
function processFor(program: string, voice: string): Promise<EspeakProcess | null> {
  const key = `${program}\0${voice}`;
  let p = processes.get(key);
  if (!p) {
    p = (async () => {
      const e = new EspeakProcess(program, voice);
      if (await e.start()) return e;
      e.close();
      return null;
    })();
    processes.set(key, p);
  }
  return p;
}

/** The IPA of each clause (one string per clause, '' for a clause with nothing to say). */
export async function espeakClauses(clauses: string[], voice: string, program = espeakProgram()): Promise<string[]> {
  if (clauses.length === 0) return [];
  // the library in process (espeak-lib.ts) where it loads, unless $ESPEAK_NG names a program to run
  const inProcess = program === 'espeak-ng' ? espeakLibrary()?.clauses(clauses, voice) : null;
  if (inProcess) return inProcess;
  const text = clauses.map((c) => c.replace(/\s*\n\s*/g, ' ')).join('\n\n');
  const server = await processFor(program, voice);
  const lines = server && !server.dead ? await server.read(text) : null;
  if (lines?.length === clauses.length) return lines;
  if (server) {
    // espeak-ng cut a clause further (or a clause read as the marker does, or the process died or
    // stalled): the stream may be out of step, so this process is done; the next request starts afresh
    server.close();
    if ((await processes.get(`${program}\0${voice}`)) === server) processes.delete(`${program}\0${voice}`);
  }
  const once = await run(program, voice, text); // also turns a missing or failing espeak-ng into its user error
  if (once.length === clauses.length) return once;
  return Promise.all(clauses.map(async (c) => (await run(program, voice, c)).join(' ')));
}

/** What `emovoice doctor` reports of espeak-ng: the library in process, the program, and which of them the Piper frontend uses. */
export interface EspeakStatus {
  /** libespeak-ng loads in process (through koffi) and will be used ($ESPEAK_NG unset). */
  library: boolean;
  /** The program the frontend would run ($ESPEAK_NG, else espeak-ng on PATH). */
  program: string;
  /** Its `--version` line, or null where it cannot be run. */
  programVersion: string | null;
}

export async function espeakStatus(env: NodeJS.ProcessEnv = process.env): Promise<EspeakStatus> {
  const program = espeakProgram(env);
  const { execa } = await import('execa');
  const r = await execa(program, ['--version'], { reject: false, timeout: 10_000, env });
  const version = r.exitCode === 0 ? (r.stdout.split('\n')[0] ?? '').replace(/\s+Data at:.*$/, '').trim() : '';
  return { library: program === 'espeak-ng' && espeakLibrary() !== null, program, programVersion: version || null };
}

/** doctor's line: which espeak-ng the Piper voices' frontend uses, or the set-up step where none can run. */
export function espeakLine(s: EspeakStatus): string {
  const program = s.programVersion ? `program ${s.program} (${s.programVersion})` : `program ${s.program} cannot run`;
  if (s.library) return `libespeak-ng in process (the Piper frontend uses it); ${program}`;
  if (s.programVersion) return `${program} (the Piper frontend runs it${s.program === 'espeak-ng' ? '; libespeak-ng did not load in process' : ', named by ESPEAK_NG'})`;
  return `unusable: ${program}, and no libespeak-ng in process — Piper voices cannot phonemize (${SETUP_HINT})`;
}
