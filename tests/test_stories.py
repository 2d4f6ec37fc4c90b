"""Same story, other outlet: the detector on real article text, saved through the real pipeline.

The test set: 18 article bodies from the Zyte article-extraction benchmark (fixtures/stories/articles.json,
MIT, LICENSE beside it) and 4 separately written reports of one speech (reports.json, written for these
tests: they share the mayor's quotes, not their sentences). Each body is put in two or three page
templates under other URLs and outlets; one copy has a paragraph or two cut or added. Separately written
articles on one subject (the Doobie Brothers' reunion, a Fort Worth rescue, NASA's lunar landers, Apple's
keyboards, two Ascom press releases, the speech) must not pair.
"""

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import combinations
from string import Template
from urllib.parse import urlsplit

import pytest

from conftest import FIXTURES
from tidyclip import stories
from tidyclip.config import STORY_MIN_SHARED
from tidyclip.engine import make_clip
from tidyclip.library import Library
from tidyclip.store import Store

STORIES = FIXTURES / "stories"
ARTICLES = json.loads((STORIES / "articles.json").read_text(encoding="utf-8"))
REPORTS = json.loads((STORIES / "reports.json").read_text(encoding="utf-8"))
ALL = ARTICLES + REPORTS
TEMPLATES = {name: Template((STORIES / "templates" / f"{name}.html").read_text(encoding="utf-8"))
             for name in ("wire", "portal", "blog")}
#: What an aggregator puts around a story it re-posts: the same lines on every story it carries.
AGGREGATOR_INTRO = ("Our partners filed this report overnight. We have added context where it helps readers "
                    "follow the story, and will update it as more is known.")
AGGREGATOR_NOTE = ("This article originally appeared on a partner site and is republished here under a "
                   "content-sharing agreement. Some details may have changed since it was first published.")


def page(template: str, article: dict, paragraphs: list[str], outlet: str, related: list[dict]) -> str:
    return TEMPLATES[template].substitute(
        title=article["title"], site=outlet, byline=f"{outlet} staff", date="March 4, 2026", url="",
        body="\n".join(f"<p>{paragraph}</p>" for paragraph in paragraphs),
        related="\n".join(f'<li><a href="/r/{n}">{other["title"]}</a></li>' for n, other in enumerate(related)),
    )


def shortened(paragraphs: list[str], number: int) -> list[str]:
    """A paragraph or two cut: from the end (a trimmed re-post) or from the middle (an edit)."""
    cut = 2 if len(paragraphs) >= 8 else 1
    if number % 4 == 0:
        return paragraphs[:-cut]
    middle = len(paragraphs) // 2
    return paragraphs[:middle] + paragraphs[middle + cut:]


def copies(number: int, article: dict) -> list[tuple[str, str]]:
    """(url, html) of each copy of one article: two or three outlets, one copy cut or added to."""
    related = [ALL[(number + step) % len(ALL)] for step in (1, 5, 9, 13)]
    slug = article["key"][:12]
    paragraphs = article["paragraphs"]
    varied = (shortened(paragraphs, number) if number % 2 == 0
              else [AGGREGATOR_INTRO, *paragraphs, AGGREGATOR_NOTE])
    made = [
        (f"https://wire.example/{slug}/story.html", page("wire", article, paragraphs, "The Wire", related)),
        (f"https://portal.example/news/{slug}?utm_source=feed", page("portal", article, varied, "Portal Daily", related[::-1])),
    ]
    if number % 3 != 2:
        made.append((f"https://blog.example/{number}/{slug}/", page("blog", article, paragraphs, "Gathered", related[1:])))
    return made


def clip_all(library: Library, pages: list[tuple[str, str, str]]) -> dict[str, str]:
    """Save every (key, url, html) through the library; returns clip id -> article key."""
    return {library.clip_page(url, html)[0]["id"]: key for key, url, html in pages}


def all_pages(articles: list[dict] = ALL) -> list[tuple[str, str, str]]:
    return [(article["key"], url, html)
            for number, article in enumerate(articles) for url, html in copies(number, article)]


