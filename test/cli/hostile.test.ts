// Hostile but realistic input to the CLI (issue 25): each class of problem the issue found, as a user
// meets it. In-process (runCli) where the CLI's main() shows it; a spawned CLI where only a process of its
// own does (a long command line, a process that never exits, a path outside the output).
import { beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeWav, parseWav } from '../../src/audio/wav.ts';
import { readNpz } from '../../src/tensor/io.ts';
import { existsSync } from 'node:fs';
import { requireSetup } from '../setup-needed.ts';
import { runCli } from '../support/cli-inprocess.ts';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/emovoice.js');
const TINY = join(ROOT, 'models/tiny');
let dir: string;
let ref: string;

async function spawnCli(args: string[], opts: { timeout?: number } = {}) {
  const r = await execa('node', [BIN, ...args], { cwd: dir, reject: false, timeout: opts.timeout ?? 120_000, env: { TRTEXEC: '', EMOVOICE_CACHE: join(dir, 'cache') } });
  return { code: r.exitCode, out: r.stdout, err: r.stderr, timedOut: r.timedOut, signal: r.signal };
}

/** Exactly one line, an `error:` line, and no stack. */
function expectOneError(err: string, pattern?: RegExp): void {
  const lines = err.trim().split('\n');
  expect(lines, err).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  if (pattern) expect(lines[0]).toMatch(pattern);
}

/** Every entry under a folder with what it is (link target, fifo, size and inode), to see what a command touched. */
async function snapshot(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(root)).sort()) {
    const p = join(root, name);
    const st = await lstat(p);
    if (st.isDirectory()) out.push(`${name}/`, ...(await snapshot(p)).map((x) => `${name}/${x}`));
    else out.push(`${name} ${st.isSymbolicLink() ? `-> ${await readlink(p)}` : st.isFIFO() ? 'fifo' : `${st.size} ${st.ino} ${st.mtimeMs}`}`);
  }
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ev-hostile-'));
  ref = join(dir, 'voice.wav');
  // the real recording the PyTorch end-to-end reference was made with (committed in models/tiny)
  const e2e = await readNpz(join(TINY, 'refs/e2e/hello.npz'));
  await writeFile(ref, encodeWav(e2e.wav_ref!.data as Float32Array, 16000, { format: 'pcm16' }));
});

describe('parse-log on something that is not a trtexec log', () => {
  it('an empty file, binary data and other text: "not a trtexec log", exit 2', async () => {
    const files: [string, string | Uint8Array][] = [
      ['empty.log', ''],
      ['random.bin', Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24)],
      ['notes.txt', 'Build finished.\nstatus: ok\n'.repeat(500)],
    ];
    for (const [name, data] of files) {
      await writeFile(join(dir, name), data);
      const r = await runCli(['parse-log', join(dir, name)]);
      expect(r.code, name).toBe(2);
      expect(r.out).toBe('');
      expectOneError(r.err, new RegExp(`^error: ${join(dir, name)} not a trtexec log: `));
    }
    const real = await runCli(['parse-log', join(ROOT, 'test/fixtures/trtexec/trt8.4-perf-p99-only-metategra952.log')]);
    expect(real.code).toBe(0);
    expect(real.out).toMatch(/^TensorRT +8\.4\.0\nstatus +passed/);
  });
});

describe('a long command line', () => {
  // ONNX Runtime matched the whole command line with a recursive regex in its first session: exit 139 at
  // ~14,500 bytes of arguments, whatever they were (the text, an invalid --input). See src/runtime/ort-env.ts.
  it('15,000 characters of arguments: spoken (exit 0, a WAV), or one error line for a bad --input', async () => {
    const out = join(dir, 'long.wav');
    const r = await spawnCli(['synth', `Hello world.${' '.repeat(15_000)}`, '--ref', ref, '--out', out]);
    expect(r.signal, r.err).toBeUndefined();
    expect(r.code, r.err).toBe(0);
    expect(parseWav(await readFile(out)).samples.length).toBeGreaterThan(1000);
    const bad = await spawnCli(['synth', 'Hello world.', '--ref', ref, '--out', out, '--input', `x=${'a'.repeat(15_000)}`]);
    expect(bad.code, bad.err).toBe(2);
    expectOneError(bad.err, /--x is not an input of this model/);
  });
});

