#!/usr/bin/env python
"""The extension's cost on top of the server: a clip through the toolbar's handler in headless
Chromium beside the same page POSTed straight to the API, in one process, page by page.

Pages: the seed fixture and the shared corpus's aeb-dev pages, served from 127.0.0.1 (requests to
other hosts are refused, as on a machine without network). For each page, interleaved:
- baseline: POST /api/clips with the page file's HTML (requests), i.e. the server's own time (a
  second server with its own store, so neither path meets the other's copy of the page);
- tidyclip: `self.clipTab(tabId)` in the service worker: capture the live DOM, keep it in the
  queue, POST, dequeue (the popup's path), timed inside the worker;
- capture alone (`self.captureTab`), then what it captured POSTed with requests to a third server
  (the server's share of clipTab) and with the browser's fetch from the service worker to a fourth
  (the browser's share), and the bytes sent: the live DOM with scripts left out beside the page file.

    .venv/bin/python scripts/bench_extension.py [--pages 88]
"""

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / ".." / "shared" / "corpus" / "aeb-dev" / "html"
sys.path.insert(0, str(ROOT / "tests"))
from conftest import FIXTURES, ServerProcess  # noqa: E402  (the test harness's real server)
from extension_support import ChromiumExtension, PageServer, launch_chromium  # noqa: E402


#: Timed inside the service worker: a call from Python adds the DevTools round trip, tens of
#: milliseconds for a page's HTML, which the user never waits for.
IN_WORKER_TIMED = """async ([handler, tabId]) => {
    const start = performance.now();
    const result = await self[handler](tabId);
    return [performance.now() - start, result];
}"""

#: The same POST made with the browser's fetch from the service worker, timed there.
FETCH_TIMED = """async ([server, token, page]) => {
    const start = performance.now();
    const response = await fetch(server + "/api/clips", {
        method: "POST", body: JSON.stringify(page),
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    });
    await response.json();
    return performance.now() - start;
}"""


def pages_to_clip(folder: Path, limit: int) -> list[str]:
    shutil.copy(FIXTURES / "seed-blogger" / "page.html", folder / "seed.html")
    names = ["seed.html"]
    for path in sorted(CORPUS.glob("*.html"))[:limit]:
        shutil.copy(path, folder / path.name)
        names.append(path.name)
    return names


def timed(call) -> tuple[float, object]:
    start = time.perf_counter()
    result = call()
    return (time.perf_counter() - start) * 1000, result


def summary(label: str, values: list[float], unit: str = "ms") -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return f"| {label} | {statistics.median(ordered):.0f} {unit} | {p90:.0f} {unit} | {sum(ordered):.0f} {unit} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=88, help="how many corpus pages besides the seed")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-extension-"))
    (work / "pages").mkdir()
    names = pages_to_clip(work / "pages", args.pages)
    # A server per path, each with its own store, so no path finds another's copy (same story, same URL).
    server = ServerProcess(work / "data").start()
    baseline_server = ServerProcess(work / "baseline-data").start()
    capture_server = ServerProcess(work / "capture-data").start()
    fetch_server = ServerProcess(work / "fetch-data").start()
    rows = {"baseline": [], "clip": [], "capture": [], "captured_post": [], "captured_fetch": [], "file_kb": [], "sent_kb": []}
    refused = 0
    try:
        with sync_playwright() as playwright, PageServer(work / "pages") as pages:
            context = launch_chromium(playwright, work / "profile")
            extension = ChromiumExtension(context, playwright, work / "profile")
            extension.pair(server.base_url, server.token)
            tab = context.new_page()
            # On the tab only: a context route would also run the service worker's POST through Playwright.
            tab.route("**/*", lambda route: route.continue_() if route.request.url.startswith("http://127.0.0.1:") else route.abort())
            for name in names:
                url = pages.url(name)
                tab.goto(url, wait_until="load")
                # By id, not address: a page's own script may change its address.
                tab_id = extension.evaluate("async () => (await chrome.tabs.query({active: true, lastFocusedWindow: true}))[0].id")
                html = (work / "pages" / name).read_bytes().decode("utf-8", errors="replace")
                ms, response = timed(lambda: requests.post(
                    f"{baseline_server.base_url}/api/clips", headers=baseline_server.headers(), timeout=120,
                    json={"url": url, "html": html, "title": tab.title()}))
                ms_clip, result = extension.evaluate(IN_WORKER_TIMED, ["clipTab", tab_id])
                if response.status_code >= 400 or not result.get("ok"):
                    print(f"{name}: baseline {response.status_code}, extension {result.get('reason')}", file=sys.stderr)
                    refused += 1  # nothing to clip (no article text, or the page left): out of the figures
                    continue
                rows["baseline"].append(ms)
                rows["clip"].append(ms_clip)
                ms_capture, captured = extension.evaluate(IN_WORKER_TIMED, ["captureTab", tab_id])
                rows["capture"].append(ms_capture)
                ms_post, _ = timed(lambda: requests.post(
                    f"{capture_server.base_url}/api/clips", headers=capture_server.headers(), timeout=120, json=captured))
                rows["captured_post"].append(ms_post)
                rows["captured_fetch"].append(extension.evaluate(FETCH_TIMED, [fetch_server.base_url, fetch_server.token, captured]))
                rows["file_kb"].append(len(html.encode()) / 1024)
                rows["sent_kb"].append(len(json.dumps(captured).encode()) / 1024)
            context.close()
    finally:
        server.stop()
        baseline_server.stop()
        capture_server.stop()
        fetch_server.stop()
    print(f"{len(rows['clip'])} pages clipped ({refused} left out, reasons above), Chromium headless")
    print("| step | median | p90 | total |\n|---|---|---|---|")
    print(summary("POST the page file to the API (baseline: the server alone)", rows["baseline"]))
    print(summary("clipTab: capture + queue + POST + dequeue (tidyclip)", rows["clip"]))
    print(summary("captureTab alone (live DOM, lazy images, scripts left out)", rows["capture"]))
    print(summary("POST what captureTab gave to the API (the server's part of clipTab)", rows["captured_post"]))
    print(summary("the same POST with fetch from the service worker", rows["captured_fetch"]))
    print(summary("page file", rows["file_kb"], "KB"))
    print(summary("what the extension sends", rows["sent_kb"], "KB"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
