"""kill -9 at random moments under mixed writes, for tests/test_faults.py (a few rounds) and
`scripts/bench_store.py --faults` (30 rounds).

Each round starts a real `tidyclip serve`, lets 8 clients write through it at once (POST new clips,
PATCH and DELETE their own, refused writes: a PATCH the schema refuses, an import file with one bad
record) while `tidyclip import` and `tidyclip reclean` run beside it, then kills the server and the
command-line writers with SIGKILL at a random moment. After a restart it checks what was promised:
every acknowledged write is there with its final value (or the one in flight when the kill came,
which nobody was told about), no refused write was carried out, the search and story indexes agree
with the store (`tidyclip check`), and the server started cleanly.
"""

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from conftest import ROOT, ServerProcess, article_page

CLIENTS = 8
#: What an import file's records carry as their text: an older cleaner's, so reclean rewrites them.
OLD_TEXT = "what an older cleaner left"


@dataclass
class Promises:
    """What the clients were told, across rounds."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: clip id -> the note its last acknowledged PATCH set ("" for none yet), and a PATCH in flight at the kill
    notes: dict[str, str] = field(default_factory=dict)
    in_flight: dict[str, str] = field(default_factory=dict)
    owner: dict[str, int] = field(default_factory=dict)  # the client that posted it edits it
    deleted: set[str] = field(default_factory=set)
    deleting: set[str] = field(default_factory=set)
    refused_notes: set[str] = field(default_factory=set)
    refused_ids: set[str] = field(default_factory=set)


def import_record(url: str, seed: int, note: str = "") -> dict:
    from tidyclip.engine import make_clip
    from tidyclip.urls import normalize_url, url_id

    html = article_page(f"Imported {seed}", seed)
    return {**make_clip(html, url), "id": url_id(normalize_url(url)), "created": "2026-01-01T00:00:00.000Z",
            "updated": "2026-01-01T00:00:00.000Z", "tags": [], "note": note, "text": OLD_TEXT,
            "original_html": html}


class Round:
    def __init__(self, server: ServerProcess, promises: Promises, number: int, rng: random.Random, work_dir: Path):
        self.server, self.promises, self.number, self.rng, self.work_dir = server, promises, number, rng, work_dir
        self.stop = threading.Event()
        self.cli: list[subprocess.Popen] = []
        self.cli_lock = threading.Lock()
        self.errors: list[str] = []

    # -- the clients --
    def client(self, number: int) -> None:
        try:
            self.write(number)
        except Exception as exc:  # a broken expectation in a client thread: the round reports it
            self.errors.append(f"client {number}: {type(exc).__name__}: {exc}")

    def write(self, number: int) -> None:
        rng = random.Random(self.rng.random())
        with self.promises.lock:  # not a clip whose DELETE was under way at a kill: it may be gone
            own = [clip_id for clip_id, owner in self.promises.owner.items()
                   if owner == number and clip_id in self.promises.notes and clip_id not in self.promises.deleting]
        step = 0
        while not self.stop.is_set():
            step += 1
            choice = rng.random()
            try:
                if number == 0:  # the command line beside the server: imports (every other one refused)...
                    self.command("import", number, step)
                elif number == 1:  # ...and reclean, while the others edit the clips it cleans
                    self.command("reclean", number, step)
                elif choice < 0.35 or not own:
                    self.post(number, step, own)
                elif choice < 0.8:
                    self.patch(rng.choice(own), f"r{self.number}c{number}s{step}")
                elif choice < 0.9:
                    self.delete(own.pop(rng.randrange(len(own))))
                else:
                    self.refused_patch(rng.choice(own), f"refused-r{self.number}c{number}s{step}")
            except requests.RequestException:
                return  # the server died under this request: nothing was promised

    def post(self, number: int, step: int, own: list[str]) -> None:
        url = f"https://faults.example/r{self.number}/c{number}/{step}"
        seed = self.number * 100_000 + number * 1_000 + step  # a text of its own: stories stay small
        response = self.server.api("POST", "/api/clips", json={"url": url, "html": article_page(f"Fault {step}", seed)})
        if response.status_code in (200, 201):
            clip_id = response.json()["id"]
            with self.promises.lock:
                self.promises.notes[clip_id] = ""
                self.promises.owner[clip_id] = number
            own.append(clip_id)

    def patch(self, clip_id: str, note: str) -> None:
        with self.promises.lock:
            self.promises.in_flight[clip_id] = note
        response = self.server.api("PATCH", f"/api/clips/{clip_id}", json={"note": note, "tags": [note]})
        with self.promises.lock:
            self.promises.in_flight.pop(clip_id, None)
            if response.status_code == 200:
                self.promises.notes[clip_id] = note

    def delete(self, clip_id: str) -> None:
        with self.promises.lock:
            self.promises.deleting.add(clip_id)
        response = self.server.api("DELETE", f"/api/clips/{clip_id}")
        with self.promises.lock:
            self.promises.deleting.discard(clip_id)
            if response.status_code == 200:
                self.promises.deleted.add(clip_id)
                self.promises.notes.pop(clip_id, None)

    def refused_patch(self, clip_id: str, note: str) -> None:
        response = self.server.api("PATCH", f"/api/clips/{clip_id}", json={"note": note, "tags": [f"t{n}" for n in range(101)]})
        assert response.status_code == 422, response.text
        with self.promises.lock:
            self.promises.refused_notes.add(note)

    def command(self, name: str, number: int, step: int) -> None:
        """`tidyclip import` (a good file, or one with a bad record) or `tidyclip reclean` beside the server."""
        args = [name, "--quiet"]
        good: list[str] = []
        bad_ids: list[str] = []
        if name == "import":
            records = [import_record(f"https://imported.example/r{self.number}/{step}/{n}", step * 10 + n) for n in range(3)]
            refused = step % 2 == 1
            if refused:
                records[2]["word_count"] = "many"
                bad_ids = [record["id"] for record in records]
            else:
                good = [record["id"] for record in records]
            path = self.work_dir / f"import-{self.number}-{step}.jsonl"
            path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
            args.append(str(path))
        with self.cli_lock:
            if self.stop.is_set():
                return
            process = subprocess.Popen([sys.executable, "-m", "tidyclip", *args, "--data-dir", str(self.server.data_dir)],
                                       cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            self.cli.append(process)
        _, err = process.communicate()
        if process.returncode == -signal.SIGKILL:
            return  # killed with the server: nothing was promised
        assert process.returncode >= 0, f"tidyclip {name} died by signal {-process.returncode}: {err}"
        with self.promises.lock:
            if bad_ids:
                assert process.returncode == 1, err
                self.promises.refused_ids |= set(bad_ids)
            elif name == "import":
                assert process.returncode == 0, err
                for clip_id in good:
                    self.promises.notes.setdefault(clip_id, "")

    # -- the round --
    def run(self, seconds: float) -> None:
        threads = [threading.Thread(target=self.client, args=(number,)) for number in range(CLIENTS)]
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        with self.cli_lock:
            self.stop.set()
            self.server.kill()
            for process in self.cli:
                if process.poll() is None:
                    os.kill(process.pid, signal.SIGKILL)
        for thread in threads:
            thread.join(timeout=120)


def verify(server: ServerProcess, promises: Promises) -> list[str]:
    """What broke a promise (empty: all held). The server is running."""
    problems = []
    listed, offset = set(), 0
    while True:
        page = server.api("GET", "/api/clips", params={"limit": 500, "offset": offset}).json()
        listed |= {item["id"] for item in page["items"]}
        offset += 500
        if offset >= page["total"]:
            break
    for clip_id, note in promises.notes.items():
        response = server.api("GET", f"/api/clips/{clip_id}")
        if response.status_code != 200:
            if clip_id not in promises.deleting:
                problems.append(f"acknowledged clip {clip_id} is gone ({response.status_code})")
            continue
        clip = response.json()
        allowed = {note, promises.in_flight.get(clip_id, note)}
        if clip["note"] not in allowed:
            problems.append(f"clip {clip_id}: note {clip['note']!r}, acknowledged {note!r}")
        if clip["note"] in promises.refused_notes:
            problems.append(f"clip {clip_id}: a refused PATCH was carried out")
        problems += [f"clip {clip_id} links to missing clip {entry['id']}" for entry in clip["similar"] if entry["id"] not in listed]
    for clip_id in promises.deleted:
        if server.api("GET", f"/api/clips/{clip_id}").status_code != 404:
            problems.append(f"acknowledged delete of {clip_id} undone")
    for clip_id in promises.refused_ids:
        if server.api("GET", f"/api/clips/{clip_id}").status_code != 404:
            problems.append(f"clip {clip_id} of a refused import was saved")
    missing = set(promises.notes) - listed - promises.deleting
    if missing:
        problems.append(f"{len(missing)} acknowledged clips are not listed (search index)")
    return problems


def run_rounds(data_dir: Path, rounds: int, *, seed: int = 11, seconds: tuple[float, float] = (2.0, 5.0),
               report=lambda line: None) -> list[str]:
    """`rounds` rounds of writes and kill -9 on one data dir; every broken promise, as lines."""
    rng = random.Random(seed)
    promises = Promises()
    server = ServerProcess(data_dir)
    problems: list[str] = []
    for number in range(rounds):
        server.start()
        this = Round(server, promises, number, rng, data_dir.parent)
        this.run(rng.uniform(*seconds))
        server.start()  # the restart after the crash must be clean
        found = this.errors + verify(server, promises)
        server.stop()
        checked = subprocess.run([sys.executable, "-m", "tidyclip", "check", "--data-dir", str(data_dir)],
                                 cwd=ROOT, capture_output=True, text=True, timeout=600)
        if checked.returncode != 0:
            found.append(f"tidyclip check: {checked.stdout.strip()} {checked.stderr.strip()}")
        if "Traceback" in server.output():
            found.append("the server's log holds a traceback")
        report(f"round {number + 1}/{rounds}: {len(promises.notes)} clips promised, {len(promises.deleted)} deleted, "
               f"{len(promises.refused_ids)} refused import records, {len(found)} problems")
        for line in found:
            report(f"  {line}")
        problems += [f"round {number + 1}: {line}" for line in found]
    return problems
