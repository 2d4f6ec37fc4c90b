"""Import: tidyclip exports come back whole, Wallabag exports move in, bad files change nothing.
The CLI is driven through the real `tidyclip` command."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tidyclip.errors import BadInput
from tidyclip.export import export_to_path, import_from_path
from tidyclip.library import Library

ROOT = Path(__file__).resolve().parent.parent
SEED_PAGE = ROOT / "tests" / "fixtures" / "seed-blogger" / "page.html"
TIDYCLIP = Path(sys.executable).parent / "tidyclip"


@pytest.fixture(scope="module")
def seed_page() -> str:
    return SEED_PAGE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def source(tmp_path_factory, seed_page):
    """A store of clips with tags, notes, story links and original pages: what a user has after a while."""
    data_dir = tmp_path_factory.mktemp("source") / "data"
    with Library.open(data_dir) as library:
        saved = []
        for number in range(12):
            saved.append(library.clip_page(f"https://news{number}.example/a/{number}", seed_page, title=f"Story {number} ✓ “quoted”")[0])
        library.edit(saved[0]["id"], tags=["wire", "uk"], note="read again\non Monday")
    return data_dir


def clips_of(library) -> dict[str, dict]:
    return {clip["id"]: clip for clip in library.iter_clips()}


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_round_trip_gives_identical_clips(source, tmp_path, fmt, seed_page):
    out = tmp_path / f"clips.{fmt}"
    with Library.open(source) as library:
        export_to_path(library, fmt, out, progress=False, with_original=True)
        before = clips_of(library)
    with Library.open(tmp_path / "empty") as library:
        assert import_from_path(library, out, progress=False) == (len(before), 0)
        after = clips_of(library)
        originals = {clip_id: library.original_html(clip_id) for clip_id in after}
    assert after.keys() == before.keys()
    for clip_id, clip in before.items():
        assert after[clip_id] == clip, f"clip {clip_id} changed in the round trip"
    assert set(originals.values()) == {seed_page}


def test_importing_again_updates_never_duplicates(source, tmp_path):
    out = tmp_path / "clips.json"
    with Library.open(source) as library:
        export_to_path(library, "json", out, progress=False)
        count = library.count()
    with Library.open(tmp_path / "target") as library:
        import_from_path(library, out, progress=False)
        clip = next(library.iter_clips())
        library.edit(clip["id"], note="changed after import")
        assert import_from_path(library, out, progress=False) == (0, count)
        assert library.count() == count
        assert library.get(clip["id"])["note"] == next(
            record for record in json.loads(out.read_text())["clips"] if record["id"] == clip["id"])["note"]


def test_a_pretty_printed_tidyclip_document_imports_too(source, tmp_path):
    out = tmp_path / "clips.json"
    with Library.open(source) as library:
        export_to_path(library, "json", out, progress=False)
    pretty = tmp_path / "pretty.json"
    pretty.write_text(json.dumps(json.loads(out.read_text()), indent=2, ensure_ascii=False))
    with Library.open(tmp_path / "target") as library:
        assert import_from_path(library, pretty, progress=False) == (12, 0)


# -- Wallabag -------------------------------------------------------------------------------------
def wallabag_entry(number: int, paragraphs: list[str], **extra) -> dict:
    """An entry as Wallabag's "Export as JSON" writes it (wallabag/wallabag tests/fixtures/Import)."""
    return {
        "id": str(number), "title": f"Wallabag article {number}", "url": f"https://blog{number}.example/post",
        "is_archived": False, "is_starred": number % 2 == 0,
        "created_at": "2016-09-08T11:55:58+0200", "updated_at": "2016-09-08T11:57:16+0200",
        "mimetype": "text/html", "language": "en", "reading_time": 3, "domain_name": f"blog{number}.example",
        "preview_picture": None, "content": "".join(f"<p>{text}</p>" for text in paragraphs),
        "tags": ["reading", f"topic{number}"], "annotations": [], **extra,
    }


