// `emovoice inspect <model.onnx> [--json]`: what an ONNX file contains, without reading its weights.
import type { Command } from 'commander';
import { formatInspect, inspectModel } from '../model/inspect.ts';

export function register(program: Command): void {
  program
    .command('inspect')
    .description('show an ONNX model: inputs/outputs with symbolic dims, opsets, op histogram, parameters, external data')
    .argument('<model>', 'an .onnx file')
    .option('--json', 'print JSON')
    .action(async (model: string, opts: { json?: boolean }) => {
      const info = await inspectModel(model);
      process.stdout.write(opts.json ? JSON.stringify(info, null, 2) + '\n' : formatInspect(info) + '\n');
    });
}
