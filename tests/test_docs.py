"""The documentation: it builds with warnings as errors, covers the public API, and points at
nothing outside the project."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import analyzer
from analyzer.flags.thresholds import THRESHOLDS
from analyzer.references import REFERENCES
from tests.conftest import REPO

DOCS = REPO / "docs"


def test_the_site_builds_with_warnings_as_errors(tmp_path):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                          cwd=REPO, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    site = tmp_path / "site"
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    for name in ("read_fit", "load_athlete", "analyze", "run_report", "heat_index_c", "grade_from_records"):
        assert re.search(rf'id="analyzer\.[\w.]*\.{name}"', api), name
    # Sphinx roles are links (or plain code for targets outside the project), never raw text
    assert not re.findall(r":(?:func|class|meth|mod|data|attr|exc):", api)
    assert re.search(r'<a class="autorefs autorefs-internal"[^>]*href="#analyzer\.io\.fit\.read_fit"', api)
    # private members are not in the reference; signatures are formatted one parameter a line
    assert "__getstate__" not in api and "_repr_html_" not in api
    signature = api[api.index('id="analyzer.plots.run.plot_run"'):]
    signature = re.sub(r"<[^>]+>", "", signature[signature.index("doc-signature"):][:6000])
    assert "\n    cramps: DataFrame | Analysis | Athlete | None = None,\n" in signature
    thresholds = (site / "thresholds" / "index.html").read_text(encoding="utf-8")
    for name in THRESHOLDS:  # the table is written from the code
        assert f"<code>{name}</code>" in thresholds
    refs = (site / "references" / "index.html").read_text(encoding="utf-8")
    for ref in REFERENCES.values():
        assert ref.short.replace("&", "&amp;") in refs


def test_every_public_name_is_in_the_api_reference():
    api = (DOCS / "api.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^::: ([\w.]+)", api, flags=re.M))
    missing = []
    for name in analyzer.__all__:
        if name.startswith("__"):
            continue
        obj = getattr(analyzer, name)
        if f"{obj.__module__}.{name}" not in documented and obj.__module__ not in documented:
            missing.append(name)
    assert not missing, f"not in docs/api.md: {missing}"


def test_the_public_part_of_the_reference_is_exactly_analyzer_all():
    api = (DOCS / "api.md").read_text(encoding="utf-8")
    public_part = api[: api.index("## The science")]
    documented = [entry.rsplit(".", 1)[-1] for entry in re.findall(r"^::: ([\w.]+)", public_part, flags=re.M)]
    assert len(documented) == len(set(documented))
    # heat_index_c is documented with the rest of its module, under "The science"
    modules = set(re.findall(r"^::: ([\w.]+)", api[len(public_part):], flags=re.M))
    with_module = {name for name in analyzer.__all__ if getattr(getattr(analyzer, name), "__module__", "") in modules}
    assert with_module == {"heat_index_c"}
    assert set(documented) | with_module == {name for name in analyzer.__all__ if not name.startswith("__")}
    for entry in re.findall(r"^::: ([\w.]+)", public_part, flags=re.M):  # each one is importable from analyzer
        module, name = entry.rsplit(".", 1)
        assert getattr(analyzer, name) is getattr(__import__(module, fromlist=[name]), name), entry


_SCOPE = ["README.md", "docs", "analyzer", "notebooks"]
_FILE_REF = re.compile(r"(?<![\w/.-])((?:\.\./|\./)?[\w./-]*\.(?:md|tsv|toml|csv|ipynb|py))\b")


def _texts():
    for item in _SCOPE:
        path = REPO / item
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        for f in files:
            if f.suffix in (".py", ".md", ".j2", ".css", ".ipynb", ".txt", ".html") and "__pycache__" not in f.parts:
                yield f, f.read_text(encoding="utf-8")


def test_nothing_points_outside_the_project():
    """No reference to the folder the project came from, nor to any file the project does not hold."""
    project_names = {p.name for p in REPO.rglob("*") if ".venv" not in p.parts and ".git" not in p.parts}
    bad = []
    for f, text in _texts():
        rel = f.relative_to(REPO)
        for banned in ("../shared", "shared/fit-corpus", "DOMAIN.md", "FORMATS.md", "STYLE.md", "DEVELOPERS.md"):
            if banned in text:
                bad.append(f"{rel}: {banned}")
        for ref in _FILE_REF.findall(text):
            name = Path(ref).name
            if "*" in ref or name.startswith(".") or "{" in ref or name in project_names:
                continue
            if re.fullmatch(r"[\w-]+\.(csv|toml|py|md|ipynb|tsv)", name) and name in _GENERIC:
                continue
            bad.append(f"{rel}: {ref}")
    assert not bad, "references outside the project:\n" + "\n".join(sorted(set(bad)))


# names a user's own folders hold (the contract's inputs and outputs), not files of this project
_GENERIC = {"athlete.toml", "cramps.csv", "weather.csv", "weigh_ins.csv", "summary.csv", "flags.csv", "errors.csv",
            "pyproject.toml", "MANIFEST.tsv", "activities.csv", "suggested_cramps.csv", "mkdocs.yml", "config.toml",
            "runs.csv"}


@pytest.mark.parametrize("page", sorted(p.name for p in DOCS.glob("*.md")))
def test_docs_pages_are_in_the_nav(page):
    nav = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    assert page in nav