@pytest.fixture
def wallabag_export(tmp_path) -> Path:
    article = [
        "The harbour town voted on Tuesday to rebuild its old sea wall after the winter storms broke it in three places.",
        "Engineers told the council that the new wall would be two metres higher and would last for a century or more.",
        "Fishermen welcomed the decision, though some asked why the work could not begin before the spring tides.",
        "The council said the first stones would be laid in June, once the money from the regional fund arrives.",
    ]
    annotations = [{"user": "me", "annotator_schema_version": "v1.0", "id": 5, "text": "check the cost",
                    "quote": "two metres higher", "ranges": [{"start": "/p[2]", "startOffset": "0"}]},
                   {"user": "me", "annotator_schema_version": "v1.0", "id": 6, "quote": "a century or more"}]
    entries = [
        wallabag_entry(1, article, annotations=annotations, published_by=["Ann Reporter"],
                       published_at="2016-09-01T08:00:00+0000", preview_picture="https://blog1.example/wall.jpg"),
        wallabag_entry(2, list(reversed(article)), tags=[{"label": "labelled"}]),
        wallabag_entry(3, []),
    ]
    path = tmp_path / "wallabag-export.json"
    path.write_text(json.dumps(entries, indent=4, ensure_ascii=False), encoding="utf-8")
    return path


def test_wallabag_export_moves_in_with_tags_and_dates(tmp_path, wallabag_export):
    with Library.open(tmp_path / "data") as library:
        created, updated = import_from_path(library, wallabag_export, progress=False)
        clips = {clip["url"]: clip for clip in library.iter_clips()}
    assert (created, updated) == (3, 0)
    first = clips["https://blog1.example/post"]
    assert first["title"] == "Wallabag article 1"
    assert first["tags"] == ["reading", "topic1"] and first["created"] == "2016-09-08T09:55:58.000Z"
    assert "sea wall" in first["text"] and "spring tides" in first["text"]
    assert first["note"] == ""  # the annotations are highlights now (test_reading_api.py)
    assert [(item["quote"], item["note"], item["detached"]) for item in first["highlights"]] == [
        ("two metres higher", "check the cost", False), ("a century or more", "", False)]
    assert first["favorite"] is False and clips["https://blog2.example/post"]["favorite"] is True
    assert first["author"] == "Ann Reporter" and first["published"] == "2016-09-01"
    assert first["image"] == "https://blog1.example/wall.jpg"
    assert clips["https://blog2.example/post"]["tags"] == ["labelled", "starred"]
    empty = clips["https://blog3.example/post"]  # Wallabag could not fetch it: kept as a link, not lost
    assert empty["title"] == "Wallabag article 3" and empty["tags"] == ["reading", "topic3"]
    with Library.open(tmp_path / "data") as library:
        assert import_from_path(library, wallabag_export, progress=False) == (0, 3)
        assert library.count() == 3
        assert len(library.get(first["id"])["highlights"]) == 2  # not added twice


