"""The store on real files: upsert by URL, atomic layout, the derived index and its repair."""

import gzip
import shutil
import threading

import pytest

from tidyclip.errors import NotFound, StoreLocked
from tidyclip.api_token import read_or_create_token
from tidyclip.bulk import bulk_save_records
from tidyclip.store import Store
from tidyclip.urls import normalize_url


def engine_clip(url: str, title: str = "A title", text: str = "Some words about the harbour bridge.") -> dict:
    return {
        "url": url, "canonical_url": url, "title": title, "author": None, "site": "Example", "published": None,
        "lang": "en", "excerpt": text[:50], "image": None, "text": text, "markdown": text, "html": f"<p>{text}</p>",
        "word_count": len(text.split()), "cleaning": {"removed": []},
    }


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "data") as opened:
        yield opened


@pytest.mark.parametrize(("given", "expected"), [
    ("https://Example.COM:443/a/b?x=1&utm_source=rss&utm_campaign=c#frag", "https://example.com/a/b?x=1"),
    ("http://example.com:80", "http://example.com/"),
    ("http://example.com:8080/p?fbclid=1&gclid=2&q=a+b", "http://example.com:8080/p?q=a+b"),
    ("https://example.com/p?", "https://example.com/p"),
    ("https://[::1]:443/x", "https://[::1]/x"),
    ("file:///home/me/page.html#x", "file:///home/me/page.html"),
])
def test_normalize_url(given, expected):
    assert normalize_url(given) == expected


def test_save_get_and_upsert_keep_what_the_user_owns(store):
    clip, status = store.save(engine_clip("https://example.com/a?utm_source=x"), "<html>original</html>")
    assert status == "created" and clip["tags"] == [] and clip["note"] == ""
    store.update(clip["id"], lambda current: {"tags": ["t"], "note": "mine"})
    again, status = store.save(engine_clip("https://EXAMPLE.com/a#part", title="New title", text="Changed text here."), "<html>v2</html>")
    assert status == "updated" and again["id"] == clip["id"]
    assert again["created"] == clip["created"] and again["tags"] == ["t"] and again["note"] == "mine"
    assert store.get(clip["id"])["text"] == "Changed text here."
    assert store.original_bytes(clip["id"]) == b"<html>v2</html>"
    assert store.count() == 1
    assert store.find_by_url("https://example.com/a")["id"] == clip["id"]
    assert store.find_by_url("https://example.com/other") is None
    # the first text is kept as version 1 (its body and page, and the history naming them); the
    # same text again replaces the current body and page, leaving no old revision behind
    files = sorted(path.name for path in (store.body_dir / clip["id"][:2]).iterdir())
    assert len(files) == 5 and all(".tmp" not in name for name in files)
    store.save(engine_clip("https://example.com/a", title="New title", text="Changed  text\nhere."), "<html>v3</html>")
    assert sorted(path.name for path in (store.body_dir / clip["id"][:2]).iterdir()) != files
    assert len(list((store.body_dir / clip["id"][:2]).iterdir())) == 5 and store.get(clip["id"])["versions"] == 2


def test_original_is_gzip_and_bytes_survive(store):
    raw = "<html><meta charset=latin-1>caf\xe9</html>".encode("latin-1")
    clip, _ = store.save(engine_clip("https://example.com/latin"), raw)
    assert store.original_bytes(clip["id"]) == raw
    (packed,) = (store.body_dir / clip["id"][:2]).glob("*.html.gz")
    assert gzip.decompress(packed.read_bytes()) == raw


def test_delete_and_undo_with_save_record(store):
    clip, _ = store.save(engine_clip("https://example.com/d"), "<html>page</html>")
    store.update(clip["id"], lambda current: {"tags": ["keep"]})
    deleted = store.delete(clip["id"]).clip
    with pytest.raises(NotFound):
        store.get(clip["id"])
    assert store.count() == 0 and store.search(q="harbour")[1] == 0
    restored, status = store.save_record(deleted)
    assert status == "created" and restored["id"] == clip["id"] and restored["tags"] == ["keep"]
    assert restored["created"] == clip["created"]
    assert store.search(q="harbour")[0][0]["id"] == clip["id"]


def test_search_snippet_filters(store):
    for n, (title, text) in enumerate([("Cats", "A cat <b>sat</b> & slept."), ("Dogs", "Dogs bark at the cat."), ("Fish", "Fish swim.")]):
        store.save(engine_clip(f"https://example.com/{n}", title=title, text=text))
    items, total = store.search(q="cat")
    assert total == 2 and items[0]["title"] == "Cats"
    assert items[0]["snippet"] == "A <mark>cat</mark> &lt;b&gt;sat&lt;/b&gt; &amp; slept."
    assert store.search(q="CATS")[1] == 2  # any case, and stemmed: "cats" finds "cat"
    assert store.search(site="example")[1] == 3
    assert [item["title"] for item in store.search(sort="title")[0]] == ["Cats", "Dogs", "Fish"]
    assert store.search(q="*")[1] == 0


def test_index_is_rebuilt_when_missing(tmp_path):
    data = tmp_path / "data"
    with Store(data) as store:
        clip, _ = store.save(engine_clip("https://example.com/r", text="Rebuilt index finds lighthouse."))
    for name in ("index.sqlite", "index.sqlite-wal", "index.sqlite-shm"):
        (data / name).unlink(missing_ok=True)
    with Store(data) as store:
        assert store.search(q="lighthouse")[0][0]["id"] == clip["id"]


