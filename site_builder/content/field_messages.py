"""pydantic's validation errors in the words of ``check``: one located message per
mistake, in English and in plain Japanese (``i18n.bi``).

The front matter of content files and ``extra.site_builder`` in mkdocs.yml both go
through :func:`field_errors`; ``noun`` says which ("unknown field" / "unknown setting").
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable

from pydantic import BaseModel, ValidationError

from site_builder.content.frontmatter import Loc
from site_builder.content.i18n import Bilingual, bi
from site_builder.content.models import FieldProblem

_TAG_WORDS = {"str", "int", "bool", "float", "date", "datetime", "none", "list", "dict", "url"}
_UNION_MESSAGES = {
    "sns": bi(
        "must be false or a list of posts ({network, at?, text?})",
        "false（SNS で告知しない）か、投稿の一覧を書いてください。例：「sns:」の次の行に「  - network: x」",
    ),
    "online": bi(
        "must be true or an http(s) URL",
        "true（オンラインで開く）か、https:// で始まる URL を書いてください。例：online: https://zoom.example/j/1",
    ),
    "y": bi(
        "must be a column name or a list of column names",
        "CSV の列の名前を1つか、列の名前の一覧を書いてください。例：y: 人口総数[人]",
    ),
}
_NOUNS = {"field": "項目", "setting": "設定"}


def _is_tag(part: object, previous: object) -> bool:
    """A union member's name in an error location (``literal[False]``, ``str``).

    It always follows a field name; a field name itself comes first or after a
    list index, so a field called ``date`` or ``url`` is never taken for a tag."""
    return isinstance(part, str) and isinstance(previous, str) and ("[" in part or part in _TAG_WORDS)


def field_errors(
    exc: ValidationError, model: type[BaseModel], *, noun: str = "field", names: Iterable[str] | None = None
) -> list[tuple[Loc, str]]:
    """Turn pydantic's errors into ``(location, message)`` pairs editors can read.

    ``noun`` names an unknown key ("unknown field"); ``names`` are the keys suggested
    for a misspelt one (default: the model's fields)."""
    grouped: dict[Loc, list[dict]] = {}
    for error in exc.errors():
        raw = error["loc"]
        loc = tuple(part for i, part in enumerate(raw) if not (i and _is_tag(part, raw[i - 1])))
        message = error["msg"]
        if error["type"] == "value_error" and "ctx" in error:
            cause = error["ctx"]["error"]
            if isinstance(cause, FieldProblem):  # a rule of the model, about one of its fields
                loc = loc + tuple(int(p) if p.isdigit() else p for p in cause.field.split("."))
            message = cause.args[0] if len(cause.args) == 1 and isinstance(cause.args[0], str) else str(cause)
        error = {**error, "msg": message}
        grouped.setdefault(loc, []).append(error)
    result = []
    for loc, errors in grouped.items():
        if all(e["type"] == "literal_error" for e in errors) and any(
            o[: len(loc)] == loc and len(o) > len(loc) for o in grouped
        ):
            continue  # `sns: false | [posts]`: the list branch's deeper error says what is wrong
        chosen = [e for e in errors if e["type"] == "value_error"] or errors
        if len(chosen) > 1 and loc and loc[-1] in _UNION_MESSAGES:
            result.append((loc, _UNION_MESSAGES[loc[-1]]))
            continue
        result.append((loc, describe(chosen[0], model, noun=noun, names=names)))
    return result


def describe(error: dict, model: type[BaseModel], *, noun: str = "field", names: Iterable[str] | None = None) -> str:
    """One pydantic error in the words of ``check``'s messages (see :func:`field_errors`)."""
    kind = error["type"]
    if kind == "value_error":
        return error["msg"]  # the model's own words (models.py, dates.py)
    if kind == "extra_forbidden":
        return _unknown(error, model, noun, names)
    for kinds, message in _MESSAGES:
        if kind in kinds:
            return message(error, error.get("ctx", {}), error.get("input"))
    if error.get("input") is None and kind.endswith("_type"):
        return _empty(error, {}, None)
    return bi(error["msg"], "書き方が正しくありません。ほかのファイルの同じ項目の書き方と見比べてください。")


def _unknown(error: dict, model: type[BaseModel], noun: str, names: Iterable[str] | None) -> Bilingual:
    name = str(error["loc"][-1])
    candidates = _field_names(model) if names is None else list(names)
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
    what = _NOUNS.get(noun, noun)
    if close:
        return bi(
            f"unknown {noun} (did you mean {close[0]!r}?)",
            f"「{name}」という{what}はありません。「{close[0]}」の書き間違いではありませんか。",
        )
    return bi(
        f"unknown {noun}",
        f"「{name}」という{what}はありません。綴りを確かめ、使わない{what}ならこの行を消してください。",
    )


def _shown(value: object) -> str:
    """A value as the editor wrote it in YAML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _field_name(error: dict) -> str | None:
    name = error["loc"][-1] if error["loc"] else None
    return name if isinstance(name, str) else None


def _missing(error: dict, ctx: dict, value: object) -> Bilingual:
    name = _field_name(error)
    return bi("required field is missing", f"{name} は必ず書く項目です。「{name}: …」の行を書き足してください。")


def _empty(error: dict, ctx: dict, value: object) -> Bilingual:
    name = _field_name(error)
    where = f"「{name}:」の後" if name else "「- 」の後"
    return bi("must not be empty", f"値が書かれていません。{where}に値を書いてください。")


def _choices(error: dict, ctx: dict, value: object) -> Bilingual:
    expected = str(ctx.get("expected", ""))
    options = re.findall(r"'([^']*)'", expected) or [expected]
    return bi(
        f"must be one of {expected}, got {value!r}",
        f"「{_shown(value)}」は使えません。{'、'.join(options)} のどれかを書いてください。",
    )


def _too_long(error: dict, ctx: dict, value: object) -> Bilingual:
    limit, length = ctx["max_length"], len(value)
    return bi(
        f"must be at most {limit} characters, got {length}",
        f"{length}文字あります。{limit}文字以内に短くしてください。",
    )


def _too_few(error: dict, ctx: dict, value: object) -> Bilingual:
    wanted, actual = ctx["min_length"], ctx.get("actual_length", 0)
    return bi(
        f"needs at least {wanted} entries, got {actual}",
        f"{wanted}件以上必要ですが、{actual}件しかありません。あと{wanted - actual}件書き足してください。",
    )


def _whole_number(error: dict, ctx: dict, value: object) -> Bilingual:
    return bi(
        f"must be a whole number, got {value!r}",
        f"「{_shown(value)}」は整数として読めません。30 のように、引用符を付けない半角の数字で書いてください。",
    )


_BOUNDS = {
    "greater_than": ("greater than", "より大きい数"),
    "greater_than_equal": ("at least", "以上の数"),
    "less_than": ("less than", "より小さい数"),
    "less_than_equal": ("at most", "以下の数"),
}


def _bound(error: dict, ctx: dict, value: object) -> Bilingual:
    english, japanese = _BOUNDS[error["type"]]
    limit = next(iter(ctx.values()))
    return bi(
        f"must be {english} {limit}, got {value!r}", f"{limit}{japanese}にしてください（いまは {_shown(value)}）。"
    )


def _yes_no(error: dict, ctx: dict, value: object) -> Bilingual:
    return bi(
        f"must be true or false, got {value!r}",
        f"「{_shown(value)}」は使えません。true（はい）か false（いいえ）を書いてください。",
    )


def _number(error: dict, ctx: dict, value: object) -> Bilingual:
    return bi(
        f"must be a number, got {value!r}",
        f"「{_shown(value)}」は数として読めません。20 や 0.5 のように、引用符を付けない半角の数字で書いてください。",
    )


def _list(error: dict, ctx: dict, value: object) -> Bilingual:
    shown = _shown(value)
    return bi(
        f"must be a list, got {value!r}",
        f"一覧の形で書いてください。1つだけでも [{shown}] のように角かっこで囲むか、次の行に「- {shown}」と書きます。",
    )


def _text(error: dict, ctx: dict, value: object) -> Bilingual:
    if value is None:
        return _empty(error, ctx, value)
    if isinstance(value, (int, float, bool)):
        shown = _shown(value)
        read_as = "「はい・いいえ」" if isinstance(value, bool) else "数"
        return bi(
            f"must be text, got {value!r} (put it in quotes to keep it as text)",
            f'{shown} は{read_as}として読まれます。文字として書くには "{shown}" のように引用符で囲んでください。',
        )
    return bi(
        f"must be text, got {value!r}",
        "ここには文字を書いてください（一覧や「項目名: 値」の入れ子は書けません）。",
    )


def _mapping(error: dict, ctx: dict, value: object) -> Bilingual:
    if value is None:
        return _empty(error, ctx, value)
    return bi(
        "must be a mapping of 'field: value' lines",
        "「項目名: 値」の形の行を並べて書いてください。例：name: NPO法人みなと",
    )


Message = Callable[[dict, dict, object], Bilingual]
_MESSAGES: list[tuple[tuple[str, ...], Message]] = [
    (("missing",), _missing),
    (("literal_error",), _choices),
    (("string_too_long",), _too_long),
    (("string_too_short",), _empty),
    (("too_short",), _too_few),
    (("int_type", "int_parsing", "int_from_float"), _whole_number),
    (tuple(_BOUNDS), _bound),
    (("bool_type", "bool_parsing"), _yes_no),
    (("float_type", "float_parsing"), _number),
    (("list_type", "tuple_type"), _list),
    (("string_type",), _text),
    (("model_type", "dict_type", "model_attributes_type"), _mapping),
]


def _field_names(model: type[BaseModel]) -> list[str]:
    names = set(model.model_fields)
    for info in model.model_fields.values():
        for arg in getattr(info.annotation, "__args__", ()) or ():
            inner = getattr(arg, "__args__", None)
            for candidate in (arg, *(inner or ())):
                if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                    names |= set(candidate.model_fields)
    return sorted(names)
