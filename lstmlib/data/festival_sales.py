"""Festival sales: daily and weekly sales of coloured powder (gulal) that peak at Holi.

A synthetic series for notebook 07. Holi is celebrated on the full moon of the Hindu month
Phalguna, so its Gregorian date moves by up to three weeks from year to year: a model that
copies last year's pattern (a fixed lag of 365 days or 52 weeks) puts the peak in the wrong
place. The real Holi dates of 2010-2026 are listed in ``HOLI_DATES`` (the main day of Holi,
"Dhulandi"/"Rangwali Holi", the day after Holika Dahan), as published in the Government of
India's lists of gazetted holidays (Department of Personnel and Training, Ministry of
Personnel; https://dopt.gov.in) and on timeanddate.com ("Holi" in the holidays of India,
https://www.timeanddate.com/holidays/india/holi).

Daily sales in units, for day ``d`` of year ``y`` (``t`` the time in years since the start):

    sales[d] = round(LEVEL * (1 + TREND) ** t * WEEKDAY[d.weekday()]
                     * (1 + YEARLY * sin(2 pi doy / 365.25)) * festival(d) * noise[d])

- ``WEEKDAY``: the weekly rhythm, Monday .. Sunday, mean 1 (weekends sell more);
- ``festival(d) = 1 + PEAK * exp(-k / RAMP)`` on the ``k = 0 .. 13`` days up to and including
  Holi (``k`` days before it), ``AFTER`` (a slump) on the 3 days after Holi, 1 elsewhere;
- ``noise[d]``: lognormal, ``exp(N(0, NOISE**2))``, from ``np.random.default_rng(seed)``.

Weekly sales are the sums over complete Monday-Sunday weeks.

- ``HOLI_DATES``: year -> date string of Holi, 2010..2026.
- ``holi_dates()``: the dates as ``datetime64[D]``.
- ``days_to_holi(dates)``: days from each date to the next Holi on or after it.
- ``daily_sales(start_year, end_year, seed)``: ``(dates, sales)`` for whole years.
- ``weekly_sales(start_year, end_year, seed)``: ``(week_starts, sales)``, Monday-Sunday weeks.
- ``calendar_features(week_starts)``: ``(W, 3)`` features known in advance (Holi distance,
  the season as sine and cosine).
"""

import numpy as np

__all__ = ["HOLI_DATES", "holi_dates", "days_to_holi", "daily_sales", "weekly_sales",
           "calendar_features", "WEEKDAY", "MAX_DAYS"]

# Holi (Dhulandi), Gregorian dates: Government of India holiday lists (dopt.gov.in) and
# timeanddate.com/holidays/india/holi.
HOLI_DATES = {
    2010: "2010-03-01", 2011: "2011-03-20", 2012: "2012-03-08", 2013: "2013-03-27",
    2014: "2014-03-17", 2015: "2015-03-06", 2016: "2016-03-24", 2017: "2017-03-13",
    2018: "2018-03-02", 2019: "2019-03-21", 2020: "2020-03-10", 2021: "2021-03-29",
    2022: "2022-03-18", 2023: "2023-03-08", 2024: "2024-03-25", 2025: "2025-03-14",
    2026: "2026-03-04",
}

LEVEL = 100.0        # units per day at the start
TREND = 0.03         # growth per year
WEEKDAY = np.array([0.90, 0.85, 0.90, 0.95, 1.05, 1.25, 1.10])  # Monday .. Sunday, mean 1
YEARLY = 0.10        # amplitude of the smooth yearly cycle
PEAK = 8.0           # sales on the eve of Holi are about 1 + PEAK times the usual
RAMP = 4.0           # days: how fast the run-up decays going back from Holi
RAMP_DAYS = 14       # the run-up covers Holi and the 13 days before it
AFTER = 0.6          # the 3 days after Holi sell 40% less
NOISE = 0.10         # standard deviation of the log noise
MAX_DAYS = 35        # calendar_features clips the distance to Holi here


def holi_dates():
    """The Holi dates of ``HOLI_DATES`` in order: ``datetime64[D]`` array of shape (17,)."""
    return np.array(sorted(HOLI_DATES.values()), dtype="datetime64[D]")


