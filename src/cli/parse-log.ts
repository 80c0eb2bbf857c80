// `emovoice parse-log <trtexec.log> [--json]`: read a real trtexec log and print its summary.
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { UserError } from '../core/errors.ts';
import { isTrtexecLog, parseTrtexecLog } from '../trtexec/parse.ts';

export function register(program: Command): void {
  program
    .command('parse-log')
    .description('parse a trtexec log (TensorRT 8.x/10.x) into a summary: version, status, build time, latency percentiles, errors')
    .argument('<log>', 'trtexec output saved to a file')
    .option('--json', 'print one JSON object')
    .action(async (log: string, opts: { json?: boolean }) => {
      const text = await readFile(log, 'utf8').catch(() => {
        throw new UserError('cannot read the log file', { place: { file: log }, hint: 'check the path' });
      });
      if (!isTrtexecLog(text)) {
        const what = text.length === 0 ? 'the file is empty' : text.includes('\u0000') || text.includes('\uFFFD') ? 'the file holds binary data' : 'no "&&&& RUNNING TensorRT.trtexec" banner and no [I]/[W]/[E] lines';
        throw new UserError(`not a trtexec log: ${what}`, { place: { file: log }, hint: 'pass the output trtexec printed, saved to a file (trtexec … 2>&1 | tee build.log)' });
      }
      const s = parseTrtexecLog(text);
      if (opts.json) {
        process.stdout.write(JSON.stringify(s, null, 2) + '\n');
        return;
      }
      const ms = (v: number | null | undefined) => (v == null ? '-' : v.toFixed(3));
      const lines = [
        `TensorRT      ${s.tensorrtVersion ?? 'unknown'}`,
        `status        ${s.status}`,
        `build         ${s.buildSeconds == null ? '-' : `${s.buildSeconds} s`}`,
        `throughput    ${s.throughputQps == null ? '-' : `${s.throughputQps} qps`}`,
        `latency ms    min ${ms(s.latencyMs.min)}  mean ${ms(s.latencyMs.mean)}  median ${ms(s.latencyMs.median)}  p99 ${ms(s.latencyMs.p99)}  max ${ms(s.latencyMs.max)}`,
        `GPU compute   min ${ms(s.gpuComputeMs.min)}  mean ${ms(s.gpuComputeMs.mean)}  median ${ms(s.gpuComputeMs.median)}  p99 ${ms(s.gpuComputeMs.p99)}  max ${ms(s.gpuComputeMs.max)}`,
        `errors        ${s.errors.length}`,
        ...s.errors.map((e) => `  ${e}`),
      ];
      process.stdout.write(lines.join('\n') + '\n');
      if (s.status === 'failed') process.exitCode = 1;
    });
}
