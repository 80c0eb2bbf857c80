// `emovoice export --config tiny|base --out DIR`: re-export the PyTorch reference model per module
// (the same step a user runs on their own checkpoint). Spawns the Python exporter, no shell.
import type { Command } from 'commander';
import { execa } from 'execa';
import { resolve } from 'node:path';
import { UserError } from '../core/errors.ts';
import { ROOT } from './common.ts';

export function register(program: Command): void {
  program
    .command('export')
    .description('export the PyTorch reference model to per-module ONNX files, a manifest and PyTorch reference outputs')
    .option('--config <tiny|base>', 'model size', 'tiny')
    .option('--out <dir>', 'output folder', 'models/tiny')
    .option('--seed <n>', 'weights seed', '1234')
    .option('--python <exe>', 'Python interpreter', process.env.PYTHON ?? 'python3')
    .action(async (opts: { config: string; out: string; seed: string; python: string }) => {
      if (!['tiny', 'base'].includes(opts.config)) throw new UserError(`unknown config "${opts.config}"`, { hint: 'use tiny or base' });
      const env = { ...process.env, PYTHONPATH: [resolve(ROOT, 'reference'), process.env.PYTHONPATH].filter(Boolean).join(':') };
      const probe = await execa(opts.python, ['-c', 'import torch, onnx, onnxruntime'], { env, reject: false });
      if ((probe as { code?: string }).code === 'ENOENT' || probe.failed && /ENOENT/.test(String(probe.message))) {
        throw new UserError(`Python was not found (${opts.python})`, { hint: 'install Python 3.11, or pass --python /path/to/python', exitCode: 3 });
      }
      if (probe.exitCode !== 0) {
        throw new UserError(`Python cannot import torch/onnx/onnxruntime: ${probe.stderr.trim().split('\n').pop()}`, {
          hint: 'pip install -r reference/requirements.txt (torch==2.13.0 CPU)',
          exitCode: 3,
        });
      }
      const r = await execa(opts.python, ['-m', 'emovoice_ref.export', '--config', opts.config, '--out', resolve(opts.out), '--seed', opts.seed], {
        env,
        stdio: 'inherit',
        reject: false,
      });
      if (r.exitCode !== 0) throw new UserError(`the exporter failed (exit ${r.exitCode})`, { hint: 'see its output above', exitCode: 3 });
    });
}
