"""The web-facing guard against other sites and odd input: cross-site reads of the review pages, the
Host header read as an RFC 3986 authority, /connect kept out of caches, and a 4xx (never a 500) for
every malformed parameter or body. All over real HTTP against a real server; the cross-site oracle
also in real Chromium, from a page on another loopback address."""

import http.server
import json
import re
import threading

import pytest
import requests

from conftest import CHROMIUM, CHROMIUM_ARGS, article_page, require_chromium

#: A word only the module's clip holds, and one no clip holds: a search oracle would tell them apart.
PRESENT, ABSENT = "zephyrine", "quokkarine"
NO_CORS_READ = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "empty"}
CROSS_SITE_NAVIGATION = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}


@pytest.fixture(scope="module")
def clip(server) -> dict:
    extra = f"<p>The {PRESENT} ferry sails at dawn on market days.</p>"
    page = article_page("Harbour report", seed=4, body_extra=extra)
    response = server.api("POST", "/api/clips", json={"url": "https://news.example/harbour", "html": page})
    assert response.status_code == 201, response.text
    return response.json()


def data_routes(clip: dict) -> dict[str, str]:
    return {
        "list": "/", "search": f"/?q={PRESENT}", "reader": f"/clips/{clip['id']}", "connect": "/connect",
        "export": f"/export?format=json&q={PRESENT}",
    }


# ---- cross-site reads -------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["list", "search", "reader", "connect", "export"])
@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_cross_site_reads_of_user_data_are_refused(server, clip, route, site):
    headers = {**NO_CORS_READ, "Sec-Fetch-Site": site}
    response = requests.get(server.base_url + data_routes(clip)[route], headers=headers, timeout=30)
    assert response.status_code == 403
    assert PRESENT not in response.text and server.token not in response.text and clip["id"] not in response.text


@pytest.mark.parametrize("route", ["list", "search", "reader", "connect"])
def test_a_link_from_another_site_still_opens_the_page(server, clip, route):
    response = requests.get(server.base_url + data_routes(clip)[route], headers=CROSS_SITE_NAVIGATION, timeout=30)
    assert response.status_code == 200


