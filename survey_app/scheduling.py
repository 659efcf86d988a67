"""When participants are due, when reminders fall, and the hours SMS may go out.

Pure functions of dates and rows; the caller passes "now" (see ``clock``),
so a ten-week run of the schedule can be tested with a travelling clock.

- A participant is due ``FOLLOWUP_WEEKS`` (26) after the course start.
- An optional pre-notice goes ``PRENOTICE_DAYS`` before that (off by default).
- Reminders go ``REMINDER_DAYS`` (3 and 7) days after the invitation was
  first sent, to those who have not completed; at most two.
- SMS go out only between ``SMS_WINDOW`` (09:00–20:00 Danish time); e-mail
  at any hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from . import clock, dates

# Statuses of a participant, in the order of the journey (shown in this order).
STATUSES = (
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


@dataclass(frozen=True)
class Schedule:
    followup_weeks: int = 26
    reminder_days: tuple[int, ...] = (3, 7)
    prenotice_days: int | None = None
    sms_window: tuple[time, time] = (time(9), time(20))
    # A link may go out this many days before the follow-up date; earlier only with a reason.
    early_invite_days: int = 14

    @classmethod
    def from_config(cls, config) -> Schedule:
        reminders = config.get("REMINDER_DAYS", (3, 7))
        if isinstance(reminders, str):
            reminders = [int(part) for part in reminders.replace(";", ",").split(",") if part.strip()]
        start, end = config.get("SMS_WINDOW", "09:00-20:00").split("-")
        prenotice = config.get("PRENOTICE_DAYS")
        return cls(
            followup_weeks=int(config.get("FOLLOWUP_WEEKS", 26)),
            reminder_days=tuple(sorted(int(day) for day in reminders))[:2],
            prenotice_days=int(prenotice) if prenotice not in (None, "", 0, "0") else None,
            sms_window=(time.fromisoformat(start.strip()), time.fromisoformat(end.strip())),
            early_invite_days=int(config.get("EARLY_INVITE_DAYS", 14)),
        )

    def due_date(self, baseline: date | str | None) -> date | None:
        """The follow-up date of a course start (a date, or as stored).

        None when there is none to give: the stored course start is no date,
        or its follow-up would fall after 31 December 9999. Such a participant
        is never due, and every page and command still works.
        """
        if not isinstance(baseline, date):
            baseline = dates.read_stored(baseline)
        try:
            return baseline + timedelta(weeks=self.followup_weeks) if baseline else None
        except OverflowError:
            return None

    def first_send_date(self, baseline: date | str | None) -> date | None:
        """The first day a link may be sent or shown without confirming "send early"."""
        due = self.due_date(baseline)
        if due is None:
            return None
        try:
            return due - timedelta(days=self.early_invite_days)
        except OverflowError:
            return None

    def prenotice_date(self, baseline: date | str | None) -> date | None:
        due = self.due_date(baseline)
        if self.prenotice_days is None or due is None:
            return None
        return due - timedelta(days=self.prenotice_days)

    def reminder_dates(self, first_sent: datetime) -> list[date]:
        """The dates of the reminders after an invitation first sent at ``first_sent``."""
        sent_on = clock.local(first_sent).date()
        return [sent_on + timedelta(days=days) for days in self.reminder_days]

    def sms_allowed(self, moment: datetime) -> bool:
        start, end = self.sms_window
        return start <= clock.local(moment).time() < end

    def next_sms_time(self, moment: datetime) -> datetime:
        """``moment`` if an SMS may go then, else the start of the next window."""
        if self.sms_allowed(moment):
            return moment
        local = clock.local(moment)
        start = self.sms_window[0]
        day = local.date() if local.time() < start else local.date() + timedelta(days=1)
        return datetime.combine(day, start, tzinfo=clock.LOCAL_TZ).astimezone(moment.tzinfo)


def participant_status(
    participant: dict,
    invitation: dict | None,
    answered: int,
    reminders_sent: int,
    now: datetime,
    schedule: Schedule,
) -> str:
    """One status out of :data:`STATUSES` for the consultant's overview.

    ``invitation`` is the participant's newest invitation (or None),
    ``answered`` how many of its items have an answer, ``reminders_sent``
    how many reminders went out for it.
    """
    if participant.get("withdrawn_at"):
        return "withdrawn"
    if invitation and invitation.get("completed_at"):
        return "completed"
    if participant.get("opted_out_at"):
        return "opted_out"
    if invitation is None:
        due = schedule.due_date(participant["baseline_date"])
        return "due" if due is not None and clock.local(now).date() >= due else "not_due"
    if clock.parse(invitation["expires_at"]) <= now:
        return "expired"
    if answered:
        return "partial"
    if invitation.get("opened_at"):
        return "opened"
    if reminders_sent:
        return "reminded"
    return "invited"
