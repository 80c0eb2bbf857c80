// YAML with positions: parse a file into plain data plus a way to find the file:line:col of any key
// path, so every error about a YAML file can point at the exact place. Adapter over the yaml package.
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Node } from 'yaml';
import { UserError } from './errors.ts';

export interface YamlSource {
  file: string;
  text: string;
  data: unknown;
  /** file:line:col of a key path like "modules.vocoder.shapes.mel.min" (the closest existing prefix). */
  locate(path: (string | number)[]): { file: string; line?: number; column?: number; path: string };
}

export async function readYaml(file: string): Promise<YamlSource> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new UserError('cannot read the file', { place: { file }, hint: 'check the path' });
  });
  return parseYaml(file, text);
}

/** Binary data read as text: NUL bytes, or invalid UTF-8 (U+FFFD) / control characters in more than 1 % of it. */
function looksBinary(text: string): boolean {
  if (text.includes('\u0000')) return true;
  // eslint-disable-next-line no-control-regex
  const odd = text.match(/[\uFFFD\u0001-\u0008\u000e-\u001f]/g)?.length ?? 0;
  return odd > Math.max(2, text.length * 0.01);
}

export function parseYaml(file: string, text: string): YamlSource {
  // a binary file is said to be one, not quoted back as a YAML error
  if (looksBinary(text)) throw new UserError('is not a YAML text file: it holds binary data', { place: { file }, hint: 'give the YAML file (a manifest or profile), not a model or archive' });
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const pos = lc.linePos(e.pos[0]);
    const first = e.message.split('\n')[0]!;
    throw new UserError(`invalid YAML: ${first.length > 160 ? `${first.slice(0, 160)}…` : first}`, {
      place: { file, line: pos.line, column: pos.col },
      hint: 'fix the YAML syntax at this position',
    });
  }
  const data = doc.toJS();
  const locate = (path: (string | number)[]) => {
    let node: Node | null = doc.contents as Node | null;
    let range = node?.range;
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
        if (!pair) break;
        range = (pair.key as Node).range ?? range;
        node = pair.value as Node | null;
      } else if (isSeq(node) && typeof key === 'number' && node.items[key]) {
        node = node.items[key] as Node;
        range = node.range ?? range;
      } else break;
    }
    const pos = range ? lc.linePos(range[0]) : undefined;
    return { file, line: pos?.line, column: pos?.col, path: path.join('.') };
  };
  return { file, text, data, locate };
}
