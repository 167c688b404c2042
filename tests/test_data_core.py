"""The data layer's machinery: hashing, strict parsing, validation, cache, catalog integrity."""

from __future__ import annotations

import gzip
import hashlib
import re

import numpy as np
import pandas as pd
import pytest
from conftest import raises_data_error

from mktlib import DataError
from mktlib import data as mdata
from mktlib.data import cache
from mktlib.data.catalog import catalog

OHLCV = {"open": "USDT", "high": "USDT", "low": "USDT", "close": "USDT", "volume": "BTC"}
CHECKS = {"ohlc": True, "positive": ["open", "high", "low", "close"]}
GOOD = "timestamp,open,high,low,close,volume\n2025-11-20,10,12,9,11,5\n2025-11-21,11,11.5,8,9,7\n"


def kline(parse_text, text, **kw):
    return parse_text(text, parser="kline_naive", columns=OHLCV, checks=CHECKS, **kw)


# --- known answers on a fixture ---------------------------------------------------------------


def test_kline_fixture_known_values(parse_text):
    df = kline(parse_text, GOOD)
    assert list(df.columns) == list(OHLCV)
    assert str(df.index.tz) == "UTC" and df.index.name == "timestamp"
    assert df.index[1] == pd.Timestamp("2025-11-21", tz="UTC")
    assert df.loc["2025-11-21", "low"].item() == 8.0
    assert df["volume"].sum() == 12.0


def test_naive_local_time_is_converted_to_utc(parse_text):
    # 09:30 in New York on 20 Nov 2025 (EST, UTC-5) is 14:30 UTC
    df = parse_text(
        "timestamp,open,high,low,close,volume\n2025-11-20 09:30:00,1,2,1,2,3\n",
        parser="kline_naive",
        columns=OHLCV,
        options={"tz": "America/New_York"},
    )
    assert df.index[0] == pd.Timestamp("2025-11-20 14:30", tz="UTC")


# --- bad input gives a clear DataError naming the file ----------------------------------------


def test_hash_mismatch(parse_text, tmp_path):
    kline(parse_text, GOOD)
    (tmp_path / "fixture.csv").write_text(GOOD.replace("12,9", "13,9"))
    e = mdata.Entry(
        id="x",
        path="fixture.csv",
        sha256=hashlib.sha256(GOOD.encode()).hexdigest(),
        parser="kline_naive",
        title="t",
        frequency="1d",
        timestamp="t",
        columns=OHLCV,
        provenance={},
    )
    with raises_data_error(r"fixture\.csv: sha256 mismatch"):
        mdata.parse(e)


def test_missing_file(parse_text, tmp_path):
    kline(parse_text, GOOD)
    e = mdata.Entry(
        id="x",
        path="nope.csv",
        sha256="0" * 64,
        parser="kline_naive",
        title="t",
        frequency="1d",
        timestamp="t",
        columns=OHLCV,
        provenance={},
    )
    with raises_data_error(r"nope\.csv: file is missing"):
        mdata.parse(e)


def test_missing_column(parse_text):
    with raises_data_error(r"fixture\.csv: missing column\(s\) \['volume'\]"):
        kline(parse_text, GOOD.replace(",volume", ",vol"))


def test_duplicate_timestamp(parse_text):
    with raises_data_error("duplicate timestamp 2025-11-20"):
        kline(parse_text, GOOD + "2025-11-20,10,12,9,11,5\n")


def test_unsorted_timestamps(parse_text):
    with raises_data_error("not sorted"):
        kline(parse_text, GOOD + "2025-11-19,10,12,9,11,5\n")


def test_unparseable_value(parse_text):
    with raises_data_error(r"column 'close' has an unparseable value 'abc'"):
        kline(parse_text, GOOD.replace("11,5", "abc,5"))


def test_blank_value_is_not_a_silent_nan(parse_text):
    with raises_data_error(r"column 'close' has a blank value"):
        kline(parse_text, GOOD.replace("11,5", ",5"))


def test_unparseable_date(parse_text):
    with raises_data_error("unparseable date/time '2025-13-45'"):
        kline(parse_text, GOOD.replace("2025-11-21", "2025-13-45"))


def test_offset_where_naive_expected(parse_text):
    with raises_data_error("carries a UTC offset"):
        kline(parse_text, GOOD.replace("2025-11-21", "2025-11-21T00:00:00+05:00"))


def test_non_positive_price(parse_text):
    with raises_data_error(r"column 'open' has a non-positive value"):
        kline(parse_text, GOOD.replace("11,11.5,8,9", "0,11.5,0,9"))


def test_ohlc_inconsistent(parse_text):
    with raises_data_error("OHLC inconsistent at 2025-11-21"):
        kline(parse_text, GOOD.replace("11,11.5,8,9", "11,10.5,8,9"))


def test_empty_file(parse_text):
    with raises_data_error("empty"):
        kline(parse_text, "")


def test_header_only(parse_text):
    with raises_data_error("no data rows"):
        kline(parse_text, "timestamp,open,high,low,close,volume\n")


