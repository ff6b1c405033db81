"""The decision log in the playground over real HTTP: an answer's Log decision button shows
the form as a message, a bad submission shows it again with the problem under its field
(nothing stored), a good one replaces it with the decision, which the gallery then shows;
`decide`/`decisions` typed in the box work too."""

from __future__ import annotations

import html as htmllib
import re

from tests.test_web_app import Env, env, events  # noqa: F401 (the fixture)

NDJSON = {"Accept": "application/x-ndjson"}


async def send(env: Env, text: str) -> list[dict]:  # noqa: F811
    token = await env.token()
    resp = await env.client.post(
        "/playground/send", data={"text": text, "csrf": token}, headers=NDJSON
    )
    assert resp.status == 200
    return events(await resp.text())


async def act(env: Env, data: dict[str, str]) -> list[dict]:  # noqa: F811
    token = await env.token()
    resp = await env.client.post("/playground/action", data={**data, "csrf": token}, headers=NDJSON)
    assert resp.status == 200
    return events(await resp.text())


def hidden(fragment: str, name: str) -> str:
    m = re.search(rf'name="{name}" value="([^"]*)"', fragment)
    assert m, f"no {name} in the fragment"
    return htmllib.unescape(m.group(1))


def log_button(answer_html: str) -> dict[str, str]:
    forms = [f for f in answer_html.split("<form")[1:] if 'value="decision.log"' in f]
    assert len(forms) == 1, "no Log decision button"
    return {k: hidden(forms[0], k) for k in ("action_id", "value", "message_id")}


async def test_log_a_decision_from_a_playground_answer(env: Env) -> None:  # noqa: F811
    got = await send(env, "ask maya Should we drop the free tier?")
    answer = [e for e in got if e["type"] == "message" and e["role"] == "bot"][-1]
    [shown] = [e for e in await act(env, log_button(answer["html"])) if e["type"] == "message"]
    assert 'class="card core-form"' in shown["html"] and "Maya Chen" in shown["html"]
    form = {k: hidden(shown["html"], k) for k in ("action_id", "value", "message_id")}
    assert form["action_id"] == "decision.save" and form["message_id"] == str(shown["id"])
    bad = await act(env, {**form, "field.decision": "", "field.outcome": "adopted",
                          "field.link": "javascript:alert(1)"})  # fmt: skip
    [again] = [e for e in bad if e["type"] == "message"]
    assert again["id"] == shown["id"]  # the form, in place, with its problems
    assert 'class="field-error"' in again["html"] and "http:// or https://" in again["html"]
    assert "javascript:alert(1)" in htmllib.unescape(again["html"])  # what was typed stays
    good = await act(env, {**form, "field.decision": "Keep the free tier",
                           "field.outcome": "adopted", "field.note": "<b>bold</b> claim",
                           "field.link": "https://example.com/spec"})  # fmt: skip
    assert {"type": "removed", "id": shown["id"]} in good
    [logged] = [e for e in good if e["type"] == "message"]
    assert "Decision #1: Keep the free tier" in logged["html"]
    assert "<b>bold</b>" not in logged["html"] and "&lt;b&gt;bold&lt;/b&gt;" in logged["html"]
    page = await (await env.client.get("/personas/maya")).text()
    assert "Considered in 1 decision" in page and "Keep the free tier" in page
    assert 'href="https://example.com/spec"' in page
    tiles = await (await env.client.get("/personas")).text()
    assert "Considered in 1 decision" in tiles
    listed = await send(env, "decisions maya")
    assert "#1 Keep the free tier: Adopted · Maya Chen" in htmllib.unescape(listed[-2]["html"])


async def test_typed_decide_in_the_playground_says_no_personas(env: Env) -> None:  # noqa: F811
    got = await send(env, 'decide "Ship dark mode" --outcome parked')
    text = htmllib.unescape(got[-2]["html"])
    assert "Decision #1 logged. No answer was attached" in text
    got = await send(env, "decisions search dark")
    assert "#1 Ship dark mode: Parked · no personas" in htmllib.unescape(got[-2]["html"])


async def test_a_forged_form_id_touches_no_other_message(env: Env) -> None:  # noqa: F811
    got = await send(env, "ask maya Should we drop the free tier?")
    user_post = got[0]["id"]
    form = {"action_id": "decision.save", "value": "|", "message_id": str(user_post)}
    done = await act(env, {**form, "field.decision": "X", "field.outcome": "parked"})
    assert not any(e["type"] == "removed" for e in done)
    page = await (await env.client.get("/")).text()
    assert f'id="m{user_post}"' in page
