"""Shared fixtures: a real tidyclip server in a subprocess, and real headless Chromium.

Every test that needs a server uses `server` (one per test module, its own temp data dir) or
`start_server` (a factory, for tests that stop, kill or restart the server).
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
EXTENSION_DIR = ROOT / "extension"
ARTIFACTS = ROOT / "test-artifacts"

CHROMIUM = "/usr/lib/chromium/chromium"
#: Flags for headless Chromium as root on a machine without network or GPU.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """`tidyclip serve` in a subprocess on 127.0.0.1, with its own data dir."""

    def __init__(self, data_dir: Path, port: int | None = None, *, command: list[str] | None = None, cwd: Path = ROOT,
                 images: bool = False):
        self.data_dir = Path(data_dir)
        #: Pictures downloaded (test_images); off otherwise, so no test page's picture is looked up outside.
        self.images = images
        self.port = port or free_port()
        #: What runs `tidyclip` (test_install.py: an installed wheel's, from outside the checkout).
        self.command = command or [sys.executable, "-m", "tidyclip"]
        self.cwd = cwd
        self.proc: subprocess.Popen | None = None
        self.log_path = self.data_dir.parent / f"server-{self.port}.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def token(self) -> str:
        return (self.data_dir / "token").read_text().strip()

    def start(self, timeout: float = 30.0) -> "ServerProcess":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [*self.command, "serve", "--port", str(self.port), "--data-dir", str(self.data_dir),
             *([] if self.images else ["--no-images"])],
            stdout=log, stderr=subprocess.STDOUT, cwd=self.cwd,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.output()}")
            try:
                if requests.get(f"{self.base_url}/api/health", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not answer within {timeout}s:\n{self.output()}")

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill(self) -> None:
        """kill -9: no chance to clean up, as in a crash."""
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def headers(self, **extra: str) -> dict:
        return {"Authorization": f"Bearer {self.token}", **extra}

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        """An authenticated API call; pass headers= to add or override."""
        headers = self.headers(**kwargs.pop("headers", {}))
        return requests.request(method, self.base_url + path, headers=headers, timeout=60, **kwargs)


@pytest.fixture
def start_server(tmp_path):
    """Factory: start_server(data_dir=None, port=None, images=False) -> a running ServerProcess; all stopped at the end."""
    started: list[ServerProcess] = []

    def start(data_dir: Path | None = None, port: int | None = None, images: bool = False) -> ServerProcess:
        server = ServerProcess(data_dir or tmp_path / f"data{len(started)}", port, images=images).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One running server for a test module, with an empty data dir at the start of the module."""
    proc = ServerProcess(tmp_path_factory.mktemp("server") / "data").start()
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def seed_page() -> str:
    return (FIXTURES / "seed-blogger" / "page.html").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_expected() -> dict:
    import json

    return json.loads((FIXTURES / "seed-blogger" / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where browser tests save screenshots (kept after the run, ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/setup --test installs Debian's chromium")


TOPIC_WORDS = (
    "harbour council budget river bridge school library orchard festival railway museum garden "
    "market weather forest island theatre clinic bakery stadium"
).split()


def article_page(title: str, seed: int = 0, paragraphs: int = 6, body_extra: str = "") -> str:
    """A plain news-like article page the engine can extract; `seed` varies its words so pages differ."""
    words = [TOPIC_WORDS[(seed + i) % len(TOPIC_WORDS)] for i in range(len(TOPIC_WORDS))]
    paras = "\n".join(
        f"<p>Paragraph {n} of story {seed}: the {words[n % len(words)]} report says the {words[(n + 3) % len(words)]} "
        f"plan for the {words[(n + 5) % len(words)]} will change how residents travel, shop and meet over the "
        f"coming years, according to officials who spoke on {words[(n + 7) % len(words)]} day number {seed * 100 + n}.</p>"
        for n in range(paragraphs)
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><h1>{title}</h1>{paras}{body_extra}</article>"
        f"<footer>Copyright Example News</footer></body></html>"
    )


def assert_meets_seed(paragraphs: list[str], expected: dict) -> None:
    """The seed's promise on a clip's paragraphs: each expected paragraph exactly once and in order,
    nothing else but the optional ones, no forbidden text, the headline not repeated as a paragraph."""
    where = []
    for wanted in expected["paragraphs_once_in_order"]:
        holding = [index for index, paragraph in enumerate(paragraphs) if paragraph == wanted]
        assert len(holding) == 1, f"{len(holding)} times: {wanted[:70]}"
        where.append(holding[0])
    assert where == sorted(where), "paragraphs out of order"
    allowed = set(expected["paragraphs_once_in_order"]) | set(expected["optional"])
    assert [paragraph for paragraph in paragraphs if paragraph not in allowed] == []
    for forbidden in expected["forbidden"]:
        assert not any(forbidden in paragraph for paragraph in paragraphs), forbidden
    for headline in expected["not_in_body_as_paragraph"]:
        assert headline not in paragraphs
