"""Messages in the editors' language: Japanese, with English for maintainers.

Every message a person reads (``check`` errors and warnings, command errors, help
text) is written where it is raised, in both languages, with :func:`bi`::

    reporter.error(path, line, "end", bi("end is before start", "終了が開始より前です。…"))

The result is a :class:`Bilingual`: a ``str`` holding the English text (so logs,
tests and code that compare messages keep working) that also carries its Japanese.
Output chooses with :func:`text`: Japanese unless ``--lang en``, ``SITE_BUILDER_LANG=en``,
or a locale of ``C``/``POSIX``/``en*`` (``LC_ALL``, then ``LC_MESSAGES``, then ``LANG``).
A message with no Japanese shows its English, and ``tests/test_messages_ja.py`` fails on it.
"""

from __future__ import annotations

import os

LANGUAGES = ("ja", "en")
_chosen: str | None = None


class Bilingual(str):
    """English text (the ``str`` value) with its Japanese in :attr:`ja`."""

    ja: str

    def __new__(cls, en: str, ja: str) -> Bilingual:
        value = super().__new__(cls, en)
        value.ja = ja
        return value

    def __reduce__(self) -> tuple:  # survives copying and the worker processes of Markdown conversion
        return (Bilingual, (str(self), self.ja))


def bi(en: str, ja: str) -> Bilingual:
    """One message in both languages."""
    return Bilingual(en, ja)


def join(separator: tuple[str, str], parts: list[str]) -> Bilingual:
    """``parts`` joined in each language (``separator`` = English, Japanese)."""
    return Bilingual(separator[0].join(parts), separator[1].join(japanese(part) for part in parts))


ERROR = Bilingual("error", "エラー")  # the word before a command's one-line error
WARNING = Bilingual("warning", "注意")  # the word before a one-line warning that does not stop the command


def japanese(message: str) -> str:
    return message.ja if isinstance(message, Bilingual) else message


def set_language(language: str | None) -> None:
    """``--lang``: wins over the environment; ``None`` goes back to it."""
    global _chosen
    _chosen = language


def language() -> str:
    """``ja`` or ``en`` for this run."""
    if _chosen in LANGUAGES:
        return _chosen
    wanted = os.environ.get("SITE_BUILDER_LANG", "").strip().lower()
    if wanted in LANGUAGES:
        return wanted
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "en" if value in ("C", "POSIX") or value.lower().startswith("en") else "ja"
    return "ja"


def text(message: str) -> str:
    """``message`` in this run's language."""
    return japanese(message) if language() == "ja" else str(message)


def describe(exc: BaseException) -> str:
    """An exception's message in this run's language, when it was raised with a :func:`bi` message."""
    if len(exc.args) == 1 and isinstance(exc.args[0], Bilingual):
        return text(exc.args[0])
    return str(exc)
