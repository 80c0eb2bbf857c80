// `emovoice export`: per-module ONNX files, a model manifest and PyTorch reference outputs, written by
// the Python exporters in reference/ (spawned with argument arrays, no shell):
//   --from-checkpoint DIR            a user's EmotiVoice checkpoint in its released layout (family emotivoice)
//   --family emotivoice --config C   a randomly initialised EmotiVoice at tiny/base sizes
//   --config tiny|base               the ref-audio reference model (random, seeded)
// The model folder appears complete or not at all (staged beside --out, then moved into place).
import type { Command } from 'commander';
import { execa } from 'execa';
import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../core/errors.ts';
import { replaceFolders } from '../core/files.ts';
import { ROOT } from './common.ts';

interface ExportOptions {
  config?: string;
  family: string;
  fromCheckpoint?: string;
  out?: string;
  seed: string;
  python: string;
  generator?: string;
  styleEncoder?: string;
  bert?: string;
  tokenlist?: string;
  speakers?: string;
  upsampling: string;
  textLen?: string;
  melLen?: string;
  name?: string;
  trustCheckpoint?: boolean;
  refs: boolean;
}

const FAMILIES = ['ref-audio', 'emotivoice'];
/** The line the Python exporter prints for a problem with the user's files (see --error-json). */
const ERROR_PREFIX = 'emovoice-error: ';

/** Python argv for the chosen exporter, writing into `out`. Pure: flags in, argv out. */
export function exporterArgs(o: ExportOptions, out: string): string[] {
  if (o.fromCheckpoint || o.family === 'emotivoice') {
    const args = ['-m', 'emovoice_ref.emotivoice.export', '--out', out, '--upsampling', o.upsampling, '--error-json'];
    if (o.fromCheckpoint) args.push('--from-checkpoint', resolve(o.fromCheckpoint));
    else args.push('--random', o.config ?? 'tiny', '--seed', o.seed);
    const paths: [string, string | undefined][] = [
      ['--generator', o.generator], ['--style-encoder', o.styleEncoder], ['--bert', o.bert], ['--tokenlist', o.tokenlist], ['--speakers', o.speakers],
    ];
    for (const [flag, v] of paths) if (v) args.push(flag, resolve(v));
    if (o.textLen) args.push('--text-len', o.textLen);
    if (o.melLen) args.push('--mel-len', o.melLen);
    if (o.name) args.push('--name', o.name);
    if (o.trustCheckpoint) args.push('--trust-checkpoint');
    if (!o.refs) args.push('--no-refs');
    return args;
  }
  const args = ['-m', 'emovoice_ref.export', '--config', o.config ?? 'tiny', '--out', out, '--seed', o.seed];
  if (!o.refs) args.push('--no-refs');
  return args;
}

function checkOptions(o: ExportOptions): void {
  if (!FAMILIES.includes(o.family)) throw new UserError(`unknown family "${o.family}"`, { hint: `use ${FAMILIES.join(' or ')}` });
  if (o.config && !['tiny', 'base'].includes(o.config)) throw new UserError(`unknown config "${o.config}"`, { hint: 'use tiny or base' });
  if (o.fromCheckpoint && o.config) {
    throw new UserError('--config and --from-checkpoint exclude each other', { hint: 'a checkpoint brings its own sizes: drop --config' });
  }
  if (!['engine', 'host'].includes(o.upsampling)) throw new UserError(`unknown --upsampling "${o.upsampling}"`, { hint: 'use engine (in acoustic_decoder) or host (the gaussian step)' });
  for (const [flag, v] of [['--seed', o.seed], ['--text-len', o.textLen], ['--mel-len', o.melLen]] as const) {
    if (v !== undefined && !/^\d+$/.test(v)) throw new UserError(`${flag} must be a whole number, got "${v}"`, { hint: `e.g. ${flag} 256` });
  }
  const checkpointOnly = [['--generator', o.generator], ['--style-encoder', o.styleEncoder], ['--bert', o.bert], ['--tokenlist', o.tokenlist], ['--speakers', o.speakers], ['--trust-checkpoint', o.trustCheckpoint]] as const;
  const stray = checkpointOnly.find(([, v]) => v);
  if (stray && !o.fromCheckpoint) throw new UserError(`${stray[0]} needs --from-checkpoint`, { hint: 'give the EmotiVoice checkout with --from-checkpoint DIR' });
}

async function mustBeFolder(path: string, flag: string): Promise<void> {
  const s = await stat(path).catch(() => null);
  if (!s) throw new UserError('no such folder', { place: { file: path }, hint: `check ${flag}: it is the EmotiVoice checkout holding outputs/, data/ and WangZeJun/` });
  if (!s.isDirectory()) throw new UserError('is a file, not a folder', { place: { file: path }, hint: `${flag} takes the checkout folder, not one checkpoint (use --generator/--style-encoder for single files)` });
}