# -- bad files ------------------------------------------------------------------------------------
@pytest.mark.parametrize("content, message", [
    ("", "is empty"),
    ("hello, not json", "not a tidyclip"),
    ('{"format": "tidyclip", "version": 1, "exported": "x", "clips": [\n{"id": "a", "url": "https://x.example/"},\n',
     "cut short"),
    ('[{"title": "no url", "content": "<p>x</p>"}]', "has no http"),
    ('{"id": "1"}\n{"url": "https://x.example/"}\n', "line 1: the clip has no 'url'"),
    ('{"id": "1", "url": "javascript:alert(1)"}\n', "line 1: the clip's url is not a web or file address"),
    ('{"some": "other json"', "not valid JSON"),
    ('{\n  "some": "other json"\n}\n', "is JSON but not a tidyclip or Wallabag export"),
    ('{"other": "document", "clips": []}\n', "line 1: the clip has no 'id'"),
])
def test_bad_files_are_refused_and_change_nothing(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with Library.open(tmp_path / "data") as library:
        with pytest.raises(BadInput, match=message):
            import_from_path(library, path, progress=False)
        assert library.count() == 0


def test_a_file_cut_short_after_good_clips_saves_none_of_them(source, tmp_path):
    out = tmp_path / "clips.json"
    with Library.open(source) as library:
        export_to_path(library, "json", out, progress=False)
    data = out.read_bytes()
    inside_a_character = data.index("✓".encode(), len(data) // 2) + 1  # a download can stop anywhere
    with Library.open(tmp_path / "data") as library:
        for cut in (len(data) * 2 // 3, len(data) - 3, inside_a_character):
            out.write_bytes(data[:cut])
            with pytest.raises(BadInput, match="cut short"):
                import_from_path(library, out, progress=False)
            assert library.count() == 0


# -- the real command -----------------------------------------------------------------------------
def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(TIDYCLIP), *args], capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_cli_export_and_import(source, tmp_path, seed_page):
    out = tmp_path / "notes.zip"
    result = run("export", "--format", "md", "--out", str(out), "--data-dir", str(source))
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().endswith(f"exported 12 clips to {out}")
    assert "exporting md [" in result.stderr  # the progress bar
    assert out.stat().st_size > 0

    backup = tmp_path / "backup.jsonl"
    result = run("export", "--format", "jsonl", "--out", str(backup), "--tag", "wire", "--with-original", "--quiet",
                 "--data-dir", str(source))
    assert result.returncode == 0 and result.stderr.strip() == f"exported 1 clips to {backup}"

    result = run("import", str(backup), "--quiet", "--data-dir", str(tmp_path / "new"))
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "imported 1 new clips, updated 0"
    with Library.open(tmp_path / "new") as library:
        [clip] = library.iter_clips()
        assert clip["note"] == "read again\non Monday" and library.original_html(clip["id"]) == seed_page


@pytest.mark.parametrize("args, message", [
    (["export", "--format", "pdf", "--out", "x.pdf"], "tidyclip: unknown export format 'pdf': choose one of md, json"),
    (["export", "--format", "json", "--out", "/nonexistent-folder/x.json"], "tidyclip: cannot write /nonexistent-folder/x.json"),
    (["import", "/nonexistent-folder/clips.json"], "tidyclip: cannot read /nonexistent-folder/clips.json"),
    (["import", "."], "tidyclip: . is a folder"),
])
def test_cli_errors_are_one_line(tmp_path, args, message):
    result = run(*args, "--data-dir", str(tmp_path / "data"))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(message), result.stderr
    assert "Traceback" not in result.stderr


# -- reading a JSON array a piece at a time --------------------------------------------------------
@pytest.mark.parametrize("read_chars", [1, 2, 3, 7, 64])
def test_json_array_items_are_read_whole_across_read_boundaries(read_chars):
    import io

    from tidyclip.export.json_stream import iter_array

    items = [{"a": 1}, 12345, -0.5e3, "quote \" and \\ and ]", [1, [2, {"b": "}"}]], True, None, {"ü": "🎉"}, 7]
    text = json.dumps(items, ensure_ascii=False, indent=1)
    assert list(iter_array(io.StringIO(text), "t", read_chars=read_chars)) == items
    assert list(iter_array(io.StringIO(' [ ] '), "t", read_chars=read_chars)) == []
    document = '{"format": "tidyclip", "clips": [\n{"id": "x"},\n{"id": "y"}\n]}\n'
    stream = io.StringIO(document)
    stream.readline()
    assert list(iter_array(stream, "t", opened=True, closing="}", read_chars=read_chars)) == [{"id": "x"}, {"id": "y"}]
    for cut in (text[:-1], text[: len(text) // 2], text + " x"):
        with pytest.raises(BadInput):
            list(iter_array(io.StringIO(cut), "t", read_chars=read_chars))
