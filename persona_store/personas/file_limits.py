"""Limits that keep a hostile persona file from hanging or crashing an import.

A file is read up to MAX_FILE_BYTES (so /dev/zero or a huge file is refused, not read into
memory); a YAML document is measured as a node graph before any Python object is built, so
aliases that expand without bound (a "billion laughs" file), or refer to themselves, are
refused; nesting deeper than MAX_DEPTH is refused in YAML and JSON alike (real persona files
are four levels deep). Each breach raises PersonaFileError with one clear problem.
"""

from __future__ import annotations

from typing import Any, BinaryIO

import yaml

from persona_store.personas.file_problems import FileProblem, PersonaFileError

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 50
# Aliases may repeat a small anchor; beyond this many extra nodes they are a bomb.
MAX_ALIAS_EXPANSION = 100_000


def refuse(name: str, message: str) -> PersonaFileError:
    return PersonaFileError([FileProblem(name, None, "", message)])


def read_capped(stream: BinaryIO, name: str) -> bytes:
    raw = stream.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise refuse(name, f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    return raw


def too_deep(name: str) -> PersonaFileError:
    return refuse(name, f"is nested too deeply (at most {MAX_DEPTH} levels)")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def check_yaml_graph(root: yaml.Node, name: str) -> None:
    """Refuse a composed YAML document whose aliases expand too far, refer to themselves,
    or that nests deeper than MAX_DEPTH (iterative: any depth is safe to measure)."""
    size: dict[int, int] = {}
    distinct = 0
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool, int]] = [(root, False, 1)]
    while stack:
        node, done, level = stack.pop()
        key = id(node)
        kids = _children(node)
        if done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            if size[key] > distinct + MAX_ALIAS_EXPANSION:
                raise refuse(name, "is too big once its aliases (*name) are expanded")
            continue
        if key in size:
            continue
        if key in on_path:
            raise refuse(name, "has an alias (*name) that refers to itself")
        if level > MAX_DEPTH:
            raise too_deep(name)
        distinct += 1
        on_path.add(key)
        stack.append((node, True, level))
        stack.extend((k, False, level + 1) for k in kids if id(k) not in size)


def check_depth(data: Any, name: str) -> None:
    """Refuse parsed data (a tree, as JSON gives) nested deeper than MAX_DEPTH."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        item, level = stack.pop()
        if level > MAX_DEPTH:
            raise too_deep(name)
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)


def number_too_long(exc: ValueError) -> bool:
    """Python refuses to turn over 4,300 digits into an int (a denial-of-service guard)."""
    return "digits" in str(exc) and "limit" in str(exc).lower()
