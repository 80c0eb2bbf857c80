// `emovoice verify --profile p`: every module on every PyTorch reference case, compared per output.
import type { Command } from 'commander';
import { readdir } from 'node:fs/promises';
import { writeFileAtomic } from '../core/files.ts';
import { join } from 'node:path';
import { formatJUnit, formatNumber } from '../compare/report.ts';
import type { Tolerances } from '../compare/compare.ts';
import { UserError } from '../core/errors.ts';
import { loadModelManifest, moduleOrder } from '../model/manifest.ts';
import { loadProfile } from '../profile/load.ts';
import { readNpz } from '../tensor/io.ts';
import { findTrtexec } from '../trtexec/find.ts';
import { makeRunners } from '../synth/runners.ts';
import { firstDeparture } from '../verify/debug-layers.ts';
import { DEFAULT_TOLERANCES, caseName, splitCase, verifyCase, type CaseResult } from '../verify/verify.ts';
import { CONFIGS_DIR, backendOf, collect, log } from './common.ts';

interface Opts {
  profile: string;
  backend?: 'ort' | 'trt';
  json?: boolean;
  set?: string[];
  junit?: string;
  module?: string[];
  debugLayers?: boolean;
}

export function register(program: Command): void {
  program
    .command('verify')
    .description('run every module on the PyTorch reference cases and compare (max/mean abs, rel L2, cosine, SNR, LSD, MCD)')
    .option('--profile <name|path>', 'build profile', 'cpu')
    .option('--backend <ort|trt>', 'override the profile backend')
    .option('--module <name...>', 'only these modules')
    .option('--set <key=value>', 'override a profile value, e.g. model=path/to/manifest.yaml (repeatable)', collect)
    .option('--json', 'print a JSON report')
    .option('--junit <file>', 'write a JUnit XML report')
    .option('--debug-layers', 'for each module, find the first intermediate tensor where the runtime model departs from the fp32 reference')
    .action(async (opts: Opts) => {
      const loaded = await loadProfile(opts.profile, { configsDir: CONFIGS_DIR, overrides: opts.set ?? [] });
      const p = loaded.profile;
      const manifest = await loadModelManifest(p.model);
      const backend = backendOf(opts.backend, p.backend);
      const runners = makeRunners(manifest, backend, {
        engineDir: p.output,
        trtexec: backend === 'trt' ? await findTrtexec() : null,
        onFallback: (e) => log(`warning: ${e.runner} failed (${e.reason}); this module was verified on the CPU backend instead`),
      });
      const all = moduleOrder(manifest);
      const modules = opts.module ?? all;
      for (const m of modules) {
        if (!all.includes(m)) throw new UserError(`unknown module "${m}"`, { place: { file: manifest.path, path: 'modules' }, hint: `this model's modules: ${all.join(', ')}` });
      }
      const results: CaseResult[] = [];
      const debug: unknown[] = [];
      const t0 = performance.now();
      try {
        for (const name of modules) {
          const mod = manifest.modules[name]!;
          const precision = backend === 'ort' ? 'fp32' : (p.modules?.[name]?.precision ?? p.defaults?.precision ?? 'fp32');
          const tolerances: Tolerances = { ...DEFAULT_TOLERANCES[precision], ...(p.tolerances?.[precision] ?? {}) };
          const dir = join(manifest.references.dir, name);
          const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.npz')).sort();
          if (!files.length) {
            throw new UserError(`no reference cases for ${name}`, {
              place: { file: dir },
              hint: 're-export the model with its references (emovoice export)',
            });
          }
          await runners[name]!.load();
          for (const f of files) {
            const all = await readNpz(join(dir, f));
            const { inputs, expected } = splitCase(all, Object.keys(mod.inputs), Object.keys(mod.outputs));
            const kinds = Object.fromEntries(Object.entries(mod.outputs).map(([k, t]) => [k, t.kind ?? 'generic']));
            const r = await verifyCase(runners[name]!, { module: name, case: caseName(f), file: join(dir, f), inputs, expected }, tolerances, kinds);
            results.push(r);
            if (!opts.json) printCase(r);
          }
          if (opts.debugLayers) {
            const cases = results.filter((r) => r.module === name);
            const target = cases.find((r) => !r.pass) ?? cases.find((r) => r.case === 'typical') ?? cases[0]!;
            const all = await readNpz(join(dir, `${target.case}.npz`));
            const { inputs } = splitCase(all, Object.keys(mod.inputs), Object.keys(mod.outputs));
            const qdq = precision === 'int8' ? p.modules?.[name]?.calibration?.qdq_model : undefined;
            if (backend === 'trt' && !qdq) {
              log(`${name}: --debug-layers compares ONNX Runtime runs; a TensorRT engine exposes no intermediate tensors through trtexec (rebuild with them marked as outputs to inspect it)`);
            }
            const candidate = qdq ?? mod.file;
            const d = await firstDeparture(mod.file, candidate, inputs, tolerances.rel_l2 ?? 1e-4);
            debug.push({ module: name, case: target.case, candidate, ...d });
            if (!opts.json) {
              process.stdout.write(
                d.first
                  ? `      first departure in ${name}/${target.case}: ${d.first.tensor} (rel L2 ${d.first.relL2.toExponential(2)} > ${tolerances.rel_l2}) of ${d.compared} tensors\n`
                  : `      ${name}/${target.case}: no intermediate departs beyond rel L2 ${tolerances.rel_l2} (${d.compared} tensors; worst ${d.worst?.tensor} ${d.worst?.relL2.toExponential(2)})\n`,
              );
            }
          }
        }
      } finally {
        await Promise.all(Object.values(runners).map((r) => r.close()));
      }
      const failed = results.filter((r) => !r.pass);
      if (opts.junit) {
        const flat = results.flatMap((r) =>
          r.outputs.length
            ? r.outputs.map((o) => ({ ...o, name: `${r.module}/${r.case}/${o.name}` }))
            : [{ name: `${r.module}/${r.case}`, kind: 'generic' as const, pass: false, failed: ['missing' as const], detail: r.error, reference: { dtype: 'float32' as const, shape: [] }, tolerances: {} }],
        );
        await writeFileAtomic(opts.junit, formatJUnit(flat, { suite: `emovoice verify ${p.name} (${backend})`, timeSec: (performance.now() - t0) / 1000 }));
      }
      if (opts.json) {
        process.stdout.write(JSON.stringify({ profile: p.name, backend, pass: failed.length === 0, cases: results, ...(opts.debugLayers ? { debugLayers: debug } : {}) }, null, 2) + '\n');
      } else {
        process.stdout.write(`\n${results.length - failed.length}/${results.length} cases passed (${backend}, profile ${p.name})\n`);
      }
      if (failed.length) process.exitCode = 1;
    });
}

function printCase(r: CaseResult): void {
  const head = `${r.pass ? 'PASS' : 'FAIL'}  ${`${r.module}/${r.case}`.padEnd(28)} ${r.ms.toFixed(1).padStart(8)} ms`;
  if (r.error) {
    process.stdout.write(`${head}  error: ${r.error}\n`);
    return;
  }
  process.stdout.write(`${head}\n`);
  for (const o of r.outputs) {
    const m = o.metrics;
    const extra = m
      ? `max_abs ${formatNumber(m.max_abs)}  rel_l2 ${formatNumber(m.rel_l2)}  cos ${formatNumber(m.cosine)}  snr ${formatNumber(m.snr_db)} dB` +
        (m.lsd_db !== undefined ? `  lsd ${formatNumber(m.lsd_db)} dB` : '') +
        (m.mcd_db !== undefined ? `  mcd ${formatNumber(m.mcd_db)} dB` : '')
      : (o.detail ?? '');
    process.stdout.write(`      ${o.pass ? ' ' : '✗'} ${o.name.padEnd(20)} ${extra}${o.failed.length ? `  failed: ${o.failed.join(',')}` : ''}\n`);
  }
}
