// `emovoice diff old.json new.json`: fail CI (exit 1) on latency, size or accuracy regressions
// between two build manifests or two `verify --json` reports.
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { UserError } from '../core/errors.ts';
import { DEFAULT_THRESHOLDS, diffBench, diffBuild, diffVerify, kindOf } from '../report/diff.ts';
import { nonNegativeNumber } from './common.ts';

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8').catch(() => {
    throw new UserError('cannot read the file', { place: { file: path }, hint: 'check the path' });
  });
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UserError(`not JSON: ${(e as Error).message}`, { place: { file: path }, hint: 'pass two build-manifest.json files, or two `verify --json` or `bench --json` reports' });
  }
}

export function register(program: Command): void {
  program
    .command('diff')
    .description('compare two build manifests, verify reports or bench reports; exit 1 on a latency, size, accuracy or capacity regression')
    .argument('<old>', 'previous build-manifest.json, verify --json or bench --json report')
    .argument('<new>', 'new one of the same kind')
    .option('--latency <fraction>', 'allowed latency increase', String(DEFAULT_THRESHOLDS.latency))
    .option('--error <fraction>', 'allowed relative increase of error metrics', String(DEFAULT_THRESHOLDS.error))
    .option('--snr-db <dB>', 'allowed SNR drop', String(DEFAULT_THRESHOLDS.snrDb))
    .option('--json', 'print JSON')
    .option('--html <file>', 'also write a self-contained HTML page: both runs side by side, regressions marked')
    .action(async (oldPath: string, newPath: string, opts: { latency: string; error: string; snrDb: string; json?: boolean; html?: string }) => {
      // a gate fails closed: a threshold that is not a number ≥ 0 (abc, -1) is refused, never read as NaN (no regression)
      const t = { ...DEFAULT_THRESHOLDS, latency: nonNegativeNumber('--latency', opts.latency), error: nonNegativeNumber('--error', opts.error), snrDb: nonNegativeNumber('--snr-db', opts.snrDb) };
      const a = await readJson(oldPath);
      const b = await readJson(newPath);
      const ka = kindOf(a);
      const kb = kindOf(b);
      if (!ka) throw new UserError('not a build manifest, verify report or bench report', { place: { file: oldPath }, hint: 'pass build-manifest.json, or the output of verify --json or bench --json' });
      if (ka !== kb) throw new UserError(`cannot compare a ${ka} file with ${kb ?? 'an unknown file'}`, { place: { file: newPath }, hint: 'compare files of the same kind' });
      const findings = ka === 'build' ? diffBuild(a, b, t) : ka === 'bench' ? diffBench(a, b, t) : diffVerify(a, b, t);
      const regressions = findings.filter((f) => f.regression);
      if (opts.html) {
        const { writeHtmlReport } = await import('../report/html/write.ts');
        await writeHtmlReport(opts.html, [{ kind: 'diff', doc: { kind: ka, regressions: regressions.length, findings, old: a, new: b, oldSource: oldPath, newSource: newPath }, source: `emovoice diff ${oldPath} ${newPath}` }]);
      }
      if (opts.json) {
        process.stdout.write(JSON.stringify({ kind: ka, regressions: regressions.length, findings }, null, 2) + '\n');
      } else {
        const shown = findings.filter((f) => f.regression || ka !== 'verify');
        for (const f of shown) {
          process.stdout.write(`${f.regression ? 'REGRESSION' : 'ok        '}  ${f.where.padEnd(34)} ${f.metric.padEnd(20)} ${String(f.old ?? '-').padStart(12)} → ${String(f.new ?? '-').padEnd(12)} ${f.change}\n`);
        }
        process.stdout.write(`${regressions.length} regression(s) in ${findings.length} comparisons (${ka})\n`);
      }
      if (regressions.length) process.exitCode = 1;
    });
}
