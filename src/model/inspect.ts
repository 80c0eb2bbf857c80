// `emovoice inspect`: the model info as a human table. Pure formatting over OnnxInfo.
import { UserError } from '../core/errors.ts';
import { readOnnxModel, type OnnxInfo } from './onnx.ts';

export async function inspectModel(path: string): Promise<OnnxInfo> {
  const info = await readOnnxModel(path);
  const missing = info.externalData.filter((e) => !e.exists);
  if (missing.length) {
    throw new UserError(`external data file(s) missing: ${missing.map((m) => m.location).join(', ')}`, {
      place: { file: path },
      hint: 'keep the external data files next to the .onnx file',
    });
  }
  return info;
}

const dims = (d: (number | string | null)[]) => `[${d.map((x) => (x === null ? '?' : x)).join(', ')}]`;

function human(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

export function formatInspect(info: OnnxInfo): string {
  const lines = [
    `${info.path}`,
    `  producer   ${info.producer || '-'}   ir_version ${info.irVersion}   opsets ${info.opsets.map((o) => `${o.domain}:${o.version}`).join(', ')}`,
    `  inputs`,
    ...info.inputs.map((i) => `    ${i.name.padEnd(22)} ${i.dtype.padEnd(8)} ${dims(i.dims)}`),
    `  outputs`,
    ...info.outputs.map((o) => `    ${o.name.padEnd(22)} ${o.dtype.padEnd(8)} ${dims(o.dims)}`),
    `  parameters ${human(info.parameterCount)} (${human(info.parameterBytes)}B)   nodes ${info.nodeCount}   file ${human(info.fileBytes)}B`,
    `  ops        ${Object.entries(info.opHistogram)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k}×${v}`)
      .join(' ')}`,
  ];
  if (info.externalData.length) {
    lines.push('  external data');
    for (const e of info.externalData) lines.push(`    ${e.location} ${human(e.bytes)}B ${e.exists ? '' : '(MISSING)'}`);
  }
  return lines.join('\n');
}
