"""Front-matter values are made without PyYAML's generic constructor
(site_builder/content/yaml_values.py): the same values, and the same failures, as
``construct_document`` for every document, tricky ones included."""

from __future__ import annotations

import random

import pytest
import yaml

from site_builder.content import frontmatter
from site_builder.content.yaml_values import construct

DOCUMENTS = [
    "title: 横浜\ndate: 2020-07-01\ntags: [a, b]\npartners:\n  - {name: 団体, type: npo}\n",
    "a: yes\nb: No\nc: on\nd: ~\ne: null\nf: .inf\ng: -.Inf\nh: .nan\ni: 0x1F\nj: 0o17\nk: 017\nl: 1_000\nm: 1:30\n",
    "n: 1.5e3\no: +12\np: '12'\nq: \"yes\"\nr: 2020-07-01 10:00:00\ns: !!str 12\nt: !!int '7'\n",
    "1: one\n01: octal one\ntrue: t\nnull: n\n3.5: f\n",
    "base: &b {x: 1, y: 2}\nmerged:\n  <<: {x: 3}\n  z: 4\n",
    "set: !!set {a, b}\n",
    "bin: !!binary aGVsbG8=\n",
    "stamp: !!timestamp 2020-07-01\n",
    "bad: !!int x\n",
    "bad: 0x_\n",
    "= : value key\nother: 1\n",
    "omap: !!omap [a: 1, b: 2]\n",
    "pairs: !!pairs [a: 1, a: 2]\n",
    "deep:\n  - - - [1, {a: [2, {b: 3}]}]\n  - {c: {d: {e: [f, g]}}}\n",
    "- a\n- {b: c}\n- [d]\n",
    "just text\n",
    "'12'\n",
    "{}\n",
    "[]\n",
    "a: !custom x\n",
    "a: &anchor [1, 2]\nb: 3\n",
]


def both(loader_class: type, text: str) -> tuple[str, str]:
    """What construct_document and construct make of ``text``: a value's repr or the exception."""
    found = []
    for make in (lambda loader, node: loader.construct_document(node), construct):
        loader = loader_class(text)
        try:
            node = loader.get_single_node()
            found.append(repr(make(loader, node)))
        except Exception as exc:  # the same failure is the point
            found.append(f"{type(exc).__name__}: {exc}")
        finally:
            loader.dispose()
    return found[0], found[1]


@pytest.mark.parametrize("loader_class", [frontmatter._FastLoader, yaml.SafeLoader, yaml.CSafeLoader])
@pytest.mark.parametrize("text", DOCUMENTS)
def test_values_are_the_ones_pyyaml_makes(loader_class, text):
    expected, found = both(loader_class, text)
    assert found == expected


def test_random_documents_make_the_same_values():
    rng = random.Random(14)
    scalars = ["a", "yes", "~", "12", "0x1F", "1.5", ".nan", "'q'", "2020-07-01", "!!str 3", "!!int x", "横浜", "''"]

    def node(depth: int) -> str:
        kind = rng.random() if depth < 4 else 0
        if kind < 0.5:
            return rng.choice(scalars)
        if kind < 0.75:
            return "[" + ", ".join(node(depth + 1) for _ in range(rng.randint(0, 3))) + "]"
        keys = [rng.choice(["a", "b", "1", "01", "yes", "<<", "="]) for _ in range(rng.randint(0, 3))]
        return "{" + ", ".join(f"{key}: {node(depth + 1)}" for key in keys) + "}"

    for _ in range(1500):
        text = node(0) + "\n"
        expected, found = both(frontmatter._FastLoader, text)
        assert found == expected, text
