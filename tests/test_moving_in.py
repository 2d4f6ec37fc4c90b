"""Moving in from Pocket, Instapaper, Omnivore, Raindrop.io and browser bookmarks: files in each
layout built here (tests/moving_in_files.py), their addresses pointing at pages served from 127.0.0.1
(tests/local_web.py), imported into a real store, the pages fetched by the real page queue over the
safe HTTP client."""

import io
import subprocess
import sys
import threading
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from conftest import article_page
from local_web import LocalWeb, Route
from moving_in_files import (
    Saved,
    bookmarks_html,
    instapaper_csv,
    iso,
    omnivore_zip,
    pocket_html,
    pocket_zip,
    raindrop_csv,
)
from tidyclip.engine import make_clip
from tidyclip.errors import BadInput
from tidyclip.export import import_from_path
from tidyclip.importers.moving_in import fetch_waiting_pages
from tidyclip.importers.page_fetch import page_fetcher
from tidyclip.importers.page_queue import PageQueue
from tidyclip.importers.sniff import sniff
from tidyclip.library import Library

ROOT = Path(__file__).resolve().parent.parent
TIDYCLIP = Path(sys.executable).parent / "tidyclip"
HTML = {"Content-Type": "text/html; charset=utf-8"}
#: Failing addresses and the reason each is listed with.
FAILURES = {"/missing": "HTTP 404", "/report.pdf": "not HTML (application/pdf)", "/huge": "too big", "/slow": "timed out"}
#: Fast and small for tests: the limits are the point, not their size.
FETCH = {"max_bytes": 200_000, "timeout": 1.0}
QUEUE = {"host_delay": 0.01, "retries": 1, "backoff": 0.05}


def article(n: int) -> str:
    return article_page(f"Story number {n}", seed=n)


@pytest.fixture
def web():
    with LocalWeb() as running:
        for n in (1, 2, 3):
            running.routes[f"/a/{n}"] = Route(article(n).encode(), headers=HTML)
        running.routes["/a/2?utm_source=newsletter"] = running.routes["/a/2"]  # the address as saved
        running.routes["/report.pdf"] = Route(b"%PDF-1.4 not a page", headers={"Content-Type": "application/pdf"})
        running.routes["/huge"] = Route(b"<html>" + b"x" * 300_000, headers=HTML)
        running.routes["/slow"] = Route(b"<html><body>" + b"." * 40, headers=HTML, trickle=0.1)
        yield running


def saved_articles(web: LocalWeb) -> list[Saved]:
    a_sentence_of_2 = make_clip(article(2), web.url("/a/2"))["text"].split("\n\n")[1]
    return [
        Saved(web.url("/a/1"), "First story", ["news", "uk"], saved=1_600_000_000),
        Saved(web.url("/a/2?utm_source=newsletter"), "Second story", ["tech"], saved=1_600_100_000, archived=True,
              starred=True, highlight=a_sentence_of_2, note="worth it"),
        Saved(web.url("/a/3"), "Third story", [], saved=1_600_200_000, archived=True),
        *[Saved(web.url(path), f"Fails {path}", ["broken"], saved=1_600_300_000 + n) for n, path in enumerate(FAILURES)],
    ]


# What each format knows of an article: (tags, state, favorite).
def pocket_knows(item: Saved) -> tuple:
    return item.tags, "archived" if item.archived else "unread", False


def instapaper_knows(item: Saved) -> tuple:
    own_folder = [] if item.starred or item.archived or not item.tags else item.tags[:1]
    return own_folder, "archived" if item.archived and not item.starred else "unread", item.starred


def raindrop_knows(item: Saved) -> tuple:
    return item.tags, "unread", item.starred


def bookmarks_know(item: Saved) -> tuple:
    return item.tags, "unread", False


FORMATS = {
    "pocket-zip": (lambda path, saved: pocket_zip(path, saved), "Pocket", pocket_knows),
    "pocket-html": (pocket_html, "Pocket (HTML)", pocket_knows),
    "instapaper": (instapaper_csv, "Instapaper", instapaper_knows),
    "raindrop": (raindrop_csv, "Raindrop.io", raindrop_knows),
    "bookmarks": (bookmarks_html, "browser bookmarks", bookmarks_know),
}


