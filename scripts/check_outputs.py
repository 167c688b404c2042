"""One execution per build: check the book's own fresh execution against the committed notebooks.

``make book`` executes every notebook from an empty execution cache and writes the executed copies to
``_build/jupyter_execute/notebooks/``; it then records the sha256 of every input of that execution
(``inputs_hash()``: the notebooks, mktlib's code and YAML, the configuration, the lock) in
``_build/.inputs-sha256``. ``make test`` calls this script: when the recorded hash equals the current one,
the fresh execution is checked exactly as nbval --nbval-lax would check it (every code cell ran without an
error; every cell marked ``# NBVAL_CHECK_OUTPUT`` printed the committed text, after the sanitizer of
``nbval_sanitize.cfg``) and nbval is not run again; otherwise it exits 3 and ``make test`` runs nbval.

Usage: ``python scripts/check_outputs.py [--stamp]`` (``--stamp`` writes the hash after a build).
"""

from __future__ import annotations

import configparser
import hashlib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILT = ROOT / "_build" / "jupyter_execute" / "notebooks"
STAMP = ROOT / "_build" / ".inputs-sha256"
MARK = "# NBVAL_CHECK_OUTPUT"


def inputs_hash() -> str:
    """sha256 over every input of a book execution (paths and bytes, in a fixed order)."""
    h = hashlib.sha256()
    files = sorted((ROOT / "notebooks").glob("*.ipynb"))
    files += sorted(
        p for p in (ROOT / "mktlib").rglob("*") if p.suffix in {".py", ".yaml", ".txt"} and "__pycache__" not in p.parts
    )
    files += [ROOT / "_config.yml", ROOT / "_toc.yml", ROOT / "requirements.lock", ROOT / "nbval_sanitize.cfg"]
    for p in files:
        h.update(p.relative_to(ROOT).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def sanitizers() -> list[tuple[re.Pattern, str]]:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "nbval_sanitize.cfg")
    return [(re.compile(cfg[s]["regex"]), cfg[s]["replace"]) for s in cfg.sections()]


def text_of(outputs: list[dict], subs) -> str:
    parts = []
    for o in outputs:
        if o.get("output_type") == "stream":
            parts.append("".join(o["text"]))
        elif o.get("output_type") in ("execute_result", "display_data") and "text/plain" in o.get("data", {}):
            parts.append("".join(o["data"]["text/plain"]))
    s = "".join(parts)
    for rx, rep in subs:
        s = rx.sub(rep, s)
    return s


def check(committed: Path, built: Path, subs) -> list[str]:
    """Problems found comparing one committed notebook with its fresh execution (empty = passes)."""
    a = json.loads(committed.read_text())
    b = json.loads(built.read_text())
    ca = [c for c in a["cells"] if c["cell_type"] == "code"]
    cb = [c for c in b["cells"] if c["cell_type"] == "code"]
    if [("".join(c["source"])) for c in ca] != [("".join(c["source"])) for c in cb]:
        return [f"{committed.name}: the built notebook's code cells differ from the committed ones"]
    problems = []
    for i, (x, y) in enumerate(zip(ca, cb, strict=True)):
        if any(o.get("output_type") == "error" for o in y.get("outputs", [])):
            problems.append(f"{committed.name}: code cell {i + 1} raised an error in the build")
        if "".join(x["source"]).lstrip().startswith(MARK):
            want, got = text_of(x.get("outputs", []), subs), text_of(y.get("outputs", []), subs)
            if want != got:
                problems.append(
                    f"{committed.name}: checked cell {i + 1} printed other text than committed:\n"
                    f"--- committed\n{want}\n--- built\n{got}"
                )
    return problems


def main(argv: list[str]) -> int:
    if "--stamp" in argv:
        STAMP.parent.mkdir(exist_ok=True)
        STAMP.write_text(inputs_hash() + "\n")
        return 0
    if not STAMP.is_file() or STAMP.read_text().strip() != inputs_hash():
        print("check_outputs: no book built from the current inputs; nbval will execute the notebooks")
        return 3
    subs = sanitizers()
    problems, n = [], 0
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        built = BUILT / nb.name
        if not built.is_file():
            problems.append(f"{nb.name}: not executed by the build ({built} missing)")
            continue
        problems += check(nb, built, subs)
        n += 1
    for p in problems:
        print(p)
    print(
        f"check_outputs: {n} notebooks from the book's own execution checked against the committed outputs: "
        f"{'FAILED' if problems else 'all match'}"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