/** The Python exporter's one-line user error, as ours (or null if the line is something else). */
export function parseExporterError(line: string): UserError | null {
  if (!line.startsWith(ERROR_PREFIX)) return null;
  try {
    const e = JSON.parse(line.slice(ERROR_PREFIX.length)) as { message: string; file?: string; hint?: string };
    return new UserError(e.message, { place: e.file ? { file: e.file } : {}, hint: e.hint || undefined });
  } catch {
    return null;
  }
}

export function register(program: Command): void {
  program
    .command('export')
    .description('export a model to per-module ONNX files, a manifest and PyTorch reference outputs (an EmotiVoice checkpoint, or a random reference model)')
    .option('--from-checkpoint <dir>', "an EmotiVoice checkout in its released layout (outputs/…/g_*, outputs/style_encoder/ckpt/checkpoint_*, WangZeJun/simbert-base-chinese, data/youdao/text/…)")
    .option('--family <name>', `model family for a random model: ${FAMILIES.join(' | ')}`, 'ref-audio')
    .option('--config <tiny|base>', 'model size of a random model (default tiny)')
    .option('--out <dir>', 'output folder (default models/tiny, models/emotivoice-<config> or models/emotivoice)')
    .option('--seed <n>', 'weights seed of a random model', '1234')
    .option('--generator <file>', 'the joint acoustic model + vocoder checkpoint (default: the newest g_* of the checkout)')
    .option('--style-encoder <file>', 'the style encoder checkpoint (default: the newest checkpoint_* of the checkout)')
    .option('--bert <dir>', "simbert's folder with config.json and vocab.txt")
    .option('--tokenlist <file>', 'the tokenlist (default data/youdao/text/tokenlist)')
    .option('--speakers <file>', "the speaker list (default data/youdao/text/speaker2; a fine-tune's info/speaker)")
    .option('--upsampling <where>', 'emotivoice: Gaussian upsampling in the acoustic_decoder engine or in the host step (engine | host)', 'engine')
    .option('--text-len <n>', 'emotivoice: the most phonemes per sentence the engines take (limits.text_len)')
    .option('--mel-len <n>', 'emotivoice: the most frames per sentence the engines take (limits.mel_len)')
    .option('--name <name>', "the manifest's name")
    .option('--trust-checkpoint', 'load checkpoints that hold Python objects beyond tensors (torch.load weights_only=False)')
    .option('--no-refs', 'skip the PyTorch reference outputs (ONNX Runtime is still checked against PyTorch)')
    .option('--python <exe>', 'Python interpreter', process.env.PYTHON ?? 'python3')
    .action(async (opts: ExportOptions) => {
      if (opts.fromCheckpoint) opts.family = 'emotivoice';
      checkOptions(opts);
      if (opts.fromCheckpoint) await mustBeFolder(resolve(opts.fromCheckpoint), '--from-checkpoint');
      const out = resolve(opts.out ?? (opts.fromCheckpoint ? 'models/emotivoice' : opts.family === 'emotivoice' ? `models/emotivoice-${opts.config ?? 'tiny'}` : `models/${opts.config ?? 'tiny'}`));
      const env = { ...process.env, PYTHONPATH: [resolve(ROOT, 'reference'), process.env.PYTHONPATH].filter(Boolean).join(':') };
      const needs = opts.family === 'emotivoice' ? 'torch, onnx, onnxruntime, tokenizers' : 'torch, onnx, onnxruntime';
      const probe = await execa(opts.python, ['-c', `import ${needs}`], { env, reject: false });
      if ((probe as { code?: string }).code === 'ENOENT' || (probe.failed && /ENOENT/.test(String(probe.message)))) {
        throw new UserError(`Python was not found (${opts.python})`, { hint: 'install Python 3.11, or pass --python /path/to/python', exitCode: 3 });
      }
      if (probe.exitCode !== 0) {
        throw new UserError(`Python cannot import ${needs.replaceAll(', ', '/')}: ${probe.stderr.trim().split('\n').pop()}`, {
          hint: 'pip install -r reference/requirements.txt (torch==2.13.0 CPU)',
          exitCode: 3,
        });
      }
      await replaceFolders(dirname(out), async (stage) => {
        const proc = execa(opts.python, exporterArgs(opts, join(stage, basename(out))), { env, stdout: 'inherit', stderr: 'pipe', reject: false, buffer: false });
        let userError: UserError | null = null;
        let rest = '';
        proc.stderr?.setEncoding('utf8');
        proc.stderr?.on('data', (chunk: string) => {
          const lines = (rest + chunk).split('\n');
          rest = lines.pop() ?? '';
          for (const line of lines) userError = parseExporterError(line) ?? (process.stderr.write(`${line}\n`), userError);
        });
        const r = await proc;
        if (rest) userError = parseExporterError(rest) ?? (process.stderr.write(`${rest}\n`), userError);
        if (userError) throw userError;
        if (r.exitCode !== 0) throw new UserError(`the exporter failed (exit ${r.exitCode})`, { hint: 'see its output above', exitCode: 3 });
      });
      process.stderr.write(`wrote ${out}\n`);
    });
}
