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
// Computed inside each test, not at load time: code run while the file loads counts for no test, and
// mutation testing then has to rerun every test for each mutant it reaches.
const compared = (): CompareResult[] => compareOutputs(out, ref, { tolerances: { max_abs: 0.1, snr_db_min: 30 } });

describe('reporters', () => {
  it('numbers fit a column', () => {
    expect([0, 1.5e-7, 0.012345, 123.456, Infinity, -Infinity, NaN, undefined, 123456].map(formatNumber)).toEqual(
      ['0', '1.50e-7', '0.01235', '123.5', 'inf', '-inf', 'nan', '-', '1.23e+5'],
    );
  });

  it('text table: aligned columns, PASS/FAIL and the failed checks', () => {
    const t = formatTable(compared());
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
    const j = JSON.parse(formatJson(compared()));
    expect(j.pass).toBe(false);
    expect(j.passed).toBe(1);
    expect(j.results[0].metrics.snr_db).toBe('inf');
    expect(j.results[1].failed).toEqual(['max_abs', 'snr_db_min']);
    expect(j.results[1].metrics.max_abs).toBe(0.5);
  });

  it('JUnit XML: counts, failures with limits, everything escaped', () => {
    const x = formatJUnit(compared(), { suite: 'vocoder fp16' });
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

// Results written by hand (not by compareOutputs), and the exact text each reporter must make of them.
const made: CompareResult[] = [
  { name: 'a', kind: 'generic', pass: true, failed: [], metrics: { max_abs: 0, mean_abs: 0, rel_l2: 0, cosine: 1, snr_db: Infinity, non_finite: 0 }, reference: { dtype: 'float32', shape: [2] }, tolerances: { max_abs: 0.1 } },
  {
    name: 'wave', kind: 'waveform', pass: false, failed: ['non_finite', 'snr_db_min', 'lsd_db_max'],
    metrics: { max_abs: 0.5, mean_abs: 0.25, rel_l2: 0.125, cosine: 0.99, snr_db: 18.06, lsd_db: 2.5, non_finite: 1 },
    reference: { dtype: 'float32', shape: [8] }, tolerances: { snr_db_min: 20, lsd_db_max: 1 },
  },
  { name: 'm', kind: 'mel', pass: false, failed: ['missing'], detail: 'no output named m', reference: { dtype: 'float32', shape: [1, 2] }, tolerances: {} },
];

describe('reporters, golden output', () => {
  it('numbers at the edges of the fixed range', () => {
    expect([0.01, 0.00999, 99990, 1e5, -0.5, -123456].map(formatNumber)).toEqual(['0.01', '9.99e-3', '99990', '1.00e+5', '-0.5', '-1.23e+5']);
  });

  it('text table: text columns left-aligned, numbers right-aligned, the last column as is', () => {
    expect(formatTable(made)).toBe(
      [
        'output  kind      status  max_abs  mean_abs  rel_l2  cosine  snr_db  lsd_db  mcd_db  failed',
        '------  --------  ------  -------  --------  ------  ------  ------  ------  ------  --------------------------------',
        'a       generic   PASS          0         0       0       1     inf       -       -',
        'wave    waveform  FAIL        0.5      0.25   0.125    0.99   18.06     2.5       -  non_finite,snr_db_min,lsd_db_max',
        'm       mel       FAIL          -         -       -       -       -       -       -  missing (no output named m)',
        '1/3 passed',
        '',
      ].join('\n'),
    );
  });

  it('JSON: every result, infinities and NaN as strings, pass only when all pass', () => {
    const j = JSON.parse(formatJson(made));
    expect([j.pass, j.passed, j.total]).toEqual([false, 1, 3]);
    expect(j.results[0].metrics.snr_db).toBe('inf');
    expect(j.results[2]).toEqual({ name: 'm', kind: 'mel', pass: false, failed: ['missing'], detail: 'no output named m', reference: { dtype: 'float32', shape: [1, 2] }, tolerances: {} });
    const odd = formatJson([{ ...made[0]!, metrics: { ...made[0]!.metrics!, snr_db: -Infinity, max_abs: NaN } }]);
    expect(odd.endsWith('}\n')).toBe(true);
    expect(JSON.parse(odd)).toMatchObject({ pass: true, passed: 1, total: 1, results: [{ metrics: { snr_db: '-inf', max_abs: 'nan', cosine: 1 } }] });
  });

  it('JUnit XML, exactly', () => {
    expect(formatJUnit(made, { suite: 's & t', timeSec: 1.5 })).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<testsuites name="s &amp; t" tests="3" failures="2" errors="0">',
        '  <testsuite name="s &amp; t" tests="3" failures="2" errors="0" time="1.5">',
        '    <testcase classname="s &amp; t" name="a" time="0">',
        '      <system-out>max_abs=0 mean_abs=0 rel_l2=0 cosine=1 snr_db=inf</system-out>',
        '    </testcase>',
        '    <testcase classname="s &amp; t" name="wave" time="0">',
        '      <failure message="failed: non_finite, snr_db_min (limit 20), lsd_db_max (limit 1)" type="tolerance">failed: non_finite, snr_db_min (limit 20), lsd_db_max (limit 1)',
        'max_abs=0.5 mean_abs=0.25 rel_l2=0.125 cosine=0.99 snr_db=18.06 lsd_db=2.5</failure>',
        '    </testcase>',
        '    <testcase classname="s &amp; t" name="m" time="0">',
        '      <failure message="failed: missing; no output named m" type="mismatch">failed: missing; no output named m',
        '</failure>',
        '    </testcase>',
        '  </testsuite>',
        '</testsuites>',
        '',
      ].join('\n'),
    );
    expect(formatJUnit([])).toContain('<testsuite name="emovoice.compare" tests="0" failures="0" errors="0" time="0">');
  });

  it('a mel output: mcd_db in its column and in the JUnit metrics', () => {
    const mel: CompareResult = {
      name: 'mel', kind: 'mel', pass: true, failed: [],
      metrics: { max_abs: 0.5, mean_abs: 0.25, rel_l2: 0.125, cosine: 0.99, snr_db: 18.06, mcd_db: 3.75, non_finite: 0 },
      reference: { dtype: 'float32', shape: [80, 4] }, tolerances: { mcd_db_max: 4 },
    };
    expect(formatTable([mel]).split('\n').slice(0, 3)).toEqual([
      'output  kind  status  max_abs  mean_abs  rel_l2  cosine  snr_db  lsd_db  mcd_db  failed',
      '------  ----  ------  -------  --------  ------  ------  ------  ------  ------  ------',
      'mel     mel   PASS        0.5      0.25   0.125    0.99   18.06       -    3.75',
    ]);
    expect(formatJUnit([mel])).toContain('<system-out>max_abs=0.5 mean_abs=0.25 rel_l2=0.125 cosine=0.99 snr_db=18.06 mcd_db=3.75</system-out>');
  });
});
