#!/usr/bin/env python3
"""Time and peak memory to export 10,000 clips in each format, next to a load-everything baseline.

Fills a temporary store with N clips (the seed page's clip under N URLs and titles, with its original
page), then runs each export in a fresh subprocess and reports its wall and CPU time (CPU time varies
less on a shared machine) and the growth of its peak RSS over the RSS it had just before exporting
(Linux: the peak is reset through /proc/self/clear_refs, then read from VmHWM). The baselines do what a naive exporter does: list every
clip, then write (json.dump of the list; ebooklib's own write_epub of a whole book). Last, the import
of a JSON export of 1,000 of those clips (original pages included) into an empty store.

    .venv/bin/python scripts/bench_export.py [--clips 10000] [--keep DIR]
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_PAGE = ROOT / "tests" / "fixtures" / "seed-blogger" / "page.html"
FORMATS = ("md", "json", "jsonl", "html", "epub", "csv", "bookmarks")
#: JSON Lines carrying every clip's original page too (`--with-original`): the biggest export there is.
WITH_ORIGINAL = "jsonl+original"
BASELINES = ("baseline-json", "baseline-epub")
#: Only reading every clip from the store, writing nothing: the floor any export stands on.
STORE_READ = "store-read"
#: Importing a JSON export (with original pages) of IMPORT_CLIPS clips into an empty store.
IMPORT = "import"
IMPORT_CLIPS = 1000
LIMIT_MB = 200


def fill(data_dir: Path, count: int) -> float:
    from tidyclip.engine import make_clip
    from tidyclip.library import Library

    page = SEED_PAGE.read_text(encoding="utf-8")
    clip = make_clip(page, "https://dispatch.example/story")
    started = time.perf_counter()
    with Library.open(data_dir) as library:
        records = (({**clip, "url": f"https://outlet{number % 97}.example/{number}",
                     "title": f"{clip['title']} ({number})", "tags": [f"topic {number % 13}", "bench"]}, page)
                   for number in range(count))
        library.bulk_save(records)
        assert library.count() == count
    return time.perf_counter() - started


def epub_bytes_per_chapter(count: int = 2000) -> float:
    """What the EPUB writer keeps of each chapter once its body is written (tracemalloc), for the
    package document and contents written at the end."""
    import tracemalloc

    from ebooklib import epub

    from tidyclip.engine import make_clip
    from tidyclip.export.epub_book import chapter

    clip = make_clip(SEED_PAGE.read_text(encoding="utf-8"), "https://dispatch.example/story")
    book = epub.EpubBook()
    style = book.add_item(epub.EpubItem(uid="style", file_name="style.css", media_type="text/css", content=b""))
    kept = []
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for number in range(count):
        item = book.add_item(chapter({**clip, "title": f"{clip['title']} ({number})"}, number, style))
        item.content = ""  # as the export does once the chapter is written
        kept.append(item)
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return grown / count


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _baseline(library, fmt: str, out: Path) -> int:
    clips = list(library.iter_clips())  # what a naive exporter does: everything in memory first
    if fmt == "baseline-json":
        with open(out, "w", encoding="utf-8") as handle:
            json.dump({"clips": clips}, handle, ensure_ascii=False)
    else:
        from ebooklib import epub

        book = epub.EpubBook()
        book.set_identifier("baseline")
        book.set_title("baseline")
        book.set_language("en")
        chapters = []
        for number, clip in enumerate(clips):
            chapter = epub.EpubHtml(title=clip["title"], file_name=f"c{number}.xhtml", content=clip["html"])
            chapters.append(book.add_item(chapter))
        book.toc = chapters
        book.add_item(epub.EpubNcx())
        book.add_item(epub.EpubNav())
        book.spine = ["nav", *chapters]
        epub.write_epub(str(out), book)
    return len(clips)


def child_import(data_dir: Path, out: Path) -> None:
    """Import a JSON export of IMPORT_CLIPS clips into a new store; print the figures as JSON."""
    from tidyclip.export import export_to_path, import_from_path
    from tidyclip.library import Library

    with Library.open(data_dir) as library:
        ids = library.ids()[:IMPORT_CLIPS]
        export_to_path(library, "json", out, ids=ids, progress=False, with_original=True)
    with Library.open(out.with_suffix(".store")) as library:
        Path("/proc/self/clear_refs").write_text("5")
        before, started, cpu = _rss_kb("VmRSS"), time.perf_counter(), _cpu_seconds()
        created, _ = import_from_path(library, out, progress=False)
        seconds, cpu, peak = time.perf_counter() - started, _cpu_seconds() - cpu, _rss_kb("VmHWM")
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_growth_mb": (peak - before) / 1024, "clips": created,
                      "bytes": out.stat().st_size}))


def child(fmt: str, data_dir: Path, out: Path) -> None:
    """Run one export in this process and print {seconds, peak_growth_mb, clips, bytes} as JSON."""
    from tidyclip.export import export_to_path
    from tidyclip.library import Library

    if fmt == IMPORT:
        child_import(data_dir, out)
        return
    with Library.open(data_dir) as library:
        next(library.iter_clips())  # warm: imports, index and store opened before measuring
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        before, started, cpu = _rss_kb("VmRSS"), time.perf_counter(), _cpu_seconds()
        if fmt == STORE_READ:
            count = sum(1 for _ in library.iter_clips())
            out.write_bytes(b"")
        elif fmt in BASELINES:
            count = _baseline(library, fmt, out)
        else:
            count = export_to_path(library, fmt.removesuffix("+original"), out, progress=False,
                                   with_original=fmt == WITH_ORIGINAL)
        seconds, cpu, peak = time.perf_counter() - started, _cpu_seconds() - cpu, _rss_kb("VmHWM")
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_growth_mb": (peak - before) / 1024, "clips": count,
                      "bytes": out.stat().st_size}))


def measure(fmt: str, data_dir: Path, work: Path) -> dict:
    out = work / f"export-{fmt}"
    result = subprocess.run([sys.executable, __file__, "--child", fmt, str(data_dir), str(out)],
                            capture_output=True, text=True, check=True)
    out.unlink()
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=10_000)
    parser.add_argument("--keep", help="a data dir to fill once and reuse on later runs")
    parser.add_argument("--child", nargs=3, metavar=("FORMAT", "DATA_DIR", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return 0

    with tempfile.TemporaryDirectory(prefix="tidyclip-bench-export-") as work:
        data_dir = Path(args.keep) if args.keep else Path(work) / "data"
        if not (data_dir.exists() and any(data_dir.iterdir())):
            print(f"filling a store with {args.clips} clips ... {fill(data_dir, args.clips):.1f} s", flush=True)
        print("| format | clips | time (s) | CPU (s) | clips/s | output (MB) | peak RSS growth (MB) |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        worst = 0.0
        for fmt in (STORE_READ, *FORMATS, WITH_ORIGINAL, *BASELINES, IMPORT):
            figures = measure(fmt, data_dir, Path(work))
            if fmt not in (STORE_READ, IMPORT, *BASELINES):
                worst = max(worst, figures["peak_growth_mb"])
            print(f"| {fmt} | {figures['clips']} | {figures['seconds']:.1f} | {figures['cpu']:.1f} "
                  f"| {figures['clips'] / figures['seconds']:.0f} "
                  f"| {figures['bytes'] / 2**20:.1f} | {figures['peak_growth_mb']:.1f} |", flush=True)
        print(f"\nlargest peak RSS growth of a tidyclip export: {worst:.1f} MB (limit {LIMIT_MB} MB): "
              f"{'ok' if worst <= LIMIT_MB else 'OVER'}")
        print(f"EPUB bookkeeping kept per chapter until the end: {epub_bytes_per_chapter():.0f} bytes")
        return 0 if worst <= LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main())
