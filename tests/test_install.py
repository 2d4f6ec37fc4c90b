"""tidyclip as a reader installs it: the release's wheel in a fresh venv, run from outside the checkout.

scripts/release builds the sdist, the wheel and the extension zips once for the module; the wheel goes
into a new venv (no pip, no checkout on its path: its dependencies come from this venv's
site-packages through a .pth line, which keeps the test offline and quick), and its own `tidyclip`
serves a clip, the review page and its CSS and JS.
"""

import json
import os
import re
import stat
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest
import requests

from conftest import ROOT, ServerProcess, free_port
from tidyclip import __version__

PACKAGE = ROOT / "server" / "tidyclip"


def package_files() -> set[str]:
    """Every file of the package in the checkout (as a path inside the wheel), bytecode left out."""
    return {
        path.relative_to(PACKAGE.parent).as_posix() for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release")
    done = subprocess.run([str(ROOT / "scripts" / "release"), str(out)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def venv(release, tmp_path_factory) -> Path:
    """A fresh venv holding only the wheel; its dependencies are read from this venv's site-packages."""
    home = tmp_path_factory.mktemp("reader")
    venv = home / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site_packages = Path(subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True).stdout.strip())
    # A plain path line: the .pth files over there (this checkout's editable install) are not run.
    (site_packages / "project-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    wheel = release / f"tidyclip-{__version__}-py3-none-any.whl"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet",
                    "--no-deps", "--no-index", str(wheel)], check=True, cwd=home)
    return venv


def reader_env() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name not in {"PYTHONPATH", "TIDYCLIP_DATA_DIR"}}


def run_installed(venv: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(venv / "bin" / "tidyclip"), *args], capture_output=True, text=True, timeout=60,
                          cwd=venv.parent, env=kwargs.pop("env", reader_env()), **kwargs)


@pytest.fixture(scope="module")
def installed_server(venv):
    server = ServerProcess(venv.parent / "my clips", command=[str(venv / "bin" / "tidyclip")], cwd=venv.parent)
    yield server.start()
    server.stop()


def test_the_wheel_and_the_sdist_hold_every_file_of_the_package(release):
    with zipfile.ZipFile(release / f"tidyclip-{__version__}-py3-none-any.whl") as wheel:
        in_wheel = set(wheel.namelist())
        metadata = wheel.read(f"tidyclip-{__version__}.dist-info/METADATA").decode()
        entry_points = wheel.read(f"tidyclip-{__version__}.dist-info/entry_points.txt").decode()
    wanted = package_files()
    assert {"tidyclip/web/static/review.css", "tidyclip/web/static/list.js", "tidyclip/web/templates/review/base.html"} <= wanted
    assert wanted - in_wheel == set()
    assert f"Version: {__version__}" in metadata.splitlines()
    assert "tidyclip = tidyclip.cli:main" in entry_points
    with tarfile.open(release / f"tidyclip-{__version__}.tar.gz") as sdist:
        in_sdist = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {f"server/{name}" for name in wanted} | {"pyproject.toml", "README.md"} <= in_sdist


def test_the_release_extension_zips_carry_the_same_version(release):
    for browser in ("chromium", "firefox"):
        with zipfile.ZipFile(release / f"tidyclip-{browser}.zip") as archive:
            assert json.loads(archive.read("manifest.json"))["version"] == __version__
    # The unpacked extension (loaded from extension/ while developing) says the same.
    assert json.loads((ROOT / "extension" / "manifest.json").read_text())["version"] == __version__


def test_the_installed_tidyclip_is_the_wheel_not_the_checkout(venv):
    found = subprocess.run([str(venv / "bin" / "python"), "-c", "import tidyclip; print(tidyclip.__file__)"],
                           capture_output=True, text=True, check=True, cwd=venv.parent, env=reader_env())
    assert Path(found.stdout.strip()).is_relative_to(venv)
    assert run_installed(venv, "--version").stdout.strip() == f"tidyclip {__version__}"


def test_the_installed_server_clips_and_serves_the_review_page(installed_server, seed_page):
    health = requests.get(installed_server.base_url + "/api/health", timeout=10).json()
    assert health == {"status": "ok", "version": __version__, "clips": 0}
    assert f"pair the browser extension at {installed_server.base_url}/connect" in installed_server.output()

    posted = installed_server.api("POST", "/api/clips", json={"url": "https://blog.example.org/seed", "html": seed_page})
    assert posted.status_code == 201, posted.text
    assert requests.get(installed_server.base_url + "/api/health", timeout=10).json()["clips"] == 1

    page = requests.get(installed_server.base_url + "/", timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert posted.json()["title"] in page.text
    assets = re.findall(r'(?:href|src)="(/assets/[^"]+\.(?:css|js))"', page.text)
    assert {Path(asset).suffix for asset in assets} == {".css", ".js"}, assets
    for asset in assets:
        served = requests.get(installed_server.base_url + asset, timeout=10)
        assert served.status_code == 200 and served.content, asset
        wanted = "text/css" if asset.endswith(".css") else ("text/javascript", "application/javascript")
        assert served.headers["Content-Type"].split(";")[0] in wanted, (asset, served.headers["Content-Type"])
    connect = requests.get(installed_server.base_url + "/connect", timeout=10)
    assert connect.status_code == 200 and installed_server.token in connect.text
    assert "<code>tidyclip service install</code>" in connect.text  # how to keep it running


def test_tidyclip_open_opens_the_review_page_in_the_default_browser(installed_server, venv, tmp_path):
    opened = tmp_path / "opened"
    browser = tmp_path / "browser"
    browser.write_text(f'#!/bin/sh\necho "$1" >> "{opened}"\n')
    browser.chmod(browser.stat().st_mode | stat.S_IXUSR)
    said = run_installed(venv, "open", "--port", str(installed_server.port), env={**reader_env(), "BROWSER": str(browser)})
    assert said.returncode == 0, said.stderr
    assert opened.read_text().split() == [f"{installed_server.base_url}/"]

    nothing_there = free_port()
    said = run_installed(venv, "open", "--port", str(nothing_there), env={**reader_env(), "BROWSER": str(browser)})
    assert said.returncode == 1 and said.stderr.count("\n") == 1
    assert f"tidyclip is not running at http://127.0.0.1:{nothing_there}/" in said.stderr
    assert "tidyclip service install" in said.stderr
    assert opened.read_text().split() == [f"{installed_server.base_url}/"]  # nothing more was opened


def test_service_status_reports_a_server_it_did_not_start(installed_server, venv):
    said = run_installed(venv, "service", "status", "--port", str(installed_server.port))
    assert f"tidyclip {__version__} is running at {installed_server.base_url} with 1 clip" in said.stdout.splitlines()
    if said.returncode != 0:  # no init system here (a container): one line on stderr says so
        assert said.stderr.count("\n") == 1 and said.stderr.startswith("tidyclip: no "), said.stderr