def test_stale_index_is_repaired_on_open(tmp_path):
    """A crash after the shard write but before the index write leaves an index that misses a clip."""
    data = tmp_path / "data"
    with Store(data) as store:
        store.save(engine_clip("https://example.com/one", text="First clip about windmills."))
    shutil.copy(data / "index.sqlite", tmp_path / "old-index")
    with Store(data) as store:
        second, _ = store.save(engine_clip("https://example.com/two", text="Second clip about lighthouses."))
        store.update(store.find_by_url("https://example.com/one")["id"], lambda current: {"tags": ["later"]})
    shutil.copy(tmp_path / "old-index", data / "index.sqlite")  # the index as it was before
    with Store(data) as store:
        assert store.search(q="lighthouses")[0][0]["id"] == second["id"]
        assert store.search(tag="later")[1] == 1
        assert store.count() == 2


def test_concurrent_saves_from_threads(store):
    def save(n: int) -> None:
        for i in range(20):
            store.save(engine_clip(f"https://example.com/{n}/{i}", text=f"thread {n} item {i} text"))

    threads = [threading.Thread(target=save, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.count() == 120 and len(store.ids()) == 120


def test_exclusive_lock(tmp_path):
    with Store(tmp_path / "data", exclusive=True):
        with pytest.raises(StoreLocked, match="already using"):
            Store(tmp_path / "data", exclusive=True)
        with Store(tmp_path / "data") as writer:  # a CLI writer may still open it
            writer.save(engine_clip("https://example.com/cli"))
    with Store(tmp_path / "data", exclusive=True) as again:  # released on close
        assert again.count() == 1


def test_bulk_save_records(store):
    clips = [(engine_clip(f"https://example.com/bulk/{n}", text=f"bulk number {n} marmalade"), "<html></html>") for n in range(300)]
    assert bulk_save_records(store, clips) == 300
    assert bulk_save_records(store, clips[:5]) == 0  # already stored
    assert store.count() == 300 and store.search(q="marmalade")[1] == 300
    assert store.get(store.find_by_url("https://example.com/bulk/7")["id"])["text"] == "bulk number 7 marmalade"


def test_token_made_once_private(tmp_path):
    token = read_or_create_token(tmp_path / "d")
    assert token == read_or_create_token(tmp_path / "d") and len(token) >= 32
    assert ((tmp_path / "d" / "token").stat().st_mode & 0o777) == 0o600


def test_journal_replays_writes_that_never_reached_their_files(tmp_path):
    """A crash after the journal sync but before the files were put in place (or synced)."""
    from tidyclip.journal import Journal

    data = tmp_path / "data"
    with Store(data) as store:
        clip, _ = store.save(engine_clip("https://example.com/j1", text="Journaled walrus text."), "<html>p</html>")
        meta = store._read_meta(clip["id"])
        body = (store.body_dir / clip["id"][:2] / meta["_body"]).read_bytes()
    # the same write again, as a record whose files and shard entry were lost with the crash
    for path in (data / "bodies").rglob(f"{clip['id']}*"):
        path.unlink()
    (data / "meta" / f"{clip['id'][:3]}.json").unlink()
    journal = Journal(data / "journal")
    journal.append({"op": "put", "id": clip["id"], "meta": meta, "drop": []}, {meta["_body"]: body})
    with open(data / "journal", "ab") as handle:
        handle.write(b"TCJ1\x00\x00\x00\x10 torn record")  # a second write cut short by the crash
    journal.close()
    half_written = data / "meta" / f".{clip['id'][:3]}.json.x1y2.tmp"
    half_written.write_text('{"clips": {')
    with Store(data) as store:
        assert store.get(clip["id"])["text"] == "Journaled walrus text."
        assert store.search(q="walrus")[1] == 1
        assert (data / "journal").stat().st_size == 0  # replayed, synced, emptied
        assert not half_written.exists()


def test_journal_is_emptied_once_writes_pause(tmp_path):
    import time

    with Store(tmp_path / "data") as store:
        store.save(engine_clip("https://example.com/pause"))
        assert store.journal.size() > 0
        deadline = time.monotonic() + 10
        while store.journal.size() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert store.journal.size() == 0


def test_library_restore_block_and_reclean_keep_what_the_user_owns(tmp_path, seed_page):
    from tidyclip.library import Library

    with Library.open(tmp_path / "data") as library:
        clip, status = library.clip_page("https://dispatch.example.com/mi6", seed_page, title="MI6 story")
        assert status == "created"
        library.edit(clip["id"], tags=["spies"], note="check later")
        removed = [item for item in clip["cleaning"]["removed"] if item["kind"] == "boilerplate"]
        assert removed, "the seed page has a separator the cleaner removes"
        position = removed[0]["position"]

        restored = library.restore_block(clip["id"], position)
        assert restored["cleaning"]["restored"] == [position]
        assert position not in [item["position"] for item in restored["cleaning"]["removed"]]
        assert restored["id"] == clip["id"] and restored["created"] == clip["created"]
        assert restored["tags"] == ["spies"] and restored["note"] == "check later" and restored["title"] == "MI6 story"
        with pytest.raises(Exception, match="no removed block"):
            library.restore_block(clip["id"], 10_000)

        assert library.reclean(progress=False) == 0  # the same engine: nothing changes, the restore stays
        again = library.get(clip["id"])
        assert again["cleaning"]["restored"] == [position] and again["tags"] == ["spies"]

        deleted = library.delete(clip["id"])
        assert deleted["id"] == clip["id"] and library.count() == 0
