"""Issue 11, the store's rows: every change goes through the Library's one door, nothing acknowledged is
lost, nothing refused is carried out, no bad record gets in, and damage stays with the clips it hit.
Driven through the real server, the real `tidyclip` command and real files."""

import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from conftest import ROOT, article_page
from tidyclip.engine import make_clip

def tidyclip(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tidyclip", *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def csrf_of(server) -> str:
    html = requests.get(server.base_url + "/", timeout=30).text
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


def ui(server, path: str, body: dict, token: str) -> requests.Response:
    return requests.post(server.base_url + path, json=body, headers={"X-CSRF-Token": token}, timeout=120)


def post_page(server, url: str, html: str) -> dict:
    response = server.api("POST", "/api/clips", json={"url": url, "html": html})
    assert response.status_code in (200, 201), response.text
    return response.json()


def strict_json(text: str):
    """JSON as the standard has it: NaN and Infinity are not JSON."""
    def refuse(constant: str):
        raise AssertionError(f"{constant} is not JSON")
    return json.loads(text, parse_constant=refuse)


def exported(data_dir: Path, tmp_path: Path, *extra: str) -> tuple[dict[str, dict], subprocess.CompletedProcess]:
    out = tmp_path / f"export-{time.monotonic_ns()}.jsonl"
    result = tidyclip("export", "--format", "jsonl", "--out", str(out), "--quiet", "--data-dir", str(data_dir), *extra)
    assert result.returncode == 0, result.stderr
    records = [strict_json(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {record["id"]: record for record in records}, result


def record_of(url: str, title: str, seed: int, paragraphs: int = 6, **fields) -> dict:
    """A tidyclip export record of a made-up page, with its original page."""
    html = article_page(title, seed, paragraphs=paragraphs)
    clip = make_clip(html, url)
    from tidyclip.store import normalize_url, url_id  # the id the store gives this page

    return {
        **clip, "id": url_id(normalize_url(url)), "created": "2026-01-02T03:04:05.000Z", "updated": "2026-01-02T03:04:05.000Z",
        "tags": [], "note": "", "similar": [], "original_html": html, **fields,
    }


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


# ---- merge on write -------------------------------------------------------------------------------

def test_eight_tabs_tagging_one_clip_at_once_keep_every_tag(start_server):
    server = start_server()
    clip = post_page(server, "https://tabs.example/a", article_page("Tabs", 1))
    token = csrf_of(server)
    answers: list[int] = []

    def tab(number: int) -> None:
        for n in range(12):
            answers.append(ui(server, "/ui/tag", {"ids": [clip["id"]], "tags": [f"tab{number}-{n}"]}, token).status_code)

    threads = [threading.Thread(target=tab, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200] * 96
    tags = server.api("GET", f"/api/clips/{clip['id']}").json()["tags"]
    assert sorted(tags) == sorted(f"tab{number}-{n}" for number in range(8) for n in range(12))
    # the 101st tag is refused, not half-saved
    assert ui(server, "/ui/tag", {"ids": [clip["id"]], "tags": [f"x{n}" for n in range(5)]}, token).status_code == 422
    assert len(server.api("GET", f"/api/clips/{clip['id']}").json()["tags"]) == 96


LONG_EXTRA = "<p>A repeated paragraph long enough to be a paragraph of the story, the mayor said today.</p>" * 2


def test_a_patch_while_restore_runs_is_kept(start_server):
    server = start_server()
    clip = post_page(server, "https://restore.example/long", article_page("Long page", 3, paragraphs=2500, body_extra=LONG_EXTRA))
    position = clip["cleaning"]["removed"][0]["position"]
    token = csrf_of(server)
    restored: list[requests.Response] = []
    restoring = threading.Thread(target=lambda: restored.append(ui(server, f"/ui/clips/{clip['id']}/restore", {"position": position}, token)))
    restoring.start()
    time.sleep(0.4)  # the restore is cleaning the long page again now
    patched = server.api("PATCH", f"/api/clips/{clip['id']}", json={"tags": ["mine"], "note": "my note"})
    assert patched.status_code == 200
    restoring.join()
    assert restored[0].status_code == 200, restored[0].text
    now = server.api("GET", f"/api/clips/{clip['id']}").json()
    assert now["tags"] == ["mine"] and now["note"] == "my note"
    assert position in now["cleaning"]["restored"]


def test_patches_while_reclean_runs_are_kept(start_server, tmp_path):
    server = start_server()
    # long pages whose stored text an older cleaner made: reclean takes a while over each and rewrites it
    records = []
    for n in range(6):
        record = record_of(f"https://reclean.example/{n}", f"Reclean {n}", 40 + n, paragraphs=1500)
        records.append({**record, "text": "what an old cleaner left", "html": "<p>old</p>", "markdown": "old"})
    assert tidyclip("import", str(write_jsonl(tmp_path / "old.jsonl", records)), "--quiet", "--data-dir", str(server.data_dir)).returncode == 0
    ids = [record["id"] for record in records]
    token = csrf_of(server)
    reclean = subprocess.Popen([sys.executable, "-m", "tidyclip", "reclean", "--quiet", "--data-dir", str(server.data_dir)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    acknowledged = []
    while reclean.poll() is None and len(acknowledged) < 90:  # a tag on every clip, while reclean works on them
        if ui(server, "/ui/tag", {"ids": ids, "tags": [f"edit{len(acknowledged)}"]}, token).status_code == 200:
            acknowledged.append(f"edit{len(acknowledged)}")
        time.sleep(0.1)
    out, err = reclean.communicate()
    assert reclean.returncode == 0, err
    assert out.strip() == "recleaned 6 clips" and len(acknowledged) > 5
    for clip_id in ids:
        clip = server.api("GET", f"/api/clips/{clip_id}").json()
        assert clip["text"] != "what an old cleaner left"
        assert clip["tags"] == acknowledged


# ---- the journal records outcomes ----------------------------------------------------------------

REFUSED_WRITE = """
import os, subprocess, sys
from pathlib import Path
from tidyclip.library import Library
data = Path(sys.argv[1])
library = Library.open(data)
clip, _ = library.clip_page(sys.argv[2], sys.argv[3])
kept, _ = library.clip_page(sys.argv[2] + "-kept", sys.argv[3])
# the disk refuses writes to the shards from here on (immutable: even root cannot add a file)
subprocess.run(["chattr", "+i", str(data / "meta")], check=True)
for attempt in (lambda: library.delete(clip["id"]), lambda: library.edit(kept["id"], note="refused")):
    try:
        attempt()
    except Exception as exc:
        print("refused:", type(exc).__name__)
    else:
        print("carried out")
os._exit(0)  # a crash: no close, the journal is not emptied
"""


def test_a_refused_write_is_not_carried_out_after_a_crash(tmp_path):
    data = tmp_path / "data"
    try:
        ran = subprocess.run(
            [sys.executable, "-c", REFUSED_WRITE, str(data), "https://ro.example/a", article_page("Read only", 9)],
            capture_output=True, text=True, timeout=120, cwd=ROOT,
        )
    finally:
        subprocess.run(["chattr", "-i", str(data / "meta")], check=False)
    assert ran.stdout.split("\n")[:2] == ["refused: PermissionError", "refused: PermissionError"], ran.stdout + ran.stderr
    clips, _ = exported(data, tmp_path)
    assert sorted(clip["url"] for clip in clips.values()) == ["https://ro.example/a", "https://ro.example/a-kept"]
    assert [clip["note"] for clip in clips.values()] == ["", ""]


# ---- one schema: what import may bring in ---------------------------------------------------------

BAD_FIELDS = [
    ({"created": ["x"]}, "created"),
    ({"created": 12345}, "created"),
    ({"html": 123}, "html"),
    ({"tags": [f"t{n}" for n in range(101)]}, "tags"),
    ({"word_count": "abc"}, "word_count"),
    ({"word_count": float("nan")}, "word_count"),
    ({"word_count": float("inf")}, "word_count"),
    ({"similar": "xyz"}, "similar"),
    ({"cleaning": {"removed": "all"}}, "cleaning"),
]


@pytest.mark.parametrize(("bad", "field"), BAD_FIELDS, ids=[next(iter(bad)) + str(n) for n, (bad, _) in enumerate(BAD_FIELDS)])
def test_a_bad_record_is_refused_whole_and_locks_nobody_out(tmp_path, bad, field):
    data = tmp_path / "data"
    good = record_of("https://import.example/good", "Good", 1)
    wrong = record_of("https://import.example/bad", "Bad", 2)
    path = tmp_path / "import.jsonl"
    lines = [json.dumps(good), json.dumps({**wrong, **bad}), json.dumps(record_of("https://import.example/c", "C", 3))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")  # json.dumps writes NaN / Infinity as Python would
    result = tidyclip("import", str(path), "--quiet", "--data-dir", str(data))
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "line 2" in result.stderr and field in result.stderr, result.stderr
    clips, _ = exported(data, tmp_path)
    assert clips == {}  # all or nothing
    page = tmp_path / "p.html"
    page.write_text(article_page("After", 4), encoding="utf-8")
    assert tidyclip("add", str(page), "--url", "https://after.example/", "--data-dir", str(data)).returncode == 0


def test_a_record_that_got_into_a_shard_anyway_locks_nobody_out(tmp_path, start_server):
    """A record an older version let in (created: ["x"]) makes only its clip unreadable."""
    data = tmp_path / "data"
    assert tidyclip("import", str(write_jsonl(tmp_path / "ok.jsonl", [record_of("https://old.example/a", "A", 1), record_of("https://old.example/b", "B", 2)])),
                    "--quiet", "--data-dir", str(data)).returncode == 0
    shard = next(path for path in (data / "meta").glob("*.json") if "old.example/a" in path.read_text())
    raw = json.loads(shard.read_text())
    for doc in raw["clips"].values():
        if doc["url"] == "https://old.example/a":
            doc["created"] = ["x"]
    shard.write_text(json.dumps(raw))
    (data / "index.sqlite").unlink()
    server = start_server(data)
    listed = server.api("GET", "/api/clips").json()
    assert [item["url"] for item in listed["items"]] == ["https://old.example/b"]


def test_a_wallabag_entry_that_cannot_be_saved_whole_is_not_saved_at_all(tmp_path):
    data = tmp_path / "data"
    entries = [
        {"title": "Fine", "url": "https://wb.example/1", "content": article_page("Fine", 5), "tags": ["a"], "is_archived": 0},
        {"title": "Too many tags", "url": "https://wb.example/2", "content": article_page("Many", 6),
         "tags": [f"t{n}" for n in range(101)], "is_archived": 0},
    ]
    path = tmp_path / "wallabag.json"
    path.write_text(json.dumps(entries), encoding="utf-8")
    result = tidyclip("import", str(path), "--quiet", "--data-dir", str(data))
    assert result.returncode == 1 and "item 2" in result.stderr and "tags" in result.stderr, result.stderr
    clips, _ = exported(data, tmp_path)
    assert clips == {}


def test_nothing_the_api_answers_is_nan(start_server):
    server = start_server()
    clip = post_page(server, "https://nan.example/", article_page("NaN", 2))
    response = server.api("PATCH", f"/api/clips/{clip['id']}", json={"note": "x"})
    strict_json(response.text)
    strict_json(server.api("GET", "/api/clips").text)


# ---- derived data follows the store ---------------------------------------------------------------

def two_of_one_story(data: Path, tmp_path: Path) -> tuple[dict, dict]:
    """Two outlets' copies of one story, clipped with `tidyclip add` (which links them)."""
    clips = []
    for name, url in (("Alpha", "https://one.example/story"), ("Beta", "https://two.example/story")):
        page = tmp_path / f"{name}.html"
        page.write_text(article_page(name, 21), encoding="utf-8")
        assert tidyclip("add", str(page), "--url", url, "--data-dir", str(data)).returncode == 0
    clips = sorted(exported(data, tmp_path)[0].values(), key=lambda clip: clip["title"])
    a, b = clips
    assert [entry["id"] for entry in a["similar"]] == [b["id"]]
    assert [entry["id"] for entry in b["similar"]] == [a["id"]]
    return a, b


def test_a_partial_export_imported_links_to_no_missing_clip(tmp_path):
    a, _ = two_of_one_story(tmp_path / "data", tmp_path)
    part = tmp_path / "part.jsonl"
    assert tidyclip("export", "--format", "jsonl", "--query", "Alpha", "--out", str(part), "--quiet", "--data-dir", str(tmp_path / "data")).returncode == 0
    assert tidyclip("import", str(part), "--quiet", "--data-dir", str(tmp_path / "fresh")).returncode == 0
    clips, _ = exported(tmp_path / "fresh", tmp_path)
    assert list(clips) == [a["id"]] and clips[a["id"]]["similar"] == []


def test_an_import_that_changes_a_text_unlinks_what_no_longer_matches(tmp_path):
    data = tmp_path / "data"
    a, b = two_of_one_story(data, tmp_path)
    other = record_of("https://two.example/story", "Two", 99)  # same page, another story now
    assert tidyclip("import", str(write_jsonl(tmp_path / "changed.jsonl", [other])), "--quiet", "--data-dir", str(data)).returncode == 0
    clips, _ = exported(data, tmp_path)
    assert clips[a["id"]]["similar"] == [] and clips[b["id"]]["similar"] == []


# ---- damage stays local ---------------------------------------------------------------------------

def three_clips(data: Path, tmp_path: Path) -> list[dict]:
    records = [record_of(f"https://damage.example/{n}", f"Damage {n}", 60 + n) for n in range(3)]
    assert tidyclip("import", str(write_jsonl(tmp_path / "three.jsonl", records)), "--quiet", "--data-dir", str(data)).returncode == 0
    return records


def cut_in_half(path: Path) -> None:
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])


def test_a_cut_body_file_spoils_only_its_clip(tmp_path, start_server):
    data = tmp_path / "data"
    records = three_clips(data, tmp_path)
    damaged = records[1]["id"]
    (body,) = (data / "bodies" / damaged[:2]).glob(f"{damaged}.*.json")
    cut_in_half(body)
    clips, result = exported(data, tmp_path)
    assert set(clips) == {records[0]["id"], records[2]["id"]}
    assert damaged in result.stderr
    server = start_server(data)
    web = requests.get(server.base_url + "/export", params={"format": "jsonl"}, timeout=60)
    assert web.status_code == 200 and len(web.text.strip().splitlines()) == 2
    assert server.api("GET", f"/api/clips/{damaged}").json()["error"]["code"] == "store_corrupt"
    assert server.api("GET", "/api/clips").json()["total"] == 3


def test_a_cut_shard_spoils_only_its_clips_and_check_repairs_it(tmp_path, start_server):
    data = tmp_path / "data"
    records = three_clips(data, tmp_path)
    damaged = records[0]["id"]
    shard = data / "meta" / f"{damaged[:3]}.json"
    cut_in_half(shard)
    clips, result = exported(data, tmp_path)
    assert set(clips) == {records[1]["id"], records[2]["id"]} and shard.name in result.stderr

    report = tidyclip("check", "--data-dir", str(data))
    assert report.returncode == 1 and shard.name in report.stdout, report.stdout + report.stderr
    repaired = tidyclip("check", "--repair", "--data-dir", str(data))
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert list((data / "damaged").iterdir())  # the cut file is kept, never deleted
    clips, _ = exported(data, tmp_path)
    assert set(clips) == {record["id"] for record in records}
    assert clips[damaged]["text"] == records[0]["text"]
    assert tidyclip("check", "--data-dir", str(data)).returncode == 0


def test_check_repair_makes_a_cut_body_again_from_its_stored_page(tmp_path):
    data = tmp_path / "data"
    records = three_clips(data, tmp_path)
    tidyclip("reclean", "--quiet", "--data-dir", str(data))  # the texts as the engine makes them now
    before, _ = exported(data, tmp_path)
    damaged = records[2]["id"]
    (body,) = (data / "bodies" / damaged[:2]).glob(f"{damaged}.*.json")
    cut_in_half(body)
    report = tidyclip("check", "--data-dir", str(data))
    assert report.returncode == 1 and damaged in report.stdout
    assert tidyclip("check", "--repair", "--data-dir", str(data)).returncode == 0
    after, _ = exported(data, tmp_path)
    assert after[damaged]["text"] == before[damaged]["text"] and after[damaged]["created"] == before[damaged]["created"]
    assert any(path.name.startswith(f"{damaged[:2]}-{body.name}") for path in (data / "damaged").iterdir())


def test_a_damaged_story_index_is_set_aside_and_made_again(tmp_path):
    data = tmp_path / "data"
    a, b = two_of_one_story(data, tmp_path)
    (data / "stories.sqlite").write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    clips, _ = exported(data, tmp_path)
    assert [entry["id"] for entry in clips[a["id"]]["similar"]] == [b["id"]]
    assert any(path.name.startswith("stories.sqlite.") for path in (data / "damaged").iterdir())


# ---- clean exits ----------------------------------------------------------------------------------

def test_closing_the_library_stops_every_thread_it_started(tmp_path):
    from tidyclip.library import Library

    data = tmp_path / "data"
    records = [record_of(f"https://threads.example/{n}", f"Threads {n}", n) for n in range(400)]
    assert tidyclip("import", str(write_jsonl(tmp_path / "many.jsonl", records)), "--quiet", "--data-dir", str(data)).returncode == 0
    (data / "stories.sqlite").unlink(missing_ok=True)  # so the next link has a big catch-up to do
    before = set(threading.enumerate())
    library = Library.open(data)
    library.clip_page("https://threads.example/new", article_page("New", 200))
    running = [thread.name for thread in set(threading.enumerate()) - before if thread.is_alive()]
    library.close()
    assert running  # it did start some
    assert [thread.name for thread in set(threading.enumerate()) - before if thread.is_alive()] == []


def test_cli_add_beside_a_busy_server_exits_cleanly(start_server, tmp_path):
    server = start_server()
    stop = threading.Event()

    def keep_posting() -> None:
        n = 0
        while not stop.is_set():
            server.api("POST", "/api/clips", json={"url": f"https://busy.example/{n}", "html": article_page(f"Busy {n}", n)})
            n += 1

    poster = threading.Thread(target=keep_posting)
    poster.start()
    try:
        codes = []
        for n in range(8):
            page = tmp_path / f"add{n}.html"
            page.write_text(article_page(f"Added {n}", 300 + n), encoding="utf-8")
            added = tidyclip("add", str(page), "--url", f"https://cli.example/{n}", "--data-dir", str(server.data_dir))
            codes.append((added.returncode, added.stderr))
    finally:
        stop.set()
        poster.join()
    assert codes == [(0, "")] * 8


# ---- undo -----------------------------------------------------------------------------------------

def test_deleting_the_same_clip_twice_in_one_request_offers_undo(start_server):
    server = start_server()
    clip = post_page(server, "https://twice.example/", article_page("Twice", 8))
    token = csrf_of(server)
    deleted = ui(server, "/ui/delete", {"ids": [clip["id"], clip["id"]]}, token)
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["deleted"] == 1 and deleted.json()["undo"]
    assert server.api("GET", f"/api/clips/{clip['id']}").status_code == 404
    assert ui(server, "/ui/undo", {"undo": deleted.json()["undo"]}, token).json() == {"restored": 1}
    assert server.api("GET", f"/api/clips/{clip['id']}").json()["text"] == clip["text"]
