"""Versions (issue 15): a page clipped again with a new text keeps the earlier one, over real HTTP
against a real server, in the store on real files, and in real Chromium."""

import json
import re
import zipfile
from html import unescape

import pytest
import requests

from test_review import browser, csrf_of, open_page  # noqa: F401  (browser: the module's Chromium fixture)
from tidyclip import textdiff
from tidyclip.errors import BadInput
from tidyclip.export import export_to_path, import_from_path
from tidyclip.library import Library

URL = "https://daily.example.org/2026/harbour-vote"
PARAGRAPHS = [
    "The harbour council met on Tuesday evening to decide the future of the old ferry pier and its sheds.",
    "After a long debate the council approved the plan by seven votes to four, with two members absent.",
    "Residents who spoke at the meeting asked for the fish market to stay open while the work goes on.",
    "The first boats are expected to use the rebuilt pier before the summer festival next year.",
]
CHANGED = "After a long debate the council rejected the plan by seven votes to four, with two members absent."
ADDED = "A spokesman for the ferry company said it would study the decision before saying anything more."


def page(paragraphs: list[str], spacing: str = "") -> str:
    body = "".join(f"<p>{spacing}{text}{spacing}</p>\n" for text in paragraphs)
    return (f"<!doctype html><html><head><title>Harbour vote</title></head><body><nav><a href='/'>Home</a></nav>"
            f"<article><h1>Harbour vote</h1>{body}</article><footer>Daily Example</footer></body></html>")


SECOND = [PARAGRAPHS[0], CHANGED, PARAGRAPHS[2], ADDED, PARAGRAPHS[3]]


def post(server, paragraphs: list[str], url: str = URL, **extra) -> dict:
    response = server.api("POST", "/api/clips", json={"url": url, "html": page(paragraphs, **extra)})
    assert response.status_code in (200, 201), response.text
    return response.json()


def marked_words(diff_page: str) -> dict[str, list[str]]:
    """What the diff view marks inserted and deleted, as text."""
    diff = diff_page[diff_page.index('id="diff"'):]
    return {tag: [unescape(" ".join(text.split())) for text in re.findall(rf"<{tag}>(.*?)</{tag}>", diff, re.S)]
            for tag in ("ins", "del")}


# ---- over HTTP ------------------------------------------------------------------------------------

def test_a_changed_page_keeps_the_earlier_version_and_the_diff_marks_exactly_what_changed(server):
    first = post(server, PARAGRAPHS)
    assert (first["status"], first["version"], first["versions"]) == ("created", 1, 1)
    clip_id = first["id"]
    server.api("PATCH", f"/api/clips/{clip_id}", json={"tags": ["harbour", "vote"], "note": "follow this story"})
    kept = server.api("POST", f"/api/clips/{clip_id}/highlights", json={"quote": "asked for the fish market to stay open", "note": "!"})
    assert kept.status_code == 201, kept.text

    second = post(server, SECOND)
    assert (second["status"], second["id"], second["version"], second["versions"]) == ("updated", clip_id, 2, 2)
    assert second["tags"] == ["harbour", "vote"] and second["note"] == "follow this story"
    # the highlight belongs to the clip: found again in the new text (the reading branch's re-anchoring)
    marks = server.api("GET", f"/api/clips/{clip_id}").json()["highlights"]
    assert [(mark["id"], mark["quote"], mark["note"], mark["detached"]) for mark in marks] == [
        (kept.json()["id"], "asked for the fish market to stay open", "!", False)]
    assert CHANGED in second["text"] and ADDED in second["text"]

    listing = server.api("GET", f"/api/clips/{clip_id}/versions").json()["items"]
    assert [entry["number"] for entry in listing] == [1, 2]
    assert listing[0]["clipped"] == first["created"] and listing[0]["word_count"] == first["word_count"]
    assert listing[1]["summary"] == "+1 paragraph, 1 word changed"
    earlier = server.api("GET", f"/api/clips/{clip_id}/versions/1").json()
    assert earlier["text"] == first["text"] and earlier["html"] == first["html"] and earlier["markdown"] == first["markdown"]
    assert server.api("GET", f"/api/clips/{clip_id}/versions/2").json()["text"] == second["text"]

    diff = requests.get(f"{server.base_url}/clips/{clip_id}/diff?from=1&to=2", timeout=30)
    assert diff.status_code == 200
    assert marked_words(diff.text) == {"ins": ["rejected", ADDED], "del": ["approved"]}

    # the same page again (only its spacing differs): no new version; the user's fields stay
    third = post(server, SECOND, spacing="\n   ")
    assert (third["version"], third["versions"]) == (2, 2)
    assert len(server.api("GET", f"/api/clips/{clip_id}/versions").json()["items"]) == 2
    whole = server.api("GET", f"/api/clips/{clip_id}").json()
    assert whole["tags"] == ["harbour", "vote"] and whole["note"] == "follow this story"
    assert [mark["id"] for mark in whole["highlights"]] == [kept.json()["id"]] and not whole["highlights"][0]["detached"]
    listed = server.api("GET", "/api/clips", params={"url": URL}).json()["items"]
    assert [(item["id"], item["versions"]) for item in listed] == [(clip_id, 2)]


