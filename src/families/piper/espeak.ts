// The espeak-ng adapter: IPA for each clause, from the espeak-ng program (Debian `espeak-ng`, installed
// by scripts/setup.sh) run with an argument array, the text on stdin. One process per request: the
// clauses go in separated by blank lines (a paragraph break, which ends a clause in espeak-ng without
// changing its phonemes), and espeak-ng prints one line per clause. When espeak-ng cuts a clause further
// (quotes, brackets, very long clauses) the lines no longer pair up, and each clause is then read by a
// process of its own. A missing espeak-ng is one user error naming the set-up step.
import { UserError } from '../../core/errors.ts';

export const SETUP_HINT = 'run scripts/setup.sh (it installs Debian espeak-ng), or apt-get install espeak-ng; ESPEAK_NG=/path/to/espeak-ng picks another';

/** The program to run: $ESPEAK_NG, else espeak-ng on PATH. */
export function espeakProgram(env: NodeJS.ProcessEnv = process.env): string {
  return env.ESPEAK_NG || 'espeak-ng';
}

async function run(program: string, voice: string, text: string): Promise<string[]> {
  // loaded when first needed: every family is registered wherever the registry is (the Triton frontend
  // bundle too), and that bundle must not start a process library it never uses
  const { execa } = await import('execa');
  const r = await execa(program, ['-q', '--ipa', '-b', '1', '-v', voice], { input: text, reject: false, stripFinalNewline: true });
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

/** The IPA of each clause (one string per clause, '' for a clause with nothing to say). */
export async function espeakClauses(clauses: string[], voice: string, program = espeakProgram()): Promise<string[]> {
  if (clauses.length === 0) return [];
  const lines = await run(program, voice, clauses.join('\n\n'));
  if (lines.length === clauses.length) return lines;
  return Promise.all(clauses.map(async (c) => (await run(program, voice, c)).join(' ')));
}
