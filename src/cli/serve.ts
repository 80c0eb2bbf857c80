// `emovoice serve --triton DIR`: a real Triton Inference Server on a repository `emovoice package --triton`
// wrote, for trying it before deploying it. Loopback unless --host says otherwise; waits until every
// model is ready, prints the endpoints, and stops the server (requests in flight answered first) on
// Ctrl-C or SIGTERM. A model whose Python backend process dies is loaded again (server.ts, superviseStubs). The server comes from src/serving/server.ts (the nvidia-pytriton bundle, or
// $TRITONSERVER), in the Python environment $EMOVOICE_TRITON_PYTHON names (default: the one
// scripts/setup.sh makes, .cache/triton-python); without one, one error line names the set-up step.
import type { Command } from 'commander';
import type { ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from '../core/errors.ts';
import { findTriton, startServer, superviseStubs, type RunningServer, type StubEvent } from '../serving/server.ts';
import { ORCHESTRATOR_MODEL } from '../serving/triton.ts';
import { ROOT, positiveInt } from './common.ts';

export function register(program: Command): void {
  program
    .command('serve')
    .description('start a real Triton Inference Server on a model repository from `emovoice package --triton` (loopback by default), print its endpoints, stop it on Ctrl-C')
    .requiredOption('--triton <dir>', 'the model repository')
    .option('--host <address>', 'address the HTTP and gRPC endpoints listen on', '127.0.0.1')
    .option('--http-port <n>', 'HTTP/REST port', '8000')
    .option('--grpc-port <n>', 'gRPC port', '8001')
    .option('--metrics-port <n>', 'Prometheus metrics port (default: metrics off)')
    .option('--log <file>', "the server's log (default: a file in a new temporary folder, printed)")
    .option('--ready-timeout <s>', 'seconds to wait for every model to load', '300')
    .action(async (opts: { triton: string; host: string; httpPort: string; grpcPort: string; metricsPort?: string; log?: string; readyTimeout: string }) => {
      const repo = resolve(opts.triton);
      if (!existsSync(repo) || !statSync(repo).isDirectory()) throw new UserError(`${opts.triton} is not a folder`, { hint: 'give the folder `emovoice package --triton DIR` wrote' });
      if (!existsSync(join(repo, ORCHESTRATOR_MODEL, 'config.pbtxt'))) {
        throw new UserError(`${opts.triton} has no ${ORCHESTRATOR_MODEL}/config.pbtxt: not a repository emovoice packaged`, { hint: 'write one with `emovoice package --profile P --triton DIR`' });
      }
      const ports = { httpPort: port('--http-port', opts.httpPort), grpcPort: port('--grpc-port', opts.grpcPort), metricsPort: opts.metricsPort === undefined ? null : port('--metrics-port', opts.metricsPort) };
      const readyTimeoutS = positiveInt('--ready-timeout', opts.readyTimeout);
      const install = await findTriton(process.env.EMOVOICE_TRITON_PYTHON ?? join(ROOT, '.cache/triton-python/bin/python3'));
      const work = await mkdtemp(join(tmpdir(), 'emovoice-serve-'));
      let stopping: NodeJS.Signals | null = null;
      let child: ChildProcess | null = null;
      let server: RunningServer | null = null;
      let unwatch = () => {};
      // Installed before the server starts: a signal while the models load stops the server too.
      const onSignal = (sig: NodeJS.Signals) => {
        if (stopping) return;
        stopping = sig;
        unwatch();
        process.stdout.write(`${sig}: stopping the server (requests in flight are answered first)\n`);
        if (server) void server.stop();
        else child?.kill('SIGTERM');
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        server = await startServer(install, {
          repository: repo, host: opts.host, ...ports,
          workDir: work, logFile: resolve(opts.log ?? join(work, 'tritonserver.log')),
          readyTimeoutS, exitTimeoutS: 10,
          onSpawn: (p) => (child = p),
        });
      } catch (e) {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        if (!stopping) throw e;
        process.stdout.write('server stopped before it was ready\n');
        return;
      }
      const say = (e: StubEvent) => process.stdout.write(
        e.kind === 'died' ? `model ${e.model}: its backend process ${e.pids.join(', ')} ended; loading the model again\n`
          : e.kind === 'reloaded' ? `model ${e.model}: loaded again in ${e.seconds.toFixed(1)} s, serving\n`
            : `model ${e.model}: could not be loaded again (${e.error}); its calls fail until the server restarts\n`);
      if (!stopping) unwatch = superviseStubs(server, repo, say);
      else void server.stop();
      const ready = server.models.filter((m) => m.state === 'READY').map((m) => m.name);
      process.stdout.write(
        `Triton ${server.version} ready on ${opts.triton} (${install.describe}; pid ${server.pid}): ${ready.length} models: ${ready.join(', ')}\n` +
          `  HTTP  ${server.http}   (POST /v2/models/${ORCHESTRATOR_MODEL}/infer)\n` +
          `  gRPC  ${server.grpc}\n` +
          `  log   ${opts.log ?? join(work, 'tritonserver.log')}\n` +
          'Ctrl-C stops the server.\n',
      );
      const end = await server.exited;
      unwatch();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (stopping) {
        process.stdout.write(`server stopped (${end.signal ?? `exit ${end.code}`})\n`);
        return;
      }
      throw new UserError(`the Triton server stopped by itself (${end.signal ?? `exit ${end.code}`})`, { place: { file: opts.log ?? join(work, 'tritonserver.log') }, hint: 'read the server log named here', exitCode: 3 });
    });
}

function port(flag: string, v: string): number {
  const n = positiveInt(flag, v);
  if (n > 65535) throw new UserError(`${flag} ${v} is not a port`, { hint: 'use 1-65535' });
  return n;
}