def test_a_page_that_never_changed_has_one_version(server):
    clip = post(server, PARAGRAPHS, url="https://daily.example.org/steady")
    post(server, PARAGRAPHS, url="https://daily.example.org/steady")
    items = server.api("GET", f"/api/clips/{clip['id']}/versions").json()["items"]
    assert [(entry["number"], entry["summary"]) for entry in items] == [(1, "first clipped")]


@pytest.mark.parametrize("number", ["0", "9", "x", "1x", "-1", "99999999999999999999999"])
def test_a_version_that_is_not_there_is_a_404_json_error(server, number):
    clip = post(server, PARAGRAPHS, url="https://daily.example.org/one")
    response = server.api("GET", f"/api/clips/{clip['id']}/versions/{number}")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    page_response = requests.get(f"{server.base_url}/clips/{clip['id']}/diff?from={number}", timeout=30)
    assert page_response.status_code == 404
    assert server.api("GET", "/api/clips/0123456789abcdef/versions").status_code == 404


def test_delete_then_undo_brings_the_versions_back(server):
    url = "https://daily.example.org/undo"
    post(server, PARAGRAPHS, url=url)
    clip = post(server, SECOND, url=url)
    headers = {"X-CSRF-Token": csrf_of(server)}
    deleted = requests.post(f"{server.base_url}/ui/delete", json={"ids": [clip["id"]]}, headers=headers, timeout=30).json()
    assert server.api("GET", f"/api/clips/{clip['id']}/versions").status_code == 404
    assert not list((server.data_dir / "bodies" / clip["id"][:2]).glob(f"{clip['id']}.*"))  # every version's files went
    requests.post(f"{server.base_url}/ui/undo", json={"undo": deleted["undo"]}, headers=headers, timeout=30).raise_for_status()
    back = server.api("GET", f"/api/clips/{clip['id']}/versions").json()["items"]
    assert [entry["number"] for entry in back] == [1, 2]
    assert server.api("GET", f"/api/clips/{clip['id']}/versions/1").json()["text"] == "\n\n".join(PARAGRAPHS)


# ---- in the store -----------------------------------------------------------------------------------

@pytest.fixture
def library(tmp_path):
    with Library.open(tmp_path / "data") as opened:
        yield opened


def files_of(library: Library, clip_id: str) -> list[str]:
    return sorted(path.name for path in (library.data_dir / "bodies" / clip_id[:2]).glob(f"{clip_id}.*"))


def test_restore_and_reclean_make_no_version(library, seed_page):
    url = "https://dispatch-digest.blogspot.com/2023/07/join-hands-with-us-britains-mi6-chief.html"
    clip, _ = library.clip_page(url, seed_page)
    position = clip["cleaning"]["removed"][0]["position"]
    restored = library.restore_block(clip["id"], position)
    assert restored["text"] != clip["text"] and (restored["version"], restored["versions"]) == (1, 1)
    library.reclean(progress=False)
    assert library.get(clip["id"])["versions"] == 1 and len(library.versions(clip["id"])) == 1