def clips_by_url(library: Library) -> dict[str, dict]:
    return {clip["url"]: clip for clip in library.iter_clips()}


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_item_moves_in_once_then_its_page_is_fetched_and_cleaned(fmt, web, tmp_path):
    build, kind, knows = FORMATS[fmt]
    saved = saved_articles(web)
    export = build(tmp_path / "export.file", saved)  # one name for all: the kind is told by the content
    assert sniff(export).kind == kind
    with Library.open(tmp_path / "data") as library:
        assert import_from_path(library, export, progress=False) == (len(saved), 0)
        clips = clips_by_url(library)
        assert len(clips) == library.count() == len(saved)
        for item in saved:
            clip = clips[item.url]
            tags, state, favorite = knows(item)
            assert (clip["title"], clip["tags"], clip["created"]) == (item.title, tags, iso(item.saved))
            assert (clip["state"], clip["favorite"]) == (state, favorite)
            assert clip["fetch"] == {"status": "waiting", "reason": "", "tries": 0} and clip["text"] == ""

        counts = fetch_waiting_pages(library, progress=False, fetch_page=page_fetcher(**FETCH), **QUEUE)
        assert counts == {"fetched": 3, "failed": len(FAILURES)}
        after = clips_by_url(library)
        for n, item in enumerate(saved[:3], start=1):
            clip = after[item.url]
            assert "fetch" not in clip
            assert clip["text"] == make_clip(article(n), item.url)["text"]  # cleaned like any clip
            assert "Copyright Example News" not in clip["text"] and clip["id"] == clips[item.url]["id"]
            assert (clip["created"], clip["state"], clip["favorite"]) == (iso(item.saved), *knows(item)[1:])
        for item, (path, reason) in zip(saved[3:], FAILURES.items(), strict=True):
            assert after[item.url]["fetch"]["status"] == "failed", path
            assert after[item.url]["fetch"]["reason"].startswith(reason), after[item.url]["fetch"]
        if fmt in ("instapaper", "raindrop"):  # their selections: highlights, found in the fetched text
            [highlight] = after[saved[1].url]["highlights"]
            assert highlight["quote"] == saved[1].highlight and highlight["detached"] is False

        requests = len(web.requests)
        assert import_from_path(library, export, progress=False) == (0, 0)  # a second import changes nothing
        assert clips_by_url(library) == after
        assert fetch_waiting_pages(library, progress=False, fetch_page=page_fetcher(**FETCH), **QUEUE) == {}
        assert len(web.requests) == requests


def test_omnivore_moves_in_with_its_content_and_highlights_and_fetches_nothing(web, tmp_path):
    saved = saved_articles(web)[:3]
    content = {item.url: f"<div><p>{'</p><p>'.join(make_clip(article(n), item.url)['text'].split(chr(10) * 2))}</p></div>"
               for n, item in enumerate(saved, start=1)}
    export = omnivore_zip(tmp_path / "omnivore.zip", saved, content)
    assert sniff(export).kind == "Omnivore"
    with Library.open(tmp_path / "data") as library:
        assert import_from_path(library, export, progress=False) == (3, 0)
        clips = clips_by_url(library)
        for n, item in enumerate(saved, start=1):
            clip = clips[item.url]
            paragraphs = make_clip(article(n), item.url)["text"].split("\n\n")
            assert "fetch" not in clip and paragraphs[0] in clip["text"] and paragraphs[-1] in clip["text"]
            assert (clip["tags"], clip["created"], clip["state"]) == (item.tags, iso(item.saved), pocket_knows(item)[1])
        [highlight] = clips[saved[1].url]["highlights"]
        assert (highlight["quote"], highlight["note"], highlight["detached"]) == (saved[1].highlight, "worth it", False)
        assert fetch_waiting_pages(library, progress=False, fetch_page=page_fetcher(**FETCH)) == {}
        assert import_from_path(library, export, progress=False) == (0, 0)
        assert clips_by_url(library) == clips
    assert web.requests == []  # nothing was fetched


def test_an_address_already_clipped_gets_the_tags_and_state_not_a_second_clip(web, tmp_path):
    url = web.url("/a/1")
    with Library.open(tmp_path / "data") as library:
        mine = library.clip_page(url, article(1))[0]
        library.edit(mine["id"], tags=["mine"])
        export = pocket_zip(tmp_path / "p.zip", [Saved(url + "?utm_medium=email#top", "Other title", ["news"], archived=True)])
        assert import_from_path(library, export, progress=False) == (0, 1)
        [clip] = library.iter_clips()
        assert (clip["id"], clip["tags"], clip["state"], clip["text"]) == (mine["id"], ["mine", "news"], "archived", mine["text"])
        assert import_from_path(library, export, progress=False) == (0, 0)


