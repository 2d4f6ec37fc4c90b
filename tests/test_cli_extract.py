"""`tidyclip extract` through the real CLI: every format, every encoding, and bad input that ends in one
clear line on stderr and a non-zero exit (or a valid clip), in bounded time, never a traceback."""

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT
from test_engine_pages import FILLER, page

URL = "https://courier.example/news/harbour-plan"
TIMEOUT = 120


def extract(path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tidyclip", "extract", str(path), *args],
                          input=stdin, capture_output=True, timeout=TIMEOUT, cwd=ROOT)


def assert_one_line_error(result: subprocess.CompletedProcess) -> None:
    stderr = result.stderr.decode("utf-8", errors="replace")
    assert result.returncode != 0
    assert "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert stderr.startswith("tidyclip: ")
    assert result.stdout == b""


@pytest.mark.parametrize("fmt", ["json", "markdown", "text", "html"])
def test_every_format(tmp_path, fmt):
    path = tmp_path / "page.html"
    path.write_text(page("<p>A <a href='/more'>link</a> inside a paragraph long enough to be kept by the engine.</p>"), encoding="utf-8")
    result = extract(path, "--url", URL, "--format", fmt)
    assert result.returncode == 0, result.stderr
    output = result.stdout.decode("utf-8")
    if fmt == "json":
        clip = json.loads(output)
        assert FILLER[0] in clip["text"] and clip["url"] == URL
    else:
        assert FILLER[0] in output
    if fmt == "markdown":
        assert "[link](<https://courier.example/more>)" in output
    if fmt == "html":
        assert '<a href="https://courier.example/more"' in output


def test_reads_standard_input():
    result = extract("-", "--url", URL, "--format", "text", stdin=page("").encode("utf-8"))
    assert result.returncode == 0
    assert FILLER[1] in result.stdout.decode("utf-8")


ACCENTED = "Le café de la place a rouvert ses portes après l'été, à la grande joie des pêcheurs du port."


@pytest.mark.parametrize("encode", [
    pytest.param(lambda html: html.encode("latin-1"), id="latin-1-no-charset"),
    pytest.param(lambda html: html.replace('charset="utf-8"', 'charset="iso-8859-1"').encode("latin-1"), id="latin-1-declared"),
    pytest.param(lambda html: b"\xef\xbb\xbf" + html.encode("utf-8"), id="utf-8-bom"),
    pytest.param(lambda html: html.encode("utf-16"), id="utf-16-bom"),
    pytest.param(lambda html: html.replace('charset="utf-8"', 'charset="windows-1252"').encode("cp1252"), id="cp1252"),
])
def test_any_encoding_is_read_right(tmp_path, encode):
    path = tmp_path / "page.html"
    path.write_bytes(encode(page(f"<p>{ACCENTED}</p>")))
    result = extract(path, "--url", URL, "--format", "text")
    assert result.returncode == 0, result.stderr
    assert ACCENTED in result.stdout.decode("utf-8")


def test_broken_utf8_bytes_give_a_clip(tmp_path):
    path = tmp_path / "page.html"
    html = page(f"<p>{ACCENTED}</p>").encode("utf-8")
    path.write_bytes(html.replace(b"Residents", b"Resi\xff\xfedents"))
    result = extract(path, "--url", URL, "--format", "text")
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode("utf-8")
    assert ACCENTED in text and FILLER[0] in text


def nested(depth: int) -> bytes:
    return (f"<html><body>{'<div>' * depth}<p>{FILLER[0]}</p>{'</div>' * depth}</body></html>").encode()


BAD_INPUTS = {
    "empty": b"",
    "whitespace": b" \n\t \n",
    "binary": bytes(range(256)) * 64,
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(4096),
    "no-text": b"<html><head><title></title></head><body><div><img src='a.png'></div><script>var a=1;</script></body></html>",
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_one_clear_line(tmp_path, name):
    path = tmp_path / "input.html"
    path.write_bytes(BAD_INPUTS[name])
    assert_one_line_error(extract(path, "--url", URL))


def test_a_page_over_the_size_limit_is_refused(tmp_path):
    path = tmp_path / "huge.html"
    filler = f"<p>{FILLER[0]}</p>".encode() * (25 * 1024 * 1024 // len(FILLER[0]))
    path.write_bytes(b"<html><body>" + filler + b"</body></html>")
    result = extract(path, "--url", URL)
    assert_one_line_error(result)
    assert b"MB" in result.stderr


def test_a_20_mb_page_gives_its_article_in_bounded_time(tmp_path):
    """20 MB as real pages weigh: inline images and scripts around an article."""
    path = tmp_path / "big.html"
    inline_image = "data:image/png;base64," + "iVBORw0KGgoAAAANSUhEUgAA" * (1024 * 1024 // 24)
    images = "".join(f'<img src="{inline_image}">' for _ in range(8))
    scripts = "".join("<script>var state = {" + ",".join(f'"k{number}": {number}' for number in range(90_000)) + "};</script>"
                      for _ in range(10))
    html = page("", head=scripts).replace("</article>", f"{images}</article>")
    path.write_text(html, encoding="utf-8")
    assert path.stat().st_size > 20 * 1024 * 1024
    result = extract(path, "--url", URL, "--format", "text")
    assert result.returncode == 0, result.stderr
    assert FILLER[0] in result.stdout.decode("utf-8")


def test_ten_thousand_nested_tags(tmp_path):
    path = tmp_path / "deep.html"
    path.write_bytes(nested(10_000))
    result = extract(path, "--url", URL, "--format", "text")
    if result.returncode == 0:
        assert FILLER[0] in result.stdout.decode("utf-8")
    else:
        assert_one_line_error(result)


def test_a_missing_file_and_a_folder(tmp_path):
    assert_one_line_error(extract(tmp_path / "nope.html"))
    assert_one_line_error(extract(tmp_path))


def test_without_url_links_resolve_against_the_pages_canonical_address(tmp_path):
    path = tmp_path / "saved.html"
    head = '<link rel="canonical" href="https://courier.example/news/harbour-plan">'
    path.write_text(page("<p>The full <a href='/docs/plan.pdf'>plan</a> is online for everyone who wants to read it.</p>",
                         head=head), encoding="utf-8")
    result = extract(path, "--format", "markdown")
    assert result.returncode == 0, result.stderr
    assert "[plan](<https://courier.example/docs/plan.pdf>)" in result.stdout.decode("utf-8")


def test_an_xhtml_page_with_an_xml_declaration(tmp_path):
    path = tmp_path / "xhtml.html"
    html = '<?xml version="1.0" encoding="ISO-8859-1"?>\n' + page(f"<p>{ACCENTED}</p>").replace('<meta charset="utf-8">', "")
    path.write_bytes(html.encode("latin-1"))
    result = extract(path, "--url", URL, "--format", "text")
    assert result.returncode == 0, result.stderr
    assert ACCENTED in result.stdout.decode("utf-8")