def test_only_the_last_n_versions_are_kept(library, monkeypatch):
    monkeypatch.setenv("TIDYCLIP_KEEP_VERSIONS", "2")
    texts = [[*PARAGRAPHS, f"Update number {n}: the council will meet again to talk about the pier next month."] for n in range(4)]
    for paragraphs in texts:
        clip, _ = library.clip_page(URL, page(paragraphs))
    assert (clip["version"], clip["versions"]) == (4, 2)
    assert [entry["number"] for entry in library.versions(clip["id"])] == [3, 4]
    assert "Update number 2" in library.version(clip["id"], 3)["text"]
    # two bodies, two pages and the history: the files of versions 1 and 2 are gone
    assert len(files_of(library, clip["id"])) == 5


def test_bad_keep_setting_is_refused_before_anything_is_written(library, monkeypatch):
    clip, _ = library.clip_page(URL, page(PARAGRAPHS))
    monkeypatch.setenv("TIDYCLIP_KEEP_VERSIONS", "none")
    with pytest.raises(BadInput, match="TIDYCLIP_KEEP_VERSIONS must be a whole number"):
        library.clip_page(URL, page(SECOND))
    assert library.get(clip["id"])["text"] == clip["text"] and len(library.versions(clip["id"])) == 1


def test_one_page_is_stored_once_however_many_versions_come_from_it(library):
    html = page(PARAGRAPHS)
    clip, _ = library.clip_page(URL, html)
    selected, _ = library.clip_page(URL, html, selection_html=f"<p>{PARAGRAPHS[1]}</p>")
    assert selected["versions"] == 2 and selected["text"] == PARAGRAPHS[1]
    pages = [name for name in files_of(library, clip["id"]) if name.endswith(".html.gz") and ".sel." not in name]
    assert len(pages) == 1
    assert library.original_html(clip["id"]) == html


def test_tags_and_note_belong_to_the_clip_not_to_a_version(library):
    clip, _ = library.clip_page(URL, page(PARAGRAPHS))
    library.edit(clip["id"], tags=["pier"], note="mine", title="My own title")
    again, _ = library.clip_page(URL, page(SECOND))
    assert (again["tags"], again["note"], again["title"], again["versions"]) == (["pier"], "mine", "My own title", 2)


# ---- the diff ---------------------------------------------------------------------------------------

def test_a_moved_paragraph_is_shown_as_moved_not_deleted_and_inserted():
    older = "\n\n".join(PARAGRAPHS)
    newer = "\n\n".join([PARAGRAPHS[3], PARAGRAPHS[0], PARAGRAPHS[1], PARAGRAPHS[2]])
    blocks = textdiff.diff(older, newer)
    assert [block.kind for block in blocks] == ["moved", "same", "same", "same", "moved-away"]
    assert textdiff.summary(blocks) == "1 paragraph moved"


def test_the_diff_marks_words_and_whole_paragraphs():
    blocks = textdiff.diff("\n\n".join(PARAGRAPHS), "\n\n".join([PARAGRAPHS[0], CHANGED, PARAGRAPHS[3]]))
    assert [block.kind for block in blocks] == ["same", "changed", "deleted", "same"]
    assert [(piece.op, piece.text) for piece in blocks[1].pieces if piece.op != "same"] == [("del", "approved"), ("ins", "rejected")]
    assert textdiff.summary(blocks) == "−1 paragraph, 1 word changed"
    assert textdiff.same_text("a  b\n\nc", " a b c ") and not textdiff.same_text("a b", "a c")


# ---- in Chromium ------------------------------------------------------------------------------------