def days_to_holi(dates):
    """Days from each date to the next Holi on or after it (0 on Holi itself).

    Inputs:
    - dates: array-like of dates (``datetime64`` or ISO strings), shape (N,)

    Returns:
    - days: int64 array of shape (N,), >= 0

    Raises ValueError for a date after the last Holi of ``HOLI_DATES``.
    """
    dates = np.asarray(dates, dtype="datetime64[D]")
    holis = holi_dates()
    position = np.searchsorted(holis, dates, side="left")   # first Holi >= date
    if np.any(position >= len(holis)):
        raise ValueError(f"days_to_holi: dates after {holis[-1]} are beyond HOLI_DATES")
    return (holis[position] - dates).astype(np.int64)


def daily_sales(start_year=2010, end_year=2025, seed=0):
    """Daily sales of coloured powder, 1 January of ``start_year`` to 31 December of ``end_year``.

    Inputs:
    - start_year, end_year: whole years, 2010 <= start_year <= end_year <= 2025
    - seed: the seed of the noise (the same seed gives the same series)

    Returns:
    - dates: ``datetime64[D]`` array of shape (N,), consecutive days
    - sales: float64 array of shape (N,), whole units, > 0
    """
    if not 2010 <= start_year <= end_year <= 2025:
        raise ValueError(f"daily_sales: need 2010 <= start_year <= end_year <= 2025, got "
                         f"{start_year}, {end_year}")
    dates = np.arange(np.datetime64(f"{start_year}-01-01"), np.datetime64(f"{end_year + 1}-01-01"))
    t = np.arange(len(dates)) / 365.25                                   # years since the start
    weekday = (dates.astype(np.int64) + 3) % 7                           # 1970-01-01 was a Thursday
    day_of_year = (dates - dates.astype("datetime64[Y]")).astype(np.int64)
    before = days_to_holi(dates)                                         # (N,)
    holis = holi_dates()
    after = (dates - holis[np.searchsorted(holis, dates, side="left") - 1]).astype(np.int64)
    festival = np.ones(len(dates))
    run_up = before < RAMP_DAYS
    festival[run_up] += PEAK * np.exp(-before[run_up] / RAMP)
    festival[(before > 0) & (after >= 1) & (after <= 3)] = AFTER
    rng = np.random.default_rng(seed)
    noise = np.exp(rng.normal(0.0, NOISE, size=len(dates)))
    sales = (LEVEL * (1 + TREND) ** t * WEEKDAY[weekday]
             * (1 + YEARLY * np.sin(2 * np.pi * day_of_year / 365.25)) * festival * noise)
    return dates, np.round(sales)


def weekly_sales(start_year=2010, end_year=2025, seed=0):
    """Weekly sales: the daily sales summed over each complete Monday-Sunday week.

    Inputs:
    - start_year, end_year, seed: as for ``daily_sales``

    Returns:
    - week_starts: ``datetime64[D]`` array of shape (W,), the Mondays
    - sales: float64 array of shape (W,), units sold in the week
    """
    dates, sales = daily_sales(start_year, end_year, seed)
    weekday = (dates.astype(np.int64) + 3) % 7
    first = int(np.argmax(weekday == 0))                                 # the first Monday
    W = (len(dates) - first) // 7
    sales = sales[first:first + 7 * W].reshape(W, 7).sum(axis=1)
    return dates[first:first + 7 * W:7], sales


def calendar_features(week_starts):
    """Features of each week that are known in advance, for any week of the calendar.

    Inputs:
    - week_starts: ``datetime64[D]`` array of shape (W,), the Mondays

    Returns:
    - features: float64 array of shape (W, 3):
      column 0: ``min(days from the Monday to the next Holi, MAX_DAYS) / MAX_DAYS``, in [0, 1]
      (0 to 6/35 in Holi's week, 1 far from it);
      columns 1, 2: ``sin`` and ``cos`` of ``2 pi * day of year / 365.25`` (the season).
    """
    week_starts = np.asarray(week_starts, dtype="datetime64[D]")
    near = np.minimum(days_to_holi(week_starts), MAX_DAYS) / MAX_DAYS
    day_of_year = (week_starts - week_starts.astype("datetime64[Y]")).astype(np.int64)
    angle = 2 * np.pi * day_of_year / 365.25
    return np.stack([near, np.sin(angle), np.cos(angle)], axis=1)
