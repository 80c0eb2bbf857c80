#!/usr/bin/env node
// The emovoice command line: parses flags and hands each command to its own module in cli/.
// Errors users cause (UserError) print as one `error:` line and a non-zero exit; only programming
// errors show a stack, and only with --debug. Nothing outside cli/ imports from here.
// Start-up must stay light: this file imports commander and nothing heavy; a command's module (and
// with it onnxruntime-node, protobufjs, the pronunciation dictionaries, esbuild) is imported only
// when that command runs (test/cli/startup.test.ts checks which packages `--help` loads).
import { Command, CommanderError } from 'commander';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { UserError, UserErrors, fromSystemError } from '../core/errors.ts';
import { escapeControls } from '../core/terminal.ts';
import { VERSION, embeddingCacheFrom, useConfigDir } from './common.ts';

export interface CommandModule {
  register(program: Command): void;
}

export interface CommandEntry {
  name: string;
  /** The line `emovoice --help` lists: the command's own .description(), word for word. */
  summary: string;
  load: () => Promise<CommandModule>;
}

/**
 * Every command, in the order `--help` lists them. `emovoice <name>` imports that row's module only;
 * `--help` imports none. To add a command: a file in cli/ exporting register(program), and a row here
 * (test/cli/startup.test.ts fails if a row's name or summary disagrees with what the module registers).
 */
export const COMMANDS: CommandEntry[] = [
  { name: 'init', summary: 'write a starter build profile and model manifest for your own export into a folder', load: () => import('./init.ts') },
  { name: 'inspect', summary: 'show an ONNX model: inputs/outputs with symbolic dims, opsets, op histogram, parameters, external data', load: () => import('./inspect.ts') },
  { name: 'build', summary: 'build one TensorRT engine per module with trtexec, from a YAML build profile', load: () => import('./build.ts') },
  { name: 'convert', summary: 'write the strongly typed ONNX models a profile builds (FP16/BF16 with FP32 islands from ranges measured on real speech; INT8 Q/DQ with FP16 elsewhere) and report every node kept in FP32', load: () => import('./convert.ts') },
  { name: 'parse-log', summary: 'parse a trtexec log (TensorRT 8.x/10.x) into a summary: version, status, build time, latency percentiles, errors', load: () => import('./parse-log.ts') },
  { name: 'providers', summary: "list ONNX Runtime's GPU providers for onnxruntime-node, or install them from the onnxruntime-gpu wheel of the same version (no NuGet)", load: () => import('./providers.ts') },
  { name: 'doctor', summary: 'check trtexec, TensorRT version and build mode, GPU/driver, ONNX Runtime, and lint every profile in configs/', load: () => import('./doctor.ts') },
  { name: 'verify', summary: 'run every module on the PyTorch reference cases and compare (max/mean abs, rel L2, cosine, SNR, LSD, MCD)', load: () => import('./verify.ts') },
  { name: 'synth', summary: "synthesize speech end to end through the model's graph, with per-stage latency", load: () => import('./synth.ts') },
  { name: 'export', summary: 'export a model to per-module ONNX files, a manifest and PyTorch reference outputs (an EmotiVoice checkpoint, or a random reference model)', load: () => import('./export.ts') },
  { name: 'import', summary: 'import a model from another toolkit into per-module ONNX files and a manifest', load: () => import('./import.ts') },
  { name: 'diff', summary: 'compare two build manifests, verify reports or bench reports; exit 1 on a latency, size, accuracy or capacity regression', load: () => import('./diff.ts') },
  { name: 'report', summary: 'render saved JSON reports (verify, calibrate, bench, build manifest, diff) as one self-contained HTML page', load: () => import('./report.ts') },
  { name: 'bench', summary: 'before/after table: end-to-end latency (text in, audio out), P99, concurrent streams under a P99 objective, memory, per-stage, CPU fallbacks — vs the model baseline (PyTorch eager, or piper-tts for a Piper voice) on the same work', load: () => import('./bench.ts') },
  { name: 'package', summary: 'write a Triton Inference Server model repository: the engines, CPU fallbacks, and an orchestrator (text and the conditioning the manifest declares in, audio out)', load: () => import('./package.ts') },
  { name: 'serve', summary: 'start a real Triton Inference Server on a model repository from `emovoice package --triton` (loopback by default), print its endpoints, stop it on Ctrl-C', load: () => import('./serve.ts') },
  { name: 'calibrate', summary: 'INT8 calibration on real recorded speech: TensorRT calibration cache + QDQ ONNX model + quality on held-out speech', load: () => import('./calibrate.ts') },
  { name: 'phonemize', summary: "the model frontend's tokens and ids for a text (sentences as served), with warnings for what it cannot read", load: () => import('./phonemize.ts') },
  { name: 'models', summary: 'the bundled and configured models: family, modules, conditioning inputs, sizes, and the profiles that use them', load: () => import('./models.ts') },
  { name: 'migrate', summary: 'rewrite an older model manifest in the current format (emovoice-model-manifest/2); the old file is kept as <name>.v1.yaml', load: () => import('./migrate.ts') },
  { name: 'completion', summary: 'print a shell completion script (bash or zsh)', load: () => import('./completion.ts') },
];

