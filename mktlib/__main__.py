"""Command line: ``python -m mktlib data list|verify|info ID|pack|fetch|ensure`` and
``python -m mktlib claims [diff OLD NEW] --format F``."""

from __future__ import annotations

import argparse
import sys

from mktlib.errors import DataError


def _data_list(args) -> int:
    from mktlib import data

    cov = data.coverage()
    width = max(len(i) for i in cov.index)
    print(f"{'id':<{width}}  {'freq':<9} {'first (UTC)':<17} {'last (UTC)':<17} {'rows':>8}")
    for i, r in cov.iterrows():
        print(
            f"{i:<{width}}  {r['frequency']:<9} {r['first']:%Y-%m-%d %H:%M}  {r['last']:%Y-%m-%d %H:%M}  {r['rows']:>8}"
        )
    print(f"{len(cov)} datasets")
    return 0


def _data_verify(args) -> int:
    from mktlib import data

    try:
        root = data.data_root()
    except DataError as exc:
        print(f"FAIL {exc}", file=sys.stderr)
        return 2
    results = data.verify(args.ids or None)
    bad = [r for r in results if not r.ok]
    for r in results:
        if args.verbose or not r.ok:
            print(f"{'OK  ' if r.ok else 'FAIL'} {r.id:<34} {r.path}" + ("" if r.ok else f"\n     {r.problem}"))
    print(
        f"data root {root}: {len(results) - len(bad)}/{len(results)} files OK" + (f", {len(bad)} FAILED" if bad else "")
    )
    return 1 if bad else 0


def _data_info(args) -> int:
    from mktlib import data

    e = data.entry(args.id)
    df = data.load(args.id)
    print(f"{e.id}: {e.title}")
    print(f"  file       {e.path}")
    print(f"  sha256     {e.sha256}")
    print(f"  parser     {e.parser} {e.options or ''}")
    print(f"  frequency  {e.frequency}; index = {e.timestamp}")
    print(f"  coverage   {df.index.min()} .. {df.index.max()} ({len(df)} rows)")
    print("  columns    " + ", ".join(f"{c} [{u}]" for c, u in e.columns.items()))
    if e.keys:
        print(f"  keys       {', '.join(e.keys)}")
    for k, v in e.provenance.items():
        print(f"  {k:<10} {v}")
    if e.caveats:
        print(f"  caveats    {e.caveats}")
    return 0


def _data_pack(args) -> int:
    from mktlib.data import archive

    m = archive.pack(args.out)
    size = sum(f["size"] for f in m["files"])
    print(
        f"packed {len(m['files'])} files ({size / 1e6:.1f} MB), version {m['version']}, into {args.out}/"
        f"{m['archive']} (sha256 {m['archive_sha256']}), with registry.txt and manifest.json"
    )
    return 0


def _data_fetch(args) -> int:
    from mktlib.data import archive

    dest = archive.fetch(args.url, args.dest)
    print(f"fetched and verified the snapshot into {dest}")
    return 0


def _data_ensure(args) -> int:
    from mktlib.data import archive

    print(archive.ensure())
    return 0


def _claims(args) -> int:
    import json

    from mktlib import claims

    if args.action == "diff":
        if len(args.files) != 2:
            print("usage: python -m mktlib claims diff OLD.json NEW.json", file=sys.stderr)
            return 2
        docs = []
        for f in args.files:
            try:
                with open(f, encoding="utf-8") as fh:
                    docs.append(json.load(fh))
            except (OSError, json.JSONDecodeError) as exc:
                print(f"error: {f}: {exc}", file=sys.stderr)
                return 2
        d = claims.diff(*docs)
        text = d.to_csv(index=False, lineterminator="\n") if args.format == "csv" else d.to_string(index=False) + "\n"
        print(
            f"{len(d)} changes ({(d['kind'] == 'verdict').sum()} verdicts, {(d['kind'] == 'value').sum()} values)",
            file=sys.stderr,
        )
    else:
        text = claims.export(args.format)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m mktlib", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("data", help="the data snapshot").add_subparsers(dest="action", required=True)
    d.add_parser("list", help="ids, coverage and rows of every dataset").set_defaults(fn=_data_list)
    v = d.add_parser("verify", help="check every catalogued file's sha256")
    v.add_argument("ids", nargs="*")
    v.add_argument("-v", "--verbose", action="store_true", help="list every file, not only failures")
    v.set_defaults(fn=_data_verify)
    i = d.add_parser("info", help="catalog entry and coverage of one dataset")
    i.add_argument("id")
    i.set_defaults(fn=_data_info)
    pk = d.add_parser("pack", help="write a versioned archive of the snapshot, its registry and manifest")
    pk.add_argument("--out", required=True, help="folder to write into (served as it is for `fetch`)")
    pk.set_defaults(fn=_data_pack)
    f = d.add_parser("fetch", help="download the packed snapshot from MKTLIB_DATA_URL and verify every file")
    f.add_argument("--url", help="base URL (default: $MKTLIB_DATA_URL)")
    f.add_argument("--dest", help="folder to fill (default: $MKTLIB_DATA, else ../shared/data)")
    f.set_defaults(fn=_data_fetch)
    e = d.add_parser("ensure", help="fetch the snapshot if it is missing and a URL is set; else say what to set")
    e.set_defaults(fn=_data_ensure)
    c = sub.add_parser("claims", help="export the claims ledger, or diff two exports (claims diff OLD NEW)")
    c.add_argument("action", nargs="?", choices=["export", "diff"], default="export")
    c.add_argument("files", nargs="*", help="with diff: OLD.json NEW.json")
    c.add_argument("--format", choices=["json", "csv", "markdown"], default="json")
    c.add_argument("--output", "-o", help="write to this file instead of standard output")
    c.set_defaults(fn=_claims)
    args = p.parse_args(argv)
    try:
        return args.fn(args)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
