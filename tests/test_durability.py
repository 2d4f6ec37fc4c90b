"""Every acknowledged clip is kept: under concurrent posts, and across a kill -9 of the server."""

import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from conftest import ROOT, article_page


def post(server, url: str, seed: int) -> requests.Response:
    return requests.post(
        server.base_url + "/api/clips", json={"url": url, "html": article_page(f"Story {seed}", seed, paragraphs=4)},
        headers=server.headers(), timeout=120,
    )


def all_items(server) -> list[dict]:
    items, offset = [], 0
    while True:
        page = server.api("GET", "/api/clips", params={"limit": 500, "offset": offset}).json()
        items += page["items"]
        offset += 500
        if offset >= page["total"]:
            return items


def test_8_threads_50_posts_each_all_saved_once(start_server):
    server = start_server()

    def worker(thread: int) -> list[tuple[int, str]]:
        results = []
        for n in range(50):
            response = post(server, f"https://load.example.com/t{thread}/p{n}?utm_medium=x", thread * 50 + n)
            results.append((response.status_code, response.json().get("id")))
        return results

    with ThreadPoolExecutor(8) as pool:
        results = [item for batch in pool.map(worker, range(8)) for item in batch]
    assert [status for status, _ in results] == [201] * 400
    ids = {clip_id for _, clip_id in results}
    assert len(ids) == 400
    items = all_items(server)
    assert len(items) == 400 and {item["id"] for item in items} == ids

    # every clip reads back whole, and the same 400 after a restart
    server.stop()
    server.start()
    assert {item["id"] for item in all_items(server)} == ids
    assert server.api("GET", f"/api/clips/{min(ids)}").json()["text"]


def test_kill_9_while_posting_loses_nothing_acknowledged(start_server):
    server = start_server()
    acknowledged: dict[str, str] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def client(number: int) -> None:
        n = 0
        while not stop.is_set():
            url = f"https://crash.example.com/c{number}/{n}"
            try:
                response = post(server, url, number * 1000 + n)
            except requests.RequestException:
                return  # the server died under this request: nothing was promised
            if response.status_code in (200, 201):
                with lock:
                    acknowledged[response.json()["id"]] = url
            n += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 40 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    assert len(acknowledged) >= 40

    server.start()
    for clip_id, url in acknowledged.items():
        response = server.api("GET", f"/api/clips/{clip_id}")
        assert response.status_code == 200, (clip_id, response.text)
        assert response.json()["url"] == url and response.json()["text"]
    listed = {item["id"] for item in all_items(server)}
    assert set(acknowledged) <= listed  # the search index holds them too
    # and the store still takes new clips
    assert post(server, "https://crash.example.com/after", 99).status_code == 201


def test_second_server_on_the_same_data_dir_is_refused(start_server):
    server = start_server()
    second = subprocess.run(
        [sys.executable, "-m", "tidyclip", "serve", "--port", str(server.port + 1), "--data-dir", str(server.data_dir)],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )
    assert second.returncode != 0
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1 and "already using" in lines[0] and "Traceback" not in second.stderr
    assert server.api("GET", "/api/health").status_code == 200  # the first one is unharmed
