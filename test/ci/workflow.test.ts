// The copyable CI workflow (docs/ci/engines.yml) must keep working as the CLI changes: every emovoice
// command it runs exists and accepts the flags it passes, every profile of its matrix exists, out/
// exists before reports are written there, and the regression step reads the paths the upload writes.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { cliInProcess } from '../support/cli-inprocess.ts';

const ROOT = resolve(__dirname, '../..');
const wf = parse(readFileSync(join(ROOT, 'docs/ci/engines.yml'), 'utf8'));
const job = wf.jobs.build;
const runs: string[] = job.steps.filter((s: { run?: string }) => s.run).map((s: { run: string }) => s.run);
const profiles: string[] = job.strategy.matrix.include.map((m: { profile: string }) => m.profile);

/** Each `node bin/emovoice.js …` invocation in the run steps, as words (expressions left as they are). */
const invocations = runs.flatMap((r) => r.split('\n')).map((l) => l.trim()).filter((l) => l.startsWith('node bin/emovoice.js '))
  .map((l) => l.split('>')[0]!.trim().split(/\s+/).slice(2));

describe('docs/ci/engines.yml', () => {
  it('runs only commands and flags the CLI has', async () => {
    expect(invocations.length).toBeGreaterThanOrEqual(7);
    const help = new Map<string, string>();
    for (const [cmd, ...args] of invocations) {
      // each command's --help from the CLI's main() in this process (test/support/cli-inprocess.ts)
      if (!help.has(cmd!)) help.set(cmd!, (await cliInProcess([cmd!, '--help'], { cwd: ROOT })).stdout);
      for (const flag of args.filter((a) => a.startsWith('--'))) expect(help.get(cmd!), `${cmd} ${flag}`).toMatch(new RegExp(`${flag}\\b`));
    }
    expect([...help.keys()].sort()).toEqual(['bench', 'build', 'calibrate', 'diff', 'doctor', 'package', 'verify']);
  });

  it('builds profiles that exist, and writes reports only after out/ is made', () => {
    for (const p of profiles) expect(existsSync(join(ROOT, 'configs', `${p}.yaml`)), p).toBe(true);
    const mkdir = runs.findIndex((r) => /mkdir -p out\b/.test(r));
    const firstReport = runs.findIndex((r) => /> out\//.test(r));
    expect(mkdir).toBeGreaterThanOrEqual(0);
    expect(mkdir).toBeLessThan(firstReport);
  });

  it('compares with the paths the upload step lays out (previous/<profile>…, below out/)', () => {
    const upload = job.steps.find((s: { uses?: string }) => s.uses?.startsWith('actions/upload-artifact'));
    const uploaded: string[] = upload.with.path.trim().split('\n').map((p: string) => p.trim());
    expect(uploaded.every((p) => p.startsWith('out/'))).toBe(true); // their common folder: out/, which the artifact drops
    const P = (s: string) => s.replaceAll('${{ matrix.profile }}', 'P');
    const gate = P(runs.find((r) => r.includes('emovoice.js diff'))!);
    const compared = [...gate.matchAll(/diff (?:--latency \S+ )?(\S+) (\S+)/g)];
    expect(compared).toHaveLength(3); // build manifest, verify report, bench report
    for (const [, prev, cur] of compared) {
      expect(prev!.replace(/^previous\//, 'out/')).toBe(cur);
      // every compared file is uploaded: out/P/build-manifest.json or out/P.*.json
      const glob = (p: string) => new RegExp(`^${P(p).replace(/[.]/g, '\\.').replace('*', '[^/]*')}$`);
      expect(uploaded.some((p) => glob(p).test(cur!)), cur).toBe(true);
    }
  });
});
