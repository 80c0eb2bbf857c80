// `emovoice providers`: ONNX Runtime's GPU providers for onnxruntime-node — which are there and what each
// cannot load (the same lines as doctor), and `providers install <wheel>`: the libraries taken from the
// onnxruntime-gpu wheel of the same version (docs/gpu.md). Flags in, core calls, printing out.
import type { Command } from 'commander';
import { createRequire } from 'node:module';
import { installProviders } from '../runtime/provider-install.ts';
import { ortNodeBinDir, providerLines, providerStatus, type ProviderLib } from '../runtime/providers.ts';
import { UserError } from '../core/errors.ts';

function ortNodeVersion(): string {
  return (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string }).version;
}

export function register(program: Command): void {
  const cmd = program
    .command('providers')
    .description("list ONNX Runtime's GPU providers for onnxruntime-node, or install them from the onnxruntime-gpu wheel of the same version (no NuGet)")
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const status = await providerStatus();
      process.stdout.write(opts.json ? JSON.stringify(status, null, 2) + '\n' : providerLines(status).join('\n') + '\n');
    });
  cmd
    .command('install')
    .description(`copy libonnxruntime_providers_{shared,cuda,tensorrt}.so from the onnxruntime-gpu wheel into onnxruntime-node's folder`)
    .argument('<wheel>', 'onnxruntime_gpu-<same version as onnxruntime-node>-…-manylinux…_x86_64.whl (pip download onnxruntime-gpu==<v> --no-deps)')
    .option('--dest <dir>', "where onnxruntime-node loads them from (default: its bin/napi-v6/<platform>/<arch>)")
    .option('--provider <p...>', 'cuda, tensorrt (default both; the shared library always)')
    .action(async (wheel: string, opts: { dest?: string; provider?: string[] }) => {
      const providers = (opts.provider ?? ['cuda', 'tensorrt']).map((p) => {
        if (p !== 'cuda' && p !== 'tensorrt') throw new UserError(`--provider: unknown provider "${p}"`, { hint: 'use cuda or tensorrt' });
        return p as ProviderLib;
      });
      const r = await installProviders({ wheel, dest: opts.dest ?? ortNodeBinDir(), ortVersion: ortNodeVersion(), providers });
      for (const w of r.written) process.stdout.write(`installed ${w.file} (${(w.bytes / 2 ** 20).toFixed(1)} MiB) from onnxruntime-gpu ${r.version}\n`);
      const status = await providerStatus(r.dest);
      process.stdout.write(providerLines(status).join('\n') + '\n');
    });
}
