"""Issue 13: a clip's pictures downloaded after it is saved, kept once per content, served from the local
server, shown offline. The page and its pictures come from a local web server on 127.0.0.1 (made with
Pillow here); the tidyclip server is a real one with images on."""

import io
import time

import pytest
import requests
from PIL import Image

from local_web import LocalWeb, Route
from test_review import browser, open_page  # noqa: F401 (the module's Chromium fixture, reused)

PARAGRAPH = ("Paragraph {n}: the harbour council says the river bridge plan will change how residents travel, "
             "shop and meet over the coming years, according to officials who spoke on market day {n}.")


def picture(fmt: str, size: tuple[int, int], color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, color)
    # Noise enough that a picture is not a "tiny" file, and each differs.
    for x in range(0, size[0], 7):
        image.putpixel((x, x % size[1]), (x % 256, 255 - x % 256, 77))
    image.save(out, fmt, **({"quality": 90} if fmt in ("JPEG", "WEBP") else {}))
    return out.getvalue()


SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="120" height="80">'
       b'<script>alert("svg script")</script><rect width="120" height="80" fill="teal" onclick="alert(2)"/></svg>')


def image_site() -> dict[str, tuple[bytes, str]]:
    """Path -> (bytes, the Content-Type the server claims)."""
    png = picture("PNG", (320, 200), (200, 30, 30))
    return {
        "/a.png": (png, "image/png"),
        "/copy-of-a.png": (png, "image/png"),  # same bytes, another address: kept once
        "/b.jpg": (picture("JPEG", (300, 200), (30, 200, 30)), "image/jpeg"),
        "/c.webp": (picture("WEBP", (280, 180), (30, 30, 200)), "image/webp"),
        "/d.gif": (picture("GIF", (260, 160), (200, 200, 30)), "image/gif"),
        "/lazy.png": (picture("PNG", (240, 240), (90, 10, 160)), "image/png"),
        "/photo-400.jpg": (picture("JPEG", (400, 300), (10, 90, 90)), "image/jpeg"),
        "/photo-1600.jpg": (picture("JPEG", (1600, 1200), (10, 120, 90)), "image/jpeg"),
        "/photo-3000.jpg": (picture("JPEG", (3000, 2250), (10, 150, 90)), "image/jpeg"),
        "/pixel.png": (picture("PNG", (1, 1), (255, 255, 255)), "image/png"),
        "/drawing.svg": (SVG, "image/svg+xml"),
        "/really-a-jpeg.png": (picture("JPEG", (222, 111), (120, 120, 120)), "image/png"),  # lies, but is an image
        "/not-an-image.jpg": (b"<html><body>Sorry, this is a page</body></html>" * 50, "image/jpeg"),
    }


IMAGE_TAGS = [
    '<img src="/a.png" alt="red">',
    '<img src="/b.jpg" alt="green">',
    '<img src="/c.webp" alt="blue">',
    '<img src="/d.gif" alt="yellow">',
    '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/lazy.png" alt="lazy">',
    '<img src="/photo-400.jpg" srcset="/photo-400.jpg 400w, /photo-1600.jpg 1600w, /photo-3000.jpg 3000w" alt="srcset">',
    '<img src="/pixel.png" alt="">',
    '<img src="/drawing.svg" alt="drawing">',
    '<img src="/missing.png" alt="gone">',
    '<img src="/really-a-jpeg.png" alt="liar">',
    '<img src="/not-an-image.jpg" alt="page">',
    '<img src="/copy-of-a.png" alt="red again">',
    '<img src="/a.png" alt="red twice">',
]


def page_with(tags: list[str], title: str = "Pictures of the bridge") -> str:
    body = "".join(f"<p>{PARAGRAPH.format(n=n)}</p>{tag}" for n, tag in enumerate(tags)) + f"<p>{PARAGRAPH.format(n=99)}</p>"
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
            f"<meta property='og:image' content='/a.png'></head><body><article><h1>{title}</h1>{body}</article></body></html>")


