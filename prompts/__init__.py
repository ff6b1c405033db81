"""Prompt templates as files, loaded by name (`answer_system` -> prompts/answer_system.txt).

Templates use `$name` placeholders (string.Template): values are inserted verbatim and never
parsed again, so braces, dollar signs or template syntax in user text stay inert. A missing
variable is an error, not a silently empty hole.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from string import Template

SUFFIX = ".txt"


def prompt_names() -> list[str]:
    """Every prompt file shipped in this package."""
    root = resources.files(__name__)
    return sorted(
        p.name[: -len(SUFFIX)] for p in root.iterdir() if p.is_file() and p.name.endswith(SUFFIX)
    )


@cache
def load_prompt(name: str) -> str:
    """The raw text of prompts/<name>.txt (works from an installed wheel too)."""
    if not name.replace("_", "").isalnum():
        raise ValueError(f"bad prompt name {name!r}")
    try:
        return resources.files(__name__).joinpath(name + SUFFIX).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeyError(f"no prompt named {name!r} (have: {', '.join(prompt_names())})") from None


def prompt_variables(name: str) -> set[str]:
    return set(Template(load_prompt(name)).get_identifiers())


def render_prompt(name: str, /, **variables: object) -> str:
    """Fill a prompt's `$placeholders`; raises KeyError naming any missing variable."""
    template = Template(load_prompt(name))
    missing = prompt_variables(name) - variables.keys()
    if missing:
        raise KeyError(f"prompt {name!r} needs {', '.join(sorted(missing))}")
    return template.substitute({k: str(v) for k, v in variables.items()})
