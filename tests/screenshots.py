"""Screenshots of ten page types at desktop and phone width, and the committed set they
are compared with.

``python -m tests.screenshots`` (or ``make screenshots``) builds the project's own content
at ``served_site.NOW``, opens each page in headless Chromium and writes the reference set,
tests/screenshots/reference/; tests/test_screenshots.py takes the same shots into
tests/screenshots/current/ (git-ignored, for review) and compares them with it.

A shot is the whole page (down to :data:`MAX_HEIGHT`) drawn the same way every time: the
build time is fixed, every font is Debian's Noto Sans CJK (Chromium sees a font
configuration that lists nothing else), animations, transitions and the caret are off,
scroll bars hidden, and the shot waits for the fonts and every image. A reference is the
shot at half its size in 256 colours, to keep the committed set small. A shot matches its
reference when it has the same size and at most :data:`MAX_CHANGED` of its pixels, at
reference size, differ by more than :data:`PIXEL_TOLERANCE` in a colour channel: text
drawn a little differently passes, a block moved by a few pixels does not.
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops
from selenium import webdriver
from selenium.webdriver.support.ui import WebDriverWait

from tests import served_site

HERE = Path(__file__).resolve().parent / "screenshots"
REFERENCE = HERE / "reference"
CURRENT = HERE / "current"
BROWSER_VERSION = REFERENCE / "chromium-version.txt"


@dataclass(frozen=True)
class Width:
    css: int  # the page's width in CSS pixels
    height: int  # the window's height: what 100vh means
    scale: int  # device pixels per CSS pixel
    mobile: bool


PAGES = {
    "home": "/",
    "case-list": "/cases/",
    "case": f"/cases/{served_site.CASE}/",
    "event": f"/events/{served_site.EVENT_UPCOMING}/",  # upcoming, with registration
    "event-list": "/events/",
    "news": "/news/site-open/",
    "issue": f"/issues/{served_site.ISSUE}/",  # charts
    "page": "/about/",
    "form": "/consultation/form/",  # the consultation form (mkdocs.yml sets server_url)
    "thanks": "/consultation/thanks/",  # where the server sends a reader after it
}
WIDTHS = {
    1280: Width(1280, 900, 1, mobile=False),
    390: Width(390, 844, 2, mobile=True),  # a phone, drawn at its own pixel density
}
SHOTS = [f"{page}-{width}" for width in WIDTHS for page in PAGES]
MAX_HEIGHT = 8000  # CSS pixels; below that the shot is cut (Chromium draws at most 16,384 px)
PIXEL_TOLERANCE = 64  # of 255, in any colour channel
MAX_CHANGED = 0.005  # the share of pixels that may differ by more than that
FONT = "Noto Sans CJK JP"
MONO_FONT = "Noto Sans Mono CJK JP"
QUIET_STYLE = """*, *::before, *::after {
  animation: none !important; transition: none !important;
  caret-color: transparent !important; scroll-behavior: auto !important; }"""
READY = """
const [style, done] = arguments;
const sheet = document.createElement("style");
sheet.textContent = style;
document.head.append(sheet);
for (const image of document.images) image.loading = "eager";
document.fonts.ready
  .then(() => Promise.all([...document.images].map(image => image.decode().catch(() => null))))
  .then(() => requestAnimationFrame(() => requestAnimationFrame(() => done(document.documentElement.scrollHeight))));
"""


def font_folders() -> list[Path]:
    """The folders that hold Debian's Noto Sans CJK (fonts-noto-cjk), asked of fontconfig."""
    try:
        listing = subprocess.run(["fc-list", "-f", "%{file}\n", FONT], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as error:
        raise RuntimeError(f"fc-list failed ({error}): run make test-deps (tools/install-deps)") from error
    folders = sorted({Path(line).parent for line in listing.stdout.splitlines() if line})
    if not folders:
        raise RuntimeError(f"no {FONT} font: run make test-deps (tools/install-deps installs fonts-noto-cjk)")
    return folders


def write_font_config(folder: Path) -> Path:
    """A fontconfig file that knows only Noto Sans CJK, which every generic family means."""
    dirs = "".join(f"<dir>{f}</dir>" for f in font_folders())
    aliases = "".join(
        f"<alias><family>{generic}</family><prefer><family>{font}</family></prefer></alias>"
        for generic, font in (("sans-serif", FONT), ("serif", FONT), ("system-ui", FONT), ("monospace", MONO_FONT))
    )
    path = folder / "fonts.conf"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
        f"<fontconfig>{dirs}<cachedir>{folder / 'cache'}</cachedir>{aliases}</fontconfig>\n",
        encoding="utf-8",
    )
    return path


