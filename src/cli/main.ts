// The emovoice command line: parses flags and hands each command to its own module in cli/.
// Errors users cause (UserError) print as one `error:` line and a non-zero exit; only programming
// errors show a stack, and only with --debug. Nothing outside cli/ imports from here.
import { Command, CommanderError } from 'commander';
import { UserError, fromSystemError } from '../core/errors.ts';

const program = new Command();
program
  .name('emovoice')
  .description('Build, verify, calibrate and run EmotiVoice-style TTS engines (TensorRT via trtexec, ONNX Runtime on CPU)')
  .version('0.1.0')
  .option('--debug', 'show stack traces for internal errors')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

type Loader = () => Promise<{ register(program: Command): void }>;
const commands: Loader[] = [
  () => import('./inspect.ts'),
  () => import('./build.ts'),
  () => import('./convert.ts'),
  () => import('./parse-log.ts'),
  () => import('./doctor.ts'),
  () => import('./verify.ts'),
  () => import('./synth.ts'),
  () => import('./export.ts'),
  () => import('./import.ts'),
  () => import('./diff.ts'),
  () => import('./bench.ts'),
  () => import('./package.ts'),
  () => import('./calibrate.ts'),
  () => import('./phonemize.ts'),
  () => import('./models.ts'),
  () => import('./migrate.ts'),
];

export async function main(argv: string[]): Promise<number> {
  for (const load of commands) (await load()).register(program);
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    return reportError(e, argv.includes('--debug'));
  }
}

export function reportError(e: unknown, debug: boolean): number {
  if (e instanceof CommanderError) {
    // commander already printed its message (or help/version, which exit 0)
    return e.exitCode === 0 ? 0 : 2;
  }
  const user = e instanceof UserError ? e : fromSystemError(e);
  if (user) {
    process.stderr.write(`error: ${user.format()}\n`);
    if (debug) process.stderr.write(`${(e as Error).stack}\n`);
    return user.exitCode;
  }
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`internal error: ${msg.split('\n')[0]} (this is a bug in emovoice; rerun with --debug for the stack)\n`);
  if (debug && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return 70;
}

const code = await main(process.argv);
process.exitCode = code;
