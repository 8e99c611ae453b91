"""The values of a YAML node tree, made as PyYAML's safe constructor makes them, faster.

Front matter is mappings, lists and plain scalars. For such a tree :func:`construct`
gives what ``loader.construct_document(node)`` gives, node by node in the same order
(breadth first, as PyYAML's deferred construction goes), each scalar made by the
loader's own constructor for its tag, so a value, and an exception, is the same. Any
other node (a merge key ``<<``, an explicit tag such as ``!!set`` or ``!!binary``, a
timestamp where the loader makes one) sends the whole tree to ``construct_document``.
"""

from __future__ import annotations

from collections import deque

import yaml

_TAG = "tag:yaml.org,2002:"
STR, MAP, SEQ = _TAG + "str", _TAG + "map", _TAG + "seq"
SCALARS = frozenset({STR, _TAG + "int", _TAG + "float", _TAG + "bool", _TAG + "null"})


class _Other(Exception):
    """A node this module does not make: PyYAML's constructor makes the tree."""


def construct(loader: yaml.SafeLoader, root: yaml.Node) -> object:
    """``loader.construct_document(root)`` (see the module's description)."""
    if loader.yaml_constructors.get(STR) is not yaml.constructor.SafeConstructor.construct_yaml_str:
        return loader.construct_document(root)
    try:
        return _construct(loader, root)
    except _Other:
        return loader.construct_document(root)


def _construct(loader: yaml.SafeLoader, root: yaml.Node) -> object:
    constructors = loader.yaml_constructors
    waiting: deque[tuple[yaml.Node, dict | list]] = deque()

    def value(node: yaml.Node) -> object:
        kind, tag = type(node), node.tag
        if kind is yaml.ScalarNode and tag in SCALARS and tag in constructors:
            return node.value if tag == STR else constructors[tag](loader, node)
        if kind is yaml.MappingNode and tag == MAP:
            made: dict | list = {}
        elif kind is yaml.SequenceNode and tag == SEQ:
            made = []
        else:
            raise _Other
        waiting.append((node, made))  # filled later, as PyYAML fills it
        return made

    data = value(root)
    while waiting:
        node, made = waiting.popleft()
        if isinstance(made, list):
            made.extend([value(item) for item in node.value])
            continue
        if any(type(key) is not yaml.ScalarNode or key.tag not in SCALARS for key, _ in node.value):
            raise _Other  # such as a merge key, which PyYAML resolves before making any value of the mapping
        for key_node, value_node in node.value:
            made[value(key_node)] = value(value_node)
    return data
