"""The protected request against a local stand-in server: answers, refusals and their reasons as data."""

from __future__ import annotations

import gzip

import pytest
from pytest_httpserver import HTTPServer

from analyzer.errors import ArchiveError
from analyzer.weather import client
from analyzer.weather.client import check_url, protected_get
from analyzer.weather.reasons import Reason

PARAMS = {"latitude": "40.4", "longitude": "-3.7", "start_date": "2024-06-15", "end_date": "2024-06-16"}


def get(url: str, **kw) -> dict:
    import time

    return protected_get(url, dict(PARAMS), time.time() + 30, 30, **kw)


def failure(url: str) -> ArchiveError:
    with pytest.raises(ArchiveError) as caught:
        get(url)
    return caught.value


def test_a_json_answer_is_given_and_each_try_is_counted(httpserver):
    httpserver.expect_request("/v1/archive", query_string="latitude=40.4&longitude=-3.7&start_date=2024-06-15"
                                                          "&end_date=2024-06-16").respond_with_json({"ok": 1})
    sent = []
    assert get(httpserver.url_for("/v1/archive"), on_send=lambda: sent.append(1)) == {"ok": 1}
    assert sent == [1]


def test_busy_after_every_retry(httpserver):
    httpserver.expect_request("/v1/archive").respond_with_data("busy", status=503)
    exc = failure(httpserver.url_for("/v1/archive"))
    assert str(exc) == f"the weather archive is busy (HTTP 503) after {client.RETRY_ATTEMPTS} tries"
    assert (exc.reason, exc.give_up) == (Reason.BUSY, True)
    assert len(httpserver.log) == client.RETRY_ATTEMPTS


def test_a_refused_request_concerns_only_itself(httpserver):
    httpserver.expect_request("/v1/archive").respond_with_json({"error": True, "reason": "Latitude must be in range"},
                                                               status=400)
    exc = failure(httpserver.url_for("/v1/archive"))
    assert str(exc) == ("the weather archive refused the request for 2024-06-15 to 2024-06-16 "
                        "(HTTP 400: Latitude must be in range)")
    assert (exc.reason, exc.give_up) == (Reason.REFUSED, False)


def test_redirects_within_the_host_are_followed_and_to_another_never(httpserver):
    httpserver.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/v1/archive"})
    httpserver.expect_request("/v1/archive").respond_with_json({"moved": True})
    assert get(httpserver.url_for("/old")) == {"moved": True}
    assert httpserver.host == "localhost"
    # the same server and port under another host name: only the host differs, and that alone refuses it
    same_port = f"http://127.0.0.1:{httpserver.port}/v1/archive"
    httpserver.expect_request("/renamed").respond_with_data("", status=302, headers={"Location": same_port})
    before = len(httpserver.log)
    exc = failure(httpserver.url_for("/renamed"))
    assert (exc.reason, str(exc)) == (Reason.REDIRECTED, "the weather archive at localhost redirected the request to "
                                      "another address (127.0.0.1); not followed, so nothing was sent there")
    assert [r.path for r, _ in httpserver.log[before:]] == ["/renamed"]
    other = HTTPServer(host="127.0.0.1", port=0)  # another host (and port) on the same machine
    other.start()
    try:
        other.expect_request("/v1/archive").respond_with_json({"stolen": True})
        httpserver.expect_request("/away").respond_with_data("", status=302,
                                                             headers={"Location": other.url_for("/v1/archive")})
        exc = failure(httpserver.url_for("/away"))
        assert exc.reason == Reason.REDIRECTED and "another address (127.0.0.1)" in str(exc)
        assert len(other.log) == 0
    finally:
        other.stop()


def test_an_answer_that_is_not_json_or_too_big_is_implausible(httpserver, monkeypatch):
    httpserver.expect_request("/text").respond_with_data("<html>hello</html>")
    exc = failure(httpserver.url_for("/text"))
    assert (str(exc), exc.reason) == ("the weather archive's answer was refused: it is not JSON", Reason.IMPLAUSIBLE)
    monkeypatch.setattr(client, "MAX_ANSWER_BYTES", 1024 * 1024)
    bomb = gzip.compress(b" " * (8 * 1024 * 1024), compresslevel=9)  # 8 MB of spaces in a few kB
    httpserver.expect_request("/bomb").respond_with_data(bomb, headers={"Content-Encoding": "gzip"})
    exc = failure(httpserver.url_for("/bomb"))
    assert str(exc) == "the weather archive's answer was refused: it is larger than 1 MB once decompressed"
    assert exc.reason == Reason.IMPLAUSIBLE


def test_no_listener_is_unreachable_and_gives_up():
    exc = failure("http://127.0.0.1:9/v1/archive")  # nothing listens on the discard port
    assert exc.reason == Reason.UNREACHABLE and exc.give_up
    assert str(exc).startswith("the weather archive at 127.0.0.1 could not be reached (")


@pytest.mark.parametrize("url,words", [
    ("file:///etc/passwd", "is not http or https (file:)"),
    ("ftp://mirror.example/v1", "is not http or https (ftp:)"),
    ("archive.example/v1", "is not http or https (no scheme)"),
    ("http:///v1/archive", "has no host name"),
    ("https://user:pw@archive.example/", "carries a user name or password"),
])
def test_only_http_and_https_with_a_host_and_no_credentials(url, words):
    assert words in check_url(url)
    exc = failure(url)
    assert exc.reason == Reason.BAD_ADDRESS and words in str(exc)


def test_the_offline_probe_is_asked_once_per_host(monkeypatch):
    calls = []
    real = client.socket.create_connection

    def counted(address, *args, **kwargs):
        calls.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(client.socket, "create_connection", counted)
    assert client.reachable("http://127.0.0.1:9/a") is False
    assert client.reachable("http://127.0.0.1:9/b") is False
    assert calls == [("127.0.0.1", 9)]
