"""The chart script is built once per cache folder, however many processes ask for it at once (issue 25)."""

from __future__ import annotations

import multiprocessing as mp
import time

import pytest
import vl_convert

from analyzer.report import assets

pytestmark = pytest.mark.skipif(assets.fcntl is None or mp.get_start_method() != "fork",
                                reason="the lock file needs fcntl; the stand-in builder needs fork")


@pytest.fixture
def counting_builder(tmp_path, monkeypatch):
    """vl-convert's bundler replaced by one that notes each build in a file (seen across processes)."""
    builds = tmp_path / "builds.txt"

    def bundle() -> str:
        with open(builds, "a") as fh:
            fh.write("built\n")
        time.sleep(0.2)  # long enough for the others to ask while it builds (the count holds either way)
        return "/* vega */"

    monkeypatch.setattr(vl_convert, "javascript_bundle", bundle)
    monkeypatch.setattr(assets, "_version", lambda: "test")
    assets.vega_bundle.cache_clear()
    yield builds
    assets.vega_bundle.cache_clear()


def test_a_bundle_started_ahead_is_waited_for_not_built_again(tmp_path, counting_builder):
    cache = str(tmp_path / "cache")
    builder = assets.start_bundle(cache)
    assert builder is not None
    assert assets.vega_bundle(cache) == "/* vega */"  # waits for the builder's lock, then reads its file
    builder.join()
    assert counting_builder.read_text().splitlines() == ["built"]
    assert (tmp_path / "cache" / "assets" / "vega-bundle-test.js").read_text() == "/* vega */"
    assert assets.start_bundle(cache) is None  # there already: nothing to start


def test_two_builders_and_two_readers_build_it_once(tmp_path, counting_builder):
    cache = str(tmp_path / "cache")
    first, second = assets.start_bundle(cache, wait=False), assets.start_bundle(cache)
    ctx = mp.get_context("fork")
    readers = [ctx.Process(target=assets.vega_bundle, args=(cache,)) for _ in range(2)]
    for r in readers:
        r.start()
    for p in [first, second, *readers]:
        if p is not None:
            p.join()
    assert [p.exitcode for p in readers] == [0, 0]
    assert counting_builder.read_text().splitlines() == ["built"]
    assert assets.vega_bundle(cache) == "/* vega */"


def test_without_a_builder_the_first_page_builds_it(tmp_path, counting_builder):
    cache = str(tmp_path / "cache")
    assert assets.vega_bundle(cache) == "/* vega */"
    assets.vega_bundle.cache_clear()
    assert assets.vega_bundle(cache) == "/* vega */"  # read back from the cache folder
    assert counting_builder.read_text().splitlines() == ["built"]
