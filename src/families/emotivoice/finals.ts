// A TONE3 pinyin syllable ("zhong1", "yue4", "nar3") → EmotiVoice's initial and final tokens, the
// naming of its tokenlist (frontend_cn.py split_py, reproduced from reading it, quirks included):
//   - zi ci si ri → ii; zhi chi shi → iii (the apical vowels have finals of their own);
//   - y/w are not initials: ya → ia, yi → i, yu/yuan/yun → v/van/vn, wu → u, wei → uei;
//     j/q/x + u is ü: ju → j v;  ui → uei, iu → iou, un → uen, ue → ve;
//   - but "yue" is NOT in EmotiVoice's y-list (a stray space in its source), so it splits as y + ve;
//   - m/n/ng alone (呣 嗯) get an e: n2 → en2;  erhua keeps its r on the final: nar3 → n ar3;
//   - the tone digit (5 = neutral) goes on the final.
// Returns null for a syllable EmotiVoice's code cannot split (no vowel, e.g. "hm5"). Pure.

export interface Syllable {
  initial: string; // '' when the syllable starts with its final
  final: string; // with erhua r and tone: "ar3", "iii4"
}

const Y_GLIDE = new Set(['ya', 'yan', 'yang', 'yao', 'ye', 'yong', 'you']);
const Y_VOWEL = new Set(['yi', 'yin', 'ying']);
const Y_UMLAUT = new Set(['yu', 'yv', 'yuan', 'yvan', 'yve', 'yun', 'yvn']); // not "yue": see above
const RENAMED: Record<string, string> = { ui: 'uei', iu: 'iou', un: 'uen', ue: 've' };

export function splitSyllable(tone3: string): Syllable | null {
  if (tone3.length < 2) return null;
  const tone = tone3.slice(-1);
  let body = tone3.slice(0, -1);
  if (body === 'n' || body === 'ng' || body === 'm') body = `e${body}`;
  let r = '';
  if (body.endsWith('r')) {
    r = 'r';
    body = body.slice(0, -1);
  }
  const parts = splitBody(body);
  return parts && { initial: parts[0], final: parts[1] + r + tone };
}

function splitBody(py: string): [string, string] | null {
  if (py === 'zi' || py === 'ci' || py === 'si' || py === 'ri') return [py[0]!, 'ii'];
  if (py === 'zhi' || py === 'chi' || py === 'shi') return [py.slice(0, 2), 'iii'];
  if (Y_GLIDE.has(py)) return ['', `i${py.slice(1)}`];
  if (Y_VOWEL.has(py)) return ['', py.slice(1)];
  if (Y_UMLAUT.has(py)) return ['', `v${py.slice(2)}`];
  if (py === 'wu') return ['', 'u'];
  if (py.startsWith('w')) return ['', `u${py.slice(1)}`];
  if (py.length >= 2 && 'jqx'.includes(py[0]!) && py[1] === 'u') return [py[0]!, `v${py.slice(2)}`];
  const vowel = py.search(/[aeiouv]/);
  if (vowel < 0) return null;
  const final = py.slice(vowel);
  return [py.slice(0, vowel), RENAMED[final] ?? final];
}
