"""Regression pages, in the style of Mozilla Readability's test pages: one folder a case in tests/pages/.

Each case holds `page.html` and `expected.json`:
- `url`: the address the page is clipped at;
- `title`, `author`, `published`: the clip's metadata, when the key is there (null: none expected);
- `contains`: paragraphs that must each be one whole paragraph of the clip's text;
- `absent`: texts that must be nowhere in the clip's text, Markdown or HTML;
- `images`: image addresses that must be in the clip's HTML, in this order; `min_images`: at least
  this many images;
- `xfail`: why the case fails on today's engine (an extraction fault being worked on); the test is
  then expected to fail, strictly, so a fix shows up as an unexpected pass.

The pages need nothing outside the repository: a fresh clone has this quality gate.
"""

import difflib
import json
import re
from pathlib import Path

import pytest

from tidyclip.engine import make_clip

PAGES = Path(__file__).resolve().parent / "pages"
_SPACES = re.compile(r"\s+")
_IMAGE_SRC = re.compile(r"<img\b[^>]*?\bsrc=\"([^\"]+)\"")


def _cases() -> list:
    params = []
    for folder in sorted(path for path in PAGES.iterdir() if (path / "expected.json").exists()):
        expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        marks = [pytest.mark.xfail(strict=True, reason=expected["xfail"])] if expected.get("xfail") else []
        params.append(pytest.param(folder, expected, id=folder.name, marks=marks))
    return params


def squash(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def differences(clip: dict, expected: dict) -> list[str]:
    """What in CLIP differs from EXPECTED, one line each (empty when the clip is as expected)."""
    problems = [f"{name}: expected {expected[name]!r}, got {clip[name]!r}"
                for name in ("title", "author", "published") if name in expected and clip[name] != expected[name]]
    paragraphs = [squash(paragraph) for paragraph in clip["text"].split("\n\n")]
    for wanted in map(squash, expected.get("contains", [])):
        if wanted not in paragraphs:
            closest = difflib.get_close_matches(wanted, paragraphs, n=1, cutoff=0.0)
            nearest = _shortened(closest[0] if closest else "")
            problems.append(f"paragraph missing: {wanted!r}\n    closest in the clip: {nearest!r}")
    rendered = {name: squash(clip[name]) for name in ("text", "markdown", "html")}
    for unwanted in map(squash, expected.get("absent", [])):
        found_in = [name for name, text in rendered.items() if unwanted in text]
        if found_in:
            problems.append(f"should be absent but is in the clip's {', '.join(found_in)}: {unwanted!r}")
    images = _IMAGE_SRC.findall(clip["html"])
    if len(images) < expected.get("min_images", 0):
        problems.append(f"expected at least {expected['min_images']} images, got {len(images)}: {images}")
    if "images" in expected and [src for src in images if src in expected["images"]] != expected["images"]:
        problems.append(f"images expected in this order: {expected['images']}\n    the clip's images: {images}")
    return problems


def _shortened(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


@pytest.mark.parametrize(("folder", "expected"), _cases())
def test_page(folder: Path, expected: dict):
    clip = make_clip((folder / "page.html").read_bytes(), expected["url"])
    problems = differences(clip, expected)
    assert not problems, f"{folder.name}:\n  " + "\n  ".join(problems)
