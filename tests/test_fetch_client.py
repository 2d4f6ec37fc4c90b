"""The guarded client over real HTTP to 127.0.0.1 (names other than localhost are given addresses by
replacing the system resolver: nothing ever connects outside 127.0.0.0/8)."""

import socket

import pytest

from local_web import LocalWeb, Route
from tidyclip.fetch import FetchFailed, FetchRules, fetch, host_is_private

RULES = FetchRules(max_bytes=1000, timeout=2.0, accept="image/*", allow_private=True)


@pytest.fixture
def web():
    with LocalWeb() as running:
        yield running


@pytest.fixture
def resolver(monkeypatch):
    """Names -> the addresses the system resolver answers, and how often each was asked."""
    answers: dict[str, list[list[str]]] = {}
    asked: list[str] = []
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host not in answers:
            return real(host, port, *args, **kwargs)
        asked.append(host)
        round_ = answers[host][min(asked.count(host), len(answers[host])) - 1]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in round_]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return answers, asked


def failure(url, rules=RULES, **kwargs) -> FetchFailed:
    with pytest.raises(FetchFailed) as caught:
        fetch(url, rules, **kwargs)
    return caught.value


def test_a_plain_fetch_sends_browser_headers_and_no_cookies(web):
    web.routes["/a.png"] = Route(b"x" * 500, headers={"Content-Type": "image/png", "Set-Cookie": "track=1"})
    got = fetch(web.url("/a.png"), RULES, referer="http://127.0.0.1/page")
    again = fetch(web.url("/a.png"), RULES)
    assert (got.status, got.content_type, got.body) == (200, "image/png", b"x" * 500) and again.body == got.body
    sent = [headers for _path, headers in web.requests]
    assert sent[0]["accept"] == "image/*" and sent[0]["referer"] == "http://127.0.0.1/page"
    assert "Mozilla/5.0" in sent[0]["user-agent"]
    assert all("cookie" not in headers and "authorization" not in headers for headers in sent)


def test_failures_say_why(web):
    web.routes["/big"] = Route(b"x" * 1001)
    web.routes["/loop"] = Route(status=302, headers={"Location": "/loop"})
    assert (failure(web.url("/missing")).code, failure(web.url("/missing")).reason) == ("http", "http 404")
    assert failure(web.url("/big")).code == "too_big"
    assert failure(web.url("/loop")).reason == "more than 5 redirects"
    assert failure("ftp://127.0.0.1/x").code == "address"
    assert failure(f"http://user:pw@127.0.0.1:{web.port}/a").code == "address"
    assert failure("http://no-such-name.invalid/a.png").code == "dns"


def test_a_body_past_the_cap_stops_being_read_without_a_content_length(web):
    web.routes["/big"] = Route(b"y" * 300_000, no_length=True)
    web.routes["/fits"] = Route(b"y" * 90_000, no_length=True)
    rules = FetchRules(max_bytes=100_000, timeout=5.0, accept="*/*", allow_private=True)
    assert failure(web.url("/big"), rules).reason == "too big (over 100000 bytes)"
    assert len(fetch(web.url("/fits"), rules).body) == 90_000


def test_a_trickling_server_is_cut_off_at_the_deadline(web):
    web.routes["/slow"] = Route(b"z" * 100, trickle=0.05)  # 5 s in all, a byte every 50 ms
    rules = FetchRules(max_bytes=1000, timeout=0.5, accept="*/*", allow_private=True)
    assert failure(web.url("/slow"), rules).reason == "timed out"


def test_private_addresses_are_refused_unless_allowed(web):
    web.routes["/a"] = Route(b"ok")
    strict = FetchRules(max_bytes=1000, timeout=2.0, accept="*/*")
    refused = failure(web.url("/a"), strict)
    assert (refused.code, refused.reason) == ("refused", "refused address 127.0.0.1 (loopback)")
    assert web.requests == []  # refused before connecting
    assert fetch(web.url("/a"), RULES).body == b"ok"


def test_every_redirect_hop_is_checked_again(web):
    web.routes["/hop"] = Route(status=301, headers={"Location": "http://0.0.0.0:9/admin"})
    web.routes["/ftp"] = Route(status=302, headers={"Location": "file:///etc/passwd"})
    web.routes["/next"] = Route(status=307, headers={"Location": "/a"})
    web.routes["/a"] = Route(b"ok")
    assert failure(web.url("/hop")).reason == "refused address 0.0.0.0 (unspecified)"
    assert failure(web.url("/ftp")).code == "address"
    landed = fetch(web.url("/next"), RULES)
    assert landed.body == b"ok" and landed.url == web.url("/a")


def test_a_name_is_resolved_once_and_connected_to_at_the_checked_address(web, resolver):
    answers, asked = resolver
    # First answer checked and used; a rebinding second answer is never asked for (0.0.0.0: were it
    # asked for, the guard would refuse it, so even a broken client connects nowhere outside 127/8).
    answers["images.test"] = [["127.0.0.1"], ["0.0.0.0"]]
    web.routes["/a"] = Route(b"pinned")
    assert fetch(f"http://images.test:{web.port}/a", RULES).body == b"pinned"
    assert asked == ["images.test"]
    assert web.requests[-1][1]["host"] == f"images.test:{web.port}"


def test_one_private_address_among_public_ones_refuses_the_name(resolver):
    answers, _asked = resolver
    answers["mixed.test"] = [["8.8.8.8", "127.0.0.1"]]
    strict = FetchRules(max_bytes=1000, timeout=2.0, accept="*/*")
    assert failure("http://mixed.test/a", strict).reason == "refused address 127.0.0.1 (loopback)"


def test_a_page_on_the_users_own_machine_is_told_apart(resolver):
    answers, _asked = resolver
    answers["public.test"] = [["8.8.8.8"]]
    assert host_is_private("http://127.0.0.1:8000/page") and host_is_private("http://localhost/page")
    assert not host_is_private("http://public.test/page")
    assert not host_is_private("http://no-such-name.invalid/page")


def self_signed(tmp_path, name: str) -> tuple[str, str]:
    import subprocess

    cert, key = tmp_path / f"{name}.crt", tmp_path / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={name}",
                    "-addext", f"subjectAltName=DNS:{name}", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return str(cert), str(key)


@pytest.fixture
def tls_web(tmp_path):
    import ssl

    cert, key = self_signed(tmp_path, "images.test")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with LocalWeb(tls=context) as running:
        running.routes["/a"] = Route(b"over tls")
        yield running, cert


def test_https_is_pinned_to_the_checked_address_and_checks_the_names_certificate(tls_web, resolver, monkeypatch):
    web, cert = tls_web
    answers, asked = resolver
    answers["images.test"] = [["127.0.0.1"]]
    answers["other.test"] = [["127.0.0.1"]]
    untrusted = failure(f"https://images.test:{web.port}/a")
    assert untrusted.code == "tls" and "certificate" in untrusted.reason  # not trusted: refused, not read
    monkeypatch.setenv("SSL_CERT_FILE", cert)  # now trusted, for images.test only
    assert fetch(f"https://images.test:{web.port}/a", RULES).body == b"over tls"
    assert asked.count("images.test") == 2  # one lookup a fetch
    assert web.requests[-1][1]["host"] == f"images.test:{web.port}"
    mismatch = failure(f"https://other.test:{web.port}/a")
    assert mismatch.code == "tls"  # the certificate names images.test: connecting by IP does not skip the check