/** Program-level options that take a value: their value is not a command name. */
const GLOBAL_VALUE_OPTIONS = new Set(['--config-dir']);

/** The command the arguments ask for (`help synth` asks for synth), or undefined for none. */
export function requestedCommand(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return undefined;
    if (GLOBAL_VALUE_OPTIONS.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    if (a === 'help') return args.slice(i + 1).find((x) => !x.startsWith('-'));
    return a;
  }
  return undefined;
}

export function makeProgram(): Command {
  return new Command()
    .name('emovoice')
    .description('Build, verify, calibrate and run EmotiVoice-style TTS engines (TensorRT via trtexec, ONNX Runtime on CPU)')
    .version(VERSION)
    .option('--debug', 'show stack traces for internal errors')
    .option('--config-dir <dir>', 'folder that profile names are looked up in (default: $EMOVOICE_HOME/configs if it exists, else the bundled configs/)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .hook('preAction', (program) => {
      useConfigDir(program.opts<{ configDir?: string }>().configDir);
    });
}

/**
 * A program with every command: the requested one (if any) registered from its module, the others
 * as name + summary only, so help and "did you mean" suggestions know them all.
 */
export async function programFor(args: string[], commands: CommandEntry[] = COMMANDS): Promise<Command> {
  const program = makeProgram();
  const wanted = requestedCommand(args);
  for (const c of commands) {
    if (c.name === wanted) (await c.load()).register(program);
    else program.command(c.name).description(c.summary);
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  // compiled code: stack traces point at the TypeScript lines (dist/ ships source maps)
  if (debug) process.setSourceMapsEnabled(true);
  // the embedding cache reads EMOVOICE_CACHE; EMOVOICE_HOME moves it too, so one variable moves everything
  const cache = embeddingCacheFrom(process.env);
  if (cache !== undefined) process.env.EMOVOICE_CACHE = cache;
  // NO_COLOR (no-color.org) turns colour off; chalk, under build's spinner (ora), reads only FORCE_COLOR
  if (process.env.NO_COLOR && process.env.FORCE_COLOR === undefined) process.env.FORCE_COLOR = '0';
  try {
    const program = await programFor(argv.slice(2));
    await program.parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    return reportError(e, debug);
  }
}

export function reportError(e: unknown, debug: boolean): number {
  if (e instanceof CommanderError) {
    // commander already printed its message (or help/version, which exit 0)
    return e.exitCode === 0 ? 0 : 2;
  }
  const user = e instanceof UserError ? e : fromSystemError(e);
  if (user) {
    // user input echoed in a message (a flag value, a key) never reaches the terminal raw, nor breaks the line
    const lines = user instanceof UserErrors ? user.errors.map((x) => escapeControls(x.format())) : [escapeControls(user.format())];
    process.stderr.write(`error: ${lines.join('\nerror: ')}\n`);
    if (debug) process.stderr.write(`${(e as Error).stack}\n`);
    return user.exitCode;
  }
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`internal error: ${escapeControls(msg.split('\n')[0]!)} (this is a bug in emovoice; rerun with --debug for the stack)\n`);
  if (debug && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return 70;
}

/** True when Node started this file as the program (the package's bin), not when a module imports it. */
function startedAsProgram(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  // npm's bin is a symlink; Node runs its target (unless --preserve-symlinks-main keeps the link)
  if (pathToFileURL(entry).href === import.meta.url) return true;
  try {
    return pathToFileURL(realpathSync(entry)).href === import.meta.url;
  } catch {
    return false;
  }
}

// No top-level await: a command module that imports this one (completion reads COMMANDS) would wait
// for this module to finish evaluating, which would wait for the command (Node exits with 13).
if (startedAsProgram()) void main(process.argv).then((code) => (process.exitCode = code));
