"""MkDocs hook: tables that the code owns are written from the code, so the site never disagrees with it.

``<!-- thresholds -->`` becomes the table of every threshold (analyzer.flags.thresholds) and
``<!-- references -->`` the list of every reference (analyzer.references).
"""

from __future__ import annotations


def _thresholds() -> str:
    from analyzer.flags.thresholds import THRESHOLDS
    from analyzer.references import REFERENCES

    lines = ["| name | default | unit | allowed | basis | source | how contested |", "|---|---|---|---|---|---|---|"]
    for t in THRESHOLDS.values():
        refs = "; ".join(REFERENCES[k].short for k in t.references) or "—"
        lines.append(f"| `{t.name}` | {t.default:.4g} | {t.unit} | {t.minimum:g}–{t.maximum:g} | {t.basis} | "
                     f"{refs} | {t.contested or '—'} |")
    return "\n".join(lines)


def _references() -> str:
    from analyzer.references import REFERENCES

    out = []
    for r in sorted(REFERENCES.values(), key=lambda r: r.citation):
        link = f" <{r.link}>" if r.link else ""
        out.append(f"- **{r.short}.** {r.citation}{link}")
    return "\n".join(out)


def on_page_markdown(markdown: str, page, config, files) -> str:  # noqa: ARG001 - MkDocs hook signature
    if "<!-- thresholds -->" in markdown:
        markdown = markdown.replace("<!-- thresholds -->", _thresholds())
    if "<!-- references -->" in markdown:
        markdown = markdown.replace("<!-- references -->", _references())
    return markdown
