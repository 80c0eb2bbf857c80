// Set-up data that tests need (real speech recordings, the reference voice, the Python toolchain) and
// what to do when it is missing. Under CI=true a missing piece FAILS the test file, naming the set-up step
// that makes it: CI runs scripts/setup.sh first, so a gap there is a broken set-up, never a reason to
// pass. Outside CI the caller skips, and the reason is printed. No test may return early or skip silently;
// only the live trtexec suite (test/live/) skips without this helper, and it says why.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

/** The command that makes each piece; `bash scripts/setup.sh` runs them all. */
export const SETUP = {
  speech: 'bash calibration/fetch-speech.sh',
  alsa: 'bash calibration/fetch-speech.sh --packages-only',
  reference: 'npx tsx scripts/make-reference.ts data/ref-alsa.wav',
  python: 'bash scripts/setup.sh',
} as const;

const fix = (step: string) => (step === SETUP.python ? `run \`${step}\`` : `run \`${step}\` (or \`bash scripts/setup.sh\`, which does all set-up)`);

export class SetupMissing extends Error {
  constructor(what: string, step: string) {
    super(`set-up missing: ${what} (fix: ${fix(step)})`);
    this.name = 'SetupMissing';
  }
}

const inCi = () => process.env.CI === 'true' || process.env.CI === '1';

/**
 * Whether `what` is present. When it is not: under CI throw SetupMissing (call it at a test file's top
 * level, and the file fails with that message), else print "SKIPPED … (set up with: step)" and return
 * false, for `describe.skipIf(!requireSetup(...))` or `if (!requireSetup(...)) ctx.skip()`.
 */
export function requireSetup(what: string, step: string, present: boolean): boolean {
  if (present) return true;
  if (inCi()) throw new SetupMissing(what, step);
  console.warn(`SKIPPED: set-up missing: ${what} (fix: ${fix(step)})`);
  return false;
}

/** A path under the repository that scripts/setup.sh (or a script it runs) makes. */
export function requirePath(path: string, step: string, what?: string): boolean {
  const abs = resolve(ROOT, path);
  return requireSetup(what ?? relative(ROOT, abs), step, existsSync(abs));
}

/** The real speech recordings of calibration/speech.yaml, written to calibration/speech/. */
export function requireSpeech(): boolean {
  const dir = join(ROOT, 'calibration/speech');
  const wavs = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.wav')).length : 0;
  return requireSetup('the real speech recordings in calibration/speech/', SETUP.speech, wavs > 0);
}

/** The alsa-utils recordings of one human voice (/usr/share/sounds/alsa). */
export const ALSA_DIR = process.env.ALSA_SOUNDS ?? '/usr/share/sounds/alsa';
export function requireAlsa(): boolean {
  const ok = ['Front_Center.wav', 'Front_Left.wav', 'Front_Right.wav'].every((f) => existsSync(join(ALSA_DIR, f)));
  return requireSetup(`the alsa-utils speech recordings in ${ALSA_DIR}`, SETUP.alsa, ok);
}

/** data/ref-alsa.wav, the reference voice made from the alsa-utils recordings. */
export const REF_WAV = join(ROOT, 'data/ref-alsa.wav');
export function requireReferenceVoice(): boolean {
  return requirePath('data/ref-alsa.wav', SETUP.reference, 'data/ref-alsa.wav (the reference voice)');
}

/** Python modules importable by python3 (one import check per distinct list, cached). */
const pythonCache = new Map<string, boolean>();
export function requirePython(modules: readonly string[]): boolean {
  const key = modules.join(',');
  let ok = pythonCache.get(key);
  if (ok === undefined) {
    ok = spawnSync('python3', ['-c', `import ${key}`], { stdio: 'ignore' }).status === 0;
    pythonCache.set(key, ok);
  }
  return requireSetup(`python3 with ${modules.join(', ')}`, SETUP.python, ok);
}
