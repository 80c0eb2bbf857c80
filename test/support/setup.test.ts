// The set-up helper itself: under CI a missing piece fails with the step that makes it; elsewhere it skips
// and says why; present pieces pass silently.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SETUP, SetupMissing, requirePath, requireSetup } from './setup.ts';

const ci = process.env.CI;
afterEach(() => {
  if (ci === undefined) delete process.env.CI;
  else process.env.CI = ci;
  vi.restoreAllMocks();
});

describe('requireSetup', () => {
  it('present: true, and nothing printed', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    process.env.CI = 'true';
    expect(requireSetup('x', SETUP.speech, true)).toBe(true);
    expect(warn).not.toHaveBeenCalled();
  });
  it('missing under CI=true: throws, naming what is missing and the step that makes it', () => {
    process.env.CI = 'true';
    expect(() => requireSetup('the recordings', SETUP.speech, false)).toThrow(SetupMissing);
    expect(() => requireSetup('the recordings', SETUP.speech, false)).toThrow(
      'set-up missing: the recordings (fix: run `bash calibration/fetch-speech.sh` (or `bash scripts/setup.sh`, which does all set-up))',
    );
    expect(() => requirePath('no/such/file.wav', SETUP.reference)).toThrow(/no\/such\/file\.wav.*scripts\/make-reference\.ts/);
  });
  it('missing outside CI: false, with the reason printed', () => {
    delete process.env.CI;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(requireSetup('python3 with torch', SETUP.python, false)).toBe(false);
    expect(warn).toHaveBeenCalledWith('SKIPPED: set-up missing: python3 with torch (fix: run `bash scripts/setup.sh`)');
  });
});
