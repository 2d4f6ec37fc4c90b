"""A clip's pictures stay through reclean, Restore, the page clipped again and undo; files no clip uses
go (after the undo window); `tidyclip images --refetch` brings back the missing ones. Real store in a
temp data dir, pictures from a local web server on 127.0.0.1."""

import subprocess
import sys

import pytest

from local_web import LocalWeb, Route
from test_images import IMAGE_TAGS, PARAGRAPH, page_with, picture
from tidyclip.library import Library


@pytest.fixture
def web():
    with LocalWeb() as running:
        running.routes["/a.png"] = Route(picture("PNG", (320, 200), (200, 30, 30)), headers={"Content-Type": "image/png"})
        running.routes["/b.jpg"] = Route(picture("JPEG", (300, 200), (30, 200, 30)), headers={"Content-Type": "image/jpeg"})
        yield running


def stored(clip: dict) -> dict[str, str]:
    return {entry["url"]: entry["local_url"] for entry in clip.get("images") or [] if entry["status"] == "stored"}


def files(data_dir) -> set[str]:
    return {path.name for path in (data_dir / "images").rglob("*") if path.is_file() and ".thumb." not in path.name}


def page_with_a_repeat(tags: list[str]) -> str:
    """The page with its first paragraph said twice: the cleaner removes one, Restore can bring it back."""
    return page_with(tags).replace("</article>", f"<p>{PARAGRAPH.format(n=0)}</p></article>")


def clipped(library: Library, web: LocalWeb, path: str = "/story.html", tags: list[str] = IMAGE_TAGS[:2]) -> dict:
    clip, _status = library.clip_page(web.url(path), page_with_a_repeat(tags))
    library.refresh_images(clip["id"])
    return library.get(clip["id"])


def test_reclean_restore_and_clipping_again_keep_the_pictures(tmp_path, web):
    with Library.open(tmp_path / "data") as library:
        clip = clipped(library, web)
        kept = stored(clip)
        assert len(kept) == 2
        library.reclean(progress=False)
        assert stored(library.get(clip["id"])) == kept
        again, status = library.clip_page(web.url("/story.html"), page_with_a_repeat(IMAGE_TAGS[:2]))
        assert status == "updated" and stored(again) == kept
        removed = library.get(clip["id"])["cleaning"]["removed"]
        assert removed, "the repeat should have been removed"
        restored = library.restore_block(clip["id"], removed[0]["position"])
        assert restored["cleaning"]["restored"] and stored(restored) == kept
        asked = len(web.requests)
        assert library.refresh_images(clip["id"]) == 0 and len(web.requests) == asked  # nothing fetched twice


def test_files_no_clip_uses_go_but_not_while_a_delete_can_be_undone(tmp_path, web):
    data_dir = tmp_path / "data"
    with Library.open(data_dir) as library:
        first = clipped(library, web, "/one.html")
        second = clipped(library, web, "/two.html", IMAGE_TAGS[:1])  # shares a.png with the first
        assert len(files(data_dir)) == 2
        _count, undo_id = library.delete_many([first["id"]])
        assert library.collect_images(older_than=0) == 0  # the delete can be undone: its pictures stay
        library.undo(undo_id)
        assert stored(library.get(first["id"])) == stored(first)
        library.delete(first["id"])  # no undo: b.jpg is used by nobody now, a.png still by the second clip
        assert library.collect_images(older_than=3600) == 0  # younger than the window: kept
        assert library.collect_images(older_than=0) == 1
        assert files(data_dir) == {stored(second)[web.url("/a.png")].rsplit("/", 1)[1]}


def test_refetch_retries_the_failed_pictures_with_a_progress_bar(tmp_path, web):
    data_dir = tmp_path / "data"
    web.routes["/b.jpg"].status = 503
    with Library.open(data_dir) as library:
        clip = clipped(library, web)
        failed = [entry for entry in clip["images"] if entry["status"] == "failed"]
        assert [entry["reason"] for entry in failed] == ["http 503"]
    web.routes["/b.jpg"].status = 200
    done = subprocess.run([sys.executable, "-m", "tidyclip", "images", "--refetch", "--data-dir", str(data_dir)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "pictures [" in done.stderr and "1/1" in done.stderr
    with Library.open(data_dir) as library:
        assert len(stored(library.get(clip["id"]))) == 2


def test_images_without_refetch_says_what_to_do(tmp_path):
    done = subprocess.run([sys.executable, "-m", "tidyclip", "images", "--data-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stderr.startswith("tidyclip: ") and "--refetch" in done.stderr


def test_a_server_with_no_images_downloads_none(start_server, web):
    import time

    server = start_server()  # the test servers run with --no-images
    made = server.api("POST", "/api/clips", json={"url": web.url("/story.html"), "html": page_with(IMAGE_TAGS[:2])}).json()
    time.sleep(1.0)
    assert web.requests == [] and server.api("GET", f"/api/clips/{made['id']}").json().get("images") is None


def test_an_import_with_a_picture_that_lies_about_its_name_is_refused(tmp_path):
    import base64
    import json

    record = {"id": "0123456789abcdef", "url": "https://example.org/a", "title": "A", "text": "Some text.",
              "created": "2026-01-01T00:00:00Z", "updated": "2026-01-01T00:00:00Z",
              "image_files": {"0" * 64 + ".png": base64.b64encode(b"not the bytes").decode()}}
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"format": "tidyclip", "version": 1, "clips": [record]}))
    done = subprocess.run([sys.executable, "-m", "tidyclip", "import", str(path), "--data-dir", str(tmp_path / "d")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "does not hold the bytes its name says" in done.stderr
