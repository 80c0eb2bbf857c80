// ONNX Runtime's own log from our sessions: errors only by default (its warnings on the GPU providers —
// nodes placed on the CPU, Memcpy nodes added — are expected there and printed on every session, in
// colour), EMOVOICE_ORT_LOG=warning|info|verbose brings them back, and a level it does not know is one
// error line naming the levels, before any model loads (not a "cannot load the model" about the model).
import { execa } from 'execa';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.ts';
import { ortLogLevel, sessionOptions } from '../../src/runtime/ort-options.ts';

const ROOT = resolve(__dirname, '../..');

describe('EMOVOICE_ORT_LOG', () => {
  it('unset: errors only; a name gives its severity; sessions get it', () => {
    expect(ortLogLevel({})).toBe(3);
    expect(ortLogLevel({ EMOVOICE_ORT_LOG: '' })).toBe(3);
    expect(ortLogLevel({ EMOVOICE_ORT_LOG: 'verbose' })).toBe(0);
    expect(ortLogLevel({ EMOVOICE_ORT_LOG: 'warning' })).toBe(2);
    expect(ortLogLevel({ EMOVOICE_ORT_LOG: 'fatal' })).toBe(4);
    expect(sessionOptions({}, {}).logSeverityLevel).toBe(3);
    expect(sessionOptions({ providers: ['cuda'] }, { EMOVOICE_ORT_LOG: 'info' }).logSeverityLevel).toBe(1);
  });

  it('a level it does not know is refused, naming the levels', () => {
    expect(() => ortLogLevel({ EMOVOICE_ORT_LOG: 'loud' })).toThrow(UserError);
    try {
      ortLogLevel({ EMOVOICE_ORT_LOG: 'WARNING' });
      expect.unreachable();
    } catch (e) {
      expect((e as UserError).message).toBe('EMOVOICE_ORT_LOG=WARNING: no such log level');
      expect((e as UserError).hint).toBe('use one of verbose, info, warning, error, fatal, or unset it (errors only)');
    }
  });

  it('in a real run: nothing from ONNX Runtime by default, its verbose log with verbose, one error line for a bad level', async () => {
    const run = (env: Record<string, string>) =>
      execa('node', ['bin/emovoice.js', 'verify', '--profile', 'cpu', '--module', 'vocoder', '--no-e2e', '--wer-sentences', '0'], { cwd: ROOT, reject: false, env: { ...env, NO_COLOR: '1' } });
    const [quiet, loud, bad] = await Promise.all([run({}), run({ EMOVOICE_ORT_LOG: 'verbose' }), run({ EMOVOICE_ORT_LOG: 'loud' })]);
    expect(quiet.exitCode, quiet.stderr).toBe(0);
    expect(quiet.stderr).not.toMatch(/\[[VIW]:onnxruntime/);
    expect(loud.exitCode, loud.stderr).toBe(0);
    expect(loud.stderr).toMatch(/\[V:onnxruntime:/);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.trim()).toBe('error: EMOVOICE_ORT_LOG=loud: no such log level (fix: use one of verbose, info, warning, error, fatal, or unset it (errors only))');
  });
});
