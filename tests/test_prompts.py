"""Prompt files: every one loads and renders, substitution is strict and inert."""

from __future__ import annotations

import pytest

from prompts import load_prompt, prompt_names, prompt_variables, render_prompt


def test_the_answer_prompts_ship() -> None:
    assert {"answer_system", "answer_user"} <= set(prompt_names())


@pytest.mark.parametrize("name", prompt_names())
def test_every_prompt_renders(name: str) -> None:
    variables = {v: f"<<{v}>>" for v in prompt_variables(name)}
    text = render_prompt(name, **variables)
    assert text.strip()
    for v in variables:
        assert f"<<{v}>>" in text
    assert "$" not in text.replace("$$", "")  # no placeholder left behind


def test_the_system_prompt_takes_no_variables() -> None:
    assert prompt_variables("answer_system") == set()


def test_the_user_prompt_delimits_its_data() -> None:
    text = load_prompt("answer_user")
    assert text.index("<persona_profile>") < text.index("$lines") < text.index("</persona_profile>")
    assert text.index("<question>") < text.index("$question") < text.index("</question>")


def test_missing_variables_are_an_error() -> None:
    with pytest.raises(KeyError, match="question"):
        render_prompt("answer_user", name="Maya")


def test_values_are_inserted_verbatim_and_never_reparsed() -> None:
    variables = {v: "x" for v in prompt_variables("answer_user")}
    variables["question"] = "Is $name {0} ${lines} worth it?"
    text = render_prompt("answer_user", **variables)
    assert "Is $name {0} ${lines} worth it?" in text


def test_unknown_prompt_names_are_refused() -> None:
    with pytest.raises(KeyError, match="no prompt named"):
        load_prompt("nope")
    with pytest.raises(ValueError):
        load_prompt("../pyproject")
