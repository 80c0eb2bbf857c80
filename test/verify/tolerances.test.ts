// A tier's tolerances as verify applies them: the built-in defaults, the profile's on top, and a limit the
// profile sets to null left unchecked (piper-joe-cpu's INT8 log-spectral distance); a case is judged by what
// remains.
import { describe, expect, it } from 'vitest';
import { compareOutputs } from '../../src/compare/compare.ts';
import { DEFAULT_TOLERANCES, profileTolerances } from '../../src/verify/verify.ts';
import { tensor } from '../../src/tensor/tensor.ts';

describe('profileTolerances', () => {
  it('merges the profile over the defaults and drops what the profile sets to null', () => {
    expect(profileTolerances(DEFAULT_TOLERANCES.int8, { rel_l2: 0.15, lsd_db_max: null, mcd_db_max: null })).toEqual({ rel_l2: 0.15, cosine_min: 0.99, snr_db_min: 15 });
    expect(profileTolerances(DEFAULT_TOLERANCES.fp32, undefined)).toEqual(DEFAULT_TOLERANCES.fp32);
    expect(profileTolerances(undefined, { snr_db_min: 10 })).toEqual({ snr_db_min: 10 });
  });

  it('judges a waveform by the limits left: one far off in LSD alone passes once LSD is null', () => {
    // a sine and the same sine with a faint high-frequency hiss: close in samples, far apart in the empty bins
    const n = 4096;
    const ref = new Float32Array(n);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      ref[i] = 0.5 * Math.sin((2 * Math.PI * 220 * i) / 22050);
      out[i] = ref[i]! + 0.005 * (i % 2 ? 1 : -1);
    }
    const kinds = { waveform: 'waveform' as const };
    const judge = (t: Parameters<typeof profileTolerances>[1]) =>
      compareOutputs({ waveform: tensor('float32', [1, 1, n], out) }, { waveform: tensor('float32', [1, 1, n], ref) }, { tolerances: profileTolerances(DEFAULT_TOLERANCES.int8, t), kinds })[0]!;
    const strict = judge({});
    expect(strict.pass).toBe(false);
    expect(strict.failed).toEqual(['lsd_db_max']);
    expect(judge({ lsd_db_max: null, mcd_db_max: null }).pass).toBe(true);
  });
});