def test_export_answers_only_its_own_pages_and_tools(server, clip):
    url = server.base_url + data_routes(clip)["export"]
    assert requests.get(url, headers=CROSS_SITE_NAVIGATION, timeout=30).status_code == 403
    for headers in ({}, {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"},
                    {"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}):
        response = requests.get(url, headers=headers, timeout=30)
        assert response.status_code == 200, headers
        assert [item["id"] for item in response.json()["clips"]] == [clip["id"]]


def test_a_refused_search_answers_alike_whatever_the_word(server, clip):
    answers = [requests.get(f"{server.base_url}{path}{word}", headers=NO_CORS_READ, timeout=30)
               for word in (PRESENT, ABSENT) for path in ("/export?format=json&q=", "/?q=")]
    assert {answer.status_code for answer in answers} == {403}
    assert answers[0].content == answers[2].content and answers[1].content == answers[3].content


class ForeignSite(http.server.ThreadingHTTPServer):
    """Another site on this machine: http://127.0.0.2:PORT, serving one page (`page_html`)."""

    def __init__(self, page_html: str):
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = site.page_html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.page_html = page_html
        super().__init__(("127.0.0.2", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.2:{self.server_address[1]}/"


@pytest.fixture
def chromium_page():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser.new_page()
        browser.close()


@pytest.mark.browser
def test_a_foreign_page_in_chromium_cannot_probe_the_export(server, clip, chromium_page):
    probes = [f"{server.base_url}/export?format=json&q={word}" for word in (PRESENT, ABSENT)]
    page_html = (
        "<!doctype html><title>foreign</title><a id=open href='" + server.base_url + f"/?q={PRESENT}'>open</a><script>"
        f"window.probed = Promise.all({json.dumps(probes)}.map(url => fetch(url, {{mode: 'no-cors'}})"
        ".then(() => 'answered', () => 'failed')));</script>"
    )
    site = ForeignSite(page_html)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        seen = {}
        chromium_page.on("response", lambda answer: answer.url in probes and seen.setdefault(answer.url, answer))
        chromium_page.goto(site.url)
        assert chromium_page.evaluate("window.probed") == ["answered", "answered"]
        assert sorted(seen) == sorted(probes)
        for response in seen.values():
            assert response.status == 403
        chromium_page.goto(server.base_url + "/export")  # the same fetch from tidyclip's own page is answered
        own = chromium_page.evaluate("url => fetch(url).then(response => response.json())", probes[0])
        assert [item["id"] for item in own["clips"]] == [clip["id"]]
        chromium_page.goto(site.url)
        with chromium_page.expect_navigation():
            chromium_page.click("#open")  # a plain link from that site still opens the search, for the user
        assert chromium_page.locator(f"text={PRESENT}").count() > 0
    finally:
        site.shutdown()
        site.server_close()


# ---- Host and /connect ------------------------------------------------------------------------


@pytest.mark.parametrize("host", [
    "localhost:{port}@evil.example", "localhost:@evil.example", "127.0.0.1:{port}@evil.example",
    "[::1]:{port}@evil.example",
    "evil.example@localhost", "localhost:7a", "localhost:-1", "localhost:+{port}", "127.0.0.1:{port}:{port}",
    "[::1]evil", "[::1", "localhost.", "127.0.0.1 evil.example",
])
def test_a_host_that_is_no_plain_loopback_authority_is_403(server, host):
    host = host.format(port=server.port)
    for path in ("/connect", "/", "/api/health"):
        response = requests.get(server.base_url + path, headers={"Host": host}, timeout=30)
        assert response.status_code == 403, (host, path)
        assert server.token not in response.text


def test_connect_is_never_cached(server):
    response = requests.get(server.base_url + "/connect", timeout=30)
    assert response.status_code == 200 and server.token in response.text
    assert response.headers["Cache-Control"] == "no-store"


def test_a_page_with_a_lone_surrogate_is_clipped_with_a_replacement_character(server):
    """What a page's script left (an emoji cut in half) is the page's, not the client's mistake."""
    page = article_page("Cut emoji", seed=6, body_extra=f"<p>The ferry timetable ends in a cut emoji {LONE} here.</p>")
    body = raw_json({"url": "https://news.example/cut", "html": page, "title": f"Cut {LONE} emoji"})
    response = server.api("POST", "/api/clips", data=body.encode(), headers={"Content-Type": "application/json"})
    assert response.status_code == 201, response.text
    clip = server.api("GET", f"/api/clips/{response.json()['id']}").json()
    assert clip["title"] == "Cut a\ufffdb emoji" and "emoji a\ufffdb here" in clip["text"]


# ---- client mistakes are 4xx ------------------------------------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000
LONE = "a\ud800b"


def raw_json(value: object) -> str:
    """JSON text as a client may send it; json.dumps writes a lone surrogate as the escape \\ud800."""
    return json.dumps(value)


#: (label, method, path, query, body text). {id} is the module's clip; a body is sent as application/json.
MISTAKES = [
    ("limit superscript two", "GET", "/api/clips", {"limit": "²"}, None),
    ("limit 5000 digits", "GET", "/api/clips", {"limit": "9" * 5000}, None),
    ("limit arabic digits", "GET", "/api/clips", {"limit": "٣"}, None),
    ("offset superscript two", "GET", "/api/clips", {"offset": "²"}, None),
    ("offset 5000 digits", "GET", "/api/clips", {"offset": "9" * 5000}, None),
    ("offset 20 digits", "GET", "/api/clips", {"offset": "9" * 20}, None),
    ("from full-width digits", "GET", "/api/clips", {"from": "２０２４-０１-０１"}, None),
    ("to with a newline", "GET", "/api/clips", {"to": "2024-01-01\n"}, None),
    ("sort unknown", "GET", "/api/clips", {"sort": "random"}, None),
    ("url unclosed IPv6", "GET", "/api/clips", {"url": "http://["}, None),
    ("post 100k deep", "POST", "/api/clips", {}, DEEP),
    ("post url unclosed IPv6", "POST", "/api/clips", {}, raw_json({"url": "https://[", "html": "<p>x</p>"})),
    ("patch 100k deep", "PATCH", "/api/clips/{id}", {}, '{"tags": ' + DEEP + "}"),
    ("patch lone surrogate title", "PATCH", "/api/clips/{id}", {}, raw_json({"title": LONE})),
    ("patch lone surrogate tag", "PATCH", "/api/clips/{id}", {}, raw_json({"tags": ["ok", LONE]})),
    ("patch lone surrogate note", "PATCH", "/api/clips/{id}", {}, raw_json({"note": LONE})),
    ("patch lone surrogate key", "PATCH", "/api/clips/{id}", {}, raw_json({LONE: "x"})),
    ("list page 20 digits", "GET", "/", {"page": "9" * 20}, None),
    ("list page superscript", "GET", "/", {"page": "²"}, None),
    ("list page zero", "GET", "/", {"page": "0"}, None),
    ("ui edit lone surrogate note", "PATCH", "/ui/clips/{id}", {}, raw_json({"note": LONE})),
    ("ui tag lone surrogate", "POST", "/ui/tag", {}, raw_json({"ids": ["{id}"], "tags": [LONE]})),
    ("ui tag 100k deep", "POST", "/ui/tag", {}, DEEP),
    ("ui undo lone surrogate", "POST", "/ui/undo", {}, raw_json({"undo": LONE})),
    ("export from full-width digits", "GET", "/export", {"format": "json", "from": "２０２４-01-01"}, None),
]


def csrf_token(server) -> str:
    page = requests.get(server.base_url + "/", timeout=30).text
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page)[1]


@pytest.mark.parametrize(("label", "method", "path", "query", "body"), MISTAKES, ids=[case[0] for case in MISTAKES])
def test_a_client_mistake_is_4xx_and_changes_nothing(server, clip, label, method, path, query, body):
    before = server.api("GET", f"/api/clips/{clip['id']}").json()
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if path.startswith("/ui/"):
        headers["X-CSRF-Token"] = csrf_token(server)
    data = body.replace("{id}", clip["id"]).encode() if body is not None else None
    response = server.api(method, path.format(id=clip["id"]), params=query, data=data, headers=headers)
    assert response.status_code in (400, 422), (label, response.status_code, response.text[:300])
    if path.startswith(("/api/", "/ui/")):
        error = response.json()["error"]
        assert error["code"] in ("bad_json", "bad_query", "bad_input") and error["message"]
    else:
        assert "text/html" in response.headers["Content-Type"] and "Something is wrong" in response.text
    assert server.api("GET", f"/api/clips/{clip['id']}").json() == before