def serve_site(web: LocalWeb, site: dict[str, tuple[bytes, str]]) -> None:
    for path, (data, claimed) in site.items():
        web.routes[path] = Route(data, headers={"Content-Type": claimed})


def clip_when_settled(server, clip_id: str, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        clip = server.api("GET", f"/api/clips/{clip_id}").json()
        images = clip.get("images") or []
        if images and all(entry["status"] != "pending" for entry in images):
            return clip
        assert time.monotonic() < deadline, f"pictures still pending: {images}"
        time.sleep(0.1)


def post_page(server, url: str, html: str) -> dict:
    response = server.api("POST", "/api/clips", json={"url": url, "html": html})
    assert response.status_code in (200, 201), response.text
    return response.json()


@pytest.fixture(scope="module")
def images_server(tmp_path_factory):
    from conftest import ServerProcess

    proc = ServerProcess(tmp_path_factory.mktemp("images") / "data", images=True).start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def site():
    return image_site()


@pytest.fixture(scope="module")
def clipped(images_server, site):
    """The page with every kind of picture clipped, its pictures settled, then the image server stopped."""
    web = LocalWeb().__enter__()
    serve_site(web, site)
    page_url = web.url("/story.html")
    made = post_page(images_server, page_url, page_with(IMAGE_TAGS))
    clip = clip_when_settled(images_server, made["id"])
    requests_seen = list(web.requests)
    web.stop()
    return {"clip": clip, "web": web, "page_url": page_url, "requests": requests_seen, "answer": made}


def entries_by_path(clip: dict, web: LocalWeb) -> dict[str, dict]:
    prefix = web.url("")
    return {entry["url"].removeprefix(prefix): entry for entry in clip["images"]}


def test_every_real_picture_is_stored_once_and_served_byte_identical(images_server, clipped, site):
    clip, web = clipped["clip"], clipped["web"]
    entries = entries_by_path(clip, web)
    stored = {path for path, entry in entries.items() if entry["status"] == "stored"}
    assert stored == {"/a.png", "/copy-of-a.png", "/b.jpg", "/c.webp", "/d.gif", "/lazy.png", "/photo-1600.jpg",
                      "/drawing.svg", "/really-a-jpeg.png"}
    types = {"/a.png": "image/png", "/b.jpg": "image/jpeg", "/c.webp": "image/webp", "/d.gif": "image/gif",
             "/lazy.png": "image/png", "/photo-1600.jpg": "image/jpeg", "/really-a-jpeg.png": "image/jpeg"}
    for path, media in types.items():
        entry = entries[path]
        served = requests.get(images_server.base_url + entry["local_url"], timeout=10)
        assert served.status_code == 200 and served.headers["Content-Type"] == media, path
        assert served.content == site[path][0], f"{path} not served byte-identical"
        assert entry["type"] == media and entry["bytes"] == len(site[path][0])
        width, height = Image.open(io.BytesIO(site[path][0])).size
        assert (entry["width"], entry["height"]) == (width, height)
    # The duplicate: the same bytes at another address share one file; the same address twice is one entry.
    assert entries["/a.png"]["local_url"] == entries["/copy-of-a.png"]["local_url"]
    assert [entry["url"] for entry in clip["images"]].count(web.url("/a.png")) == 1
    files = [path for path in (images_server.data_dir / "images").rglob("*") if path.is_file() and ".thumb." not in path.name]
    assert len(files) == len(stored) - 1


def test_srcset_takes_the_widest_candidate_up_to_2000_px_and_lazy_images_their_real_address(clipped):
    fetched = [path for path, _headers in clipped["requests"]]
    assert "/photo-1600.jpg" in fetched and "/photo-3000.jpg" not in fetched and "/photo-400.jpg" not in fetched
    assert "/lazy.png" in fetched
    assert fetched.count("/a.png") == 1  # the lead image is the body's first picture: fetched once


def test_the_pixel_is_skipped_and_failures_say_why(clipped):
    entries = entries_by_path(clipped["clip"], clipped["web"])
    assert entries["/pixel.png"]["status"] == "skipped" and entries["/pixel.png"]["reason"] == "tracking pixel"
    assert "local_url" not in entries["/pixel.png"]
    assert (entries["/missing.png"]["status"], entries["/missing.png"]["reason"]) == ("failed", "http 404")
    assert entries["/not-an-image.jpg"]["status"] == "failed"
    assert entries["/not-an-image.jpg"]["reason"].startswith("not an image")


def test_the_svg_is_stored_and_served_inert(images_server, clipped):
    entry = entries_by_path(clipped["clip"], clipped["web"])["/drawing.svg"]
    served = requests.get(images_server.base_url + entry["local_url"], timeout=10)
    assert served.headers["Content-Type"] == "image/svg+xml"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert b"<script" not in served.content and b"onclick" not in served.content and b"<rect" in served.content
    assert (entry["width"], entry["height"]) == (120, 80)


def test_pictures_are_fetched_like_a_browser_and_never_before_the_answer(clipped):
    headers = dict(clipped["requests"])["/b.jpg"]
    assert headers["referer"] == clipped["page_url"] and "image/webp" in headers["accept"]
    assert "cookie" not in headers
    answer = clipped["answer"]  # the POST answered with the clip as saved: nothing downloaded yet
    assert not any(entry.get("status") == "stored" for entry in answer.get("images") or [])


def test_the_reader_shows_the_local_copies_with_the_image_server_stopped(images_server, clipped, browser):  # noqa: F811
    watched = open_page(browser, images_server)
    outside: list[str] = []
    watched.page.on("request", lambda req: None if req.url.startswith(images_server.base_url) else outside.append(req.url))
    try:
        page = watched.goto(f"/clips/{clipped['clip']['id']}")
        page.wait_for_load_state("load")
        shown = page.eval_on_selector_all(
            "#content img", "els => els.map(e => [e.getAttribute('src'), e.naturalWidth, e.complete])")
    finally:
        watched.page.context.close()
    local = [(src, width) for src, width, _ in shown if src.startswith("/images/")]
    assert len(local) >= 9 and all(width > 0 for _src, width in local), shown
    remote = sorted(src.removeprefix(clipped["web"].url("")) for src, _w, _c in shown if not src.startswith("/images/"))
    assert remote == ["/missing.png", "/not-an-image.jpg", "/pixel.png"]  # not kept: still their own address
    asked_outside = {url.removeprefix(clipped["web"].url("")) for url in outside}
    assert asked_outside <= {"/missing.png", "/not-an-image.jpg", "/pixel.png"}, asked_outside


def test_a_clip_whose_pictures_are_all_here_loads_no_remote_image(images_server, site):
    with LocalWeb() as web:
        serve_site(web, site)
        made = post_page(images_server, web.url("/all-local.html"), page_with(IMAGE_TAGS[:3], "All pictures here"))
        clip_when_settled(images_server, made["id"])
    page = requests.get(f"{images_server.base_url}/clips/{made['id']}", timeout=10)
    assert "img-src 'self' data:;" in page.headers["Content-Security-Policy"]
    assert "https:" not in page.headers["Content-Security-Policy"]
    thumbs = list((images_server.data_dir / "images").rglob("*.thumb.webp"))
    assert thumbs, "the lead picture's thumbnail is made with its download, before any list asks"
    listing = requests.get(images_server.base_url + "/", timeout=10).text
    thumb = listing.split('class="thumb" src="', 1)[1].split('"', 1)[0]
    assert thumb.startswith("/images/thumb/")
    small = requests.get(images_server.base_url + thumb, timeout=10)
    assert small.headers["Content-Type"] == "image/webp" and max(Image.open(io.BytesIO(small.content)).size) <= 240


def tidyclip(*args: str) -> str:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "tidyclip", *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stderr


@pytest.fixture(scope="module")
def stored_files(images_server, clipped) -> dict[str, bytes]:
    """Original address -> bytes of every stored picture of the clip."""
    files = {}
    for entry in clipped["clip"]["images"]:
        if entry["status"] == "stored":
            files[entry["url"]] = requests.get(images_server.base_url + entry["local_url"], timeout=10).content
    return files


def export(images_server, clipped, tmp_path, fmt: str, *extra: str):
    out = tmp_path / f"export.{ {'md': 'zip'}.get(fmt, fmt) }"
    tidyclip("export", "--data-dir", str(images_server.data_dir), "--format", fmt, "--out", str(out),
             "--query", "bridge", "--quiet", *extra)
    return out


def test_the_markdown_zip_holds_the_pictures_with_relative_links(images_server, clipped, stored_files, tmp_path):
    import zipfile

    with zipfile.ZipFile(export(images_server, clipped, tmp_path, "md")) as archive:
        names = archive.namelist()
        note = next(archive.read(name).decode() for name in names if name.endswith(".md") and "Pictures" in name)
        attachments = {name: archive.read(name) for name in names if name.startswith("tidyclip/attachments/")}
    assert set(attachments.values()) == set(stored_files.values())
    for entry in clipped["clip"]["images"]:
        if entry["status"] == "stored":
            name = entry["local_url"].rsplit("/", 1)[1]
            assert f"](<attachments/{name}>)" in note
            assert entry["url"] not in note.replace(f"url: {clipped['page_url']}", "")
    assert clipped["web"].url("/missing.png") in note  # not kept: its own address stays


def test_the_epub_embeds_the_pictures_and_lists_them_in_its_manifest(images_server, clipped, stored_files, tmp_path):
    import zipfile

    from lxml import etree

    with zipfile.ZipFile(export(images_server, clipped, tmp_path, "epub")) as archive:
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
        manifest = {item.get("href"): item.get("media-type") for item in opf.iter("{http://www.idpf.org/2007/opf}item")}
        chapter = next(archive.read(name).decode() for name in archive.namelist() if name.endswith(".xhtml") and "clip" in name
                       and "Pictures of the bridge" in archive.read(name).decode())
        embedded = {name: archive.read(name) for name in archive.namelist() if name.startswith("EPUB/images/")}
    assert set(embedded.values()) == set(stored_files.values())
    for name in embedded:
        href = name.removeprefix("EPUB/")
        assert href in manifest and manifest[href].startswith("image/"), (href, manifest)
        assert f'src="{href}"' in chapter
    assert "http://127.0.0.1" not in chapter.split("<body", 1)[1].split('class="byline"', 1)[0]  # no remote picture
    assert "[gone]" in chapter  # the one that failed is its alt text


def test_the_self_contained_html_reads_offline(images_server, clipped, stored_files, tmp_path, browser):  # noqa: F811
    out = export(images_server, clipped, tmp_path, "html", "--self-contained")
    html = out.read_text()
    assert html.count("data:image/") >= len(set(stored_files.values()))
    context = browser.new_context()
    asked: list[str] = []
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else (asked.append(route.request.url), route.abort()))
    try:
        page = context.new_page()
        page.goto(out.as_uri())
        widths = page.eval_on_selector_all("article img[src^='data:']", "els => els.map(e => e.naturalWidth)")
    finally:
        context.close()
    assert len(widths) >= 9 and all(width > 0 for width in widths), widths
    not_kept = {clipped["web"].url(path) for path in ("/missing.png", "/not-an-image.jpg", "/pixel.png")}
    assert set(asked) <= not_kept  # nothing else but the file itself was asked for


def test_a_json_export_imported_into_an_empty_data_dir_shows_the_pictures_again(
        images_server, clipped, stored_files, tmp_path, start_server):
    out = export(images_server, clipped, tmp_path, "json", "--with-original")
    fresh = tmp_path / "fresh"
    tidyclip("import", str(out), "--data-dir", str(fresh), "--quiet")
    server = start_server(fresh)  # images off, the image server long stopped: only the import can bring them
    clip = server.api("GET", f"/api/clips/{clipped['clip']['id']}").json()
    restored = {entry["url"]: requests.get(server.base_url + entry["local_url"], timeout=10)
                for entry in clip["images"] if entry["status"] == "stored"}
    assert {url: response.content for url, response in restored.items()} == stored_files
    assert all(response.status_code == 200 for response in restored.values())