describe('a module ONNX Runtime cannot load', () => {
  // synth printed the right error, then never exited: a sibling module still loading when the first load
  // failed made its worker thread after the runners were closed. The file here has the right header
  // (the manifest check at load passes) and an operator no runtime has, so the load itself fails.
  it('one error line naming the file, and the process exits', async () => {
    const model = join(dir, 'broken-model');
    await mkdir(model);
    for (const f of await readdir(TINY)) if (!f.endsWith('refs')) await execa('cp', ['-r', join(TINY, f), model]);
    const vocoder = (await readFile(join(TINY, 'vocoder.onnx'))).toString('latin1');
    expect(vocoder).toContain('ConvTranspose');
    await writeFile(join(model, 'vocoder.onnx'), Buffer.from(vocoder.replaceAll('ConvTranspose', 'ConvTrxnspose'), 'latin1'));
    const r = await spawnCli(['synth', 'Hello world.', '--ref', ref, '--set', `model=${join(model, 'manifest.yaml')}`, '--out', join(dir, 'x.wav')], { timeout: 60_000 });
    expect(r.timedOut, 'still running after 60 s').toBe(false);
    expect(r.code).toBe(2);
    expectOneError(r.err, new RegExp(`${join(model, 'vocoder.onnx')} ONNX Runtime cannot load the model`));
  });
});

describe('--out at a symlink and a FIFO', () => {
  // The atomic rename replaced whatever was at --out: /dev/null became a WAV file, a link became a file.
  it('writes the link\'s target and through the FIFO; nothing else in or around the folder is created, replaced or removed', async () => {
    const area = join(dir, 'area');
    await mkdir(join(area, 'out'), { recursive: true });
    await writeFile(join(area, 'target.wav'), 'old');
    await writeFile(join(area, 'neighbour.txt'), 'keep');
    await symlink('../target.wav', join(area, 'out', 'link.wav'));
    await execa('mkfifo', [join(area, 'out', 'pipe.wav')]);
    const before = await snapshot(area);

    const viaLink = await spawnCli(['synth', 'Hello world.', '--ref', ref, '--out', join(area, 'out', 'link.wav')]);
    expect(viaLink.code, viaLink.err).toBe(0);
    const audio = parseWav(await readFile(join(area, 'target.wav')));
    expect(audio.samples.length).toBeGreaterThan(1000);

    const reader = execa('cat', [join(area, 'out', 'pipe.wav')], { encoding: 'buffer' });
    const viaFifo = await spawnCli(['synth', 'Hello world.', '--ref', ref, '--out', join(area, 'out', 'pipe.wav')]);
    expect(viaFifo.code, viaFifo.err).toBe(0);
    expect(parseWav(new Uint8Array((await reader).stdout)).samples).toEqual(audio.samples);

    const after = await snapshot(area);
    // the same entries; only the link's target has new content (a new inode: written atomically)
    expect(after.map((e) => e.split(' ')[0])).toEqual(before.map((e) => e.split(' ')[0]));
    expect(after.filter((e, i) => e !== before[i]).map((e) => e.split(' ')[0])).toEqual(['target.wav']);
    expect((await lstat('/dev/null')).isCharacterDevice()).toBe(true);
  });
});

describe('text with nothing to say, on every family', () => {
  const families: [string, string[]][] = [
    ['cpu', ['--ref', '<ref>']],
    ['emotivoice-cpu', []],
    ['piper-joe-cpu', []],
  ];
  it('punctuation only, zero-width characters and "-": one error line and exit 2, never a near-silent WAV', async (ctx) => {
    if (!existsSync(join(ROOT, 'models/joe/manifest.yaml'))) requireSetup(ctx, 'the Piper voice is not imported (models/joe)', 'scripts/setup.sh');
    for (const [profile, extra] of families) {
      for (const text of ['...!?', '\u200b-\u200b']) { // punctuation only; zero-width characters and "-"
        const out = join(dir, `silent-${profile}.wav`);
        const r = await runCli(['synth', text, '--profile', profile, ...extra.map((a) => (a === '<ref>' ? ref : a)), '--out', out]);
        expect(r.code, `${profile} ${JSON.stringify(text)}: ${r.err}`).toBe(2);
        expectOneError(r.err, /nothing to speak/);
        expect(existsSync(out)).toBe(false);
      }
    }
  });
});

