"""The seed: a blog post that glued one story from several outlets together, through the real CLI."""

import json
import subprocess
import sys

import pytest

from conftest import FIXTURES, ROOT, assert_meets_seed

SEED = FIXTURES / "seed-blogger"


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads((SEED / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def clip(expected) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "tidyclip", "extract", str(SEED / "page.html"), "--url", expected["url"], "--format", "json"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_metadata(clip, expected):
    for field in ("title", "site", "author", "published"):
        assert clip[field] == expected[field], field


def test_each_paragraph_once_in_order_and_nothing_forbidden_or_repeated(clip, expected):
    assert_meets_seed(clip["text"].split("\n\n"), expected)


def test_both_reports_of_the_quote_stay(clip):
    assert clip["text"].count("I invite them to do what others have") == 2


def test_no_forbidden_text(clip, expected):
    for bodies in ("text", "markdown", "html"):
        for forbidden in expected["forbidden"]:
            assert forbidden not in clip[bodies], f"{forbidden!r} in {bodies}"


def test_cleaning_report_records_what_went(clip):
    cleaning = clip["cleaning"]
    assert cleaning["duplicates"] >= 8
    # the headline pasted in the body, and the standfirst pasted right after it
    assert cleaning["headline_repeats"] == 2
    assert any(entry["kind"] == "headline_repeats" and entry["text"].startswith("‘Join hands with us’")
               for entry in cleaning["removed"])
    assert cleaning["boilerplate"] >= 2  # the two underscore rules
    kinds = {entry["kind"] for entry in cleaning["removed"]}
    assert {"duplicates", "headline_repeats", "boilerplate"} <= kinds
    assert sum(cleaning[kind] for kind in kinds) == len(cleaning["removed"])
    assert all(isinstance(entry["position"], int) for entry in cleaning["removed"])