@contextlib.contextmanager
def chromium() -> Iterator[webdriver.Chrome]:
    """Headless Debian Chromium that draws every page the same way on every machine."""
    missing = [str(p) for p in (served_site.CHROMIUM, served_site.CHROMEDRIVER) if not p.is_file()]
    if missing:
        raise RuntimeError(f"missing {', '.join(missing)}: run make test-deps (tools/install-deps installs them)")
    with tempfile.TemporaryDirectory(prefix="sb-fonts-") as work:
        # Chromium inherits chromedriver's environment, and with it this font configuration.
        env = dict(os.environ, FONTCONFIG_FILE=str(write_font_config(Path(work))))
        flags = ("--window-size=1280,900", "--hide-scrollbars", "--force-color-profile=srgb")
        with served_site.chromium(*flags, "--font-render-hinting=none", "--disable-lcd-text", env=env) as driver:
            driver.set_script_timeout(30)
            yield driver


def heading_fonts(driver) -> set[str]:
    """The fonts Chromium drew the page's h1 with (DevTools protocol)."""
    document = driver.execute_cdp_cmd("DOM.getDocument", {"depth": 0})
    node = driver.execute_cdp_cmd("DOM.querySelector", {"nodeId": document["root"]["nodeId"], "selector": "h1"})
    driver.execute_cdp_cmd("CSS.enable", {})
    fonts = driver.execute_cdp_cmd("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    return {f["familyName"] for f in fonts}


def take(driver, base_url: str, shot: str) -> Image.Image:
    """The screenshot named ``shot`` (``page-width``), of the site served at ``base_url``."""
    page, width = shot.rsplit("-", 1)
    size = WIDTHS[int(width)]
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": size.css, "height": size.height, "deviceScaleFactor": size.scale, "mobile": size.mobile},
    )
    driver.get(base_url + PAGES[page])
    WebDriverWait(driver, 10).until(lambda d: d.execute_script("return document.readyState") == "complete")
    height = driver.execute_async_script(READY, QUIET_STYLE)
    fonts = heading_fonts(driver)
    if fonts != {FONT}:
        raise RuntimeError(f"{shot}: the h1 is drawn with {sorted(fonts)}, not only {FONT}")
    clip = {"x": 0, "y": 0, "width": size.css, "height": min(height, MAX_HEIGHT), "scale": 1}
    shot_png = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
    )
    return Image.open(io.BytesIO(base64.b64decode(shot_png["data"]))).convert("RGB")


def reduce(image: Image.Image) -> Image.Image:
    """A shot at the size of its reference: half, each pixel the mean of four."""
    return image.resize((image.width // 2, image.height // 2), Image.Resampling.BOX)


def reference_of(image: Image.Image) -> Image.Image:
    """What is committed for a shot: reduced, in 256 colours."""
    return reduce(image).quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


@dataclass(frozen=True)
class Difference:
    changed: float  # the share of pixels that differ by more than PIXEL_TOLERANCE
    same_size: bool
    image: Image.Image  # the reference, faded, with the differing pixels in red

    @property
    def matches(self) -> bool:
        return self.same_size and self.changed <= MAX_CHANGED


def on_canvas(image: Image.Image, size: tuple[int, int], colour: tuple[int, int, int]) -> Image.Image:
    canvas = Image.new("RGB", size, colour)
    canvas.paste(image, (0, 0))
    return canvas


def compare(image: Image.Image, reference: Image.Image) -> Difference:
    """How a shot differs from its reference; where one is taller, the other counts as different there."""
    current, expected = reduce(image), reference.convert("RGB")
    size = (max(current.width, expected.width), max(current.height, expected.height))
    current, expected = on_canvas(current, size, (255, 0, 255)), on_canvas(expected, size, (0, 255, 0))
    channels = ImageChops.difference(current, expected).split()
    worst = channels[0]
    for channel in channels[1:]:
        worst = ImageChops.lighter(worst, channel)
    changed = worst.point(lambda v: 255 if v > PIXEL_TOLERANCE else 0)
    share = changed.histogram()[255] / (size[0] * size[1])
    faded = expected.convert("L").point(lambda v: 170 + v // 3).convert("RGB")
    faded.paste((230, 0, 0), mask=changed)
    return Difference(share, reduce(image).size == reference.size, faded)


def save_current(shot: str, image: Image.Image) -> Path:
    CURRENT.mkdir(parents=True, exist_ok=True)
    path = CURRENT / f"{shot}.png"
    image.save(path, compress_level=1)
    return path


def regenerate() -> None:
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as work:
        site = served_site.build(Path(work) / "site")
        with served_site.serve(site) as url, chromium() as driver:
            shots = {shot: take(driver, url, shot) for shot in SHOTS}
            version = driver.capabilities.get("browserVersion", "")
    shutil.rmtree(REFERENCE, ignore_errors=True)
    REFERENCE.mkdir(parents=True)
    total = 0
    for shot, image in shots.items():
        save_current(shot, image)
        path = REFERENCE / f"{shot}.png"
        reference_of(image).save(path, optimize=True)
        total += path.stat().st_size
        print(f"{path.relative_to(HERE.parent.parent)}: {image.width}x{image.height}, {path.stat().st_size:,} bytes")
    BROWSER_VERSION.write_text(version + "\n", encoding="utf-8")
    print(f"wrote {len(shots)} references ({total:,} bytes) in {time.monotonic() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    regenerate()