describe('control characters and escape sequences in the text', () => {
  it('are removed before the frontend with a warning (the audio is that of the text without them), and never echoed raw', async () => {
    const plain = await runCli(['synth', 'Hello world.', '--ref', ref, '--out', join(dir, 'plain.wav')]);
    expect(plain.code, plain.err).toBe(0);
    const dirty = await runCli(['synth', '\x1b[31mHello\x1b[0m world.\x07', '--ref', ref, '--out', join(dir, 'dirty.wav')]);
    expect(dirty.code, dirty.err).toBe(0);
    expect(dirty.err).toMatch(/^warning: removed 3 control characters or escape sequences from the text \(\\x1b\[31m \\x1b\[0m \\x07\): they are not spoken$/m);
    expect(dirty.out + dirty.err).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(parseWav(await readFile(join(dir, 'dirty.wav'))).samples).toEqual(parseWav(await readFile(join(dir, 'plain.wav'))).samples);

    const ph = await runCli(['phonemize', '\x1b[31mHello\x1b[0m']);
    expect(ph.code).toBe(0);
    expect(ph.out).toMatch(/sentence 1 \(\d+ ids\): Hello$/m);
    expect(ph.out + ph.err).not.toMatch(/\x1b/);
    const bad = await runCli(['synth', 'hi', '--ref', ref, '--emotion', '\x1b[2J\x1b[31mred\nline', '--out', join(dir, 'x.wav')]);
    expect(bad.code).toBe(2);
    expectOneError(bad.err, /unknown emotion "\\x1b\[2J\\x1b\[31mred\\nline"/);
  });
});

describe('--set keys', () => {
  it('__proto__, constructor and prototype are refused in the key or a mapping value: one error line, not one per object', async () => {
    for (const kv of ['__proto__.x=1', 'modules.__proto__.precision=fp16', 'constructor.prototype.polluted=1', 'serving={__proto__: {max_text_len: 1}}']) {
      const r = await runCli(['phonemize', 'hello', '--set', kv]);
      expect(r.code, kv).toBe(2);
      expectOneError(r.err, /^error: --set \S+: "(__proto__|constructor)" is not a profile key/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('a module the model does not have is refused, as a misspelled top-level key is', async () => {
    const r = await runCli(['phonemize', 'hello', '--set', 'modules.nosuch.precision=fp16']);
    expect(r.code).toBe(2);
    expectOneError(r.err, /^error: --set modules\.nosuch: the model has no module "nosuch" \(fix: modules of \S+manifest\.yaml: text_encoder, style_encoder, acoustic_encoder, acoustic_decoder, vocoder\)$/);
    expect((await runCli(['phonemize', 'hello', '--set', 'modules.vocoder.precision=fp16'])).code).toBe(0);
  });
});

describe('smaller holes', () => {
  it('the abstract base profile is refused by the commands that would run it', async () => {
    for (const cmd of [['phonemize', 'hello'], ['synth', 'hello', '--ref', ref, '--out', join(dir, 'base.wav')]]) {
      const r = await runCli([...cmd, '--profile', 'base']);
      expect(r.code, cmd[0]).toBe(2);
      expectOneError(r.err, /configs\/base\.yaml:\d+:\d+ abstract: profile "base" is abstract/);
    }
  });

  it('NaN samples in --ref are a damaged file, not silence', async () => {
    const e2e = await readNpz(join(TINY, 'refs/e2e/hello.npz'));
    const samples = Float32Array.from(e2e.wav_ref!.data as Float32Array);
    samples.fill(Number.NaN, 1000, 1010);
    const nan = join(dir, 'nan.wav');
    await writeFile(nan, encodeWav(samples, 16000, { format: 'float32' }));
    const r = await runCli(['synth', 'hello', '--ref', nan, '--out', join(dir, 'nan-out.wav')]);
    expect(r.code).toBe(2);
    expectOneError(r.err, /reference audio has 10 samples that are not numbers \(NaN or infinite\)/);
  });

  it('migrate on a binary file says it is binary instead of quoting it', async () => {
    const bin = join(dir, 'model.yaml');
    await writeFile(bin, Uint8Array.from({ length: 3000 }, (_, i) => (i * 2654435761) >>> 24));
    const r = await runCli(['migrate', bin]);
    expect(r.code).toBe(2);
    expectOneError(r.err, new RegExp(`^error: ${bin} is not a YAML text file: it holds binary data`));
    expect(r.err.length).toBeLessThan(300);
  });

  it('models --config-dir lists the profiles it cannot read, with their errors', async () => {
    const cfg = join(dir, 'configs');
    await mkdir(cfg);
    await writeFile(join(cfg, 'broken.yaml'), 'name: [\n');
    await writeFile(join(cfg, 'mine.yaml'), `name: mine\nbackend: ort\nmodel: ${join(TINY, 'manifest.yaml')}\n`);
    const r = await spawnCli(['--config-dir', cfg, 'models']); // spawned: --config-dir is process-wide
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/profiles that cannot be read \(1\):\n {2}\S+broken\.yaml:\d+:\d+ invalid YAML: /);
    expect(r.out).toMatch(/profiles +mine/);
  });
});

describe('flags that were ignored silently', () => {
  it('--language a frontend does not take is refused, naming those it takes', async () => {
    const r = await runCli(['phonemize', 'hello', '--language', 'xx']);
    expect(r.code).toBe(2);
    expectOneError(r.err, /^error: --language xx: the emovoice-mixed frontend takes auto, en, zh \(fix: use one of: auto, en, zh\)$/);
    expect((await runCli(['phonemize', 'hello', '--language', 'en'])).code).toBe(0);
  });

  it('--emotion together with --prompt on EmotiVoice: one error line, not one of them dropped', async () => {
    const r = await runCli(['synth', '你好', '--profile', 'emotivoice-cpu', '--emotion', 'happy', '--prompt', '开心', '--out', join(dir, 'both.wav')]);
    expect(r.code).toBe(2);
    expect(r.err.split('\n').filter((l) => l.startsWith('error: '))).toEqual([expect.stringMatching(/give either --prompt or --emotion, not both/)]);
    expect(existsSync(join(dir, 'both.wav'))).toBe(false);
  });
});