@pytest.mark.browser
def test_reader_shows_the_versions_and_the_diff(browser, server, artifacts_dir):  # noqa: F811
    url = "https://daily.example.org/browser"
    post(server, PARAGRAPHS, url=url)
    clip = post(server, SECOND, url=url)
    watched = open_page(browser, server)
    page_ = watched.goto(f"/clips/{clip['id']}")
    assert " ".join(page_.locator("#version-line").inner_text().split()).startswith("Version 2 of 2, clipped ")
    page_.locator("#versions summary").click()
    items = page_.locator("#version-list li")
    assert items.count() == 2 and "+1 paragraph, 1 word changed" in items.nth(0).inner_text()
    page_.locator("#version-list li").nth(0).locator("a.version-compare").click()
    page_.wait_for_url(re.compile(r"/diff\?"))
    assert page_.locator("#diff ins").all_inner_texts() == ["rejected", ADDED]
    assert page_.locator("#diff del").all_inner_texts() == ["approved"]
    page_.screenshot(path=str(artifacts_dir / "versions-diff.png"), full_page=True)
    page_.locator("#version-list li").nth(1).locator("a.version-read").click()
    page_.wait_for_url(re.compile(r"version=1"))
    assert "Version 1 of 2" in page_.locator("#version-line").inner_text() and "approved" in page_.locator("#content").inner_text()
    watched.goto("/")
    assert "2 versions" in page_.locator(f'li.clip[data-id="{clip["id"]}"] .changed-mark').inner_text()
    assert watched.errors == [] and watched.dialogs == []
    page_.context.close()


# ---- export and import ------------------------------------------------------------------------------

def changed_clip(library: Library) -> dict:
    library.clip_page(URL, page(PARAGRAPHS))
    clip, _ = library.clip_page(URL, page(SECOND))
    library.edit(clip["id"], tags=["pier"])
    return library.get(clip["id"])


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_exports_carry_every_version_and_import_restores_them(library, tmp_path, fmt):
    clip = changed_clip(library)
    out = tmp_path / f"clips.{fmt}"
    export_to_path(library, fmt, out, progress=False, with_original=True)
    with Library.open(tmp_path / "elsewhere") as other:
        assert import_from_path(other, out, progress=False) == (1, 0)
        back = other.get(clip["id"])
        assert (back["version"], back["versions"], back["tags"], back["text"]) == (2, 2, ["pier"], clip["text"])
        assert other.versions(clip["id"]) == library.versions(clip["id"])
        assert other.version(clip["id"], 1)["text"] == library.version(clip["id"], 1)["text"]
        assert other.version_records(clip["id"], with_pages=True)[0]["original_html"] == page(PARAGRAPHS).encode()
        # the same export again changes nothing: still two versions
        assert import_from_path(other, out, progress=False) == (0, 1)
        assert len(other.versions(clip["id"])) == 2


def test_an_import_with_a_damaged_version_history_is_refused_whole(library, tmp_path):
    clip = changed_clip(library)
    out = tmp_path / "clips.jsonl"
    export_to_path(library, "jsonl", out, progress=False)
    record = json.loads(out.read_text())
    record["version_history"][0]["number"] = "one"
    out.write_text(json.dumps(record) + "\n")
    with Library.open(tmp_path / "elsewhere") as other:
        with pytest.raises(BadInput, match="version_history"):
            import_from_path(other, out, progress=False)
        assert other.count() == 0
    assert clip["versions"] == 2


def test_markdown_export_adds_the_earlier_versions_as_linked_notes_when_asked(library, tmp_path):
    clip = changed_clip(library)
    plain, with_versions = tmp_path / "plain.zip", tmp_path / "versions.zip"
    export_to_path(library, "md", plain, progress=False)
    export_to_path(library, "md", with_versions, progress=False, with_versions=True)
    assert zipfile.ZipFile(plain).namelist() == ["tidyclip/Harbour vote.md"]
    archive = zipfile.ZipFile(with_versions)
    assert archive.namelist() == ["tidyclip/Harbour vote.md", "tidyclip/Harbour vote (version 1).md"]
    current = archive.read("tidyclip/Harbour vote.md").decode()
    assert current.rstrip().endswith("## Earlier versions\n\n- [[Harbour vote (version 1)]]") and CHANGED in current
    earlier = archive.read("tidyclip/Harbour vote (version 1).md").decode()
    assert PARAGRAPHS[1] in earlier and CHANGED not in earlier and f"clipped: '{clip['created']}'" in earlier
    with pytest.raises(BadInput, match="Markdown|md"):
        export_to_path(library, "csv", tmp_path / "x.csv", progress=False, with_versions=True)


