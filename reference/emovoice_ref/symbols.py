"""The phoneme symbol table shared by the reference model and the text frontend.

The index of a symbol is its phoneme id. The table is written into the model manifest
(`symbols:`), which is what the TypeScript frontend reads; never reorder existing entries.
"""

SPECIALS = ["<pad>", "<unk>", "<sil>", "<sp>"]  # pad=0; <sil> = pause (punctuation); <sp> = word boundary

# ARPAbet (CMUdict): vowels carry lexical stress 0/1/2, consonants none.
ARPABET_VOWELS = ["AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"]
ARPABET_CONSONANTS = [
    "B", "CH", "D", "DH", "F", "G", "HH", "JH", "K", "L", "M", "N", "NG", "P", "R",
    "S", "SH", "T", "TH", "V", "W", "Y", "Z", "ZH",
]

# Pinyin: initials without tone; finals with tone 1-5 (5 = neutral). "v" stands for ü.
# Zero-initial syllables (a, e, o, ai, yi, wu, yu, ...) are written with no initial and their full final
# (yi -> i, wu -> u, yu -> v, ye -> ie, you -> iu, wei -> ui, ...), i.e. the initials list has no y/w.
PINYIN_INITIALS = ["b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "zh", "ch", "sh", "r", "z", "c", "s"]
PINYIN_FINALS = [
    "a", "o", "e", "ai", "ei", "ao", "ou", "an", "en", "ang", "eng", "ong", "er",
    "i", "ia", "ie", "iao", "iu", "ian", "in", "iang", "ing", "iong",
    "u", "ua", "uo", "uai", "ui", "uan", "un", "uang", "ueng",
    "v", "ve", "van", "vn",
    "ii",   # the apical vowel after z/c/s (zi, ci, si)
    "iii",  # the retroflex vowel after zh/ch/sh/r (zhi, chi, shi, ri)
]
TONES = ["1", "2", "3", "4", "5"]


def symbol_table() -> list[str]:
    table = list(SPECIALS)
    for v in ARPABET_VOWELS:
        table += [f"{v}{s}" for s in ("0", "1", "2")]
    table += ARPABET_CONSONANTS
    table += PINYIN_INITIALS
    for f in PINYIN_FINALS:
        table += [f"{f}{t}" for t in TONES]
    return table


SYMBOLS = symbol_table()
SYMBOL_TO_ID = {s: i for i, s in enumerate(SYMBOLS)}
