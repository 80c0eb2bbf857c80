// `emovoice import piper <voice.onnx> --out models/<name>`: split a Piper (VITS) voice into per-module
// ONNX files, a format-2 manifest and references from the unsplit original. The split itself is Python
// (reference/emovoice_ref/piper_import.py, the onnx package), started with an argument array; its
// failures come back as one error line. The e2e reference's ids come from our own espeak-piper frontend.
import type { Command } from 'commander';
import { execa } from 'execa';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../core/errors.ts';
import { writeFileAtomic } from '../core/files.ts';
import { registry } from '../pipeline/registry.ts';
import { log, ROOT } from './common.ts';

const E2E_TEXT = { quick: 'The quick brown fox jumps over the lazy dog.' };
const FRONTEND = 'espeak-piper';
const PY_HINT = 'run scripts/setup.sh, or pip install -r reference/requirements.txt';

interface PiperConfig {
  phoneme_id_map?: Record<string, number[]>;
  espeak?: { voice?: string };
  audio?: { sample_rate?: number };
}

async function readVoiceConfig(path: string): Promise<PiperConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UserError('no voice config next to the voice', { place: { file: path }, hint: 'Piper keeps it as <voice>.onnx.json; pass --config PATH' });
  }
  try {
    return JSON.parse(text) as PiperConfig;
  } catch (e) {
    throw new UserError(`not JSON: ${(e as Error).message}`, { place: { file: path }, hint: "give the voice's .onnx.json" });
  }
}

/** The e2e cases as our frontend speaks them; null (with a warning) when espeak-ng is missing. */
async function frontendCases(cfg: PiperConfig, configPath: string): Promise<{ name: string; text: string; ids: number[] }[] | null> {
  const map = cfg.phoneme_id_map ?? {};
  const symbols: string[] = [];
  for (const [s, ids] of Object.entries(map)) if (ids.length === 1) symbols[ids[0]!] = s;
  // the family's frontend, by the name the manifest will give it (the registry, not the family's folder)
  const ctx = { manifestPath: configPath, dir: dirname(configPath), audio: { sample_rate: Number(cfg.audio?.sample_rate ?? 22050) }, place: { file: configPath } };
  try {
    const fe = await registry.frontend(FRONTEND)!.create({ voice: cfg.espeak?.voice ?? 'en-us' }, Array.from(symbols, (s) => s ?? ''), ctx);
    const out = [];
    for (const [name, text] of Object.entries(E2E_TEXT)) {
      const r = await fe.toIds(text, { limit: 400 });
      out.push({ name, text, ids: Array.from(r.sentences[0]!.ids) });
    }
    return out;
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    log(`warning: ${e.format()}; the e2e reference uses the importer's fixed phonemes instead`);
    return null;
  }
}

export function register(program: Command): void {
  const imp = program.command('import').description('import a model from another toolkit into per-module ONNX files and a manifest');
  imp
    .command('piper <voice>')
    .description('split a Piper (VITS) voice .onnx into text_encoder, flow and vocoder with host length regulation and noise; references from the unsplit original')
    .requiredOption('--out <dir>', 'output folder, e.g. models/joe')
    .option('--config <json>', "the voice's config (default: <voice>.json)")
    .option('--name <name>', 'the manifest name (default: piper-<voice file name>)')
    .option('--python <exe>', 'Python interpreter', process.env.PYTHON ?? 'python3')
    .action(async (voice: string, opts: { out: string; config?: string; name?: string; python: string }) => {
      const onnx = resolve(voice);
      if (!(await stat(onnx).then((st) => st.isFile(), () => false))) {
        throw new UserError('no such voice file', { place: { file: voice }, hint: "give a Piper voice's .onnx file (scripts/setup.sh installs en_US-joe-medium)" });
      }
      const config = resolve(opts.config ?? `${onnx}.json`);
      const cfg = await readVoiceConfig(config);
      const env = { ...process.env, PYTHONPATH: [resolve(ROOT, 'reference'), process.env.PYTHONPATH].filter(Boolean).join(':') };
      const probe = await execa(opts.python, ['-c', 'import onnx, onnxruntime, numpy, yaml'], { env, reject: false });
      if ((probe as { code?: string }).code === 'ENOENT') {
        throw new UserError(`Python was not found (${opts.python})`, { hint: 'install Python 3.11, or pass --python /path/to/python', exitCode: 3 });
      }
      if (probe.exitCode !== 0) {
        throw new UserError(`Python cannot import onnx/onnxruntime/numpy/yaml: ${probe.stderr.trim().split('\n').pop()}`, { hint: PY_HINT, exitCode: 3 });
      }
      const cases = await frontendCases(cfg, config);
      const tmp = await mkdtemp(join(tmpdir(), 'emovoice-import-'));
      try {
        const args = ['-m', 'emovoice_ref.piper_import', onnx, '--out', resolve(opts.out), '--config', config];
        if (cases) {
          await writeFileAtomic(join(tmp, 'cases.json'), JSON.stringify(cases));
          args.push('--cases', join(tmp, 'cases.json'));
        }
        if (opts.name) args.push('--name', opts.name);
        const r = await execa(opts.python, args, { env, reject: false, stdout: 'inherit', stderr: 'pipe' });
        if (r.exitCode === 0) return;
        const said = r.stderr.split('\n').filter((l) => l.startsWith('error: ')).pop();
        const message = said ? said.slice('error: '.length).replace(`${onnx}: `, '') : `the importer failed (exit ${r.exitCode}): ${r.stderr.trim().split('\n').pop() ?? ''}`;
        if (r.exitCode === 2) throw new UserError(message, { place: { file: voice }, hint: 'give a single-speaker Piper VITS voice exported by Piper (an .onnx with its .onnx.json)' });
        if (r.exitCode === 1) throw new UserError(message, { place: { file: voice }, hint: 'nothing was written; the rel L2 per case is printed above', exitCode: 1 });
        throw new UserError(message, { place: { file: voice }, hint: PY_HINT, exitCode: 3 });
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    });
}
