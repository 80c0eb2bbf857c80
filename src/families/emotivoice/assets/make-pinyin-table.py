"""Writes the pinyin table the emotivoice frontend reads (pinyin-table.tsv.gz beside this file, or a
model folder's own): what EmotiVoice's frontend_cn.py gets from pypinyin, frozen as data.

EmotiVoice calls `pinyin(word, style=Style.TONE3, neutral_tone_with_five=True)` on each jieba word after
`pypinyin_dict.phrase_pinyin_data.cc_cedict.load()`. That result depends on two dictionaries only: the
first reading of each character (PINYIN_DICT) and the phrase readings (PHRASES_DICT, cc_cedict merged in),
whose keys also drive pypinyin's forward-maximum-matching segmentation. This script dumps both, already
converted by pypinyin's own TONE3 + neutral-5 converter, so the TypeScript side only has to segment and
look up. Characters outside U+4E00–U+9FA5 never reach pypinyin in EmotiVoice (its frontend routes them
to the English side), so only those characters' readings are kept; every phrase key is kept, because a
key's prefixes change the segmentation.

Format (UTF-8, gzip): `#` comment lines (the versions), then `@chars` with `字<TAB>reading` lines, then
`@phrases` with `词语<TAB>readings` lines, the readings space-separated; an empty reading means "each
character's own first reading" (true for most phrases, and the table is half the size for it).

Run with the versions to freeze installed (EmotiVoice's cog.yaml pins pypinyin 0.49.0; pypinyin-dict is
unpinned there: 0.7.0 was current when EmotiVoice added it on 2024-01-02):
    pip install pypinyin==0.49.0 pypinyin-dict==0.7.0
    python make-pinyin-table.py pinyin-table.tsv.gz
"""
import gzip
import sys
from importlib.metadata import version

from pypinyin import Style
from pypinyin.constants import PHRASES_DICT, PINYIN_DICT
from pypinyin.converter import UltimateConverter
from pypinyin_dict.phrase_pinyin_data import cc_cedict

cc_cedict.load()  # as frontend_cn.py does; merges into PHRASES_DICT and retrains the segmenter
CONVERT = UltimateConverter(neutral_tone_with_five=True)


def tone3(han: str, marked: str) -> str:
    return CONVERT.convert_style(han, marked, style=Style.TONE3, strict=True)


def main(out: str) -> None:
    lines = [f"# pypinyin {version('pypinyin')}, pypinyin-dict {version('pypinyin-dict')} (cc_cedict loaded);"
             " Style.TONE3, neutral_tone_with_five; first readings only",
             "# pypinyin and pypinyin-dict: MIT licence; cc_cedict phrase data from CC-CEDICT: CC BY-SA 4.0",
             "@chars"]
    own = {}
    for cp in range(0x4E00, 0x9FA6):
        if cp in PINYIN_DICT:
            han = chr(cp)
            own[han] = tone3(han, PINYIN_DICT[cp].split(",")[0])
            lines.append(f"{han}\t{own[han]}")
    lines.append("@phrases")
    for word in sorted(PHRASES_DICT):
        readings = [tone3(han, item[0]) for han, item in zip(word, PHRASES_DICT[word])]
        if len(readings) != len(word):
            raise SystemExit(f"phrase {word!r} has {len(readings)} readings for {len(word)} characters")
        same = all(own.get(h) == r for h, r in zip(word, readings))
        lines.append(f"{word}\t{'' if same else ' '.join(readings)}")
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=9) as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
