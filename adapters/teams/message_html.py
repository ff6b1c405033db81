"""A Teams message's HTML body (`messagePayload.body.content`) as plain text (pure): people
and tags by the name in their `<at>` tag, links kept as "label (url)", paragraphs, line
breaks and list items as new lines, entities unescaped, everything else dropped."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})
_SKIPPED = frozenset({"script", "style", "head", "title"})


class _Plain(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0
        self.links: list[str | None] = []  # each open <a>'s href
        self.link_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in _BLOCKS:
            self.out.append("\n")
            if tag == "li":
                self.out.append("- ")
        elif tag == "at":
            self.out.append("@")
        elif tag == "a":
            self.links.append(dict(attrs).get("href"))
            self.link_text.append("")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.out.append(alt)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS and tag != "br":
            self.out.append("\n")
        elif tag == "a" and self.links:
            href, label = self.links.pop(), self.link_text.pop().strip()
            if href and href.startswith(("http://", "https://", "mailto:")):
                url = href.removeprefix("mailto:")
                self.out.append(url if not label else f" ({url})" if label != url else "")

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.link_text:
            self.link_text[-1] += data
        self.out.append(data)


def html_to_text(content: str) -> str:
    parser = _Plain()
    parser.feed(content)
    parser.close()
    text = "".join(parser.out).replace("\u00a0", " ")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def payload_text(body: object) -> str:
    """`messagePayload.body` (content type html or text) as plain text."""
    content = str(getattr(body, "content", None) or "")
    kind = str(getattr(body, "content_type", None) or "html").lower()
    if kind == "text":
        return "\n".join(" ".join(line.split()) for line in content.splitlines()).strip()
    return html_to_text(content)
