#!/usr/bin/env python
"""Pictures kept with the clip (issue 13), measured over real HTTP on 127.0.0.1:

1. POST /api/clips p50 with images on and off, in one run: two real `tidyclip serve`s (one --no-images),
   the same pages posted to each in turn, each page naming 10 pictures on a local image server. The
   pictures download after the answer, so the two medians should be the same within noise.
2. A clip of 50 pictures (JPEG, 800x600 of noise: about 230 KB each) from the local server: the time from the
   POST until its `images` list has none pending.
3. Disk per clip: the bytes of the image files (and thumbnails) the 50-picture clip added.
4. Thumbnails of a 10,000-clip list page: a store of 10,000 clips (Library.bulk_save) whose lead pictures
   are stored; the list page, then every thumbnail it shows, fetched one after the other, first when
   they are made (cold) and then when they are made already (warm).

    .venv/bin/python scripts/bench_images.py [--posts 40] [--clips 10000]
"""

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))
from bench_store import Corpus  # noqa: E402  (the store benchmark's synthetic clips)
from conftest import ServerProcess, article_page  # noqa: E402  (the test harness's real server)
from local_web import LocalWeb, Route  # noqa: E402

from tidyclip.library import Library  # noqa: E402

COMPLETE_LIMIT_S = 5.0
THUMBS_LIMIT_MS = 300


def photo(n: int, size: tuple[int, int] = (800, 600)) -> bytes:
    image = Image.effect_noise(size, 40 + n % 50).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


def page_naming(paths: list[str], title: str, seed: int) -> str:
    """An article whose paragraphs each have a picture after them."""
    page = article_page(title, seed=seed, paragraphs=len(paths) + 1)
    parts = page.split("</p>")
    return "</p>".join(part + (f'<img src="{paths[i]}" alt="">' if i < len(paths) else "") for i, part in enumerate(parts))


