// What the tests of the real Piper voice need, found once: the voice imported into models/joe (by an
// importer that writes frontend.language), espeak-ng, and the speech recogniser. Each `…Missing` is null
// when present, else the reason, for requireSetup (which fails under CI naming PIPER_SETUP_STEP).
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { probeRecognizer } from '../../src/asr/whisper.ts';

export const PIPER_MANIFEST = 'models/joe/manifest.yaml';
export const PIPER_SETUP_STEP = 'scripts/setup.sh installs the voice, espeak-ng and the recogniser, and imports the voice into models/joe';

export const voiceMissing = !existsSync(PIPER_MANIFEST)
  ? `the Piper voice is not imported (${PIPER_MANIFEST})`
  : /^\s+language: en/m.test(readFileSync(PIPER_MANIFEST, 'utf8'))
    ? null
    : 'models/joe was imported before the importer wrote frontend.language';
export const espeakMissing = await execa('espeak-ng', ['--version'], { reject: false }).then((r) => (r.exitCode === 0 ? null : 'espeak-ng is not installed'));
export const recognizer = await probeRecognizer();
export const recognizerMissing = recognizer.ok ? null : `the speech recogniser is not installed (${recognizer.reason})`;
/** The first thing missing for a test that speaks with the voice and scores it, or null. */
export const piperMissing = voiceMissing ?? espeakMissing ?? recognizerMissing;
