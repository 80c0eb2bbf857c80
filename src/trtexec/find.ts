// Locate trtexec: $TRTEXEC (must exist when set), then PATH, then the TensorRT container default.
import { access, constants, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { UserError } from '../core/errors.ts';

export const DEFAULT_TRTEXEC_PATHS = ['/usr/src/tensorrt/bin/trtexec'];

async function isExecutableFile(p: string): Promise<boolean> {
  try {
    const s = await stat(p);
    if (!s.isFile()) return false;
    await access(p, process.platform === 'win32' ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function findTrtexec(env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const explicit = env.TRTEXEC;
  if (explicit !== undefined && explicit !== '') {
    if (await isExecutableFile(explicit)) return explicit;
    throw new UserError(`TRTEXEC is set to "${explicit}", which is not an executable file`, {
      hint: 'point TRTEXEC at the trtexec binary (e.g. /usr/src/tensorrt/bin/trtexec), or unset TRTEXEC to search PATH',
      exitCode: 3,
    });
  }
  const names = process.platform === 'win32' ? ['trtexec.exe', 'trtexec'] : ['trtexec'];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const n of names) {
      const p = join(dir, n);
      if (await isExecutableFile(p)) return p;
    }
  }
  for (const p of DEFAULT_TRTEXEC_PATHS) if (await isExecutableFile(p)) return p;
  return null;
}
