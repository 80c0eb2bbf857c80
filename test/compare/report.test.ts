import { describe, expect, it } from 'vitest';
import { compareOutputs, type CompareResult } from '../../src/compare/compare.ts';
import { escapeXml, formatJson, formatJUnit, formatNumber, formatTable } from '../../src/compare/report.ts';
import type { TensorMap } from '../../src/tensor/tensor.ts';

const ref: TensorMap = {
  text_hidden: { dtype: 'float32', shape: [1, 4], data: new Float32Array([0.5, -1, 2, 0.25]) },
  'odd <name> & "q"': { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) },
  missing_one: { dtype: 'float32', shape: [1], data: new Float32Array([1]) },
};
const out: TensorMap = {
  text_hidden: { dtype: 'float32', shape: [1, 4], data: new Float32Array([0.5, -1, 2, 0.25]) },
  'odd <name> & "q"': { dtype: 'float32', shape: [2], data: new Float32Array([1, 2.5]) },
};
const results: CompareResult[] = compareOutputs(out, ref, { tolerances: { max_abs: 0.1, snr_db_min: 30 } });

describe('reporters', () => {
  it('numbers fit a column', () => {
    expect([0, 1.5e-7, 0.012345, 123.456, Infinity, -Infinity, NaN, undefined, 123456].map(formatNumber)).toEqual(
      ['0', '1.50e-7', '0.01235', '123.5', 'inf', '-inf', 'nan', '-', '1.23e+5'],
    );
  });

  it('text table: aligned columns, PASS/FAIL and the failed checks', () => {
    const t = formatTable(results);
    const lines = t.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^output\s+kind\s+status\s+max_abs\s+mean_abs\s+rel_l2\s+cosine\s+snr_db\s+lsd_db\s+mcd_db\s+failed$/);
    expect(lines[2]).toMatch(/^text_hidden\s+generic\s+PASS\s+0\s+0\s+0\s+1\s+inf\s+-\s+-$/);
    expect(lines[3]).toContain('FAIL');
    expect(lines[3]).toMatch(/max_abs,snr_db_min$/);
    expect(lines[4]).toMatch(/missing_one\s+generic\s+FAIL.*missing \(no output named missing_one\)$/);
    expect(lines[5]).toBe('1/3 passed');
    // the status column starts at the same offset on every row
    const col = lines[0]!.indexOf('status');
    for (const l of lines.slice(2, 5)) expect(l.slice(col, col + 4)).toMatch(/PASS|FAIL/);
  });

  it('JSON: parseable, infinities as strings', () => {
    const j = JSON.parse(formatJson(results));
    expect(j.pass).toBe(false);
    expect(j.passed).toBe(1);
    expect(j.results[0].metrics.snr_db).toBe('inf');
    expect(j.results[1].failed).toEqual(['max_abs', 'snr_db_min']);
    expect(j.results[1].metrics.max_abs).toBe(0.5);
  });

  it('JUnit XML: counts, failures with limits, everything escaped', () => {
    const x = formatJUnit(results, { suite: 'vocoder fp16' });
    expect(x).toContain('<testsuite name="vocoder fp16" tests="3" failures="2" errors="0" time="0">');
    expect(x).toContain('name="odd &lt;name&gt; &amp; &quot;q&quot;"');
    expect(x).toContain('failed: max_abs (limit 0.1), snr_db_min (limit 30)');
    expect(x).toContain('type="mismatch"');
    expect(x).not.toMatch(/<name>|& "/);
    // well-formed enough: every testcase closes
    expect(x.match(/<testcase /g)).toHaveLength(3);
    expect(x.match(/<\/testcase>/g)).toHaveLength(3);
  });

  it('escapeXml drops characters XML cannot carry', () => {
    expect(escapeXml(`a\u0000b\u0007c'<>&"\u{1F600}`)).toBe('abc&apos;&lt;&gt;&amp;&quot;\u{1F600}');
  });
});
