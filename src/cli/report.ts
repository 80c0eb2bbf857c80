// `emovoice report <report.json…> --html <file>`: one self-contained HTML page from saved JSON reports
// (verify --json, a calibrate <module>.quality.json, bench --json, build-manifest.json, diff --json),
// with trtexec's per-layer JSON for build reports. The same renderer as each command's --html; audio and
// spectrograms come only from a command's own --html, which has the audio in memory.
import type { Command } from 'commander';
import { UserError } from '../core/errors.ts';
import { reportKind, type ReportInput } from '../report/html/index.ts';
import { buildLayerFiles, readJsonFile, writeHtmlReport } from '../report/html/write.ts';
import { collect, log } from './common.ts';

function moduleFiles(flag: string, values: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    if (i <= 0 || i === v.length - 1) throw new UserError(`${flag} ${v}: expected <module>=<file>`, { hint: `e.g. ${flag} vocoder=out/a10g-fp16/vocoder.${flag === '--layer-info' ? 'layers' : 'profile'}.json` });
    out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}

export function register(program: Command): void {
  program
    .command('report')
    .description('render saved JSON reports (verify, calibrate, bench, build manifest, diff) as one self-contained HTML page')
    .argument('<reports...>', 'verify --json, calibrate <module>.quality.json, bench --json, build-manifest.json or diff --json files')
    .requiredOption('--html <file>', 'write the HTML page here')
    .option('--layer-info <module=file>', 'trtexec --exportLayerInfo JSON of a module\'s engine (repeatable; default: <module>.layers.json beside the engine)', collect)
    .option('--layer-profile <module=file>', 'trtexec --exportProfile JSON of a module\'s engine (repeatable; default: <module>.profile.json beside the engine)', collect)
    .option('--title <text>', 'the page title')
    .action(async (files: string[], opts: { html: string; layerInfo?: string[]; layerProfile?: string[]; title?: string }) => {
      const given = { info: moduleFiles('--layer-info', opts.layerInfo), profile: moduleFiles('--layer-profile', opts.layerProfile) };
      const inputs: ReportInput[] = [];
      for (const file of files) {
        const doc = await readJsonFile(file, 'report');
        const kind = reportKind(doc);
        if (!kind) throw new UserError('not a report emovoice renders', { place: { file }, hint: 'pass verify --json, a calibrate <module>.quality.json, bench --json, build-manifest.json or diff --json output' });
        inputs.push({ kind, doc, source: file, ...(kind === 'build' && { layers: await buildLayerFiles(doc, given) }) });
      }
      if ((opts.layerInfo?.length || opts.layerProfile?.length) && !inputs.some((r) => r.kind === 'build')) {
        throw new UserError('--layer-info/--layer-profile describe a build\'s engines', { hint: 'pass the build-manifest.json too' });
      }
      await writeHtmlReport(opts.html, inputs, { title: opts.title });
      log(`report: ${opts.html}`);
    });
}
