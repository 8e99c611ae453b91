"""Containment: what content may refer to, checked before anything is built.

Editors are trusted with the content folders (``cases/``, ``events/``,
``content/``), not with the rest of the machine. So ``check`` refuses

* a symbolic link anywhere in the content folders (it could publish a file from
  outside, ``/proc/self/environ`` or ``.git/config``);
* a front-matter ``image`` and every relative reference in a body (Markdown
  links and images in any syntax, raw ``href``/``src``) that leads outside the
  content folders, through ``..`` or otherwise.

Each is a located error; the resolver (``content/links.py``) never copies such a
file either, so a build that somehow skipped the check still publishes nothing
from outside.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from urllib.parse import unquote

from site_builder.content.checking import Checking
from site_builder.content.i18n import Bilingual, bi
from site_builder.content.kinds import SOURCE_FOLDERS, kind_of_folder
from site_builder.content.links import RealPath, references, split_target
from site_builder.content.readers import Entry

FOLDERS_TEXT = ", ".join(f"{folder}/" for folder in SOURCE_FOLDERS)
FOLDERS_JA = "、".join(f"{folder}/" for folder in SOURCE_FOLDERS)


def check_symlinks(checking: Checking) -> None:
    """No symbolic link in the content folders, to a file or a folder."""
    reporter = checking.reporter
    for folder in SOURCE_FOLDERS:
        top = checking.content.root / folder
        if top.is_symlink():
            reporter.error(top, 1, "file", symlink_message())
            continue
        for parent, folders, files in os.walk(top, followlinks=False):
            for name in sorted(folders + files):
                if os.path.islink(os.path.join(parent, name)):
                    reporter.error(Path(parent) / name, 1, "file", symlink_message())


def symlink_message() -> Bilingual:
    return bi(
        "symbolic links are not allowed in the content folders; put the file itself here instead",
        "ここにあるのはファイルではなく、ほかの場所を指すリンク（シンボリックリンク）です。"
        "コンテンツのフォルダには置けないので、ファイルそのものを置いてください。",
    )


def check_references(checking: Checking) -> None:
    """Every image and relative reference of every entry stays inside the content folders;
    what the HTML policy removes from a body is a warning on its line."""
    reporter, root, real = checking.reporter, checking.content.root.resolve(), checking.real_paths
    converted = checking.converted  # converting reports the limits and the extensions
    for entry in checking.checked:
        body = converted[entry.path].html
        for removal in converted[entry.path].removals:
            reporter.warn(entry.path, line_of_text(entry, removal.needle), "body", removal.message)
        image = getattr(entry.meta, "image", None)
        if image and leaves_content(root, entry.path, image, real):
            reporter.error(entry.path, entry.source.line_of(("image",)), "image", outside_message(image))
        for target in sorted(set(references(body))):
            target = html.unescape(target)
            if is_relative(target) and leaves_content(root, entry.path, target, real):
                reporter.error(entry.path, line_of_text(entry, target), "body", outside_message(target))


def is_relative(target: str) -> bool:
    return bool(target) and ":" not in target.split("/", 1)[0] and not target.startswith(("/", "#", "?"))


def leaves_content(root: Path, source_file: Path, target: str, real: RealPath = Path.resolve) -> bool:
    """Whether ``target``, written in ``source_file``, leads out of the project (through
    ``..`` or a link), or names an existing file outside the content folders
    (``.git/config``, ``theme/…``). Folders and missing files inside the project are
    only links, which ``content/link_check.py`` checks. ``real`` resolves paths."""
    path = unquote(split_target(target)[0])  # as the browser asks for it
    if not path:
        return False
    written = Path(os.path.normpath(real(source_file).parent / path))
    resolved = real(written)
    for candidate in (written, resolved):
        if not candidate.is_relative_to(root):
            return True
    return resolved.is_file() and kind_of_folder(resolved.relative_to(root)) is None


def outside_message(target: str) -> Bilingual:
    return bi(
        f"{target!r} leads outside the content folders ({FOLDERS_TEXT}); put the file next to this one "
        "(e.g. images/…) and refer to it there, or link to a page by its address from the top (e.g. /cases/)",
        f"「{target}」はコンテンツのフォルダ（{FOLDERS_JA}）の外を指しています。ファイルはこのファイルの近く"
        "（例：images/…）に置いてそこを指すか、ページへのリンクならサイトの先頭からのアドレス（例：/cases/）で"
        "書いてください。",
    )


def line_of_text(entry: Entry, text: str) -> int:
    """The line of the body where ``text`` is written, in any case (the body's first line if not found)."""
    wanted = {text.casefold(), html.escape(text).casefold()}
    for offset, line in enumerate(entry.body.casefold().split("\n")):
        if any(needle in line for needle in wanted):
            return entry.body_line + offset
    return entry.body_line
