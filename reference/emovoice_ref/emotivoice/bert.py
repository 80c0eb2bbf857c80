"""The style/content encoder: EmotiVoice's StyleEncoder (models/prompt_tts_modified/simbert.py), a BERT
(simbert, Hugging Face BertModel layout) plus four classification heads and a style projection.

Inference uses only BERT's pooled output (`pooled_output`, tanh(dense(hidden[:, 0]))): once for the
prompt ("开心") and once for the sentence text (the content embedding). The heads stay here because they
are in the checkpoint (it loads them, it never runs them).

Module names follow transformers' BertModel so the checkpoint's `module.bert.*` keys load as they are.
`bert.embeddings.position_ids` is a persistent buffer in transformers of EmotiVoice's time (4.26), so
the released checkpoint holds it; later versions dropped it from state_dicts, so loading accepts it
missing (see checkpoint.py).
"""
import math

import torch
from torch import nn
from torch.nn import functional as F

from .config import BertConfig


class BertEmbeddings(nn.Module):
    def __init__(self, c: BertConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size, padding_idx=0)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.register_buffer("position_ids", torch.arange(c.max_position_embeddings).expand((1, -1)).clone(), persistent=True)

    def forward(self, input_ids, token_type_ids):
        pos = self.position_ids[:, : input_ids.shape[1]]
        x = self.word_embeddings(input_ids.long()) + self.token_type_embeddings(token_type_ids.long()) + self.position_embeddings(pos)
        return self.LayerNorm(x)


class BertSelfAttention(nn.Module):
    def __init__(self, c: BertConfig):
        super().__init__()
        self.h, self.d = c.num_attention_heads, c.hidden_size // c.num_attention_heads
        self.query, self.key, self.value = (nn.Linear(c.hidden_size, c.hidden_size) for _ in range(3))

    def forward(self, x, bias):
        b, t, _ = x.shape
        split = lambda y: y.reshape(b, t, self.h, self.d).transpose(1, 2)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        att = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.d) + bias, dim=-1)
        return torch.matmul(att, v).transpose(1, 2).reshape(b, t, self.h * self.d)


class BertDenseNorm(nn.Module):
    """dense → (dropout) → LayerNorm(x + residual): BertSelfOutput and BertOutput."""

    def __init__(self, cin: int, c: BertConfig):
        super().__init__()
        self.dense = nn.Linear(cin, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, x, residual):
        return self.LayerNorm(self.dense(x) + residual)


class BertAttention(nn.Module):
    def __init__(self, c: BertConfig):
        super().__init__()
        self.self = BertSelfAttention(c)
        self.output = BertDenseNorm(c.hidden_size, c)

    def forward(self, x, bias):
        return self.output(self.self(x, bias), x)


class BertIntermediate(nn.Module):
    def __init__(self, c: BertConfig):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.intermediate_size)

    def forward(self, x):
        return F.gelu(self.dense(x))


class BertLayer(nn.Module):
    def __init__(self, c: BertConfig):
        super().__init__()
        self.attention = BertAttention(c)
        self.intermediate = BertIntermediate(c)
        self.output = BertDenseNorm(c.intermediate_size, c)

    def forward(self, x, bias):
        a = self.attention(x, bias)
        return self.output(self.intermediate(a), a)


class BertEncoder(nn.Module):
    def __init__(self, c: BertConfig):
        super().__init__()
        self.layer = nn.ModuleList(BertLayer(c) for _ in range(c.num_hidden_layers))


class BertPooler(nn.Module):
    def __init__(self, c: BertConfig):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)

    def forward(self, hidden):
        return torch.tanh(self.dense(hidden[:, 0]))


class BertModel(nn.Module):
    def __init__(self, c: BertConfig):
        super().__init__()
        self.config = c
        self.embeddings = BertEmbeddings(c)
        self.encoder = BertEncoder(c)
        self.pooler = BertPooler(c)

    def forward(self, input_ids, token_type_ids, attention_mask):
        """ids/types/mask [B, L] (any int dtype) → pooled [B, hidden]. Masked keys get the most negative
        float added before the softmax, as transformers does (so a fully padded row stays finite)."""
        bias = (1.0 - attention_mask.to(torch.float32))[:, None, None, :] * torch.finfo(torch.float32).min
        x = self.embeddings(input_ids, token_type_ids)
        for layer in self.encoder.layer:
            x = layer(x, bias)
        return self.pooler(x)


class ClassificationHead(nn.Module):
    def __init__(self, hidden: int, n: int):
        super().__init__()
        self.dropout = nn.Dropout(0.0)
        self.classifier = nn.Linear(hidden, n)


class StyleEncoder(nn.Module):
    """The style encoder checkpoint's model: BERT + pitch/speed/energy/emotion heads + style projection."""

    def __init__(self, bert: BertConfig, n_pitch: int, n_speed: int, n_energy: int, n_emotion: int, style_dim: int):
        super().__init__()
        h = bert.hidden_size
        self.bert = BertModel(bert)
        self.pitch_clf = ClassificationHead(h, n_pitch)
        self.speed_clf = ClassificationHead(h, n_speed)
        self.energy_clf = ClassificationHead(h, n_energy)
        self.emotion_clf = ClassificationHead(h, n_emotion)
        self.style_embed_proj = nn.Linear(h, style_dim)

    def forward(self, input_ids, token_type_ids, attention_mask):
        return self.bert(input_ids, token_type_ids, attention_mask)
