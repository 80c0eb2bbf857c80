// `emovoice import piper`: what a user can get wrong ends in one error line naming the file and the fix.
// (The split of the real voice is tested in Python: reference/tests/test_piper_import.py.)
import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireSetup } from '../setup-needed.ts';
import { cliInProcess } from '../support/cli-inprocess.ts';

// the CLI's main() in this process (test/support/cli-inprocess.ts): the same code as `node bin/emovoice.js`
const cli = (args: string[]) => cliInProcess(args);
const python = await execa('python3', ['-c', 'import onnx, onnxruntime, numpy, yaml'], { reject: false }).then((r) => (r.exitCode === 0 ? null : 'python3 with onnx/onnxruntime is not installed'));

describe('emovoice import piper', () => {
  it('a missing voice file', async () => {
    const r = await cli(['import', 'piper', 'nothere.onnx', '--out', 'out/x']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe("error: nothere.onnx no such voice file (fix: give a Piper voice's .onnx file (scripts/setup.sh installs en_US-joe-medium))");
  });

  it('a voice without its config', async () => {
    const r = await cli(['import', 'piper', 'models/tiny/vocoder.onnx', '--out', 'out/x']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toMatch(/^error: \S+vocoder\.onnx\.json no voice config next to the voice \(fix: .*--config PATH\)$/);
  });

  it('a graph that is not a Piper voice: the importer says what is missing, nothing is written', async (t) => {
    requireSetup(t, python, 'scripts/setup.sh installs the Python toolchain (pip install -r reference/requirements.txt)');
    const dir = await mkdtemp(join(tmpdir(), 'emovoice-import-'));
    try {
      const config = join(dir, 'voice.onnx.json');
      await writeFile(config, JSON.stringify({ audio: { sample_rate: 22050 }, espeak: { voice: 'en-us' }, phoneme_id_map: { _: [0], '^': [1], $: [2], a: [3] } }));
      const r = await cli(['import', 'piper', 'models/tiny/vocoder.onnx', '--config', config, '--out', join(dir, 'out')]);
      expect(r.exitCode).toBe(2);
      const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('error:'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: models\/tiny\/vocoder\.onnx expected Piper's three inputs .* this graph has: mel \['batch', 80, 'mel_len'\] \(fix: give a single-speaker Piper VITS voice/);
      await expect(import('node:fs/promises').then((fs) => fs.stat(join(dir, 'out')))).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
