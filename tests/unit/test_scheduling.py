"""When participants are due, when reminders fall, and the hours an SMS may go out (scheduling.py).

Pure: every function gets "now" or the moment as an argument, so no clock is
frozen here. The Danish clock changes on the last Sunday of March (02:00 CET
becomes 03:00 CEST) and of October (03:00 CEST becomes 02:00 CET): in 2025
on 30 March and 26 October. 09:00 in Copenhagen is 08:00 UTC in winter and
07:00 UTC in summer.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from survey_app import scheduling

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def danish(*args) -> datetime:
    return datetime(*args, tzinfo=COPENHAGEN)


# -- configuration --------------------------------------------------------------------------


def test_the_defaults_are_26_weeks_reminders_after_3_and_7_days_and_sms_from_9_to_20():
    schedule = scheduling.Schedule()
    assert schedule.followup_weeks == 26
    assert schedule.reminder_days == (3, 7)
    assert schedule.prenotice_days is None
    assert schedule.sms_window == (time(9), time(20))
    assert scheduling.Schedule.from_config({}) == schedule
    # The app's own defaults give the same schedule.
    config = {
        "REMINDER_DAYS": "3,7",
        "PRENOTICE_DAYS": None,
        "SMS_WINDOW": "09:00-20:00",
        "FOLLOWUP_WEEKS": 26,
    }
    assert scheduling.Schedule.from_config(config) == schedule


@pytest.mark.parametrize(
    "setting, days",
    [
        ("3,7", (3, 7)),
        ("7; 3", (3, 7)),  # either separator, any order, spaces
        (" 5 ,2 ", (2, 5)),
        ("2,9,5", (2, 5)),  # at most two reminders: the earliest two
        ("10", (10,)),
        ("", ()),  # no reminders
        ("4,", (4,)),
        ([10, 4], (4, 10)),
        ((3, 7, 14), (3, 7)),
    ],
)
def test_reminder_days_from_the_configuration(setting, days):
    assert scheduling.Schedule.from_config({"REMINDER_DAYS": setting}).reminder_days == days


@pytest.mark.parametrize(
    "setting, days", [(None, None), ("", None), (0, None), ("0", None), ("5", 5), (14, 14)]
)
def test_a_prenotice_is_off_unless_a_number_of_days_is_set(setting, days):
    assert scheduling.Schedule.from_config({"PRENOTICE_DAYS": setting}).prenotice_days == days


@pytest.mark.parametrize(
    "setting, window",
    [
        ("09:00-20:00", (time(9), time(20))),
        (" 08:30 - 21:15 ", (time(8, 30), time(21, 15))),
        ("10:00-16:00", (time(10), time(16))),
    ],
)
def test_the_sms_window_from_the_configuration(setting, window):
    assert scheduling.Schedule.from_config({"SMS_WINDOW": setting}).sms_window == window


@pytest.mark.parametrize(
    "config",
    [{"SMS_WINDOW": "09:00"}, {"SMS_WINDOW": "9-20"}, {"REMINDER_DAYS": "3,x"}, {"FOLLOWUP_WEEKS": "six"}],
    ids=["window without an end", "hours without minutes", "a reminder day that is no number", "weeks"],
)
def test_a_configuration_that_cannot_be_read_is_refused_at_once(config):
    with pytest.raises(ValueError):
        scheduling.Schedule.from_config(config)


def test_the_follow_up_weeks_from_the_configuration():
    schedule = scheduling.Schedule.from_config({"FOLLOWUP_WEEKS": "30"})
    assert schedule.followup_weeks == 30
    assert schedule.due_date("2025-01-01") == date(2025, 7, 30)


# -- the follow-up date and the pre-notice ------------------------------------------------------


@pytest.mark.parametrize(
    "baseline, due",
    [
        ("2025-05-01", date(2025, 10, 30)),
        ("2025-07-01", date(2025, 12, 30)),
        ("2025-07-05", date(2026, 1, 3)),  # over the year end
        ("2022-09-01", date(2023, 3, 2)),  # 182 days: 28 February in 2023 ...
        ("2023-09-01", date(2024, 3, 1)),  # ... and 29 February in 2024
        ("2025-08-31", date(2026, 3, 1)),
        ("2000-01-01", date(2000, 7, 1)),
        ("9999-07-02", date(9999, 12, 31)),  # the last course start with a follow-up date
    ],
)
def test_the_follow_up_is_26_weeks_after_the_course_start(baseline, due):
    schedule = scheduling.Schedule()
    assert schedule.due_date(baseline) == due
    assert schedule.due_date(date.fromisoformat(baseline)) == due
    assert (due - date.fromisoformat(baseline)).days == 182


@pytest.mark.parametrize("stored", ["9999-07-03", "2025-13-01", "1. maj 2025", "2025-5-1", " ", 20250501])
def test_a_course_start_without_a_follow_up_date_gives_none(stored):
    assert scheduling.Schedule().due_date(stored) is None


def test_no_follow_up_weeks_means_due_on_the_course_start():
    assert scheduling.Schedule(followup_weeks=0).due_date("2025-03-30") == date(2025, 3, 30)


def test_the_prenotice_goes_the_set_number_of_days_before_the_follow_up():
    assert scheduling.Schedule(prenotice_days=7).prenotice_date("2025-05-01") == date(2025, 10, 23)
    # Back over the year end.
    assert scheduling.Schedule(prenotice_days=5).prenotice_date("2025-07-05") == date(2025, 12, 29)
    assert scheduling.Schedule().prenotice_date("2025-05-01") is None  # off by default
    assert scheduling.Schedule(prenotice_days=7).prenotice_date("no date") is None


# -- reminders -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "first_sent, reminders",
    [
        (utc(2025, 5, 12, 10), [date(2025, 5, 15), date(2025, 5, 19)]),
        # Counted from the Danish date: 23:30 UTC on 29 March is already 30 March in Copenhagen
        # (the night the clock moves on); 22:30 UTC on 30 June is 00:30 on 1 July (summer time).
        (utc(2025, 3, 29, 23, 30), [date(2025, 4, 2), date(2025, 4, 6)]),
        (utc(2025, 6, 30, 22, 30), [date(2025, 7, 4), date(2025, 7, 8)]),
        (utc(2025, 6, 30, 21, 59), [date(2025, 7, 3), date(2025, 7, 7)]),
        # Over the clock going back on 26 October, and over the year end.
        (utc(2025, 10, 23, 9), [date(2025, 10, 26), date(2025, 10, 30)]),
        (utc(2025, 12, 29, 10), [date(2026, 1, 1), date(2026, 1, 5)]),
        (utc(2025, 12, 31, 23, 30), [date(2026, 1, 4), date(2026, 1, 8)]),  # sent on 1 January, Danish time
        (utc(2028, 2, 26, 12), [date(2028, 2, 29), date(2028, 3, 4)]),  # a leap year
    ],
)
def test_reminders_fall_3_and_7_days_after_the_danish_date_of_the_first_sending(first_sent, reminders):
    assert scheduling.Schedule().reminder_dates(first_sent) == reminders


def test_reminder_dates_follow_the_configured_days():
    sent = utc(2025, 5, 12, 10)
    assert scheduling.Schedule(reminder_days=(5,)).reminder_dates(sent) == [date(2025, 5, 17)]
    assert scheduling.Schedule(reminder_days=()).reminder_dates(sent) == []
    # The same instant given in Danish time gives the same dates.
    assert scheduling.Schedule().reminder_dates(sent.astimezone(COPENHAGEN)) == [
        date(2025, 5, 15),
        date(2025, 5, 19),
    ]


# -- the SMS window ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment, allowed",
    [
        # Winter (CET = UTC+1).
        (utc(2025, 1, 15, 7, 59, 59), False),  # 08:59:59
        (utc(2025, 1, 15, 8, 0), True),  # 09:00
        (utc(2025, 1, 15, 18, 59, 59), True),  # 19:59:59
        (utc(2025, 1, 15, 19, 0), False),  # 20:00: the window's end is not in it
        (utc(2025, 1, 15, 23, 30), False),
        # Summer (CEST = UTC+2).
        (utc(2025, 7, 15, 6, 59, 59), False),
        (utc(2025, 7, 15, 7, 0), True),
        (utc(2025, 7, 15, 17, 59, 59), True),
        (utc(2025, 7, 15, 18, 0), False),
        (utc(2025, 7, 15, 8, 30), True),  # 08:30 UTC would be outside a window read in UTC
        # The days the clock changes: summer time from 30 March, winter time from 26 October.
        (utc(2025, 3, 30, 6, 59), False),
        (utc(2025, 3, 30, 7, 0), True),
        (utc(2025, 3, 30, 18, 0), False),
        (utc(2025, 10, 26, 7, 59), False),
        (utc(2025, 10, 26, 8, 0), True),
        (utc(2025, 10, 26, 18, 59), True),
        (utc(2025, 10, 26, 19, 0), False),
        # The same every day of the week: Saturday and Sunday at noon.
        (danish(2025, 1, 18, 12), True),
        (danish(2025, 1, 19, 12), True),
        # Any time zone the moment comes in.
        (datetime(2025, 1, 15, 13, 30, tzinfo=timezone(timedelta(hours=5))), True),  # 09:30 in Denmark
        (datetime(2025, 1, 15, 14, 30, tzinfo=timezone(timedelta(hours=-5))), False),  # 20:30 in Denmark
    ],
)
def test_sms_go_out_only_from_9_to_20_danish_time(moment, allowed):
    assert scheduling.Schedule().sms_allowed(moment) is allowed


def test_a_configured_window_is_read_in_danish_time_too():
    schedule = scheduling.Schedule.from_config({"SMS_WINDOW": "08:30-21:00"})
    assert not schedule.sms_allowed(danish(2025, 7, 1, 8, 29))
    assert schedule.sms_allowed(danish(2025, 7, 1, 8, 30))
    assert schedule.sms_allowed(danish(2025, 7, 1, 20, 59))
    assert not schedule.sms_allowed(danish(2025, 7, 1, 21))


@pytest.mark.parametrize(
    "moment, expected",
    [
        (utc(2025, 1, 15, 6, 0), utc(2025, 1, 15, 8, 0)),  # 07:00 → 09:00 the same day
        (utc(2025, 1, 15, 19, 30), utc(2025, 1, 16, 8, 0)),  # 20:30 → 09:00 the next day
        (utc(2025, 1, 15, 19, 0), utc(2025, 1, 16, 8, 0)),  # 20:00 exactly → the next day
        (utc(2025, 1, 14, 23, 30), utc(2025, 1, 15, 8, 0)),  # 00:30 Danish, still 14 January in UTC
        (utc(2025, 7, 15, 5, 0), utc(2025, 7, 15, 7, 0)),  # summer: 09:00 is 07:00 UTC
        # Saturday evening before the clock moves on: Sunday 09:00 is summer time.
        (utc(2025, 3, 29, 20, 0), utc(2025, 3, 30, 7, 0)),
        (utc(2025, 3, 30, 1, 30), utc(2025, 3, 30, 7, 0)),  # 03:30 CEST, just after the change
        # Saturday evening before the clock goes back: Sunday 09:00 is winter time.
        (utc(2025, 10, 25, 19, 0), utc(2025, 10, 26, 8, 0)),
        (utc(2025, 10, 26, 0, 30), utc(2025, 10, 26, 8, 0)),  # 02:30 CEST, before the hour repeats
        (utc(2025, 10, 26, 1, 30), utc(2025, 10, 26, 8, 0)),  # 02:30 CET, the repeated hour
        # New Year's Eve: the first of January at 09:00 (no holidays are kept).
        (utc(2025, 12, 31, 21, 0), utc(2026, 1, 1, 8, 0)),
    ],
)
def test_outside_the_window_an_sms_waits_for_the_next_9_oclock(moment, expected):
    assert scheduling.Schedule().next_sms_time(moment) == expected


def test_inside_the_window_an_sms_goes_at_once_and_the_answer_keeps_the_time_zone():
    schedule = scheduling.Schedule()
    inside = utc(2025, 3, 30, 12, 17, 5)
    assert schedule.next_sms_time(inside) is inside
    later = schedule.next_sms_time(utc(2025, 3, 30, 19, 0))
    assert later.tzinfo is UTC and later == utc(2025, 3, 31, 7, 0)
    in_denmark = schedule.next_sms_time(danish(2025, 10, 25, 22, 0))
    assert in_denmark.tzinfo == COPENHAGEN
    assert (in_denmark.date(), in_denmark.time()) == (date(2025, 10, 26), time(9))


def _weeks_in_quarter_hours(start: datetime, days: int):
    moment = start
    while moment < start + timedelta(days=days):
        yield moment
        moment += timedelta(minutes=15)


@pytest.mark.parametrize("start", [utc(2025, 3, 26), utc(2025, 10, 22), utc(2025, 12, 28)], ids=str)
def test_the_next_sms_time_is_the_first_moment_inside_the_window(start):
    """Every quarter hour of a week around each clock change and the year end."""
    schedule = scheduling.Schedule()
    moments = list(_weeks_in_quarter_hours(start, 8))
    allowed = [moment for moment in moments if schedule.sms_allowed(moment)]
    # 11 hours a day, 44 quarter hours, on every one of the 8 days, also when the clock changes.
    assert len(allowed) == 8 * 44
    for moment in moments[: -4 * 24]:  # the last day's mornings need a window after the list
        chosen = schedule.next_sms_time(moment)
        assert schedule.sms_allowed(chosen), (moment, chosen)
        assert chosen >= moment
        first = next(candidate for candidate in allowed if candidate >= moment)
        assert chosen == first, (moment, chosen)
        assert chosen.astimezone(COPENHAGEN).time() in (time(9), moment.astimezone(COPENHAGEN).time())


# -- a participant's status ------------------------------------------------------------------------

NOW = utc(2025, 11, 3, 10)
BASELINE = "2025-05-01"  # follow-up on 30 October 2025


def participant(**changes) -> dict:
    return {"baseline_date": BASELINE, "withdrawn_at": None, "opted_out_at": None, **changes}


def invitation(**changes) -> dict:
    return {
        "created_at": "2025-10-30T08:00:00+00:00",
        "expires_at": "2025-12-25T08:00:00+00:00",
        "opened_at": None,
        "completed_at": None,
        **changes,
    }


def status(person, invited, answered=0, reminders=0, now=NOW):
    return scheduling.participant_status(person, invited, answered, reminders, now, scheduling.Schedule())


COMPLETED = "2025-11-01T12:00:00+00:00"
STAMP = "2025-11-01T10:00:00+00:00"


@pytest.mark.parametrize(
    "person, invited, answered, reminders, expected",
    [
        (participant(), None, 0, 0, "due"),
        (participant(baseline_date="2025-05-07"), None, 0, 0, "not_due"),  # follow-up on 5 November
        (participant(baseline_date="31-12-9999"), None, 0, 0, "not_due"),
        (participant(baseline_date=""), None, 0, 0, "not_due"),
        (participant(baseline_date="9999-12-31"), None, 0, 0, "not_due"),
        (participant(), invitation(), 0, 0, "invited"),
        (participant(), invitation(), 0, 1, "reminded"),
        (participant(), invitation(opened_at=STAMP), 0, 2, "opened"),
        (participant(), invitation(opened_at=STAMP), 3, 2, "partial"),
        (participant(), invitation(opened_at=STAMP), 8, 0, "partial"),  # every item, not yet sent in
        (participant(), invitation(opened_at=STAMP, completed_at=COMPLETED), 8, 2, "completed"),
        (participant(), invitation(expires_at="2025-11-03T09:59:59+00:00"), 0, 2, "expired"),
        (participant(), invitation(expires_at="2025-11-03T09:59:59+00:00", opened_at=STAMP), 4, 0, "expired"),
        # A completed response stays completed after its link expired ...
        (participant(), invitation(expires_at=STAMP, completed_at=STAMP), 8, 0, "completed"),
        # ... and after the participant opted out of messages; withdrawing outranks everything.
        (participant(opted_out_at=STAMP), invitation(completed_at=COMPLETED), 8, 0, "completed"),
        (participant(opted_out_at=STAMP), invitation(opened_at=STAMP), 2, 1, "opted_out"),
        (participant(opted_out_at=STAMP), None, 0, 0, "opted_out"),
        (participant(withdrawn_at=STAMP), invitation(completed_at=COMPLETED), 8, 0, "withdrawn"),
        (participant(withdrawn_at=STAMP, opted_out_at=STAMP), None, 0, 0, "withdrawn"),
    ],
)
def test_participant_status(person, invited, answered, reminders, expected):
    assert expected in scheduling.STATUSES
    assert status(person, invited, answered, reminders) == expected


def test_a_link_expires_at_its_stored_instant():
    expires = "2025-11-03T10:00:00+00:00"
    assert status(participant(), invitation(expires_at=expires), now=utc(2025, 11, 3, 9, 59, 59)) == "invited"
    assert status(participant(), invitation(expires_at=expires), now=utc(2025, 11, 3, 10)) == "expired"
    # Stored in another offset, the same instant.
    assert status(participant(), invitation(expires_at="2025-11-03T11:00:00+01:00"), now=NOW) == "expired"


def test_a_participant_is_due_from_the_danish_date_of_the_follow_up():
    # Follow-up on 30 October 2025: 23:30 UTC on the 29th is 00:30 on the 30th in Copenhagen.
    assert status(participant(), None, now=utc(2025, 10, 29, 22, 59)) == "not_due"
    assert status(participant(), None, now=utc(2025, 10, 29, 23, 0)) == "due"
    # In summer time the Danish day begins at 22:00 UTC: follow-up on 1 July 2025.
    summer = participant(baseline_date="2024-12-31")
    assert status(summer, None, now=utc(2025, 6, 30, 21, 59)) == "not_due"
    assert status(summer, None, now=utc(2025, 6, 30, 22, 0)) == "due"


def test_the_statuses_are_listed_in_the_order_of_the_journey():
    assert scheduling.STATUSES == (
        "not_due",
        "due",
        "invited",
        "reminded",
        "opened",
        "partial",
        "completed",
        "expired",
        "opted_out",
        "withdrawn",
    )
