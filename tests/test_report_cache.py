"""The report cache's fingerprint of an athlete folder (:func:`analyzer.report_cache.folder_fingerprint`):
a file whose size, times and inode are those noted last time is not read again, but only when they
were noted once the file had settled (racy stamps, :data:`analyzer.io.cache.SETTLED_AFTER_S`)."""

from __future__ import annotations

import hashlib

from analyzer import report_cache
from analyzer.io.cache import SETTLED_AFTER_S, file_stamp
from analyzer.report_cache import folder_fingerprint

SETTLED_NS = int(SETTLED_AFTER_S * 1e9)


def _folder(tmp_path):
    folder = tmp_path / "ana"
    (folder / "activities").mkdir(parents=True)
    (folder / "cramps.csv").write_text("date,time,leg\n2024-06-03,07:10,left\n", encoding="utf-8")
    (folder / "activities" / "r1.fit").write_bytes(b"first run bytes")
    return folder


def test_stamps_of_files_changed_just_before_are_not_kept(tmp_path, monkeypatch):
    folder = _folder(tmp_path)
    changes = [max(file_stamp(p)[1:3]) for p in folder.rglob("*") if p.is_file()]
    stats: dict[str, list] = {}
    monkeypatch.setattr(report_cache, "now_ns", lambda: min(changes) + SETTLED_NS - 1)
    folder_fingerprint(folder, stats=stats)
    assert stats == {}  # noted too soon: every file is read again next time
    monkeypatch.setattr(report_cache, "now_ns", lambda: max(changes) + SETTLED_NS)
    folder_fingerprint(folder, stats=stats)
    run = folder / "activities" / "r1.fit"
    assert stats["activities/r1.fit"] == [*file_stamp(run), hashlib.sha256(b"first run bytes").hexdigest()]
    assert set(stats) == {"cramps.csv", "activities/r1.fit"}


def test_a_rewrite_that_leaves_the_stamp_as_it_was_is_seen_when_the_stamp_was_racy(tmp_path, monkeypatch):
    """Rewritten within one tick of the filesystem's clock, with the same size, a file shows the same
    stamp with other bytes (frozen here): noted that soon after its change, it is read again."""
    folder = _folder(tmp_path)
    run = folder / "activities" / "r1.fit"
    frozen = file_stamp(run)
    monkeypatch.setattr(report_cache, "file_stamp", lambda p: frozen if p == run else file_stamp(p))
    monkeypatch.setattr(report_cache, "now_ns", lambda: max(frozen[1:3]) + 1)  # right after the change
    stats: dict[str, list] = {}
    first = folder_fingerprint(folder, stats=stats)
    run.write_bytes(b"other run bytes")  # same size, other bytes
    assert folder_fingerprint(folder, known=stats) != first


def test_a_settled_stamp_spares_reading_the_file(tmp_path, monkeypatch):
    folder = _folder(tmp_path)
    monkeypatch.setattr(report_cache, "now_ns", lambda: max(max(file_stamp(p)[1:3]) for p in folder.rglob("*")
                                                             if p.is_file()) + SETTLED_NS)
    stats: dict[str, list] = {}
    first = folder_fingerprint(folder, stats=stats)
    hashed: list[object] = []
    digest = hashlib.file_digest
    monkeypatch.setattr(hashlib, "file_digest", lambda fh, name: hashed.append(fh) or digest(fh, name))
    assert folder_fingerprint(folder, known=stats) == first
    assert hashed == []  # neither file was read
