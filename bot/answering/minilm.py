"""A BERT sentence encoder in NumPy: all-MiniLM-L6-v2's forward pass without torch.

The weights are read straight from the model's `model.safetensors` (an 8-byte header
length, a JSON header naming each tensor's dtype, shape and byte range, then the raw
little-endian data), memory-mapped, so only the pages a forward pass touches are read: the
six layers and the embedding rows of the words actually seen.

The network is the standard BERT encoder (the names are the Hugging Face ones):
embeddings (word + position + token type 0, LayerNorm), then per layer self-attention
(12 heads, padding masked), output projection + residual + LayerNorm, a GELU feed-forward
+ residual + LayerNorm. The sentence vector is the mean of the last layer over the real
tokens (sentence-transformers' mean pooling), L2-normalised, so a dot product is a cosine.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.answering.wordpiece import WordPiece

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
BATCH = 32


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a .safetensors file as a read-only array over a memory map."""
    with path.open("rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(size))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + size)
    out: dict[str, np.ndarray] = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        begin, end = spec["data_offsets"]
        dtype = np.dtype(_DTYPES[spec["dtype"]]).newbyteorder("<")
        out[name] = data[begin:end].view(dtype).reshape(spec["shape"])
    return out


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to within 1.5e-7 (Abramowitz & Stegun 7.1.26): NumPy has no erf of its own."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    return sign * (1.0 - poly * np.exp(-a * a))


def gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * Phi(x)."""
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _linear(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """x @ W^T + b, torch's (out, in) layout, as one 2-D product: NumPy hands a 2-D matmul
    to BLAS but loops over a stacked one (about 10x slower here)."""
    flat = x.reshape(-1, x.shape[-1]) @ weight.T + bias
    return flat.reshape(*x.shape[:-1], weight.shape[0])


@dataclass(frozen=True)
class Config:
    layers: int
    heads: int
    hidden: int
    eps: float
    max_length: int

    @classmethod
    def from_dir(cls, model_dir: Path) -> Config:
        bert = json.loads((model_dir / "config.json").read_text())
        max_length = bert["max_position_embeddings"]
        st = model_dir / "sentence_bert_config.json"
        if st.exists():
            max_length = min(max_length, json.loads(st.read_text())["max_seq_length"])
        return cls(
            bert["num_hidden_layers"],
            bert["num_attention_heads"],
            bert["hidden_size"],
            bert["layer_norm_eps"],
            max_length,
        )


class MiniLM:
    """Sentence embeddings from a BERT-style sentence-transformers model directory
    (config.json, vocab.txt, model.safetensors)."""

    def __init__(self, model_dir: Path) -> None:
        self.config = Config.from_dir(model_dir)
        self.tokenizer = WordPiece.from_file(model_dir / "vocab.txt")
        self.w = read_safetensors(model_dir / "model.safetensors")
        self.w = {k.removeprefix("bert."): v for k, v in self.w.items()}
        self.dim = self.config.hidden

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit vector (float32) per text, shape (len(texts), hidden)."""
        ids = self.tokenizer.encode_all(texts, self.config.max_length)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))  # little padding
        for start in range(0, len(order), BATCH):
            chunk = order[start : start + BATCH]
            out[chunk] = self._forward([ids[i] for i in chunk])
        return out

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        w, cfg = self.w, self.config
        length = max(len(x) for x in batch)
        ids = np.zeros((len(batch), length), dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.float32)
        for i, x in enumerate(batch):
            ids[i, : len(x)] = x
            mask[i, : len(x)] = 1.0
        h = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        h = layer_norm(
            h, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], cfg.eps
        ).astype(np.float32)
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for n in range(cfg.layers):
            h = self._layer(h, bias, f"encoder.layer.{n}.")
        summed = (h * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def _layer(self, h: np.ndarray, bias: np.ndarray, p: str) -> np.ndarray:
        w, cfg = self.w, self.config
        b, length, hidden = h.shape
        heads, size = cfg.heads, hidden // cfg.heads

        def split(x: np.ndarray) -> np.ndarray:  # (b, len, hidden) -> (b, heads, len, size)
            return x.reshape(b, length, heads, size).transpose(0, 2, 1, 3)

        a = p + "attention.self."
        q = split(_linear(h, w[a + "query.weight"], w[a + "query.bias"]))
        k = split(_linear(h, w[a + "key.weight"], w[a + "key.bias"]))
        v = split(_linear(h, w[a + "value.weight"], w[a + "value.bias"]))
        scores = q @ k.transpose(0, 1, 3, 2) / np.float32(math.sqrt(size)) + bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        probs = scores / scores.sum(axis=-1, keepdims=True)
        context = (probs @ v).transpose(0, 2, 1, 3).reshape(b, length, hidden)
        o = p + "attention.output."
        attended = _linear(context, w[o + "dense.weight"], w[o + "dense.bias"])
        h = layer_norm(attended + h, w[o + "LayerNorm.weight"], w[o + "LayerNorm.bias"], cfg.eps)
        i = p + "intermediate.dense."
        inner = gelu(_linear(h, w[i + "weight"], w[i + "bias"]))
        f = p + "output."
        out = _linear(inner, w[f + "dense.weight"], w[f + "dense.bias"])
        return layer_norm(out + h, w[f + "LayerNorm.weight"], w[f + "LayerNorm.bias"], cfg.eps)