def test_truncated_gzip(parse_text):
    raw = gzip.compress((GOOD * 50).encode(), mtime=0)
    with raises_data_error(r"fixture\.csv\.gz: truncated or corrupt gzip"):
        kline(parse_text, raw[: len(raw) // 2], name="fixture.csv.gz", raw_bytes=True)


def test_gzip_round_trip(parse_text):
    df = kline(parse_text, GOOD, name="fixture.csv.gz")
    assert len(df) == 2


# --- validation of frames (what a parser returns) ----------------------------------------------


def _entry(**kw):
    base = dict(
        id="v",
        path="v.csv",
        sha256="0" * 64,
        parser="kline_naive",
        title="t",
        frequency="1d",
        timestamp="t",
        columns={"close": "USD"},
        provenance={},
    )
    base.update(kw)
    return mdata.Entry(**base)


def test_validate_rejects_wrong_timezone():
    idx = pd.DatetimeIndex(["2025-11-20", "2025-11-21"], name="timestamp").tz_localize("Asia/Almaty")
    with raises_data_error("time zone is Asia/Almaty, expected UTC"):
        mdata.validate(pd.DataFrame({"close": [1.0, 2.0]}, index=idx), _entry())


def test_validate_rejects_naive_index():
    idx = pd.DatetimeIndex(["2025-11-20", "2025-11-21"], name="timestamp")
    with raises_data_error("expected UTC"):
        mdata.validate(pd.DataFrame({"close": [1.0, 2.0]}, index=idx), _entry())


def test_validate_rejects_silent_nan():
    idx = pd.DatetimeIndex(["2025-11-20", "2025-11-21"], name="timestamp").tz_localize("UTC")
    with raises_data_error("'close' has 1 missing value"):
        mdata.validate(pd.DataFrame({"close": [1.0, np.nan]}, index=idx), _entry())
    mdata.validate(pd.DataFrame({"close": [1.0, np.nan]}, index=idx), _entry(checks={"nullable": ["close"]}))


def test_validate_rejects_extra_or_renamed_columns():
    idx = pd.DatetimeIndex(["2025-11-20"], name="timestamp").tz_localize("UTC")
    with raises_data_error("differ from the catalog"):
        mdata.validate(pd.DataFrame({"Close": [1.0]}, index=idx), _entry())


def test_validate_long_format_keys():
    idx = pd.DatetimeIndex(["2025-11-20", "2025-11-20", "2025-11-21"], name="timestamp").tz_localize("UTC")
    e = _entry(columns={"symbol": "text", "close": "USD"}, keys=("symbol",))
    mdata.validate(pd.DataFrame({"symbol": ["A", "B", "A"], "close": [1.0, 2.0, 3.0]}, index=idx), e)
    with raises_data_error("duplicate row key"):
        mdata.validate(pd.DataFrame({"symbol": ["A", "A", "A"], "close": [1.0, 2.0, 3.0]}, index=idx), e)


# --- data root ----------------------------------------------------------------------------------


def test_missing_data_root_says_how_to_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("MKTLIB_DATA", str(tmp_path / "absent"))
    with pytest.raises(DataError, match="set MKTLIB_DATA=/path/to/shared/data"):
        mdata.data_root()


def test_unknown_dataset_id():
    with raises_data_error("unknown dataset id"):
        mdata.load("no_such_dataset")


# --- cache ----------------------------------------------------------------------------------------


def test_cache_round_trip_corruption_and_staleness(snapshot, tmp_path, monkeypatch):
    monkeypatch.setenv("MKTLIB_CACHE", str(tmp_path))
    fresh = mdata.load("btc_spot_1d")
    pq = tmp_path / "btc_spot_1d.parquet"
    meta = tmp_path / "btc_spot_1d.json"
    assert pq.is_file() and meta.is_file()
    e = mdata.entry("btc_spot_1d")
    pd.testing.assert_frame_equal(cache.read(e), fresh)
    # corrupt bytes: detected, deleted, rebuilt with identical content
    pq.write_bytes(pq.read_bytes()[:-100] + b"\0" * 100)
    assert cache.read(e) is None and not pq.exists()
    pd.testing.assert_frame_equal(mdata.load("btc_spot_1d"), fresh)
    # stale: another code fingerprint is not served
    text = meta.read_text()
    meta.write_text(re.sub(r'"code": "[0-9a-f]+"', '"code": "stale"', text))
    assert cache.read(e) is None
    pd.testing.assert_frame_equal(mdata.load("btc_spot_1d"), fresh)


# --- the catalog against the snapshot -------------------------------------------------------------


def _sources_text(snapshot, rel_path: str) -> str:
    folder = rel_path.split("/")[0]
    return (snapshot / folder / "SOURCES.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("dataset_id", list(catalog()))
def test_catalog_hash_is_the_published_one(snapshot, dataset_id):
    """Each pinned hash is the one the folder's SOURCES.md publishes, not one computed from the file."""
    e = catalog()[dataset_id]
    assert e.sha256 in _sources_text(snapshot, e.path), f"{e.path}: sha256 not found in SOURCES.md"
    assert e.provenance["commit"] in _sources_text(snapshot, e.path)


@pytest.mark.parametrize("dataset_id", list(catalog()))
def test_every_dataset_loads_and_validates(snapshot, dataset_id):
    df = mdata.load(dataset_id)
    assert len(df) > 0
    assert str(df.index.tz) == "UTC"
    assert df.attrs["units"] == catalog()[dataset_id].columns


def test_verify_reports_every_file_ok(snapshot):
    results = mdata.verify()
    assert len(results) == len(catalog())
    assert [r.id for r in results if not r.ok] == []


def test_check_order_allow_repeats_still_rejects_going_back():
    from mktlib.data.parse import check_order

    t = pd.DatetimeIndex(["2025-10-10", "2025-10-10", "2025-10-11"], tz="UTC")
    check_order(t, "f.csv", allow_repeats=True)
    with raises_data_error("duplicate timestamp"):
        check_order(t, "f.csv")
    with raises_data_error(r"f\.csv: trade times not sorted"):
        check_order(t[::-1], "f.csv", allow_repeats=True, what="trade times")
