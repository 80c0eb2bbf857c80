// Start-up stays light and the shell conventions hold. `--help` lists every command without importing
// one; a command imports its own module and the packages it uses, no other command's; NO_COLOR and
// non-TTY runs print no colour. Which packages load is observed, not assumed: a module-resolution
// hook (node --import) records every package that src/ itself imports in the real CLI process.
// Timings are not asserted here (that is `npm run bench:cli`).
import { beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { COMMANDS, programFor, requestedCommand } from '../../src/cli/main.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/emovoice.js');
const SRC_URL = pathToFileURL(join(ROOT, 'src')).href + '/';
const FAKE = join(ROOT, 'test/fixtures/bin/fake-trtexec');
// Packages that make a command slow to start; none may load unless the command uses them.
const HEAVY = ['onnxruntime-node', 'protobufjs', 'pinyin-pro', 'cmu-pronouncing-dictionary', 'esbuild'];
const ESC = '\x1b';
const SGR_COLOUR = /\x1b\[(3\d|9\d|4\d|10\d)(;\d+)*m/;

let work: string;
let register: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ev-startup-'));
  // The hook runs in Node's loader thread: it appends "<importer>\t<resolved>" for every import.
  await writeFile(
    join(work, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.EV_IMPORTS, context.parentURL + '\\t' + r.url + '\\n');
  return r;
}
`,
  );
  register = join(work, 'register.mjs');
  await writeFile(register, `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`);
});

/** Runs the CLI (the sources, through bin/emovoice.js) and returns the packages src/ imported. */
async function packagesImportedBy(args: string[]): Promise<{ packages: string[]; code: number | undefined; out: string }> {
  const log = join(work, `imports-${Math.random().toString(36).slice(2)}.tsv`);
  const r = await execa('node', ['--import', register, BIN, ...args], { cwd: work, reject: false, env: { EV_IMPORTS: log, TRTEXEC: '' } });
  const lines = existsSync(log) ? (await readFile(log, 'utf8')).trim().split('\n') : [];
  const packages = new Set<string>();
  for (const l of lines) {
    const [parent, url] = l.split('\t');
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url ?? '');
    if (parent?.startsWith(SRC_URL) && m) packages.add(m[1]!);
  }
  return { packages: [...packages].sort(), code: r.exitCode, out: r.stdout };
}

describe('the command table', () => {
  it('each row registers the command it names, with the summary that --help lists', async () => {
    for (const row of COMMANDS) {
      const program = new Command();
      (await row.load()).register(program);
      expect(program.commands.map((c) => c.name()), `src/cli row "${row.name}"`).toEqual([row.name]);
      expect(program.commands[0]!.description(), `summary of "${row.name}" in src/cli/main.ts must match its .description()`).toBe(row.summary);
    }
  });

  it('every command module in src/cli has a row', async () => {
    const files = (await readdir(join(ROOT, 'src/cli'))).filter((f) => f.endsWith('.ts'));
    const modules: string[] = [];
    for (const f of files) if (/export function register\(/.test(await readFile(join(ROOT, 'src/cli', f), 'utf8'))) modules.push(f.replace(/\.ts$/, ''));
    expect(modules.length).toBeGreaterThan(5);
    const table = await readFile(join(ROOT, 'src/cli/main.ts'), 'utf8');
    for (const m of modules) expect(table, `src/cli/${m}.ts registers a command but has no row in COMMANDS`).toContain(`import('./${m}.ts')`);
  });

  it('finds the requested command past program options, and through `help <command>`', () => {
    expect(requestedCommand(['synth', 'hi', '--ref', 'x.wav'])).toBe('synth');
    expect(requestedCommand(['--debug', '--config-dir', 'synth', 'doctor'])).toBe('doctor');
    expect(requestedCommand(['help', 'verify'])).toBe('verify');
    expect(requestedCommand(['--help'])).toBeUndefined();
    expect(requestedCommand([])).toBeUndefined();
  });

  it('registers the requested command in full and the others by name only', async () => {
    const program = await programFor(['synth', '--help']);
    expect(program.commands.map((c) => c.name())).toEqual(COMMANDS.map((c) => c.name));
    const synth = program.commands.find((c) => c.name() === 'synth')!;
    expect(synth.options.map((o) => o.long)).toContain('--ref');
    const doctor = program.commands.find((c) => c.name() === 'doctor')!;
    expect(doctor.options).toEqual([]);
  });
});

describe('start-up imports', () => {
  it('--help and --version import commander and nothing else', async () => {
    const help = await packagesImportedBy(['--help']);
    expect(help.code).toBe(0);
    expect(help.packages).toEqual(['commander']);
    for (const c of COMMANDS) expect(help.out).toContain(`  ${c.name} `);
    const version = await packagesImportedBy(['--version']);
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(version.out.trim()).toBe(pkg.version);
    expect(version.packages).toEqual(['commander']);
  });

  it('a command help page imports that command only', async () => {
    const r = await packagesImportedBy(['parse-log', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: emovoice parse-log');
    for (const p of HEAVY) expect(r.packages).not.toContain(p);
  });

  it('doctor loads no ONNX Runtime, dictionary, bundler or protobuf schema (its lint reads only each ONNX file\'s graph header)', async () => {
    const r = await packagesImportedBy(['doctor']);
    expect(r.out).toContain('onnxruntime');
    for (const p of ['onnxruntime-node', 'protobufjs', 'pinyin-pro', 'cmu-pronouncing-dictionary', 'esbuild']) expect(r.packages).not.toContain(p);
  });

  it('the hook does see heavy packages when a command uses them: the dictionaries in phonemize, ONNX Runtime in verify', async () => {
    const phonemize = await packagesImportedBy(['phonemize', 'Hello, 你好']);
    expect(phonemize.code).toBe(0);
    for (const p of ['pinyin-pro', 'cmu-pronouncing-dictionary']) expect(phonemize.packages).toContain(p);
    expect(phonemize.packages).not.toContain('onnxruntime-node');
    const verify = await packagesImportedBy(['verify', '--profile', 'cpu', '--module', 'vocoder']);
    expect(verify.code).toBe(0);
    expect(verify.packages).toContain('onnxruntime-node');
  });
});

describe('colour and terminals', () => {
  const cases: [string, string[]][] = [
    ['--help', ['--help']],
    ['an unknown command', ['synht']],
    ['a user error', ['inspect', 'no-such.onnx']],
    ['doctor', ['doctor']],
    ['completion', ['completion', 'bash']],
  ];
  for (const [what, args] of cases) {
    it(`${what}: no escape sequences when NO_COLOR is set or the output is not a terminal`, async () => {
      for (const env of [{ NO_COLOR: '1' }, { FORCE_COLOR: undefined, NO_COLOR: undefined }]) {
        const r = await execa('node', [BIN, ...args], { cwd: work, reject: false, env: { ...env, TRTEXEC: '' } });
        expect(r.stdout + r.stderr).not.toContain(ESC);
        expect(r.stdout + r.stderr).not.toBe('');
      }
    });
  }

  // build's spinner is the one place emovoice draws on a terminal; `script` gives the process a real
  // pseudo-terminal (80 columns: with 0, as `script` reports without a terminal, ora never returns).
  // Legacy precision flags: no strongly typed conversion first, which is slow and has no spinner.
  const script = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));
  const onTerminal = (noColor: boolean) =>
    execa(script!, ['-qec', `stty cols 80 rows 24; exec node ${BIN} build --profile a10g-fp16 --module vocoder --force --set output=${join(work, 'engines')} --set tensorrt.legacy_precision_flags=true`, '/dev/null'], {
      cwd: work,
      reject: false,
      stdin: 'ignore',
      // CI unset: under CI (even set empty) build and ora print plain lines, never a spinner
      env: { CI: undefined, TRTEXEC: FAKE, FAKE_TRTEXEC_MODE: 'success', TERM: 'xterm-256color', NO_COLOR: noColor ? '1' : undefined, FORCE_COLOR: undefined },
      timeout: 60_000,
    });

  it.skipIf(!script)('on a terminal the build spinner is coloured, and NO_COLOR takes the colour away (stand-in trtexec)', async () => {
    const coloured = await onTerminal(false);
    expect(coloured.exitCode).toBe(0);
    expect(coloured.stdout).toContain('vocoder: built');
    expect(coloured.stdout).toContain('\x1b[?25l'); // the spinner ran (it hides the cursor)
    expect(coloured.stdout).toMatch(SGR_COLOUR);
    const plain = await onTerminal(true);
    expect(plain.exitCode).toBe(0);
    expect(plain.stdout).toContain('vocoder: built');
    expect(plain.stdout).toContain('\x1b[?25l');
    expect(plain.stdout).not.toMatch(SGR_COLOUR);
  });
  if (!script) console.warn('startup.test: `script` (util-linux) is not installed, so the terminal case is skipped');
});