def pairs_of(library: Library, ids: list[str]) -> set[frozenset]:
    """The story links as a reader sees them: each clip's `similar`, read back through the library."""
    return {frozenset((clip_id, entry["id"])) for clip_id in ids for entry in library.get(clip_id)["similar"]}


def stories_indexed(data_dir) -> int:
    index = stories.StoryIndex(data_dir / stories.INDEX_FILE)
    try:
        return index.count()
    finally:
        index.close()


@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    """The whole test set saved through Library.clip_page on a fresh data dir (real engine, real store)."""
    with Library.open(tmp_path_factory.mktemp("stories") / "data") as library:
        keys = clip_all(library, all_pages())
        yield library, keys


# ---- quality on the test set ----

def test_pairs_same_story_copies_with_floors_on_precision_and_recall(collection):
    library, keys = collection
    truth = {frozenset(pair) for pair in combinations(keys, 2) if keys[pair[0]] == keys[pair[1]]}
    found = pairs_of(library, list(keys))
    true_found = len(found & truth)
    precision = true_found / len(found) if found else 0.0
    recall = true_found / len(truth)
    missed = sorted(keys[next(iter(pair))] for pair in truth - found)
    wrong = sorted(tuple(sorted(keys[clip_id] for clip_id in pair)) for pair in found - truth)
    assert len(truth) >= 40
    assert precision >= 0.95, f"precision {precision:.3f}: wrongly paired {wrong}"
    assert recall >= 0.90, f"recall {recall:.3f}: missed pairs of {missed}"


def test_separately_written_reports_of_one_subject_never_pair(collection):
    library, keys = collection
    subject = {article["key"]: article["subject"] for article in ALL}
    for clip_id, key in keys.items():
        for entry in library.get(clip_id)["similar"]:
            other = keys[entry["id"]]
            assert other == key, f"{key} paired with {other}, another report on {subject[key]!r}"


def test_links_are_recorded_both_ways_with_title_site_and_score(collection):
    library, keys = collection
    for clip_id in keys:
        clip = library.get(clip_id)
        for entry in clip["similar"]:
            assert set(entry) == {"id", "title", "site", "score"}
            assert STORY_MIN_SHARED <= entry["score"] <= 1.0
            other = library.get(entry["id"])
            assert entry["title"] == other["title"]
            assert entry["site"] == (other["site"] or urlsplit(other["url"]).hostname)  # a site name, or the host
            back = [mine for mine in other["similar"] if mine["id"] == clip_id]
            assert back and back[0]["score"] == entry["score"]
        scores = [entry["score"] for entry in clip["similar"]]
        assert scores == sorted(scores, reverse=True)


# ---- keeping links right as clips change ----

def test_deleting_a_clip_takes_it_out_of_its_partners_lists(tmp_path):
    article = ARTICLES[0]
    with Library.open(tmp_path / "data") as library:
        ids = list(clip_all(library, [(article["key"], url, html) for url, html in copies(0, article)]))
        assert len(library.get(ids[0])["similar"]) == len(ids) - 1
        library.delete(ids[1])
        for clip_id in (ids[0], ids[2]):
            assert [entry["id"] for entry in library.get(clip_id)["similar"]] == [ids[2] if clip_id == ids[0] else ids[0]]


def test_a_clip_saved_again_with_another_story_loses_its_old_links(tmp_path):
    first, second = ARTICLES[1], ARTICLES[4]
    with Library.open(tmp_path / "data") as library:
        (url_a, html_a), (url_b, html_b), *_ = copies(1, first)
        a = library.clip_page(url_a, html_a)[0]
        b = library.clip_page(url_b, html_b)[0]
        assert [entry["id"] for entry in b["similar"]] == [a["id"]]
        # The same URL now carries another story (an updated live page): the old link must go.
        again, status = library.clip_page(url_b, page("wire", second, second["paragraphs"], "Portal Daily", []))
        assert status == "updated" and again["id"] == b["id"]
        assert again["similar"] == []
        assert library.get(a["id"])["similar"] == []


