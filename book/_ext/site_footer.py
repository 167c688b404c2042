"""Every page's footer names the version, the build's commit and date, and the claims protocol's sha256,
so a reader citing a page can say exactly which ledger it showed.

The version comes from pyproject.toml, the commit and its date from git (the commit date, not the clock,
so two builds of one commit print the same footer; "uncommitted changes" is added when the tree differs),
the protocol hash from mktlib.claims.protocol_sha256().
"""

from __future__ import annotations

import html
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def footer_html() -> str:
    from mktlib import claims

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    commit = _git("rev-parse", "--short=12", "HEAD") or "unknown"
    date = _git("log", "-1", "--format=%cs") or "unknown"
    dirty = " (with uncommitted changes)" if _git("status", "--porcelain", "--untracked-files=no") else ""
    sha = claims.protocol_sha256()
    return (f'<p class="mktlib-footer">Version {html.escape(version)} &middot; commit '
            f"<code>{html.escape(commit)}</code> of {html.escape(date)}{html.escape(dirty)} &middot; claims "
            f'protocol sha256 <code title="{sha}">{sha[:12]}</code> &middot; '
            f'<a href="https://creativecommons.org/licenses/by/4.0/">text and figures CC BY 4.0</a>, code MIT</p>')


def _set_footer(app, config):
    opts = dict(config.html_theme_options or {})
    opts["extra_footer"] = (opts.get("extra_footer") or "") + footer_html()
    config.html_theme_options = opts


def setup(app):
    app.connect("config-inited", _set_footer)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
