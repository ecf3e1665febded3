"""Tests for digest.editorial.window: issue windows and arXiv's announcement calendar."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.editorial.window import (
    ET,
    Announcement,
    Window,
    announcements_in,
    cutoff_instant,
    is_announcement_day,
    issue_window,
    latest_announcement_before,
)

KST = ZoneInfo("Asia/Seoul")
UTC = timezone.utc
NINE = time(9, 0)

HOLIDAYS_2026 = frozenset(
    date.fromisoformat(d)
    for d in (
        "2026-01-01", "2026-01-19", "2026-06-19", "2026-07-03", "2026-09-07",
        "2026-11-26", "2026-12-25", "2026-12-29", "2026-12-31",
    )
)


def announcement_on(day: date, holidays) -> Announcement | None:
    """The announcement made on the ET date `day`, or None: read through announcements_in, as the product does."""
    at = datetime.combine(day, time(20), tzinfo=ET)
    found = announcements_in(Window(at - timedelta(minutes=1), at), holidays)
    return found[0] if found else None


def et(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=ET)


def kst(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=KST)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def seoul_issue(issue: date, previous: datetime | None = None) -> list[Announcement]:
    return announcements_in(issue_window(issue, KST, NINE, previous), HOLIDAYS_2026)


def announced_days(anns: list[Announcement]) -> list[date]:
    return [a.announced.astimezone(ET).date() for a in anns]


# --- the reference issue ---------------------------------------------------------------------

REF_WINDOW = issue_window(date(2026, 7, 1), KST, NINE, kst(2026, 6, 30, 9, 20))
REF_ANNS = announcements_in(REF_WINDOW, HOLIDAYS_2026)


def test_reference_window_bounds():
    assert REF_WINDOW.start == kst(2026, 6, 30, 9, 20)
    assert REF_WINDOW.end == kst(2026, 7, 1, 9, 0)
    assert REF_WINDOW.start.tzinfo == KST and REF_WINDOW.end.tzinfo == KST
    assert REF_WINDOW.duration == timedelta(hours=23, minutes=40)


def test_reference_window_holds_exactly_one_announcement():
    assert len(REF_ANNS) == 1


@pytest.mark.parametrize(
    "field, expected",
    [
        pytest.param(lambda a: a.announced, et(2026, 6, 30, 20), id="announced-tue-20h-edt"),
        pytest.param(lambda a: a.announced, REF_WINDOW.end, id="announced-equals-window-end"),
        pytest.param(lambda a: a.announced.tzinfo, ET, id="announced-in-et"),
        pytest.param(lambda a: a.announced.astimezone(ET).hour, 20, id="announced-wall-20h"),
        pytest.param(lambda a: a.listing_date, date(2026, 7, 1), id="listing-date-wed"),
        pytest.param(lambda a: a.submissions_start, et(2026, 6, 29, 14), id="submissions-start"),
        pytest.param(lambda a: a.submissions_end, et(2026, 6, 30, 14), id="submissions-end"),
        pytest.param(lambda a: a.submissions_start.utcoffset(), timedelta(0), id="submissions-start-utc"),
        pytest.param(lambda a: a.submissions_end.utcoffset(), timedelta(0), id="submissions-end-utc"),
        pytest.param(
            lambda a: a.submitted_date_query(), "submittedDate:[202606291800 TO 202606301800]", id="query"
        ),
        pytest.param(lambda a: a.available, et(2026, 7, 1, 0), id="available-midnight-edt"),
        pytest.param(lambda a: a.available.astimezone(KST), kst(2026, 7, 1, 13), id="available-13h-kst"),
        pytest.param(lambda a: a.available.tzinfo, ET, id="available-in-et"),
    ],
)
def test_reference_announcement_fields(field, expected):
    assert field(REF_ANNS[0]) == expected


# --- winter: 20:00 EST is 10:00 KST the next day, after a 09:00 cutoff ------------------------

HOLIDAYS_2024 = frozenset({date(2024, 11, 28)})


@pytest.mark.parametrize(
    "issue, expected_days",
    [
        pytest.param(date(2024, 11, 28), [date(2024, 11, 26)], id="issue-thu-holds-tue"),
        pytest.param(date(2024, 11, 29), [date(2024, 11, 27)], id="issue-fri-holds-wed"),
        pytest.param(date(2024, 11, 30), [], id="issue-sat-empty-thanksgiving"),
    ],
)
def test_winter_announcement_lands_in_next_days_issue(issue, expected_days):
    window = issue_window(issue, KST, NINE)
    assert announced_days(announcements_in(window, HOLIDAYS_2024)) == expected_days


def test_winter_wednesday_announcement_details():
    (ann,) = announcements_in(issue_window(date(2024, 11, 29), KST, NINE), HOLIDAYS_2024)
    assert ann.announced == et(2024, 11, 27, 20)
    assert ann.announced.astimezone(KST) == kst(2024, 11, 28, 10)
    assert ann.listing_date == date(2024, 11, 28)
    assert ann.available.astimezone(KST) == kst(2024, 11, 28, 14)
    assert ann.submitted_date_query() == "submittedDate:[202411261900 TO 202411271900]"


# --- the DESIGN table, one row per announcing weekday ----------------------------------------


@pytest.mark.parametrize(
    "announce_day, sub_start, sub_end, listing",
    [
        pytest.param(date(2026, 6, 23), et(2026, 6, 22, 14), et(2026, 6, 23, 14), date(2026, 6, 24),
                     id="mon14-tue14_tue20_list-wed"),
        pytest.param(date(2026, 6, 24), et(2026, 6, 23, 14), et(2026, 6, 24, 14), date(2026, 6, 25),
                     id="tue14-wed14_wed20_list-thu"),
        pytest.param(date(2026, 6, 25), et(2026, 6, 24, 14), et(2026, 6, 25, 14), date(2026, 6, 26),
                     id="wed14-thu14_thu20_list-fri"),
        pytest.param(date(2026, 6, 28), et(2026, 6, 25, 14), et(2026, 6, 26, 14), date(2026, 6, 29),
                     id="thu14-fri14_sun20_list-mon"),
        pytest.param(date(2026, 6, 29), et(2026, 6, 26, 14), et(2026, 6, 29, 14), date(2026, 6, 30),
                     id="fri14-mon14_mon20_list-tue"),
    ],
)
def test_design_table_rows(announce_day, sub_start, sub_end, listing):
    ann = announcement_on(announce_day, HOLIDAYS_2026)
    assert ann is not None
    assert ann.announced == datetime.combine(announce_day, time(20), tzinfo=ET)
    assert (ann.submissions_start, ann.submissions_end) == (sub_start, sub_end)
    assert ann.listing_date == listing
    assert ann.available == datetime.combine(listing, time(0), tzinfo=ET)


@pytest.mark.parametrize(
    "day, expected",
    [
        pytest.param(date(2026, 6, 21), True, id="sun"),
        pytest.param(date(2026, 6, 22), True, id="mon"),
        pytest.param(date(2026, 6, 23), True, id="tue"),
        pytest.param(date(2026, 6, 24), True, id="wed"),
        pytest.param(date(2026, 6, 25), True, id="thu"),
        pytest.param(date(2026, 6, 26), False, id="fri"),
        pytest.param(date(2026, 6, 27), False, id="sat"),
        pytest.param(date(2026, 9, 7), False, id="labor-day-mon"),
        pytest.param(date(2026, 7, 3), False, id="fri-holiday"),
    ],
)
def test_is_announcement_day(day, expected):
    assert is_announcement_day(day, HOLIDAYS_2026) is expected
    assert announcement_on(day, HOLIDAYS_2026) is None or expected


def test_is_announcement_day_accepts_any_iterable():
    assert is_announcement_day(date(2026, 9, 7), [date(2026, 9, 7)]) is False
    assert is_announcement_day(date(2026, 9, 7), iter([])) is True


# --- weekends, seen from Seoul (summer: 20:00 EDT = 09:00 KST next day) -----------------------


@pytest.mark.parametrize(
    "issue, expected_days",
    [
        pytest.param(date(2026, 6, 26), [date(2026, 6, 25)], id="fri-issue-holds-thu"),
        pytest.param(date(2026, 6, 27), [], id="sat-issue-fri-nothing"),
        pytest.param(date(2026, 6, 28), [], id="sun-issue-sat-nothing"),
        pytest.param(date(2026, 6, 29), [date(2026, 6, 28)], id="mon-issue-holds-sun"),
    ],
)
def test_weekend_issues(issue, expected_days):
    assert announced_days(seoul_issue(issue)) == expected_days


def test_saturday_morning_to_sunday_morning_seoul_window_is_empty():
    window = Window(kst(2026, 6, 27, 9), kst(2026, 6, 28, 9))
    assert announcements_in(window, HOLIDAYS_2026) == []


def test_sunday_announcement_carries_thursday_to_friday():
    (ann,) = seoul_issue(date(2026, 6, 29))
    assert ann.announced == et(2026, 6, 28, 20)
    assert ann.announced.astimezone(KST) == kst(2026, 6, 29, 9)
    assert (ann.submissions_start, ann.submissions_end) == (et(2026, 6, 25, 14), et(2026, 6, 26, 14))
    assert ann.submitted_date_query() == "submittedDate:[202606251800 TO 202606261800]"


# --- holidays ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, expected",
    [
        pytest.param(date(2026, 9, 7), None, id="labor-day-mon-none"),
        pytest.param(date(2026, 9, 8), (et(2026, 9, 4, 14), et(2026, 9, 8, 14)), id="labor-day-tue-carries-fri-to-tue"),
        pytest.param(date(2026, 11, 25), (et(2026, 11, 24, 14), et(2026, 11, 25, 14)), id="thanksgiving-eve-normal"),
        pytest.param(date(2026, 11, 26), None, id="thanksgiving-thu-none"),
        pytest.param(date(2026, 11, 29), (et(2026, 11, 25, 14), et(2026, 11, 27, 14)),
                     id="thanksgiving-sun-carries-wed-to-fri"),
        pytest.param(date(2026, 1, 19), None, id="mlk-mon-none"),
        pytest.param(date(2026, 1, 20), (et(2026, 1, 16, 14), et(2026, 1, 20, 14)), id="mlk-tue-carries-fri-to-tue"),
        pytest.param(date(2026, 12, 29), None, id="dec29-tue-none"),
        pytest.param(date(2026, 12, 30), (et(2026, 12, 28, 14), et(2026, 12, 30, 14)), id="dec30-carries-mon-to-wed"),
        pytest.param(date(2026, 12, 31), None, id="dec31-thu-none"),
        pytest.param(date(2027, 1, 3), (et(2026, 12, 30, 14), et(2027, 1, 1, 14)), id="jan3-carries-wed-to-fri"),
        pytest.param(date(2026, 6, 21), (et(2026, 6, 18, 14), et(2026, 6, 19, 14)), id="fri-holiday-is-noop"),
    ],
)
def test_holidays(day, expected):
    ann = announcement_on(day, HOLIDAYS_2026)
    if expected is None:
        assert ann is None
    else:
        assert ann is not None
        assert (ann.submissions_start, ann.submissions_end) == expected


@pytest.mark.parametrize(
    "issue, expected_days",
    [
        pytest.param(date(2026, 9, 8), [], id="labor-day-issue-empty"),
        pytest.param(date(2026, 9, 9), [date(2026, 9, 8)], id="after-labor-day"),
        pytest.param(date(2026, 11, 28), [], id="thanksgiving-issue-empty"),
    ],
)
def test_holiday_issues_from_seoul(issue, expected_days):
    assert announced_days(seoul_issue(issue)) == expected_days


def test_labor_day_query_spans_the_long_weekend():
    ann = announcement_on(date(2026, 9, 8), HOLIDAYS_2026)
    assert ann is not None
    assert ann.submitted_date_query() == "submittedDate:[202609041800 TO 202609081800]"


# --- US DST switches (Seoul has none) ---------------------------------------------------------


@pytest.mark.parametrize(
    "day, announced_utc, query, seoul_issue_date",
    [
        pytest.param(date(2026, 3, 5), utc(2026, 3, 6, 1), "submittedDate:[202603041900 TO 202603051900]",
                     date(2026, 3, 7), id="spring-thu-est"),
        pytest.param(date(2026, 3, 8), utc(2026, 3, 9, 0), "submittedDate:[202603051900 TO 202603061900]",
                     date(2026, 3, 9), id="spring-sun-edt"),
        pytest.param(date(2026, 3, 9), utc(2026, 3, 10, 0), "submittedDate:[202603061900 TO 202603091800]",
                     date(2026, 3, 10), id="spring-mon-edt"),
        pytest.param(date(2026, 10, 29), utc(2026, 10, 30, 0), "submittedDate:[202610281800 TO 202610291800]",
                     date(2026, 10, 30), id="fall-thu-edt"),
        pytest.param(date(2026, 11, 1), utc(2026, 11, 2, 1), "submittedDate:[202610291800 TO 202610301800]",
                     date(2026, 11, 3), id="fall-sun-est"),
        pytest.param(date(2026, 11, 2), utc(2026, 11, 3, 1), "submittedDate:[202610301800 TO 202611021900]",
                     date(2026, 11, 4), id="fall-mon-est"),
    ],
)
def test_dst_switches(day, announced_utc, query, seoul_issue_date):
    ann = announcement_on(day, HOLIDAYS_2026)
    assert ann is not None
    assert ann.announced == announced_utc
    assert ann.announced.astimezone(ET).hour == 20
    assert ann.submitted_date_query() == query
    assert ann in seoul_issue(seoul_issue_date)


@pytest.mark.parametrize(
    "issue, expected_days",
    [
        pytest.param(date(2026, 3, 6), [date(2026, 3, 4)], id="spring-fri-issue"),
        pytest.param(date(2026, 3, 7), [date(2026, 3, 5)], id="spring-sat-issue"),
        pytest.param(date(2026, 3, 8), [], id="spring-sun-issue"),
        pytest.param(date(2026, 3, 9), [date(2026, 3, 8)], id="spring-mon-issue"),
        pytest.param(date(2026, 10, 31), [], id="fall-sat-issue"),
        pytest.param(date(2026, 11, 2), [], id="fall-mon-issue"),
        pytest.param(date(2026, 11, 3), [date(2026, 11, 1)], id="fall-tue-issue"),
    ],
)
def test_seoul_issues_across_dst(issue, expected_days):
    assert announced_days(seoul_issue(issue)) == expected_days


# --- issue_window ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "previous, expected_start",
    [
        pytest.param(kst(2026, 6, 30, 9, 20), kst(2026, 6, 30, 9, 20), id="later-than-cutoff"),
        pytest.param(kst(2026, 6, 29, 18, 0), kst(2026, 6, 29, 18, 0), id="earlier"),
        pytest.param(None, kst(2026, 6, 30, 9, 0), id="none"),
        pytest.param(kst(2026, 7, 1, 9, 0), kst(2026, 6, 30, 9, 0), id="equal-to-end-falls-back"),
        pytest.param(kst(2026, 7, 1, 12, 0), kst(2026, 6, 30, 9, 0), id="after-end-falls-back"),
        pytest.param(utc(2026, 6, 30, 0, 20), kst(2026, 6, 30, 9, 20), id="utc-converted"),
    ],
)
def test_issue_window_start(previous, expected_start):
    window = issue_window(date(2026, 7, 1), KST, NINE, previous)
    assert window.start == expected_start
    assert window.start.tzinfo == KST
    assert window.end == kst(2026, 7, 1, 9, 0)


@pytest.mark.parametrize(
    "tz, issue, cutoff, expected_start, expected_end, duration",
    [
        pytest.param(ET, date(2026, 3, 8), NINE, et(2026, 3, 7, 9), et(2026, 3, 8, 9), timedelta(hours=23),
                     id="ny-spring-23h"),
        pytest.param(ET, date(2026, 11, 1), NINE, et(2026, 10, 31, 9), et(2026, 11, 1, 9), timedelta(hours=25),
                     id="ny-fall-25h"),
        pytest.param(ET, date(2026, 3, 9), NINE, et(2026, 3, 8, 9), et(2026, 3, 9, 9), timedelta(hours=24),
                     id="ny-day-after-spring-24h"),
        pytest.param(KST, date(2026, 3, 9), NINE, kst(2026, 3, 8, 9), kst(2026, 3, 9, 9), timedelta(hours=24),
                     id="seoul-24h"),
        pytest.param(ET, date(2026, 3, 9), time(2, 30), et(2026, 3, 8, 3, 30), et(2026, 3, 9, 2, 30),
                     timedelta(hours=23), id="ny-cutoff-in-gap"),
    ],
)
def test_issue_window_in_dst_zone(tz, issue, cutoff, expected_start, expected_end, duration):
    window = issue_window(issue, tz, cutoff)
    assert window.start.replace(tzinfo=None) == expected_start.replace(tzinfo=None)  # wall time
    assert window.start == expected_start
    assert window.end == expected_end
    assert window.duration == duration


def test_cutoff_instant():
    assert cutoff_instant(date(2026, 7, 1), KST, NINE) == kst(2026, 7, 1, 9)
    assert cutoff_instant(date(2026, 7, 1), KST, NINE).tzinfo == KST


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: issue_window(date(2026, 7, 1), KST, NINE, datetime(2026, 6, 30, 9)), id="naive-previous"),
        pytest.param(lambda: Window(datetime(2026, 6, 30, 9), kst(2026, 7, 1, 9)), id="naive-window-start"),
        pytest.param(lambda: REF_WINDOW.contains(datetime(2026, 6, 30, 20)), id="naive-contains"),
        pytest.param(lambda: latest_announcement_before(datetime(2026, 6, 30), []), id="naive-latest"),
        pytest.param(lambda: Window(kst(2026, 7, 1, 9), kst(2026, 7, 1, 9)), id="empty-window"),
        pytest.param(lambda: cutoff_instant(date(2026, 7, 1), KST, time(9, tzinfo=UTC)), id="aware-cutoff"),
    ],
)
def test_value_errors(call):
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: is_announcement_day(date(2026, 9, 7), ["2026-09-07"]), id="string-holiday"),
        pytest.param(lambda: announcement_on(date(2026, 9, 8), [datetime(2026, 9, 7)]), id="datetime-holiday"),
        pytest.param(lambda: is_announcement_day(datetime(2026, 9, 8, tzinfo=ET), []), id="datetime-as-day"),
    ],
)
def test_type_errors(call):
    with pytest.raises(TypeError):
        call()


def test_naive_error_message_is_clear():
    with pytest.raises(ValueError, match="previous_published .* no time zone"):
        issue_window(date(2026, 7, 1), KST, NINE, datetime(2026, 6, 30, 9))


# --- window edges ----------------------------------------------------------------------------

TUE = et(2026, 6, 30, 20)
MINUTE = timedelta(minutes=1)


@pytest.mark.parametrize(
    "window, included",
    [
        pytest.param(Window(TUE, TUE + timedelta(days=1)), False, id="at-start-excluded"),
        pytest.param(Window(TUE - MINUTE, TUE + timedelta(hours=23)), True, id="just-after-start-included"),
        pytest.param(Window(TUE - timedelta(days=1), TUE), True, id="at-end-included"),
        pytest.param(Window(TUE - timedelta(hours=23), TUE - MINUTE), False, id="just-before-end-excluded"),
        pytest.param(Window(TUE.astimezone(KST), kst(2026, 7, 2, 9)), False, id="at-start-other-zone"),
        pytest.param(Window(kst(2026, 6, 30, 9), TUE.astimezone(UTC)), True, id="at-end-other-zone"),
    ],
)
def test_window_edges(window, included):
    assert window.contains(TUE) is included
    assert (TUE in [a.announced for a in announcements_in(window, HOLIDAYS_2026)]) is included


def test_multi_day_window_lists_announcements_in_order():
    anns = seoul_issue(date(2026, 7, 2), previous=kst(2026, 6, 28, 9, 20))
    assert announced_days(anns) == [date(2026, 6, 28), date(2026, 6, 29), date(2026, 6, 30), date(2026, 7, 1)]
    assert [a.submitted_date_query() for a in anns] == [
        "submittedDate:[202606251800 TO 202606261800]",
        "submittedDate:[202606261800 TO 202606291800]",
        "submittedDate:[202606291800 TO 202606301800]",
        "submittedDate:[202606301800 TO 202607011800]",
    ]


# --- latest_announcement_before --------------------------------------------------------------


@pytest.mark.parametrize(
    "instant, expected_day",
    [
        pytest.param(et(2026, 6, 30, 20), date(2026, 6, 30), id="exactly-at"),
        pytest.param(et(2026, 6, 30, 19, 59), date(2026, 6, 29), id="minute-before"),
        pytest.param(kst(2026, 7, 1, 9), date(2026, 6, 30), id="seoul-cutoff"),
        pytest.param(et(2026, 6, 27, 12), date(2026, 6, 25), id="saturday-gives-thursday"),
        pytest.param(et(2026, 9, 8, 12), date(2026, 9, 6), id="labor-day-gives-sunday"),
        pytest.param(et(2027, 1, 2, 12), date(2026, 12, 30), id="new-year-gives-dec30"),
    ],
)
def test_latest_announcement_before(instant, expected_day):
    ann = latest_announcement_before(instant, HOLIDAYS_2026)
    assert ann.announced.astimezone(ET).date() == expected_day
    assert ann == announcement_on(expected_day, HOLIDAYS_2026)


# --- properties ------------------------------------------------------------------------------

EPOCH = utc(2024, 1, 1)
SPAN_MINUTES = int((utc(2028, 1, 1) - EPOCH).total_seconds() // 60)
ZONES = [KST, ET, UTC, ZoneInfo("Europe/London"), ZoneInfo("Australia/Lord_Howe"),
         ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Pacific/Pago_Pago")]

holiday_sets = st.one_of(
    st.just(HOLIDAYS_2026),
    st.frozensets(st.dates(date(2023, 12, 1), date(2028, 1, 31)), max_size=40),
)


@st.composite
def windows(draw) -> Window:
    start_min = draw(st.integers(0, SPAN_MINUTES - 60 * 24 * 21))
    length = draw(st.integers(1, 60 * 24 * 21))
    tz = draw(st.sampled_from(ZONES))
    start = EPOCH + timedelta(minutes=start_min)
    return Window(start.astimezone(tz), (start + timedelta(minutes=length)).astimezone(tz))


@settings(max_examples=150, deadline=None)
@given(window=windows(), holidays=holiday_sets, split=st.floats(0.0, 1.0))
def test_announcement_properties(window, holidays, split):
    anns = announcements_in(window, holidays)
    instants = [a.announced for a in anns]
    assert instants == sorted(instants) and len(set(instants)) == len(instants)
    for a in anns:
        assert window.contains(a.announced)
        day = a.announced.astimezone(ET).date()
        assert day.weekday() not in (4, 5)
        assert day not in holidays
        assert a.announced.astimezone(ET).time() == time(20)
        assert a.listing_date == day + timedelta(days=1)
        assert a.available == datetime.combine(a.listing_date, time(0), tzinfo=ET)
        assert a.submissions_start < a.submissions_end < a.announced
        assert a.submissions_end.astimezone(ET).time() == time(14)
        assert a.submissions_end.astimezone(ET).weekday() <= 4
        assert a == announcement_on(day, holidays)
    for prev, nxt in zip(anns, anns[1:]):
        assert nxt.submissions_start == prev.submissions_end
    # Nothing is missed at either edge: the last announcement by the start lies outside the
    # window, and the last one by the end is the window's last (or also outside when empty).
    assert not window.contains(latest_announcement_before(window.start, holidays).announced)
    last_by_end = latest_announcement_before(window.end, holidays)
    if anns:
        before = latest_announcement_before(anns[0].announced - MINUTE, holidays)
        assert anns[0].submissions_start == before.submissions_end
        assert last_by_end == anns[-1]
    else:
        assert last_by_end.announced <= window.start
    # Consecutive issues neither drop nor duplicate announcements.
    cut = window.start + (window.end - window.start) * split
    cut = max(window.start + MINUTE, min(cut, window.end - MINUTE)) if window.duration > 2 * MINUTE else None
    if cut is not None:
        left = announcements_in(Window(window.start, cut), holidays)
        right = announcements_in(Window(cut, window.end), holidays)
        assert left + right == anns


# --- a cutoff in a zone of its own: the window follows arXiv's announcement ----------------------

TWENTY = time(20, 0)


@pytest.mark.parametrize("issue, expected", [
    pytest.param(date(2026, 7, 1), kst(2026, 7, 1, 9), id="seoul-summer-0900"),
    pytest.param(date(2024, 11, 29), kst(2024, 11, 29, 10), id="seoul-winter-1000"),
])
def test_a_cutoff_at_eastern_announcement_time_moves_with_daylight_saving(issue, expected):
    assert cutoff_instant(issue, KST, TWENTY, ET) == expected
    assert cutoff_instant(issue, KST, TWENTY, ET).tzinfo == KST


def test_the_winter_batch_is_in_the_same_mornings_issue_with_an_eastern_cutoff():
    """Announced Wed 27 Nov 2024 20:00 EST = Thu 28 Nov 10:00 KST: the issue of the 28th, not the 29th."""
    window = issue_window(date(2024, 11, 28), KST, TWENTY, cutoff_zone=ET)
    assert window.start == kst(2024, 11, 27, 10) and window.end == kst(2024, 11, 28, 10)
    assert [a.listing_date for a in announcements_in(window, ())] == [date(2024, 11, 28)]


@pytest.mark.parametrize("tz", [ZoneInfo("America/Los_Angeles"), ZoneInfo("Europe/London"), ET, KST,
                                ZoneInfo("Australia/Sydney")], ids=str)
def test_a_cutoff_in_the_display_zone_itself_is_the_plain_cutoff(tz):
    for issue in (date(2026, 3, 8), date(2026, 7, 1), date(2026, 11, 1)):
        assert cutoff_instant(issue, tz, NINE, tz) == cutoff_instant(issue, tz, NINE)


@settings(max_examples=300, deadline=None)
@given(day=st.dates(date(2020, 1, 1), date(2035, 12, 31)),
       tz=st.sampled_from([KST, ZoneInfo("Europe/London"), ZoneInfo("America/Los_Angeles"),
                           ZoneInfo("Australia/Sydney"), ZoneInfo("Asia/Kolkata"), UTC]))
def test_eastern_cutoff_windows_chain_and_close_at_an_eastern_2000(day, tz):
    window = issue_window(day, tz, TWENTY, cutoff_zone=ET)
    nxt = issue_window(day + timedelta(days=1), tz, TWENTY, cutoff_zone=ET)
    assert nxt.start == window.end  # no gap, no overlap
    assert window.end.astimezone(ET).time() == TWENTY
    assert window.end.date() == day
    assert timedelta(hours=22) <= window.duration <= timedelta(hours=26)