def test_a_lost_index_is_rebuilt_from_the_store(tmp_path):
    article = ARTICLES[2]
    (url_a, html_a), (url_b, html_b), (url_c, html_c) = copies(0, article)
    with Library.open(tmp_path / "data") as library:
        a = library.clip_page(url_a, html_a)[0]
        b = library.clip_page(url_b, html_b)[0]
    (tmp_path / "data" / stories.INDEX_FILE).unlink()
    with Library.open(tmp_path / "data") as library:
        c = library.clip_page(url_c, html_c)[0]
        assert {entry["id"] for entry in c["similar"]} == {a["id"], b["id"]}
        assert {entry["id"] for entry in library.get(a["id"])["similar"]} == {b["id"], c["id"]}


def test_the_index_catches_up_with_clips_saved_or_deleted_behind_its_back(tmp_path):
    """Another process's writer (or a crash before the links were made) saves and deletes without the
    story index: it follows the store's change feed and brings itself in step at the next look."""
    data = tmp_path / "data"
    (url_a, html_a), (url_b, html_b), *_ = copies(1, ARTICLES[3])
    (url_c, html_c), (url_d, html_d), *_ = copies(1, ARTICLES[5])
    with Library.open(data) as library:
        library.clip_page(*copies(0, ARTICLES[8])[0])
    with Store(data) as store:  # a writer that knows nothing of stories
        unlinked, _ = store.save(make_clip(html_a, url_a), html_a)
    with Library.open(data) as library:
        b = library.clip_page(url_b, html_b)[0]
        assert [entry["id"] for entry in b["similar"]] == [unlinked["id"]]
        assert [entry["id"] for entry in library.get(unlinked["id"])["similar"]] == [b["id"]]
        c = library.clip_page(url_c, html_c)[0]
        d = library.clip_page(url_d, html_d)[0]
        assert [entry["id"] for entry in library.get(c["id"])["similar"]] == [d["id"]]
    with Store(data) as store:
        store.delete(d["id"])
    with Library.open(data) as library:
        assert library.get(c["id"])["similar"] == []  # never a link to a missing clip, even before following
        assert library.follow_stories()
        assert stories_indexed(data) == library.count()


def test_a_big_catch_up_runs_in_the_background_and_pairs_everything(tmp_path):
    """A lost story index under a big collection, a big import: the server's save returns at once,
    its background thread indexes and pairs the rest."""
    pages = all_pages()
    data = tmp_path / "data"
    with Store(data) as store:
        keys = {store.save(make_clip(html, url), html)[0]["id"]: key for key, url, html in pages[:-1]}
    with Library.open(data, background=True) as library:
        key, url, html = pages[-1]
        last = library.clip_page(url, html)[0]
        keys[last["id"]] = key
        library.follow_stories()
        truth = {frozenset(pair) for pair in combinations(keys, 2) if keys[pair[0]] == keys[pair[1]]}
        assert pairs_of(library, list(keys)) == truth
        assert stories_indexed(data) == library.count()


def test_saving_from_several_threads_records_every_link(tmp_path):
    articles = ARTICLES[7:11]
    pages = all_pages(articles)
    with Library.open(tmp_path / "data") as library:
        with ThreadPoolExecutor(max_workers=6) as pool:
            saved = list(pool.map(lambda item: (item[0], library.clip_page(item[1], item[2])[0]["id"]), pages))
        keys = {clip_id: key for key, clip_id in saved}
        for clip_id, key in keys.items():
            expected = {other for other, other_key in keys.items() if other_key == key and other != clip_id}
            assert {entry["id"] for entry in library.get(clip_id)["similar"]} == expected


# ---- the detector's parts ----

