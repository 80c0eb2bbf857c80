// What a profile's serving: says about the CPU sessions (servingRunnerOptions), down to the ONNX Runtime
// session options the worker thread gets: serving.spin_us turns bounded spinning on with the spin stopped
// at the end of each run; absent or 0, the sessions do not spin. The profile schema takes spin_us as a
// whole number of microseconds and refuses a negative one, naming the field.
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { UserError, UserErrors } from '../../src/core/errors.ts';
import { loadProfile } from '../../src/profile/load.ts';
import { sessionOptions } from '../../src/runtime/ort-options.ts';
import { servingFor, servingRunnerOptions } from '../../src/synth/runners.ts';

const CONFIGS = resolve(__dirname, '../../configs');

describe('servingRunnerOptions', () => {
  it('serving.spin_us: bounded spinning, stopped at the end of each run; 0 or absent: none', () => {
    expect(servingRunnerOptions({ spin_us: 50 })).toEqual({ ort: { spinning: true, spinMicroseconds: 50 } });
    expect(servingRunnerOptions({ spin_us: 50, intra_op_threads: 1, chunk_lanes: 2 })).toEqual({ chunkLanes: 2, ort: { intraOpThreads: 1, spinning: true, spinMicroseconds: 50 } });
    expect(servingRunnerOptions({ spin_us: 0 })).toEqual({});
    expect(servingRunnerOptions({})).toEqual({});
    expect(servingRunnerOptions(undefined)).toEqual({});
    // as OrtThreadRunner turns it into session options: its default (no spinning) is overridden
    const spun = sessionOptions({ spinning: false, ...servingRunnerOptions({ spin_us: 50 }).ort });
    const noNhwc = { optimization: { disable_specified_optimizers: 'NhwcTransformer' } }; // every CPU session (ort-options.ts)
    expect(spun.extra).toEqual({ session: { intra_op: { allow_spinning: '1', spin_duration_us: '50' }, force_spinning_stop: '1' }, ...noNhwc });
    const still = sessionOptions({ spinning: false, ...servingRunnerOptions({ intra_op_threads: 2 }).ort });
    expect(still.extra).toEqual({ session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } }, ...noNhwc });
    expect(still.intraOpNumThreads).toBe(2);
  });

  it('the schema takes spin_us in whole microseconds, never negative', async () => {
    const ok = await loadProfile('piper-joe-cpu', { configsDir: CONFIGS, overrides: ['serving.spin_us=100'] });
    expect(ok.profile.serving!.spin_us).toBe(100);
    const e = await loadProfile('piper-joe-cpu', { configsDir: CONFIGS, overrides: ['serving.spin_us=-5'] }).then(
      () => null,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(UserError);
    const errs = e instanceof UserErrors ? e.errors : [e as UserError];
    expect(errs.map((x) => x.place.path)).toContain('serving.spin_us');
  });
});

describe('servingFor: serving.overlap_parts as each backend runs it', () => {
  it('left out: on for the in-process GPU backends, off on the CPU and through trtexec; the profile\'s own value always wins', () => {
    const serving: { max_text_len?: number; overlap_parts?: boolean } = { max_text_len: 80 };
    expect(servingFor(serving, 'cuda')).toEqual({ max_text_len: 80, overlap_parts: true });
    expect(servingFor(undefined, 'trt')).toEqual({ overlap_parts: true });
    expect(servingFor(serving, 'ort')).toEqual({ max_text_len: 80 });
    expect(servingFor(undefined, 'trtexec')).toEqual({});
    expect(servingFor({ overlap_parts: false }, 'cuda')).toEqual({ overlap_parts: false });
    expect(servingFor({ overlap_parts: true }, 'ort')).toEqual({ overlap_parts: true });
  });
});
