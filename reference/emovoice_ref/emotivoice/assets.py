"""Generated label files in EmotiVoice's formats, for randomly initialised models (the committed `tiny`
and the `base` used for measurements). Nothing here is copied from EmotiVoice or simbert: the lists are
built from the phonology they encode, so ids differ from the released files (a model brings its own).

- tokenlist: `_`, `<sos/eos>`, bracketed ARPAbet with stress, pinyin initials, EmotiVoice-style finals
  (i/ii/iii, v/van/ve/vn, iou/uei/uen, y/w folded into finals) with tones 1–5 and their erhua (…r) forms,
  sp0–sp4, engsp0/1/2/4, cn_eng_sp/eng_cn_sp, punctuation, spn, [LAUGH]; one a line, id = line index.
- BERT vocab: [PAD] first and the other specials at places BERT-base-chinese does NOT use (so nothing
  can assume ids 100–103), ASCII, ##-continuations, a few English words, common Chinese characters.
- speaker list: numeric names (as LibriTTS/HiFiTTS speaker ids look), drawn with a fixed seed.
- label lists: EmotiVoice's style-head label words (the interface's vocabulary: the prompts it was
  trained on), which the manifest's `emotion` labels map to.
"""
import numpy as np

ARPA_VOWELS = "AA AE AH AO AW AY EH ER EY IH IY OW OY UH UW".split()
ARPA_CONSONANTS = "B CH D DH F G HH JH K L M N NG P R S SH T TH V W Y Z ZH".split()
INITIALS = "b p m f d t n l g k h j q x zh ch sh r z c s y".split()
FINALS = ("a ai an ang ao e ei en eng er i ia ian iang iao ie ii iii in ing iong iou o ong ou "
          "u ua uai uan uang ue uei uen ueng uo v van ve vn").split()
PROSODY = "sp0 sp1 sp2 sp3 sp4 engsp0 engsp1 engsp2 engsp4 cn_eng_sp eng_cn_sp".split()
MARKS = [".", "?", "!", ",", "spn", "rr", "[LAUGH]"]

# EmotiVoice's label words (data/youdao/text/{emotion,pitch,energy,speed}) and the English label each
# emotion word answers to (`--emotion happy` → prompt 开心).
LABEL_WORDS = {
    "emotion": ["普通", "生气", "开心", "惊讶", "悲伤", "厌恶", "恐惧"],
    "pitch": ["音调普通", "音调很高", "音调很低"],
    "energy": ["音量普通", "音量很高", "音量很低"],
    "speed": ["语速普通", "语速很快", "语速很慢"],
}
EMOTION_LABELS = {"普通": "neutral", "生气": "angry", "开心": "happy", "惊讶": "surprise",
                  "悲伤": "sad", "厌恶": "disgust", "恐惧": "fear"}

# Frequent Chinese characters (typed here), plus whatever the prompts and the reference sentences use.
COMMON_HANZI = ("的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么"
                "心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分"
                "将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重"
                "被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住"
                "员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制"
                "解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非"
                "流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量"
                "空甚众技轻程告江语英基派满式李息写呢识极令黑厂拉县形器号今天气晴朗园散步吧你好界欢迎使用")
ENGLISH_WORDS = "the a an and is are to of in it you i we he she they this that what hello world good day voice speech".split()


def tokenlist() -> list[str]:
    arpa = [f"[{v}{s}]" for v in ARPA_VOWELS for s in "012"] + [f"[{c}]" for c in ARPA_CONSONANTS]
    finals = [f"{f}{t}" for f in FINALS for t in "12345"] + [f"{f}r{t}" for f in FINALS for t in "12345"]
    out = ["_", "<sos/eos>"] + sorted(arpa) + INITIALS + finals + PROSODY + MARKS
    return list(dict.fromkeys(out))   # e + r erhua is the final er: once


def bert_vocab(size: int = 0, extra_text: str = "") -> list[str]:
    """[PAD] at 0 as BERT requires; size > 0 pads with [unusedN] up to that many entries."""
    v = ["[PAD]"] + [f"[unused{i}]" for i in range(1, 6)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    ascii_marks = list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
    cjk_marks = list("，。！？、；：“”‘’（）《》…—～·")
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    digits = [str(i) for i in range(10)]
    v += ascii_marks + cjk_marks + digits + letters + ["##" + x for x in letters + digits] + ENGLISH_WORDS
    words = "".join(LABEL_WORDS[k][i] for k in LABEL_WORDS for i in range(len(LABEL_WORDS[k])))
    for ch in COMMON_HANZI + words + extra_text:
        if "\u4e00" <= ch <= "\u9fff" and ch not in v:
            v.append(ch)
    seen, out = set(), []
    for t in v:
        if t not in seen:
            seen.add(t), out.append(t)
    if size:
        if size < len(out):
            raise ValueError(f"a vocab of {size} cannot hold the {len(out)} generated entries")
        out += [f"[unused{i}]" for i in range(6, 6 + size - len(out))]
    return out


def speakers(n: int, seed: int = 7) -> list[str]:
    rng = np.random.default_rng(seed)
    return [str(x) for x in rng.choice(np.arange(10, 13000), size=n, replace=False)]


def labels() -> dict:
    return {k: list(v) for k, v in LABEL_WORDS.items()}
