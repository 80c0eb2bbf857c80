// Adapter: what GPU and driver this machine has, through nvidia-smi (argument array, no shell).
// Returns null when there is no nvidia-smi or no GPU; never throws for that. The process library loads
// only where there is an nvidia-smi to run (doctor stays light on a machine without a GPU).
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** Whether `exe` (a path, or a name looked up on PATH) is an executable file here. */
function onPath(exe: string): boolean {
  const can = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (isAbsolute(exe) || exe.includes('/')) return can(exe);
  return (process.env.PATH ?? '').split(delimiter).some((d) => d && can(join(d, exe)));
}

export interface GpuInfo {
  name: string;
  computeCapability: string | null;
  driverVersion: string | null;
  memoryMiB: number | null;
}

export async function queryGpus(): Promise<GpuInfo[] | null> {
  const exe = process.env.NVIDIA_SMI ?? 'nvidia-smi';
  if (!onPath(exe)) return null;
  try {
    const { execa } = await import('execa');
    const r = await execa(exe, ['--query-gpu=name,compute_cap,driver_version,memory.total', '--format=csv,noheader,nounits'], {
      timeout: 15_000,
      reject: false,
    });
    if (r.exitCode !== 0) {
      // Older drivers lack compute_cap: ask again without it.
      const r2 = await execa(exe, ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader,nounits'], {
        timeout: 15_000,
        reject: false,
      });
      if (r2.exitCode !== 0) return null;
      return parseCsv(r2.stdout, false);
    }
    return parseCsv(r.stdout, true);
  } catch {
    return null;
  }
}

export function parseCsv(text: string, withCc: boolean): GpuInfo[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim())
    .map((line) => {
      const f = line.split(',').map((s) => s.trim());
      const [name, cc, driver, mem] = withCc ? f : [f[0], null, f[1], f[2]];
      return {
        name: name ?? 'unknown',
        computeCapability: cc && cc !== '[N/A]' ? cc : null,
        driverVersion: driver ?? null,
        memoryMiB: mem && /^\d+$/.test(mem) ? Number(mem) : null,
      };
    });
}