def test_one_site_is_fetched_one_page_at_a_time_with_a_pause_several_sites_at_once(tmp_path):
    starts: dict[int, list[float]] = {}
    active: dict[int, int] = {}
    most_at_once = {"site": 0, "all": 0}
    lock = threading.Lock()

    def page(site: LocalWeb, n: int):
        def answer() -> Route:
            with lock:
                starts.setdefault(site.port, []).append(time.monotonic())
                active[site.port] = active.get(site.port, 0) + 1
                most_at_once["site"] = max(most_at_once["site"], active[site.port])
                most_at_once["all"] = max(most_at_once["all"], sum(active.values()))
            time.sleep(0.15)
            with lock:
                active[site.port] -= 1
            return Route(article(n).encode(), headers=HTML)
        return answer

    with LocalWeb() as one, LocalWeb() as two, Library.open(tmp_path / "data") as library:
        saved = []
        for site in (one, two):
            for n in range(4):
                site.routes[f"/a/{n}"] = page(site, n)
                saved.append(Saved(site.url(f"/a/{n}"), f"Story {n}"))
        import_from_path(library, pocket_zip(tmp_path / "p.zip", saved), progress=False)
        counts = fetch_waiting_pages(library, progress=False, fetch_page=page_fetcher(**FETCH), host_delay=0.3)
    assert counts == {"fetched": 8}
    assert most_at_once == {"site": 1, "all": 2}
    for times in starts.values():
        gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
        assert min(gaps) >= 0.15 + 0.3, gaps  # the page's own time, then the pause


def test_a_failure_that_may_pass_is_tried_again_with_backoff(web, tmp_path):
    answers = iter([Route(b"busy", 503), Route(b"busy", 503), Route(article(1).encode(), headers=HTML)])
    web.routes["/later"] = lambda: next(answers)
    web.routes["/always-busy"] = Route(b"busy", 503)
    with Library.open(tmp_path / "data") as library:
        import_from_path(library, pocket_zip(tmp_path / "p.zip", [Saved(web.url("/later"), "Later"),
                                                                  Saved(web.url("/always-busy"), "Busy")]), progress=False)
        counts = fetch_waiting_pages(library, progress=False, fetch_page=page_fetcher(**FETCH), host_delay=0.01, retries=2, backoff=0.05)
        assert counts == {"fetched": 1, "failed": 1}
        assert library.find_by_url(web.url("/always-busy"))["fetch"] == {"status": "failed", "reason": "HTTP 503", "tries": 3}
    assert [path for path, _ in web.requests].count("/always-busy") == 3


def test_the_queue_leaves_a_clip_the_extension_clipped_meanwhile(web, tmp_path):
    with Library.open(tmp_path / "data") as library:
        import_from_path(library, pocket_zip(tmp_path / "p.zip", [Saved(web.url("/a/1"), "One")]), progress=False)
        clipped = library.clip_page(web.url("/a/1"), article(1))[0]
        queue = PageQueue(library, page_fetcher(**FETCH), host_delay=0.01)
        assert queue.resume() == 0 and queue.wait(5)
        queue.close()
        assert library.get(clipped["id"])["updated"] == clipped["updated"]
    assert web.requests == []


def test_wait_returns_once_the_last_outcome_is_counted_and_told(web, tmp_path):
    told = []

    def slow_to_tell(clip_id: str, outcome: str) -> None:
        time.sleep(0.3)  # a progress bar that is slow to draw: wait() must not return before it is done
        told.append(outcome)

    with Library.open(tmp_path / "data") as library:
        import_from_path(library, pocket_zip(tmp_path / "p.zip", [Saved(web.url("/a/1"), "One")]), progress=False)
        queue = PageQueue(library, page_fetcher(**FETCH), host_delay=0.01, on_done=slow_to_tell)
        assert queue.resume() == 1 and queue.wait(30)
        assert (queue.counts, told) == ({"fetched": 1}, ["fetched"])
        queue.close()


