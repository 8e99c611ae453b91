"""Eight page types at 1280 and 390 px look as they did: each shot is written to
tests/screenshots/current/ for review and compared with tests/screenshots/reference/
(tests/screenshots.py says how; ``make screenshots`` regenerates the references after an
intended change). On a mismatch the test writes ``<shot>.diff.png`` beside the shot: the
reference faded, the pixels that differ in red.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops

from tests import screenshots


@pytest.fixture(scope="module")
def chromium():
    try:
        with screenshots.chromium() as driver:
            yield driver
    except RuntimeError as error:
        pytest.fail(str(error))


def mismatch(shot: str, image: Image.Image, reference_path) -> str | None:
    """Why a shot does not match its reference (None when it does); writes the diff image then."""
    if not reference_path.is_file():
        return f"{shot}: no reference {reference_path}: run make screenshots"
    with Image.open(reference_path) as reference:
        difference = screenshots.compare(image, reference)
        expected_size = reference.size
    if difference.matches:
        return None
    diff_path = screenshots.CURRENT / f"{shot}.diff.png"
    difference.image.save(diff_path, compress_level=1)
    size = screenshots.reduce(image).size
    what = (
        f"{difference.changed:.2%} of its pixels differ (at most {screenshots.MAX_CHANGED:.1%} may)"
        if difference.same_size
        else f"it is {size[0]}x{size[1]} at reference size, the reference {expected_size[0]}x{expected_size[1]}"
    )
    return (
        f"{shot} does not look like its reference: {what}.\n"
        f"  diff (changes in red): {diff_path}\n  shot: {screenshots.CURRENT / f'{shot}.png'}\n"
        f"  reference: {reference_path}\n"
        "If the change is intended, run `make screenshots` and review the new references."
    )


@pytest.mark.parametrize("shot", screenshots.SHOTS)
def test_page_looks_like_its_reference(chromium, project_url, shot):
    image = screenshots.take(chromium, project_url, shot)
    screenshots.save_current(shot, image)
    (screenshots.CURRENT / f"{shot}.diff.png").unlink(missing_ok=True)
    problem = mismatch(shot, image, screenshots.REFERENCE / f"{shot}.png")
    if problem and screenshots.BROWSER_VERSION.is_file():
        made_with = screenshots.BROWSER_VERSION.read_text(encoding="utf-8").strip()
        now = chromium.capabilities.get("browserVersion", "")
        problem += f"\n(references made with Chromium {made_with}, this is {now})" if made_with != now else ""
    if problem:
        pytest.fail(problem, pytrace=False)


def full_size(reference: Image.Image) -> Image.Image:
    """A shot that reduces to ``reference``: each reference pixel drawn as four."""
    rgb = reference.convert("RGB")
    return rgb.resize((rgb.width * 2, rgb.height * 2), Image.Resampling.NEAREST)


def test_tolerance_lets_drawing_noise_through_and_stops_a_moved_block():
    with Image.open(screenshots.REFERENCE / "page-1280.png") as reference:
        reference.load()
    shot = full_size(reference)
    assert screenshots.compare(shot, reference).changed == 0

    # Noise everywhere, heavier than text drawn by another FreeType: a lossy JPEG round trip.
    buffer = io.BytesIO()
    shot.save(buffer, "JPEG", quality=70)
    noisy = screenshots.compare(Image.open(buffer).convert("RGB"), reference)
    assert noisy.changed > 0 and noisy.matches, noisy.changed

    # The lower half of the page 4 px further right, as a changed margin would put it.
    moved = shot.copy()
    lower = shot.crop((0, shot.height // 2, shot.width - 4, shot.height))
    moved.paste(lower, (4, shot.height // 2))
    shifted = screenshots.compare(moved, reference)
    assert shifted.same_size and not shifted.matches, shifted.changed
    red = ImageChops.difference(shifted.image, Image.new("RGB", shifted.image.size, (230, 0, 0)))
    assert red.convert("L").histogram()[0] == round(shifted.changed * reference.width * reference.height)

    # Four pixels taller, content unchanged: a different size is never a match.
    taller = Image.new("RGB", (shot.width, shot.height + 4), "white")
    taller.paste(shot, (0, 0))
    assert not screenshots.compare(taller, reference).matches
