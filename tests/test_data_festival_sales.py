"""lstmlib.data.festival_sales: Holi dates, the daily and weekly series, calendar features."""

import numpy as np
import pytest

from lstmlib.data import festival_sales as fs


def test_holi_dates_are_the_published_ones():
    dates = fs.holi_dates()
    assert len(dates) == 17 and np.all(np.diff(dates) > np.timedelta64(300, "D"))
    assert fs.HOLI_DATES[2015] == "2015-03-06" and fs.HOLI_DATES[2024] == "2024-03-25"
    months = dates.astype("datetime64[M]").astype(str)
    assert set(m[5:] for m in months) <= {"02", "03"}, "Holi falls in February or March"
    day_of_year = (dates - dates.astype("datetime64[Y]")).astype(int)
    assert day_of_year.max() - day_of_year.min() >= 20, "the date moves by weeks between years"


def test_days_to_holi():
    got = fs.days_to_holi(np.array(["2024-03-25", "2024-03-24", "2024-03-26", "2025-03-14"],
                                   dtype="datetime64[D]"))
    assert got.tolist() == [0, 1, (np.datetime64("2025-03-14") - np.datetime64("2024-03-26")).astype(int), 0]
    with pytest.raises(ValueError, match="beyond"):
        fs.days_to_holi(np.array(["2026-06-01"], dtype="datetime64[D]"))


def test_daily_series_shape_peaks_and_seed():
    dates, sales = fs.daily_sales(2015, 2016, seed=1)
    assert len(dates) == 365 + 366 and sales.dtype == np.float64 and (sales > 0).all()
    assert np.array_equal(sales, np.round(sales))
    for year in (2015, 2016):
        holi = np.datetime64(fs.HOLI_DATES[year])
        i = int(np.flatnonzero(dates == holi)[0])
        assert sales[i] > 5 * np.median(sales), "sales peak on Holi"
        assert sales[i + 2] < np.median(sales), "and slump right after it"
    _, again = fs.daily_sales(2015, 2016, seed=1)
    _, other = fs.daily_sales(2015, 2016, seed=2)
    assert np.array_equal(sales, again) and not np.array_equal(sales, other)
    with pytest.raises(ValueError):
        fs.daily_sales(2009, 2012)


def test_weekly_rhythm_and_trend():
    dates, sales = fs.daily_sales(2010, 2025, seed=0)
    weekday = (dates.astype(np.int64) + 3) % 7
    quiet = fs.days_to_holi(dates) > 20
    means = np.array([sales[quiet & (weekday == k)].mean() for k in range(7)])
    assert np.argmax(means) == 5 and np.argmin(means) == 1, "Saturday sells most, Tuesday least"
    first, last = sales[quiet][:300].mean(), sales[quiet][-300:].mean()
    assert 1.3 < last / first < 1.8, "about 3% growth a year over 16 years"


def test_weekly_sums_and_calendar_features():
    weeks, weekly = fs.weekly_sales(2015, 2016, seed=3)
    dates, daily = fs.daily_sales(2015, 2016, seed=3)
    assert ((weeks.astype(np.int64) + 3) % 7 == 0).all() and np.all(np.diff(weeks) == np.timedelta64(7, "D"))
    i = int(np.flatnonzero(dates == weeks[0])[0])
    assert weekly[0] == daily[i:i + 7].sum() and weekly[-1] == daily[i + 7 * (len(weeks) - 1):i + 7 * len(weeks)].sum()
    features = fs.calendar_features(weeks)
    assert features.shape == (len(weeks), 3) and (features[:, 0] >= 0).all() and (features[:, 0] <= 1).all()
    holi_week = int(np.argmax(weekly))
    assert features[holi_week, 0] * fs.MAX_DAYS < 7 or features[holi_week + 1, 0] * fs.MAX_DAYS < 7, \
        "the best-selling week is Holi's week or the one before"
    np.testing.assert_allclose(features[:, 1] ** 2 + features[:, 2] ** 2, 1.0)