def test_signatures_are_the_same_in_every_process():
    """Seeded hashes: a signature made under another PYTHONHASHSEED is the same."""
    text = "\n\n".join(ARTICLES[0]["paragraphs"])
    code = ("import sys; from tidyclip import stories; "
            "print(stories.Fingerprint(sys.stdin.read()).signature.tobytes().hex())")
    outputs = {
        subprocess.run([sys.executable, "-c", code], input=text, capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout.strip()
        for seed in ("1", "4242")
    }
    assert outputs == {stories.Fingerprint(text).signature.tobytes().hex()}


def test_chinese_and_japanese_text_is_shingled_by_character():
    text = "東京都は火曜日、臨海地区に防潮堤を建設する計画を発表した。総工費は二百四十億円で、五年で完成する見込みだという。"
    fingerprint = stories.Fingerprint(text)
    assert fingerprint.signature is not None
    added = stories.Fingerprint(text + "知事は記者会見で説明した。")
    other = stories.Fingerprint("大阪市は水曜日、市内の公園に新しい図書館を建てる計画を明らかにした。開館は三年後の予定だ。")
    assert stories.shared(fingerprint.shingles, added.shingles) >= STORY_MIN_SHARED
    assert stories.shared(fingerprint.shingles, other.shingles) < 0.1


def test_short_texts_are_not_compared():
    assert stories.Fingerprint("Breaking news: more soon.").signature is None
    assert stories.Fingerprint("").signature is None


def test_fold_keeps_the_first_of_each_story_with_the_others_under_also():
    def item(clip_id, *similar):
        return {"id": clip_id, "title": clip_id, "similar": [{"id": other, "score": 0.9} for other in similar]}

    items = [item("a", "c"), item("b"), item("c", "a", "d"), item("d", "c"), item("e", "gone")]
    before = json.dumps(items)
    folded = stories.fold(items)
    assert [clip["id"] for clip in folded] == ["a", "b", "e"]
    assert [clip["id"] for clip in folded[0]["also"]] == ["c", "d"]
    assert folded[1]["also"] == [] and folded[2]["also"] == []
    assert json.dumps(items) == before
    assert stories.fold([]) == []


# ---- over real HTTP ----

def similar_ids(server, clip_id: str, expected: list[str], timeout: float = 20.0) -> list[str]:
    """The clip's `similar` ids over the API, once they are `expected` (the server may link a moment
    after it answers the save) or when `timeout` runs out."""
    deadline = time.monotonic() + timeout
    while True:
        ids = [entry["id"] for entry in server.api("GET", f"/api/clips/{clip_id}").json()["similar"]]
        if ids == expected or time.monotonic() > deadline:
            return ids
        time.sleep(0.1)


def test_api_clip_carries_similar_both_ways_and_delete_removes_the_link(server):
    article = ARTICLES[6]
    (url_a, html_a), (url_b, html_b), *_ = copies(0, article)
    a = server.api("POST", "/api/clips", json={"url": url_a, "html": html_a})
    b = server.api("POST", "/api/clips", json={"url": url_b, "html": html_b})
    assert a.status_code == 201 and b.status_code == 201
    a_id, b_id = a.json()["id"], b.json()["id"]

    assert similar_ids(server, a_id, [b_id]) == [b_id]
    assert similar_ids(server, b_id, [a_id]) == [a_id]
    a_now = server.api("GET", f"/api/clips/{a_id}").json()
    b_now = server.api("GET", f"/api/clips/{b_id}").json()
    assert a_now["similar"][0]["title"] == b_now["title"]
    assert a_now["similar"][0]["score"] == b_now["similar"][0]["score"] >= STORY_MIN_SHARED

    # renamed, the clip shows under its new title in its partner's list
    assert server.api("PATCH", f"/api/clips/{b_id}", json={"title": "Renamed by the reader"}).status_code == 200
    deadline = time.monotonic() + 20
    while server.api("GET", f"/api/clips/{a_id}").json()["similar"][0]["title"] != "Renamed by the reader":
        assert time.monotonic() < deadline, "the partner's list kept the old title"
        time.sleep(0.1)

    assert server.api("DELETE", f"/api/clips/{b_id}").status_code == 200
    assert server.api("GET", f"/api/clips/{a_id}").json()["similar"] == []
    assert server.api("GET", f"/api/clips/{b_id}").status_code == 404
