"""Key numbers: one value per quantity, checked against hand-made data and against the raw files."""

import pandas as pd
import pytest

from mktlib import claims, keynumbers


def test_own_close_return_uses_last_close_on_or_before_each_day():
    s = pd.Series(
        [100.0, 120.0, 90.0, 60.0],
        index=pd.DatetimeIndex(["2025-10-03", "2025-10-06", "2025-11-20", "2025-11-24"], tz="UTC"),
    )
    # first = Sunday 5 Oct -> the Friday close (100); last = 21 Nov -> the 20 Nov close (90)
    assert keynumbers.own_close_return(s, "2025-10-05", "2025-11-21") == pytest.approx(-0.10)
    assert keynumbers.own_close_return(s, "2025-10-06 18:00", "2025-11-24") == pytest.approx(-0.5)
    with pytest.raises(ValueError, match="no close"):
        keynumbers.own_close_return(s, "2025-01-01", "2025-11-21")


def test_key_numbers_from_the_raw_daily_file():
    t = keynumbers.table()
    from mktlib.data.catalog import catalog
    from mktlib.data.io import data_root

    raw = pd.read_csv(data_root() / catalog()["btc_spot_1d_fullcols"].path)
    day = pd.to_datetime(raw["open_time"], utc=True, unit="ms").dt.normalize()
    d = raw.assign(day=day).set_index("day")
    octo = d.loc["2025-09-01":"2025-10-31", "close"]
    nov = d.loc["2025-11-01":"2025-11-30", "close"]
    assert len(octo) == 61 and len(nov) == 30
    assert t.loc["btc_peak_close", "value"] == pytest.approx(octo.max())
    assert t.loc["btc_low_close", "value"] == pytest.approx(nov.min())
    assert t.loc["btc_fall_close", "value"] == pytest.approx(1 - nov.min() / octo.max())
    # the intraday fall is larger than the close-to-close fall, by construction of the bases
    assert t.loc["btc_fall_intraday", "value"] > t.loc["btc_fall_close", "value"]


def test_key_numbers_agree_with_the_ledger():
    t = keynumbers.table()
    led = claims.ledger(["A8", "D4"]).drop_duplicates("measure").set_index("measure")["value"]
    assert str(t.loc["btc_undercut_day", "value"].date()) == str(led["A8.first_undercut_date"])
    assert t.loc["btc_low_intraday", "value"] == pytest.approx(float(led["D4.btc_low_21nov"]))
    assert t.loc["btc_low_after_intraday", "value"] == pytest.approx(float(led["A8.btc_min_after_bounce"]))


def test_value_names_the_known_ids():
    with pytest.raises(KeyError, match="btc_fall_close"):
        keynumbers.value("btc_fall")
    assert set(keynumbers.for_people().columns) >= {"quantity", "value", "basis", "window"}


def test_episode_marks_are_the_found_turning_points():
    k = keynumbers.key_dates()
    days = keynumbers.episode_marks()
    assert list(days.values()) == [k.loc[x, "day"] for x in ("peak", "cascade", "low")]
    assert list(days) == [f"{t.day} {t:%b} {x}" for t, x in zip(days.values(), ("peak", "cascade", "low"), strict=True)]
    hours = keynumbers.episode_marks(at="time", dated=False)
    assert list(hours) == ["peak", "cascade", "low"]
    assert hours["cascade"] == k.loc["cascade", "time"] and hours["cascade"].hour != 0
    with pytest.raises(ValueError, match="at must be"):
        keynumbers.episode_marks(at="week")
