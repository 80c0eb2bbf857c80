// Benchmark (not a test): how long the compiled CLI takes to start and how much memory it peaks at,
// against `node -e 0` on the same machine in the same minutes. Each command runs as a fresh process,
// the subjects interleaved round-robin so that a busy neighbour slows all of them alike; wall time is
// measured around the whole process (spawn to exit), peak memory is the child's own maxRSS (reported
// by a one-line --import hook that every subject, node -e 0 included, carries).
//   npm run bench:cli [-- --runs 30] [--save] [--before OLD/bin/emovoice.js]   (bench:cli builds dist/ first)
// Prints a table and writes bench/out/cli.json and cli.md; --save writes them to bench/results/ too.
// --before adds `--help` of another checkout's entry, e.g. the last commit before the compiled CLI:
//   mkdir /tmp/ev-before && git archive b2d9daf bin src configs models/tiny package.json | tar -x -C /tmp/ev-before
//   ln -s "$PWD/node_modules" /tmp/ev-before/node_modules
//   npm run bench:cli -- --before /tmp/ev-before/bin/emovoice.js --save
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : def;
};
const runs = Number(opt('runs', '20'));
const save = args.includes('--save');
const before = args.includes('--before') ? resolve(opt('before', '')) : null;
const DIST = join(ROOT, 'dist/cli/main.js');
if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run npm run build (npm run bench:cli does)`);

const rssFile = join(tmpdir(), `ev-bench-cli-${process.pid}.rss`);
const HOOK = `data:text/javascript,${encodeURIComponent(
  `import{writeFileSync}from'node:fs';process.on('exit',()=>writeFileSync(process.env.EV_RSS_FILE,String(process.resourceUsage().maxRSS)))`,
)}`;

interface Subject {
  name: string;
  argv: string[];
  /** In the start-up target (≤ 3× node -e 0, ≤ 80 MB). */
  target: boolean;
}

const SUBJECTS: Subject[] = [
  { name: 'node -e 0', argv: ['-e', '0'], target: false },
  { name: 'emovoice --help', argv: [DIST, '--help'], target: true },
  { name: 'emovoice --version', argv: [DIST, '--version'], target: true },
  { name: 'emovoice synth --help', argv: [DIST, 'synth', '--help'], target: false },
  { name: 'emovoice doctor', argv: [DIST, 'doctor'], target: false },
  { name: 'dev entry bin/emovoice.js --help (tsx, sources)', argv: [join(ROOT, 'bin/emovoice.js'), '--help'], target: false },
  ...(before ? [{ name: `before (${basename(dirname(dirname(before)))}) --help`, argv: [before, '--help'], target: false }] : []),
];

function runOnce(s: Subject): { ms: number; rssMiB: number } {
  rmSync(rssFile, { force: true });
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', HOOK, ...s.argv], { cwd: tmpdir(), env: { ...process.env, EV_RSS_FILE: rssFile, TRTEXEC: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t0;
  // doctor exits 1 when a bundled profile has a problem (a10g-int8 wants a calibration cache); that is its answer, not a failure
  if (r.status !== 0 && !(s.name === 'emovoice doctor' && r.status === 1)) throw new Error(`${s.name} exited ${r.status}: ${r.stderr}`);
  return { ms, rssMiB: Number(readFileSync(rssFile, 'utf8')) / 1024 };
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

const load0 = loadavg()[0]!;
for (const s of SUBJECTS) for (let i = 0; i < 2; i++) runOnce(s); // warm the file cache
const samples = new Map(SUBJECTS.map((s) => [s.name, { ms: [] as number[], rss: [] as number[] }]));
for (let i = 0; i < runs; i++) {
  for (const s of SUBJECTS) {
    const r = runOnce(s);
    samples.get(s.name)!.ms.push(r.ms);
    samples.get(s.name)!.rss.push(r.rssMiB);
  }
}
rmSync(rssFile, { force: true });

const base = quantile(samples.get('node -e 0')!.ms, 0.5);
const rows = SUBJECTS.map((s) => {
  const x = samples.get(s.name)!;
  const median = quantile(x.ms, 0.5);
  const rss = quantile(x.rss, 0.5);
  return {
    command: s.name,
    medianMs: +median.toFixed(1),
    p90Ms: +quantile(x.ms, 0.9).toFixed(1),
    timesNode: +(median / base).toFixed(2),
    peakRssMiB: +rss.toFixed(1),
    target: s.target ? (median / base <= 3 && rss <= 80 ? 'met' : 'NOT met') : '',
  };
});

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}, ${process.platform}; load average ${load0.toFixed(1)} at the start`;
const table = [
  '| command | median ms | p90 ms | × node -e 0 | peak RSS MiB | target (≤ 3×, ≤ 80 MiB) |',
  '|---|---:|---:|---:|---:|---|',
  ...rows.map((r) => `| \`${r.command}\` | ${r.medianMs} | ${r.p90Ms} | ${r.timesNode} | ${r.peakRssMiB} | ${r.target} |`),
].join('\n');
const md = [
  '# CLI start-up',
  '',
  `\`npm run bench:cli\` (${runs} runs per command, interleaved, after 2 warm-up runs each), ${new Date().toISOString().slice(0, 10)}.`,
  `Machine: ${machine}.`,
  '`emovoice` is the compiled `dist/cli/main.js` (what the installed package runs). The dev entry runs the sources through tsx,',
  'as the tests do. A `before` row is the `emovoice` bin of another checkout (`--before`), e.g. the one before the compiled CLI (tsx, every command imported at start).',
  ...(load0 > cpus().length
    ? ['', `The machine was busy (load average ${load0.toFixed(1)} on ${cpus().length} cores): every absolute time is inflated alike; compare the × column.`]
    : []),
  '',
  table,
  '',
].join('\n');
process.stdout.write(`${table}\n\n${machine}\n`);

const report = { date: new Date().toISOString(), machine, runs, rows };
for (const dir of [join(ROOT, 'bench/out'), ...(save ? [join(ROOT, 'bench/results')] : [])]) {
  mkdirSync(dir, { recursive: true });
  const stem = dir.endsWith('results') ? 'cli-startup' : 'cli';
  writeFileSync(join(dir, `${stem}.json`), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(join(dir, `${stem}.md`), md);
  process.stdout.write(`wrote ${join(dir, `${stem}.json`)} and ${stem}.md\n`);
}
