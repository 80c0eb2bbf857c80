"""BERT WordPiece ids for the reference outputs, with Hugging Face's `tokenizers` (the library behind
the BertTokenizerFast that EmotiVoice's AutoTokenizer gives for simbert): lower-casing, CJK characters
split one a token, accents kept as BertTokenizer's default does, [CLS] … [SEP], one segment (type 0),
mask all ones. Special ids come from the vocab file, never assumed.

The TypeScript tokenizer (src/families/emotivoice/) must give the same ids; refs/e2e/*.json record
the text and the ids so both sides can be checked.
"""
import numpy as np
from tokenizers import BertWordPieceTokenizer


class WordPiece:
    def __init__(self, vocab_path: str, lowercase: bool = True):
        self.tok = BertWordPieceTokenizer(vocab_path, lowercase=lowercase, handle_chinese_chars=True, strip_accents=None)

    def __call__(self, text: str) -> dict:
        """text → {input_ids, token_type_ids, attention_mask}: int32 [1, L] each."""
        e = self.tok.encode(text)
        ids = np.asarray([e.ids], dtype=np.int32)
        return {"input_ids": ids, "token_type_ids": np.asarray([e.type_ids], dtype=np.int32),
                "attention_mask": np.asarray([e.attention_mask], dtype=np.int32)}

    def tokens(self, text: str) -> list[str]:
        return self.tok.encode(text).tokens
