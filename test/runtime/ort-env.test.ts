// ONNX Runtime and a long command line (issue 25): its first session matched the whole command line with a
// recursive regex and overflowed a thread's stack (exit 139 past ~14,500 bytes in a worker, ~28,000 on the
// main thread). The case needs a process of its own (its command line), so it runs in a child Node process.
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_THREAD_STACK_MB, ortStackMb } from '../../src/runtime/ort-env.ts';

const ROOT = resolve(__dirname, '../..');
const TINY = join(ROOT, 'models/tiny');

async function child(script: string, args: string[]) {
  const dir = await mkdtemp(join(tmpdir(), 'ev-ortenv-'));
  const file = join(dir, 'child.mts');
  await writeFile(file, script);
  return execa('node', ['--import', 'tsx', file, ...args], { cwd: ROOT, reject: false, timeout: 60_000 });
}

describe('ONNX Runtime environment', () => {
  it('sizes the stack from the command line: the default for a short one, more for a long one', () => {
    expect(ortStackMb(0)).toBe(DEFAULT_THREAD_STACK_MB);
    expect(ortStackMb(14_500)).toBeGreaterThan(DEFAULT_THREAD_STACK_MB + 4); // ~290 bytes of stack per byte measured
    expect(ortStackMb(200_000)).toBeGreaterThan(4 + (200_000 * 290) / 2 ** 20);
  });

  it('loads sessions on the main thread and in worker threads under a 200,000-byte command line', async () => {
    const r = await child(
      `import { OrtRunner } from '${ROOT}/src/runtime/ort.ts';
       import { OrtThreadRunner } from '${ROOT}/src/runtime/ort-thread.ts';
       const rs = [new OrtRunner('${TINY}/vocoder.onnx'), ...['text_encoder', 'acoustic_encoder', 'vocoder'].map((m) => new OrtThreadRunner('${TINY}/' + m + '.onnx'))];
       await Promise.all(rs.map((r) => r.load()));
       console.log('loaded', rs.map((r) => r.inputs()[0].name).join(','));
       await Promise.all(rs.map((r) => r.close()));`,
      ['x'.repeat(100_000), 'y'.repeat(100_000)],
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('loaded mel,phoneme_ids,text_hidden,mel');
  });
});
