// Real recorded speech for the precision tests (calibration/speech.yaml, fetched by
// calibration/fetch-speech.sh). Under CI=true a missing recording fails the test file, naming the set-up
// step; elsewhere the tests that need it are skipped, saying why.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseSpeechManifest } from '../../src/calibrate/speech.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const SPEECH = join(ROOT, 'calibration/speech.yaml');

function ready(): boolean {
  const m = parseSpeechManifest(readFileSync(SPEECH, 'utf8'), SPEECH);
  return m.entries.filter((e) => e.split === 'calibration').slice(0, 8).every((e) => existsSync(join(m.dir, `${e.id}.wav`)));
}

/** True when the recordings are there; false (after saying why) outside CI; throws under CI. */
export function haveSpeech(): boolean {
  if (ready()) return true;
  const why = 'real speech recordings are missing: run `bash calibration/fetch-speech.sh` (scripts/setup.sh does it)';
  if (process.env.CI) throw new Error(why);
  console.log(`SKIPPED: ${why}`);
  return false;
}
