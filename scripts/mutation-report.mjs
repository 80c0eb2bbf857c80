#!/usr/bin/env node
// Per-file mutation scores from a Stryker JSON report (mutation-testing-report-schema), as a markdown table
// and a summary JSON, and a check against a minimum score per file. Used by `npm run test:mutation` runs
// that record bench/results/mutation-score.{md,json}, and by scripts/mutation-ci.sh.
//   node scripts/mutation-report.mjs <stryker-report.json> [--write <base>] [--command <text>] [--min <percent>]
// Score = detected / (detected + undetected), detected = Killed + Timeout, undetected = Survived + NoCoverage
// (Stryker's "mutation score"). A survivor whose line, or a comment line right above it, says
// "Stryker: equivalent" is a mutant that changes no behaviour; "score w/o equiv." leaves those out.
import { readFileSync, writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const file = args[0];
if (!file || file.startsWith('--')) {
  process.stderr.write('usage: node scripts/mutation-report.mjs <stryker-report.json> [--write <base>] [--command <text>] [--min <percent>]\n');
  process.exit(2);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/** True when the mutant's line, or the comment block right above it, marks it as equivalent. */
function markedEquivalent(lines, line) {
  if (/Stryker: equivalent/.test(lines[line - 1] ?? '')) return true;
  for (let l = line - 2; l >= 0 && /^\s*\/\//.test(lines[l]); l--) if (/Stryker: equivalent/.test(lines[l])) return true;
  return false;
}

const rows = [];
for (const [path, f] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
  const lines = f.source.split('\n');
  const c = { killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 0, errors: 0, equivalent: 0 };
  const undetected = [];
  for (const m of f.mutants) {
    if (m.status === 'Killed') c.killed++;
    else if (m.status === 'Timeout') c.timeout++;
    else if (m.status === 'Survived') c.survived++;
    else if (m.status === 'NoCoverage') c.noCoverage++;
    else if (m.status === 'Ignored') c.ignored++;
    else c.errors++; // CompileError, RuntimeError: not counted in the score
    if (UNDETECTED.has(m.status)) {
      const eq = markedEquivalent(lines, m.location.start.line);
      if (eq) c.equivalent++;
      undetected.push({ line: m.location.start.line, column: m.location.start.column, mutator: m.mutatorName, replacement: m.replacement, status: m.status, equivalent: eq });
    }
  }
  const detected = c.killed + c.timeout;
  const total = detected + c.survived + c.noCoverage;
  const score = total ? (100 * detected) / total : 100;
  const scoreNoEq = total - c.equivalent ? (100 * detected) / (total - c.equivalent) : 100;
  rows.push({ file: path, ...c, mutants: f.mutants.length, score: Number(score.toFixed(2)), scoreWithoutEquivalent: Number(scoreNoEq.toFixed(2)), undetected });
}

const date = new Date().toISOString().slice(0, 10);
const command = opt('--command') ?? 'npm run test:mutation';
const table = [
  `Mutation scores, ${date}, \`${command}\` (StrykerJS ${report.framework?.version ?? ''}, vitest runner, perTest coverage).`,
  '',
  'A mutant is one small planted bug (an operator, a condition, a constant changed). Killed: some test failed;',
  'timeout: the tests hung (counted as caught); survived: every test still passed; no coverage: no test ran the line.',
  'Score = (killed + timeout) / (killed + timeout + survived + no coverage). Equivalent: survivors marked in the',
  'source with a "Stryker: equivalent — why" comment (a change no input can observe); the last column leaves them out.',
  '',
  '| file | mutants | killed | timeout | survived | no coverage | score % | equivalent (commented) | score w/o equiv. % |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.file} | ${r.mutants} | ${r.killed} | ${r.timeout} | ${r.survived} | ${r.noCoverage} | ${r.score.toFixed(1)} | ${r.equivalent} | ${r.scoreWithoutEquivalent.toFixed(1)} |`),
].join('\n');
process.stdout.write(table + '\n');

const base = opt('--write');
if (base) {
  writeFileSync(`${base}.md`, table + '\n');
  writeFileSync(`${base}.json`, JSON.stringify({ date, command, stryker: report.framework?.version ?? null, files: rows }, null, 1) + '\n');
}
const min = opt('--min');
if (min !== undefined) {
  const low = rows.filter((r) => r.score < Number(min));
  for (const r of low) {
    for (const u of r.undetected.filter((x) => !x.equivalent)) process.stdout.write(`  ${r.file}:${u.line}:${u.column} ${u.status} ${u.mutator}: ${u.replacement.split('\n')[0].slice(0, 100)}\n`);
  }
  if (low.length) {
    process.stderr.write(`error: mutation score below ${min} % in ${low.map((r) => `${r.file} (${r.score} %)`).join(', ')} (fix: add tests that kill the survivors listed above, or mark a truly equivalent one with a "Stryker: equivalent — why" comment)\n`);
    process.exit(1);
  }
}