# ---- search -----------------------------------------------------------------------------------------

def test_search_finds_the_current_text_and_with_a_flag_every_version(server):
    url = "https://daily.example.org/search"
    first = post(server, [*PARAGRAPHS, "The old mayor Zebulon opened the meeting with a long speech about the pier."], url=url)
    post(server, [*SECOND, "The new mayor Quentin opened the meeting with a short speech about the pier."], url=url)

    def found(q: str, **params) -> list[str]:
        response = server.api("GET", "/api/clips", params={"q": q, **params})
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert found("zebulon") == [] and found("quentin") == [first["id"]]
    assert found("zebulon", versions="all") == [first["id"]] == found("quentin", versions="all")
    assert found("zebulon", versions="current") == []
    listed = requests.get(f"{server.base_url}/", params={"q": "zebulon", "versions": "all"}, timeout=30).text
    assert f'data-id="{first["id"]}"' in listed
    bad = server.api("GET", "/api/clips", params={"q": "pier", "versions": "every"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_query"


def test_a_rebuilt_index_finds_the_earlier_versions_again(tmp_path):
    with Library.open(tmp_path / "data") as library:
        library.clip_page(URL, page([*PARAGRAPHS, "Zebulon spoke first."]))
        clip, _ = library.clip_page(URL, page(SECOND))
        assert [item["id"] for item in library.search(q="zebulon", all_versions=True)[0]] == [clip["id"]]
    (tmp_path / "data" / "index.sqlite").unlink()
    with Library.open(tmp_path / "data") as library:
        assert [item["id"] for item in library.search(q="zebulon", all_versions=True)[0]] == [clip["id"]]
        assert library.search(q="zebulon")[1] == 0
        library.delete(clip["id"])
        assert library.search(q="zebulon", all_versions=True)[1] == 0


def test_a_cut_shard_is_rebuilt_with_the_versions_it_had(tmp_path):
    data = tmp_path / "data"
    with Library.open(data) as library:
        clip = changed_clip(library)
        export_to_path(library, "jsonl", tmp_path / "clips.jsonl", progress=False, with_original=True)
    with Library.open(tmp_path / "other") as other:  # an import writes the earlier body last: the newest file
        import_from_path(other, tmp_path / "clips.jsonl", progress=False)
    shard = tmp_path / "other" / "meta" / f"{clip['id'][:3]}.json"
    shard.write_bytes(shard.read_bytes()[: shard.stat().st_size // 2])
    with Library.open(tmp_path / "other") as other:
        assert other.check(repair=True)
    with Library.open(tmp_path / "other") as other:
        back = other.get(clip["id"])
        assert back["text"] == clip["text"] and back["versions"] == 2
        assert other.version(clip["id"], 1)["text"] == "\n\n".join(PARAGRAPHS)
        assert other.check() == []


def test_a_clip_without_text_yet_becomes_its_first_version(library):
    """A clip saved with no text (an import's clip waiting for its page) keeps no empty version."""
    moment = "2026-01-01T00:00:00.000Z"
    waiting = {"id": "00000000000000aa", "url": URL, "title": "Harbour vote", "text": "", "markdown": "", "html": "",
               "created": moment, "updated": moment, "tags": ["later"], "note": ""}
    library.import_record(waiting, None)
    clip, _ = library.clip_page(URL, page(PARAGRAPHS))
    assert (clip["id"], clip["version"], clip["versions"], clip["tags"]) == (waiting["id"], 1, 1, ["later"])
