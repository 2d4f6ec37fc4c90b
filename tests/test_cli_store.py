"""`tidyclip add`, `token` and `reclean` on real data dirs, alone and next to a running server."""

import subprocess
import sys

from conftest import ROOT, article_page
from tidyclip.store import Store


def tidyclip(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tidyclip", *args], input=stdin, capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_add_file_then_again_updates(tmp_path, seed_page):
    page = tmp_path / "page.html"
    page.write_text(seed_page, encoding="utf-8")
    data = tmp_path / "data"
    first = tidyclip("add", str(page), "--url", "https://dispatch.example.com/mi6?utm_source=x", "--data-dir", str(data))
    assert first.returncode == 0, first.stderr
    status, clip_id = first.stdout.split()[:2]
    assert status == "created:"
    again = tidyclip("add", str(page), "--url", "https://dispatch.example.com/mi6#comments", "--data-dir", str(data))
    assert again.stdout.split()[:2] == ["updated:", clip_id]
    with Store(data) as store:
        clip = store.get(clip_id)
        assert "Moore" in clip["text"] and store.count() == 1
        assert "Richard Moore" in store.original_bytes(clip_id).decode()


def test_add_from_stdin_needs_url(tmp_path):
    data = tmp_path / "data"
    missing = tidyclip("add", "-", "--data-dir", str(data), stdin=article_page("Stdin", 1))
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1 and "--url" in missing.stderr
    ok = tidyclip("add", "-", "--url", "https://example.com/stdin", "--data-dir", str(data), stdin=article_page("Stdin", 1))
    assert ok.returncode == 0 and ok.stdout.startswith("created:")


def test_add_errors_are_one_line(tmp_path):
    data = tmp_path / "data"
    missing = tidyclip("add", str(tmp_path / "nope.html"), "--data-dir", str(data))
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1 and "Traceback" not in missing.stderr
    assert not data.exists()  # nothing made for a file that is not there
    empty = tmp_path / "empty.html"
    empty.write_text("<html><body></body></html>")
    result = tidyclip("add", str(empty), "--data-dir", str(data))
    assert result.returncode == 1 and result.stderr.startswith("tidyclip: ") and result.stderr.count("\n") == 1


def test_token_prints_the_private_token(tmp_path):
    data = tmp_path / "data"
    first = tidyclip("token", "--data-dir", str(data))
    assert first.returncode == 0
    token = first.stdout.strip()
    assert len(token) >= 32 and tidyclip("token", "--data-dir", str(data)).stdout.strip() == token
    assert (data / "token").read_text().strip() == token
    assert ((data / "token").stat().st_mode & 0o777) == 0o600


def test_reclean_redoes_changed_clips_keeping_user_fields(tmp_path):
    data = tmp_path / "data"
    for n in range(3):
        page = tmp_path / f"p{n}.html"
        page.write_text(article_page(f"Reclean {n}", n), encoding="utf-8")
        assert tidyclip("add", str(page), "--url", f"https://example.com/r{n}", "--data-dir", str(data)).returncode == 0
    with Store(data) as store:
        stale_id = store.find_by_url("https://example.com/r1")["id"]
        stale = store.get(stale_id)
        store.save_record({**stale, "text": "what an old cleaner left", "tags": ["mine"], "note": "kept"})
        created = stale["created"]

    result = tidyclip("reclean", "--data-dir", str(data))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "recleaned 1 clips"
    assert "recleaning" in result.stderr and "3/3" in result.stderr

    with Store(data) as store:
        clip = store.get(stale_id)
        assert "story 1" in clip["text"] and clip["tags"] == ["mine"] and clip["note"] == "kept"
        assert clip["created"] == created and store.count() == 3
    assert tidyclip("reclean", "--quiet", "--data-dir", str(data)).stdout.strip() == "recleaned 0 clips"


def test_cli_writers_work_while_the_server_runs(start_server, tmp_path):
    server = start_server()
    page = tmp_path / "page.html"
    page.write_text(article_page("Added from the command line", 5), encoding="utf-8")
    added = tidyclip("add", str(page), "--url", "https://example.com/cli-while-serving", "--data-dir", str(server.data_dir))
    assert added.returncode == 0, added.stderr
    clip_id = added.stdout.split()[1]
    listed = server.api("GET", "/api/clips", params={"url": "https://example.com/cli-while-serving"}).json()
    assert [item["id"] for item in listed["items"]] == [clip_id]
    assert server.api("GET", f"/api/clips/{clip_id}").status_code == 200
    # and the server's own next write does not undo the CLI's
    posted = server.api("POST", "/api/clips", json={"url": "https://example.com/api", "html": article_page("Via API", 6)})
    assert posted.status_code == 201
    assert server.api("GET", "/api/clips").json()["total"] == 2
