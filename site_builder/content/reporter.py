"""Collects content errors so that every mistake is reported at once."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from site_builder.content.i18n import bi, japanese, text


@dataclass(frozen=True, order=True)
class ContentError:
    """One mistake in one content file: ``path:line: field: message``."""

    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.message}"

    def localized(self) -> str:
        """The line in this run's language (i18n.py); the location and field name stay as written."""
        return f"{self.path}:{self.line}: {self.field}: {text(self.message)}"


@dataclass
class Reporter:
    """Gathers errors and warnings; tests assert on ``messages`` rather than scraped logs.

    An error stops the build; a warning (something the build changed or left out,
    such as HTML the sanitizer removed) is shown and the build goes on."""

    root: Path = Path(".")
    errors: list[ContentError] = field(default_factory=list)
    warnings: list[ContentError] = field(default_factory=list)

    def error(self, path: Path | str, line: int, field_name: str, message: str) -> None:
        self.errors.append(ContentError(self.display(path), line, field_name, message))

    def warn(self, path: Path | str, line: int, field_name: str, message: str) -> None:
        self.warnings.append(ContentError(self.display(path), line, field_name, message))

    def display(self, path: Path | str) -> str:
        path = Path(path)
        try:  # the folder resolved, not the file: a symbolic link is shown where it is
            return (path.parent.resolve() / path.name).relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def messages(self) -> list[str]:
        return [str(error) for error in sorted(set(self.errors))]

    @property
    def warning_messages(self) -> list[str]:
        return [f"{warning} (warning)" for warning in sorted(set(self.warnings))]

    def localized_errors(self) -> list[str]:
        return [error.localized() for error in sorted(set(self.errors))]

    def localized_warnings(self) -> list[str]:
        return [warning.localized() + text(WARNING_MARK) for warning in sorted(set(self.warnings))]


WARNING_MARK = bi(" (warning)", "（注意）")
# What a failed command changed: nothing. Checking writes nothing at all, so it says only the count.
CHECK_FAILED = bi("nothing was written", "")
BUILD_FAILED = bi("nothing was written", "サイトは更新されていません。")


class ContentErrors(Exception):
    """Raised with the reporter when content is invalid; the command prints it."""

    def __init__(self, reporter: Reporter):
        super().__init__(f"{len(reporter.errors)} content error(s)")
        self.reporter = reporter


def print_errors(reporter: Reporter, consequence: str = BUILD_FAILED, stream: TextIO | None = None) -> None:
    """Every error, one per line, then a line that counts them and says what
    happened because of them: 「3件の誤りがあります。サイトは更新されていません。」"""
    stream = stream or sys.stderr
    print_warnings(reporter, stream)
    for message in reporter.localized_errors():
        print(message, file=stream)
    count = len(reporter.messages)
    english = f"{count} error{'s' if count != 1 else ''}; {consequence}"
    print(text(bi(english, f"{count}件の誤りがあります。{japanese(consequence)}")), file=stream, flush=True)


def print_warnings(reporter: Reporter, stream: TextIO | None = None) -> None:
    """Every warning, one per line, ending in ``(warning)`` / 「（注意…）」."""
    for message in reporter.localized_warnings():
        print(message, file=stream or sys.stderr, flush=True)
