// Calibrations the tests share, made by the real `emovoice calibrate` in a working folder of their own (so
// the default output, calibration/out/<model>/, lands there) and kept in the content-keyed test cache:
// the tiny model's vocoder (cheap: 8 windows of real speech) for test/calibrate/cli.test.ts,
// test/calibrate/store.test.ts, test/cli/build-standin.test.ts and the Piper INT8 test alike.
import { join } from 'node:path';
import { cachedFolder, CODE, contentKey } from './cache.ts';
import { cliInProcess } from './cli-inprocess.ts';
import { ROOT } from './setup.ts';

export const SPEECH = join(ROOT, 'calibration/speech.yaml');

/**
 * The CLI run in a working folder (calibrate's default output and the found calibrations are relative to
 * it): its main() in this process (test/support/cli-inprocess.ts), the same code as `node bin/emovoice.js`.
 */
export const cliIn = (cwd: string, args: string[]) => cliInProcess(args, { cwd });

/** The tiny vocoder's calibration that test/calibrate/cli.test.ts checks (cache, QDQ model, quality, sensitivity). */
export const TINY_CALIBRATE = ['calibrate', 'vocoder', '--profile', 'cpu', '--data', SPEECH, '--samples', '8', '--heldout', '3', '--sensitivity', '3', '--trt-version', '8.6.1'];

/** Runs calibrate in `cwd`, throwing its error lines when it fails. */
export async function calibrateIn(cwd: string, args: string[]): Promise<void> {
  const r = await cliIn(cwd, args);
  if (r.exitCode !== 0) throw new Error(`calibrate exited ${r.exitCode}: ${r.stderr.split('\n').filter((l) => l.startsWith('error')).join('; ')}`);
}

/** A folder whose calibration/out/emovoice-ref-tiny/ holds the tiny model's calibrated vocoder. */
export async function tinyCalibration(): Promise<string> {
  const key = contentKey([...CODE, 'models/tiny', 'calibration/speech.yaml'], TINY_CALIBRATE);
  return (await cachedFolder('calibrated-tiny-vocoder', key, (dir) => calibrateIn(dir, TINY_CALIBRATE))).dir;
}
