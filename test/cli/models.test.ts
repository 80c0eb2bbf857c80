// `emovoice phonemize` and `emovoice models`: what the model's frontend makes of a text, and what the
// installation knows, for any family (here the bundled tiny model).
// The CLI's main() runs in this process (test/support/cli-inprocess.ts), its output and exit code captured.
import { describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import { loadModelManifest } from '../../src/model/manifest.ts';
import { cliInProcess } from '../support/cli-inprocess.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const cli = (args: string[]) => cliInProcess(args, { cwd: ROOT });

describe('emovoice phonemize', () => {
  it("prints the frontend's tokens and the ids of the model's symbol table, per sentence as served", async () => {
    const r = await cli(['phonemize', 'Hello world, 你好世界', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    const symbols = (await loadModelManifest(join(ROOT, 'models/tiny/manifest.yaml'))).frontend.symbols;
    expect(j).toMatchObject({ family: 'ref-audio', frontend: 'emovoice-mixed', limit: 128, split: null, warnings: [] });
    expect(j.sentences).toHaveLength(1);
    const s = j.sentences[0];
    // the e2e reference case's phonemes (models/tiny/refs/e2e/hello.json), looked up in the symbol table
    expect(s.tokens).toEqual(['<sil>', 'HH', 'AH0', 'L', 'OW1', '<sp>', 'W', 'ER1', 'L', 'D', '<sil>', 'n', 'i2', 'h', 'ao3', '<sp>', 'sh', 'iii4', 'j', 'ie4', '<sil>']);
    expect(s.ids).toEqual(s.tokens.map((t: string) => symbols.indexOf(t)));
    const text = await cli(['phonemize', 'Hello world, 你好世界']);
    expect(text.stdout).toMatch(/^ {2}tokens <sil> HH AH0 L OW1 <sp> W ER1 L D <sil> n i2 h ao3/m);
  });

  it('warns about what it cannot read, splits over the limit, and refuses empty text', async () => {
    let r = await cli(['phonemize', 'Hello ☃ world', '--json']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).warnings.join('\n')).toMatch(/☃/);
    r = await cli(['phonemize', 'Good morning. We will meet at the park at ten. See you there.', '--set', 'serving.max_text_len=20', '--json']);
    const j = JSON.parse(r.stdout);
    expect(j.split.parts).toBe(j.sentences.length);
    for (const s of j.sentences) expect(s.ids.length).toBeLessThanOrEqual(20);
    r = await cli(['phonemize', '  ']);
    expect([r.exitCode, r.stderr.trim()]).toEqual([2, expect.stringMatching(/^error: the text is empty \(fix: /)]);
  });
});

describe('emovoice models', () => {
  it('lists the bundled model with its family, modules, conditioning, size and the profiles that use it', async () => {
    const r = await cli(['models', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    const tiny = j.models.find((m: { manifest: string }) => m.manifest === join(ROOT, 'models/tiny/manifest.yaml'));
    expect(tiny).toMatchObject({ family: 'ref-audio', format: 2, frontend: 'emovoice-mixed' });
    expect(tiny.modules.map((m: { name: string }) => m.name)).toEqual(['style_encoder', 'text_encoder', 'acoustic_encoder', 'acoustic_decoder', 'vocoder']);
    expect(tiny.conditioning).toContainEqual({ flag: '--ref', kind: 'audio', required: true });
    expect(tiny.mb).toBeGreaterThan(1);
    expect(tiny.profiles).toEqual(expect.arrayContaining(['cpu', 'a10g-fp16']));
    expect(j.steps.map((s: { name: string }) => s.name)).toEqual(expect.arrayContaining(['log_mel', 'repeat', 'noise', 'first_of', 'lookup']));
    const text = await cli(['models']);
    expect(text.stdout).toMatch(/conditioning --ref \(audio, required\), --emotion \(label: neutral\|happy\|sad\|angry\|surprise\), --emotion-ref \(audio\)/);
  });
});
