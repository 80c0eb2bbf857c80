// What `emovoice doctor` says of espeak-ng (espeakStatus, espeakLine): on this machine, set up by
// scripts/setup.sh, libespeak-ng loads in process and the program answers its version; with $ESPEAK_NG
// naming a program, that program is what the Piper frontend runs (the library is not used); with it
// naming one that does not exist, the line says Piper voices cannot phonemize and names the set-up step.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { espeakLibrary } from '../../../src/families/piper/espeak-lib.ts';
import { espeakLine, espeakStatus, SETUP_HINT } from '../../../src/families/piper/espeak.ts';
import { requireSetup } from '../../setup-needed.ts';

const STEP = 'scripts/setup.sh installs Debian espeak-ng (with libespeak-ng1) and npm installs koffi';
const program = await execa('espeak-ng', ['--version'], { reject: false });
const missing = program.exitCode !== 0 ? 'espeak-ng is not installed' : !espeakLibrary() ? 'libespeak-ng or koffi cannot be loaded' : null;

describe('espeakStatus and doctor\'s espeak-ng line', () => {
  it('set up: the library in process, and the program with its version', async (ctx) => {
    requireSetup(ctx, missing, STEP);
    const env = { ...process.env };
    delete env.ESPEAK_NG;
    const s = await espeakStatus(env);
    expect(s).toEqual({ library: true, program: 'espeak-ng', programVersion: expect.stringMatching(/^eSpeak NG text-to-speech: \d+\.\d+/) });
    expect(espeakLine(s)).toMatch(/^libespeak-ng in process \(the Piper frontend uses it\); program espeak-ng \(eSpeak NG text-to-speech: \d/);
  });

  it('ESPEAK_NG naming a program: that program is used, not the library; naming a missing one: the set-up step', async (ctx) => {
    requireSetup(ctx, missing, STEP);
    const path = (await execa('sh', ['-c', 'command -v espeak-ng'])).stdout.trim();
    const named = await espeakStatus({ ...process.env, ESPEAK_NG: path });
    expect(named.library).toBe(false);
    expect(espeakLine(named)).toBe(`program ${path} (${named.programVersion}) (the Piper frontend runs it, named by ESPEAK_NG)`);
    const gone = await espeakStatus({ ...process.env, ESPEAK_NG: '/nonexistent/espeak-ng' });
    expect(gone).toEqual({ library: false, program: '/nonexistent/espeak-ng', programVersion: null });
    expect(espeakLine(gone)).toBe(`unusable: program /nonexistent/espeak-ng cannot run, and no libespeak-ng in process — Piper voices cannot phonemize (${SETUP_HINT})`);
  });

  it('the program on PATH without the library: the line says the library did not load', () => {
    expect(espeakLine({ library: false, program: 'espeak-ng', programVersion: 'eSpeak NG text-to-speech: 1.51' })).toBe(
      'program espeak-ng (eSpeak NG text-to-speech: 1.51) (the Piper frontend runs it; libespeak-ng did not load in process)',
    );
  });
});
