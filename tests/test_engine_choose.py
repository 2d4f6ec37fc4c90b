"""The choice between trafilatura's balanced and precision candidates (engine/choose.py)."""

import json
import math
from pathlib import Path

from tidyclip.engine import choose, make_clip
from tidyclip.engine.pipeline import prepare

PAGES = Path(__file__).resolve().parent / "pages"
#: An aeb-dev page where balanced extraction takes a sign-up box and a "more stories" rail with the article.
SIDEBAR_PAGE = PAGES / "aeb-cbssports-rudolph-fight"
#: Present only in the balanced candidate of SIDEBAR_PAGE.
RAIL_LINE = "Thanks for signing up!"


def _sidebar_page() -> tuple[bytes, str]:
    return (SIDEBAR_PAGE / "page.html").read_bytes(), json.loads((SIDEBAR_PAGE / "expected.json").read_text())["url"]


def test_the_saved_models_read_only_features_the_engine_makes() -> None:
    html, url = _sidebar_page()
    balanced, precise = prepare(html, url, both=True).candidates
    model = choose._model()
    for name, row in (("chooser", choose.features(balanced, precise)), ("gate", choose.own_features(balanced))):
        used = {feature for tree in model[name]["trees"] for feature in tree["feature"] if feature >= 0}
        assert max(used) < len(row)
        assert math.isfinite(choose.score(row, model[name]))


def test_the_gate_sends_the_sidebar_page_to_a_second_run_and_a_plain_article_not() -> None:
    html, url = _sidebar_page()
    assert len(prepare(html, url).candidates) == 2
    article = PAGES / "aeb-usatoday-prison-officers"
    plain = prepare((article / "page.html").read_bytes(), json.loads((article / "expected.json").read_text())["url"])
    assert len(plain.candidates) == 1


def test_a_short_clip_always_gets_the_second_run() -> None:
    """What balanced takes when it takes the wrong element is mostly short: a caption, a footer."""
    short = prepare(MARKED_PAGE, "https://harbour.example/works")
    assert len(short.candidates[0].text) < choose.SHORT_CLIP_CHARS
    assert [candidate.focus for candidate in short.candidates] == ["balanced", "precision"]


def test_the_precise_candidate_is_taken_when_balanced_holds_a_sidebar() -> None:
    html, url = _sidebar_page()
    balanced, precise = prepare(html, url, both=True).candidates
    assert RAIL_LINE in balanced.text and RAIL_LINE not in precise.text
    assert choose.choose(balanced, precise) is precise
    assert RAIL_LINE not in make_clip(html, url)["text"]


def test_candidates_that_agree_give_the_balanced_one() -> None:
    html, url = _sidebar_page()
    balanced = prepare(html, url).candidates[0]
    assert choose.choose(balanced, balanced) is balanced


def test_a_restored_block_comes_back_in_the_chosen_candidate_and_nothing_else_changes() -> None:
    html, url = _sidebar_page()
    clip = make_clip(html, url)
    headline = clip["cleaning"]["removed"][0]
    restored = make_clip(html, url, restore=[headline["position"]])
    assert restored["cleaning"]["restored"] == [headline["position"]]
    assert restored["text"] == f"{headline['text']}\n\n{clip['text']}"
    assert RAIL_LINE not in restored["text"]
    assert restored["cleaning"]["removed"] == clip["cleaning"]["removed"][1:]


MARKED_PAGE = """<html><head><title>Harbour works</title></head><body><article><h1>Harbour works</h1>
<p>Harbour works begin on Monday and will close the north quay to traffic for the whole of the spring.</p>
<p>INSERT: The council said the new sea wall would protect more than two hundred homes from winter storms.</p>
<p>Fishing boats will moor at the south quay, where a temporary fuel pontoon has been put in place this week.</p>
<p>The works are paid for by a national flood fund and are due to be finished before the summer season.</p>
</article></body></html>"""


def test_with_a_restore_the_rules_choose_on_copies_so_the_second_run_sees_the_page_as_it_was() -> None:
    """The paste marker is taken off a block by the rules; cleaning the same blocks twice (once to
    choose, once with the user's restore) would lose it from the report."""
    prepared = prepare(MARKED_PAGE, "https://harbour.example/works", spare=True)
    assert any(block.text.startswith("INSERT:") for block in prepared.candidates[0].blocks)
    clip = make_clip(MARKED_PAGE, "https://harbour.example/works")
    headline = clip["cleaning"]["removed"][0]
    restored = make_clip(MARKED_PAGE, "https://harbour.example/works", restore=[headline["position"]])
    markers = [item for item in restored["cleaning"]["removed"] if item["kind"] == "boilerplate"]
    assert [item["text"] for item in markers] == ["INSERT:"]
    assert "INSERT" not in restored["text"]
