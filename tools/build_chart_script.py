"""Rebuild the chart script the report pages inline: ``analyzer/report/vendor/vega-bundle.js``.

    pip install -e '.[test]'              # vl-convert-python, at the version pyproject.toml pins
    python tools/build_chart_script.py    # writes the file; --check only compares

vl-convert-python packs Vega, Vega-Lite, vega-embed and their dependencies into one script
(``vl_convert.javascript_bundle()``, the default snippet, the latest Vega-Lite it carries). The
analyzer ships the result so that no report has to start vl-convert's JavaScript engine (1.8 s
of one core, and a process that dies under ``ulimit -v``). When you move the pin in
``pyproject.toml``, run this, check the libraries' versions and licences in
``analyzer/report/vendor/NOTICE`` and update its first lines; ``tests/report/test_assets.py``
builds the script again with the installed vl-convert and compares it byte for byte.

The build runs in a separate process, as the engine needs gigabytes of address space.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "analyzer" / "report" / "vendor" / "vega-bundle.js"
BUILD = "import sys, vl_convert; sys.stdout.buffer.write(vl_convert.javascript_bundle().encode('utf-8'))"


def build() -> bytes:
    """The chart script as the installed vl-convert builds it (in a process of its own)."""
    done = subprocess.run([sys.executable, "-c", BUILD], capture_output=True, stdin=subprocess.DEVNULL, timeout=600)
    if done.returncode != 0 or not done.stdout:
        raise SystemExit(f"vl-convert failed (exit {done.returncode}): {done.stderr.decode('utf-8', 'replace')[-500:]}")
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether the shipped file is what vl-convert builds")
    args = parser.parse_args()
    text = build()
    if args.check:
        same = SCRIPT.is_file() and SCRIPT.read_bytes() == text
        print(f"{SCRIPT}: {'the same as' if same else 'differs from'} the build ({len(text):,} bytes)")
        raise SystemExit(0 if same else 1)
    SCRIPT.write_bytes(text)
    print(f"wrote {SCRIPT} ({len(text):,} bytes)")


if __name__ == "__main__":
    main()
