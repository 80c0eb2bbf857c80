// The English lexicon EmotiVoice ships (lexicon/librispeech-lexicon.txt: LibriSpeech's lexicon,
// OpenSLR resource 11), read as frontend_en.py's read_lexicon reads it: one entry a line, the word then
// its ARPAbet phones, separated by any whitespace (the file mixes tabs and double spaces); words are
// looked up lower-cased, and a word's FIRST entry wins (the file lists variants: GOOD is G IH0 D before
// G UH1 D, so EmotiVoice says G IH0 D). Pure: the caller reads the file.

export type Lexicon = Map<string, string[]>;

/** Python's str.lower() for what a lexicon holds (ASCII letters, apostrophes, a few Latin-1 letters). */
export const lower = (s: string) => s.toLowerCase();

export function parseLexicon(text: string): Lexicon {
  const lexicon: Lexicon = new Map();
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    // Split as re.split(r"\s+", …) does. LibriSpeech's file has no trailing blanks; where a user's copy
    // has them (CRLF), Python would make an empty phone and EmotiVoice a "[]" token it has no id for:
    // dropped here.
    const fields = line.split(/\s+/);
    const word = fields[0];
    if (!word) continue;
    const key = lower(word);
    if (!lexicon.has(key)) lexicon.set(key, fields.slice(1).filter((p) => p !== ''));
  }
  return lexicon;
}
