"""Griffe extension: Sphinx roles in docstrings (``:func:`analyzer.read_fit```) become links.

The docstrings keep the numpydoc/Sphinx roles that Python's own help and IDEs read; on the site each
role is turned into an optional cross-reference, resolved by mkdocs-autorefs to the object's
entry, or shown as plain code when the target is not documented here (pandas, the standard library).
A public name (``analyzer.Analysis``) points at where it is documented (``analyzer.analysis.Analysis``).
"""

from __future__ import annotations

import html
import re

import griffe

_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|data|attr|exc|obj|const):`(~?)([\w.]+)(?:\(\))?`")


def _public() -> dict[str, str]:
    import analyzer

    return dict(analyzer._LAZY)  # noqa: SLF001 - the public names and the modules that define them


def _identifier(target: str, module: str, public: dict[str, str], owner: str | None = None) -> str:
    parts = target.split(".")
    if owner and "." not in target and not target[:1].isupper():  # a method or attribute of the same class
        return f"{owner}.{target}"
    if "." in target and parts[0] != "analyzer" and parts[0][:1].isupper() and parts[0] not in public:
        return f"{module}.{target}"  # Activity.legs: a class of this module
    if parts[0] == "analyzer" and len(parts) >= 2 and parts[1] in public:
        return ".".join([public[parts[1]], *parts[1:]])
    if parts[0] != "analyzer" and parts[0] in public and len(parts) <= 2:
        return ".".join([public[parts[0]], *parts])
    if "." not in target or parts[0] not in ("analyzer", "pandas", "numpy", "datetime", "matplotlib"):
        return f"{module}.{target}"
    return target


def link_roles(text: str, module: str, public: dict[str, str] | None = None, owner: str | None = None) -> str:
    """``text`` with every Sphinx role as an optional autorefs cross-reference."""
    public = _public() if public is None else public

    def one(match: re.Match) -> str:
        short, target = match.group(1), match.group(2)
        title = target.rsplit(".", 1)[-1] if short else target
        ident = html.escape(_identifier(target, module, public, owner), quote=True)
        return f'<autoref identifier="{ident}" optional><code>{html.escape(title)}</code></autoref>'

    return _ROLE.sub(one, text)


class SphinxRoles(griffe.Extension):
    """Rewrite each object's docstring before it is parsed."""

    def __init__(self) -> None:
        super().__init__()
        self.public = _public()

    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:  # noqa: ARG002 - griffe's hook signature
        if obj.docstring is None or ":" not in obj.docstring.value:
            return
        module = obj.path if obj.is_module else obj.module.path
        owner = obj.path if obj.is_class else (obj.parent.path if obj.parent is not None and obj.parent.is_class
                                               else None)
        obj.docstring.value = link_roles(obj.docstring.value, module, self.public, owner)