def test_files_are_told_apart_by_content_and_damaged_ones_change_nothing(web, tmp_path):
    saved = saved_articles(web)[:2]
    assert sniff(instapaper_csv(tmp_path / "pocket.zip", saved)).kind == "Instapaper"
    assert sniff(pocket_zip(tmp_path / "bookmarks.html", saved)).kind == "Pocket"
    assert sniff(bookmarks_html(tmp_path / "export.csv", saved)).kind == "browser bookmarks"
    plain = tmp_path / "notes.csv"
    plain.write_text("name,age\nann,3\n")
    zipped = pocket_zip(tmp_path / "big.zip", [Saved(web.url(f"/p/{n}"), f"T{n}") for n in range(3000)])
    cut = tmp_path / "cut.zip"
    cut.write_bytes(zipped.read_bytes()[: zipped.stat().st_size // 2])
    other_zip = tmp_path / "photos.zip"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("a.txt", "hello")
    with Library.open(tmp_path / "data") as library:
        for path, message in ((plain, "not a tidyclip"), (cut, "damaged zip"), (other_zip, "not an export tidyclip reads")):
            with pytest.raises(BadInput, match=message):
                import_from_path(library, path, progress=False)
        assert library.count() == 0


def test_an_item_without_a_web_address_is_skipped_and_told(web, tmp_path, capsys):
    saved = [Saved("javascript:alert(1)", "Bad"), Saved(web.url("/a/1"), "Good")]
    with Library.open(tmp_path / "data") as library:
        assert import_from_path(library, bookmarks_html(tmp_path / "b.html", saved), progress=False) == (1, 0)
    assert "skipped b.html bookmark 1 (javascript:alert(1)): not a web address" in capsys.readouterr().err


def test_fifty_thousand_rows_are_read_in_bounded_memory(tmp_path):
    export = pocket_zip(tmp_path / "p.zip", [Saved(f"https://site{n % 97}.example/article/{n}", f"Title {n}", ["a", "b"])
                                             for n in range(50_000)])
    tracemalloc.start()
    try:
        assert sum(1 for _ in sniff(export).items()) == 50_000
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024, f"{peak / 1e6:.1f} MB held while reading"


# -- the real command and the real server ------------------------------------------------------------
def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(TIDYCLIP), *args], capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_cli_imports_fetches_with_a_progress_bar_and_retries_failures(web, tmp_path):
    data = str(tmp_path / "data")
    export = pocket_zip(tmp_path / "pocket.zip", [Saved(web.url("/a/1"), "One"), Saved(web.url("/missing"), "Gone")])
    result = run("import", str(export), "--data-dir", data)
    assert result.returncode == 0, result.stderr
    assert "importing Pocket [" in result.stderr and "fetching pages [" in result.stderr
    assert "imported 2 new clips, updated 0" in result.stderr and "fetched 1 pages, 1 failed" in result.stderr
    web.routes["/missing"] = Route(article(2).encode(), headers=HTML)
    assert "fetched 0 pages" not in (result := run("import", "--retry", "--quiet", "--data-dir", data)).stderr
    assert result.returncode == 0 and result.stderr.strip() == "fetched 1 pages, 0 failed", result.stderr
    with Library.open(Path(data)) as library:
        assert all("fetch" not in clip and clip["text"] for clip in library.iter_clips())
    result = run("import", "--data-dir", data)
    assert result.returncode == 1 and result.stderr.startswith("tidyclip: give the file to import")


def test_the_server_resumes_waiting_clips_and_lists_them_while_answering_the_extension(web, tmp_path, start_server):
    data = tmp_path / "data"
    export = pocket_zip(tmp_path / "pocket.zip", [Saved(web.url("/a/1"), "One", ["x"]), Saved(web.url("/missing"), "Gone")])
    assert run("import", str(export), "--no-fetch", "--quiet", "--data-dir", str(data)).returncode == 0
    with Library.open(data) as library:
        ids = {clip["url"]: clip["id"] for clip in library.iter_clips()}
    server = start_server(data)
    posted = server.api("POST", "/api/clips", json={"url": web.url("/a/3"), "html": article(3)})
    assert posted.status_code == 201
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        clips = {url: server.api("GET", f"/api/clips/{clip_id}").json() for url, clip_id in ids.items()}
        if all("fetch" not in clip or clip["fetch"]["status"] == "failed" for clip in clips.values()):
            break
        time.sleep(0.2)
    assert "Paragraph 1 of story 1" in clips[web.url("/a/1")]["text"]
    assert clips[web.url("/missing")]["fetch"]["reason"] == "HTTP 404"
    listing = server.api("GET", "/").text
    assert "HTTP 404" in listing



def test_a_fetched_page_gets_its_pictures_like_a_clip_from_the_extension(web, tmp_path, start_server):
    picture = io.BytesIO()
    Image.new("RGB", (120, 80), (200, 40, 40)).save(picture, "PNG")
    web.routes["/pic.png"] = Route(picture.getvalue(), headers={"Content-Type": "image/png"})
    body = f"<figure><img src='{web.url('/pic.png')}' alt='a red field' width='120' height='80'></figure>"
    page = article_page("With a picture", seed=7).replace("</p>", "</p>" + body, 1)  # after the first paragraph
    web.routes["/with-picture"] = Route(page.encode(), headers=HTML)
    data = tmp_path / "data"
    export = pocket_zip(tmp_path / "pocket.zip", [Saved(web.url("/with-picture"), "Pictured", [])])
    assert run("import", str(export), "--no-fetch", "--quiet", "--data-dir", str(data)).returncode == 0
    server = start_server(data, images=True)
    clip_id = server.api("GET", "/api/clips").json()["items"][0]["id"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        clip = server.api("GET", f"/api/clips/{clip_id}").json()
        if "fetch" not in clip and clip.get("images") and clip["images"][0]["status"] != "pending":
            break
        time.sleep(0.2)
    assert [image["status"] for image in clip["images"]] == ["stored"]
    assert server.api("GET", clip["images"][0]["local_url"]).content == picture.getvalue()

# -- the readers on details of their formats -----------------------------------------------------------
def test_omnivore_highlights_keep_their_notes_and_drop_labels_and_back_links():
    from tidyclip.importers.omnivore import parse_highlights

    markdown = ("> First quote [⤴️](https://omnivore.app/me/x#1)\n\n#label #other\n\nMy note on it\n\n"
                "> A quote over\n> two lines\n\n> Third, no note")
    assert parse_highlights(markdown) == [
        {"quote": "First quote", "prefix": "", "suffix": "", "note": "My note on it"},
        {"quote": "A quote over\ntwo lines", "prefix": "", "suffix": "", "note": ""},
        {"quote": "Third, no note", "prefix": "", "suffix": "", "note": ""},
    ]


def test_raindrop_highlights_and_instapaper_tags_column():
    import io

    from tidyclip.importers import instapaper
    from tidyclip.importers.raindrop import parse_highlights

    assert [(h["quote"], h["note"]) for h in parse_highlights("Highlight: one\nNote: why\nHighlight: two\ngoes on")] == [
        ("one", "why"), ("two\ngoes on", "")]
    csv_text = 'URL,Title,Selection,Folder,Timestamp,Tags\nhttps://a.example/,A,,Recipes,1700000000,"[""soup"", ""winter""]"\n'
    [item] = instapaper.read(io.StringIO(csv_text), "i.csv")
    assert (item.tags, item.state, item.favorite, item.created) == (["Recipes", "soup", "winter"], "unread", False,
                                                                    "2023-11-14T22:13:20.000Z")


def test_bookmarks_take_firefox_tags_and_leave_the_browsers_own_folders():
    import io

    from tidyclip.importers import bookmarks

    text = ("<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<DL><p>\n<DT><H3 UNFILED_BOOKMARKS_FOLDER=\"true\">Other Bookmarks</H3>\n"
            "<DL><p>\n<DT><H3>Cooking</H3>\n<DL><p>\n<DT><A HREF=\"https://soup.example/\" ADD_DATE=\"1700000000\" "
            "TAGS=\"soup,winter\">Soup &amp; bread</A>\n</DL><p>\n<DT><A HREF=\"https://top.example/\">Top</A>\n</DL><p>\n</DL>\n")

    soup, top = bookmarks.read(io.StringIO(text), "b.html")
    assert (soup.title, soup.tags, soup.created) == ("Soup & bread", ["Cooking", "soup", "winter"], "2023-11-14T22:13:20.000Z")
    assert (top.url, top.tags, top.created) == ("https://top.example/", [], None)