def settled(server: ServerProcess, clip_id: str, timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        clip = server.api("GET", f"/api/clips/{clip_id}").json()
        if clip.get("images") and all(entry["status"] != "pending" for entry in clip["images"]):
            return clip
        time.sleep(0.02)
    raise RuntimeError(f"clip {clip_id}: pictures still pending after {timeout} s")


def disk_bytes(folder: Path) -> tuple[int, int]:
    files = [path for path in folder.rglob("*") if path.is_file()]
    return sum(path.stat().st_size for path in files), len(files)


def post_latency(web: LocalWeb, on: ServerProcess, off: ServerProcess, posts: int, pause: float) -> None:
    for n in range(10 * posts):
        web.routes[f"/p/{n}.jpg"] = Route(photo(n, (400, 300)), headers={"Content-Type": "image/jpeg"})
    times: dict[str, list[float]] = {"images on": [], "images off (--no-images)": []}
    made = []
    for n in range(posts):
        html = page_naming([web.url(f"/p/{10 * n + i}.jpg") for i in range(10)], f"Bench story {n}", n)
        for label, server in (("images on", on), ("images off (--no-images)", off)):
            start = time.perf_counter()
            response = server.api("POST", "/api/clips", json={"url": web.url(f"/story/{n}"), "html": html})
            times[label].append((time.perf_counter() - start) * 1000)
            assert response.status_code == 201, response.text
            if server is on:
                made.append(response.json()["id"])
        time.sleep(pause)  # --pause 0: a burst; a user clips a page now and then, its pictures come meanwhile
    for clip_id in made:  # every picture in before the next measure
        settled(on, clip_id)
    print(f"\n1. POST /api/clips, {posts} pages of 10 pictures each, posted to both servers in turn, {pause} s between pages\n")
    print("| server | p50 ms | p90 ms |")
    print("|---|---:|---:|")
    for label, values in times.items():
        print(f"| {label} | {statistics.median(values):.1f} | {statistics.quantiles(values, n=10)[-1]:.1f} |")


def fifty_pictures(web: LocalWeb, on: ServerProcess) -> None:
    paths = []
    for n in range(50):
        web.routes[f"/fifty/{n}.jpg"] = Route(photo(1000 + n), headers={"Content-Type": "image/jpeg"})
        paths.append(web.url(f"/fifty/{n}.jpg"))
    before, before_files = disk_bytes(on.data_dir / "images")
    start = time.perf_counter()
    made = on.api("POST", "/api/clips", json={"url": web.url("/fifty"), "html": page_naming(paths, "Fifty pictures", 7)}).json()
    clip = settled(on, made["id"])
    elapsed = time.perf_counter() - start
    stored = [entry for entry in clip["images"] if entry["status"] == "stored"]
    after, after_files = disk_bytes(on.data_dir / "images")
    served = sum(len(route.body) for path, route in web.routes.items() if path.startswith("/fifty/"))
    verdict = "within" if elapsed < COMPLETE_LIMIT_S and len(stored) == 50 else "OVER"
    print(f"\n2. a clip of 50 pictures: {len(stored)} stored, complete {elapsed:.2f} s after the POST "
          f"({verdict} the {COMPLETE_LIMIT_S:.0f} s budget)")
    print(f"\n3. disk: the 50-picture clip added {(after - before) / 1024:.0f} KiB in {after_files - before_files} files "
          f"(the pictures as served: {served / 1024:.0f} KiB; a clip with a lead picture adds its thumbnail, about 9 KiB)")


def thumbnails(clips: int, distinct: int) -> None:
    corpus = Corpus()
    with tempfile.TemporaryDirectory(prefix="tidyclip-bench-images-") as tmp:
        data_dir = Path(tmp) / "data"
        with Library.open(data_dir) as library:
            entries = []
            for n in range(distinct):
                data = photo(n, (1200, 800))
                name = library.keep_image(data, "jpg")
                entries.append({"url": f"https://images.example.com/{n}.jpg", "status": "stored",
                                "local_url": f"/images/{name}", "type": "image/jpeg", "bytes": len(data),
                                "width": 1200, "height": 800})

            def records():
                for n in range(clips):
                    clip = corpus.clip(n)
                    entry = entries[n % distinct]
                    clip.update(image=entry["url"], images=[entry])
                    yield clip, None

            library.bulk_save(records())
        server = ServerProcess(data_dir).start(timeout=120)
        try:
            session = requests.Session()
            rows = []
            for label in ("cold (each thumbnail made)", "warm (made already)"):
                start = time.perf_counter()
                page = session.get(server.base_url + "/", timeout=60).text
                thumbs = [part.split('"', 1)[0] for part in page.split('class="thumb" src="')[1:]]
                for url in thumbs:
                    response = session.get(server.base_url + url, timeout=60)
                    assert response.status_code == 200 and response.headers["Content-Type"] == "image/webp"
                rows.append((label, (time.perf_counter() - start) * 1000, len(thumbs), len(response.content)))
        finally:
            server.stop()
    print(f"\n4. the list page of {clips:,} clips and its thumbnails, fetched one after the other\n")
    print("| run | page + thumbnails ms | thumbnails | one thumbnail |")
    print("|---|---:|---:|---:|")
    for label, ms, count, size in rows:
        print(f"| {label} | {ms:.0f} | {count} | {size / 1024:.1f} KiB |")
    warm = rows[-1][1]
    print(f"\nwarm: {warm:.0f} ms ({'within' if warm < THUMBS_LIMIT_MS else 'OVER'} the {THUMBS_LIMIT_MS} ms budget)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=40)
    parser.add_argument("--clips", type=int, default=10_000)
    parser.add_argument("--pause", type=float, default=0.25, help="seconds between two pages (0: a burst)")
    parser.add_argument("--only-posts", action="store_true", help="measure 1. only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tidyclip-bench-images-") as tmp, LocalWeb() as web:
        on = ServerProcess(Path(tmp) / "on", images=True).start()
        off = ServerProcess(Path(tmp) / "off").start()
        try:
            post_latency(web, on, off, args.posts, args.pause)
            if not args.only_posts:
                fifty_pictures(web, on)
        finally:
            on.stop()
            off.stop()
    if not args.only_posts:
        thumbnails(args.clips, distinct=600)
    return 0


if __name__ == "__main__":
    sys.exit(main())
