"""BERT's uncased WordPiece tokenizer, as Hugging Face's `BertTokenizer` does it with
`do_lower_case=True` (what all-MiniLM-L6-v2 ships in its tokenizer_config.json), in plain
Python so the semantic signal (`bot.answering.semantic`) needs neither `tokenizers` nor
`transformers`.

1. Clean: drop NUL, U+FFFD and control characters; any whitespace becomes a space.
2. Put spaces round CJK ideographs (each is its own word).
3. Split on whitespace; lower-case each word, strip accents (NFD, drop combining marks),
   then split off every punctuation character as a word of its own.
4. WordPiece: the longest vocabulary entry from the start of the word, then the longest
   "##" continuation, and so on; a word that cannot be covered, or is longer than
   `MAX_WORD_CHARS`, is a single [UNK].
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from pathlib import Path

MAX_WORD_CHARS = 100
CLS, SEP, UNK, PAD = "[CLS]", "[SEP]", "[UNK]", "[PAD]"


def _is_whitespace(ch: str) -> bool:
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def _is_control(ch: str) -> bool:
    return ch not in "\t\n\r" and unicodedata.category(ch).startswith("C")


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True  # all non-letter, non-digit ascii ("$", "^", "`") count, as in BERT
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def basic_words(text: str) -> list[str]:
    """Steps 1-3: lower-cased, accent-free words and punctuation marks."""
    chars: list[str] = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or _is_control(ch):
            continue
        if _is_whitespace(ch):
            chars.append(" ")
        elif _is_cjk(cp):
            chars.append(f" {ch} ")
        else:
            chars.append(ch)
    out: list[str] = []
    for word in "".join(chars).split():
        word = unicodedata.normalize("NFD", word.lower())
        word = "".join(c for c in word if unicodedata.category(c) != "Mn")
        current: list[str] = []
        for ch in word:
            if _is_punctuation(ch):
                if current:
                    out.append("".join(current))
                    current = []
                out.append(ch)
            else:
                current.append(ch)
        if current:
            out.append("".join(current))
    return out


class WordPiece:
    """The tokenizer over one vocabulary (token -> id, the line number in vocab.txt)."""

    def __init__(self, vocab: dict[str, int]) -> None:
        self.vocab = vocab
        self.unk_id = vocab[UNK]

    @classmethod
    def from_file(cls, path: Path) -> WordPiece:
        with path.open(encoding="utf-8") as f:
            return cls({line.rstrip("\n"): i for i, line in enumerate(f)})

    def word_pieces(self, word: str) -> list[str]:
        """Step 4 for one word."""
        if len(word) > MAX_WORD_CHARS:
            return [UNK]
        pieces: list[str] = []
        start = 0
        while start < len(word):
            end = len(word)
            piece = None
            while start < end:
                candidate = word[start:end] if start == 0 else "##" + word[start:end]
                if candidate in self.vocab:
                    piece = candidate
                    break
                end -= 1
            if piece is None:
                return [UNK]
            pieces.append(piece)
            start = end
        return pieces

    def tokenize(self, text: str) -> list[str]:
        return [p for w in basic_words(text) for p in self.word_pieces(w)]

    def encode(self, text: str, max_length: int) -> list[int]:
        """[CLS] the pieces' ids [SEP], the pieces cut to fit `max_length` in all."""
        ids = [self.vocab.get(p, self.unk_id) for p in self.tokenize(text)]
        return [self.vocab[CLS], *ids[: max_length - 2], self.vocab[SEP]]

    def encode_all(self, texts: Iterable[str], max_length: int) -> list[list[int]]:
        return [self.encode(t, max_length) for t in texts]
