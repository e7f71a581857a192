"""Time-driven work: what `flask forum tick` does once and `flask forum worker` does every half minute.

The work is a list of steps (`STEPS`). Each step is a function of `now` that
does one kind of work, commits it and returns what it did (a list, a count, or
an object that prints itself); a feature with work of its own appends a step.
Steps run in order, each on its own: one that fails is rolled back and logged
and the others still run, so a broken digest never holds back the e-mail.
Every step must be safe to run again, and at the same time in two processes.
"""

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from forum import clock
from forum.extensions import db

log = logging.getLogger("forum.periodic")

WORKER_INTERVAL = 30


@dataclass(frozen=True)
class Step:
    # How the summary names the step's result: "discussions announced: 2".
    name: str
    run: Callable[[Any], Any]
    # The step's result as summary text; by default "<name>: <count>".
    describe: Callable[[Any], str] | None = None

    def text(self, result):
        return self.describe(result) if self.describe else f"{self.name}: {_count(result)}"


def _count(result):
    return len(result) if isinstance(result, (list, tuple, set, frozenset)) else result


def announce_discussions(now):
    """Discussions that opened since the last run are announced to members (each exactly once)."""
    from forum.discussions.service import announce_opened_discussions

    return announce_opened_discussions(now)


def expire_guest_invitations(now):
    """Guest access already ends with time; this records the expiry (state and audit event) once."""
    from forum.guests.service import expire_due

    return expire_due(now)


def send_digests(now):
    """Daily and weekly digests due at `now` (each person's 07:00), each claimed once per person and period."""
    from forum.notifications.digests import send_due_digests

    return send_due_digests(now)


def remind_deletion_deciders(now):
    """Deletion requests waiting more than DELETION_REMINDER_DAYS are e-mailed to the deciders, once each."""
    from forum.erasure.service import remind_deciders

    return remind_deciders(now)


def deliver_email(now):
    """Queued e-mail goes out (forum.notifications.service.deliver_pending; it commits as it goes)."""
    from forum.notifications.service import deliver_pending

    return deliver_pending()


# Retention (forum.retention): each period the /retention page states is enforced by a step here.


def remove_old_tokens(now):
    """One-time links expired or used more than TOKEN_RETENTION_DAYS ago are removed; returns how many."""
    from forum.retention.service import remove_old_tokens

    return remove_old_tokens(now)


def remove_old_security_events(now):
    """Security events older than SECURITY_EVENT_RETENTION_DAYS are removed; returns how many."""
    from forum.retention.service import remove_old_security_events

    return remove_old_security_events(now)


def remove_old_emails(now):
    """Sent and failed e-mails older than OUTBOX_RETENTION_DAYS are removed from the outbox; returns how many."""
    from forum.retention.service import remove_old_emails

    return remove_old_emails(now)


def deactivate_ended_guests(now):
    """Guest accounts whose last invitation ended more than GUEST_ACCOUNT_DAYS ago are deactivated."""
    from forum.retention.service import deactivate_ended_guests

    return deactivate_ended_guests(now)


def prune_activity_days(now):
    """Days of activity older than ACTIVITY_RETENTION_DAYS are removed (forum.stats); returns how many."""
    from forum.stats.service import prune_activity_days as prune

    return prune(now)


def roll_stats_weeks(now):
    """Whole past weeks not counted yet are counted once for the statistics (forum.stats.rollup); how many."""
    from forum.stats.rollup import roll_weeks

    return roll_weeks(now)


STEPS = [
    Step("discussions announced", announce_discussions),
    Step("guest invitations expired", expire_guest_invitations),
    Step("guest accounts deactivated", deactivate_ended_guests),
    Step("digests queued", send_digests),
    Step("deletion requests reminded", remind_deletion_deciders),
    # Steps that queue e-mail come before this one, so their messages leave in the same run.
    Step("e-mails", deliver_email, describe=lambda delivery: f"e-mails {delivery}"),
    Step("old tokens removed", remove_old_tokens),
    Step("old security events removed", remove_old_security_events),
    # After delivery: a message sent in this run is never old enough to go in the same run.
    Step("old e-mails removed", remove_old_emails),
    Step("old activity days removed", prune_activity_days),
    Step("statistics weeks counted", roll_stats_weeks),
]


@dataclass
class Summary:
    """What one run of the periodic work did: the result of each step, and the steps that failed."""

    results: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    texts: list = field(default_factory=list)

    def __bool__(self):
        """True when the run did something (or something failed): the worker prints a line for it."""
        return bool(self.errors) or any(_count(result) for result in self.results.values())

    def __str__(self):
        return "; ".join(self.texts)


def run_periodic_work(now=None, steps=None):
    """Run every step once, each committed on its own; returns a Summary."""
    now = now or clock.now()
    summary = Summary()
    for step in STEPS if steps is None else steps:
        try:
            result = step.run(now)
            db.session.commit()
        except Exception as error:
            # One broken step must not stop the others (e-mail delivery above all); it is tried again next run.
            db.session.rollback()
            log.exception("Periodic step %r failed", step.name)
            summary.errors[step.name] = error
            summary.texts.append(f"{step.name}: failed ({type(error).__name__}: {error})")
            continue
        summary.results[step.name] = result
        summary.texts.append(step.text(result))
    return summary


def run_worker(interval=WORKER_INTERVAL, *, max_runs=None, report=None):
    """Run the periodic work every `interval` seconds until SIGTERM or SIGINT (or `max_runs` runs); returns the runs.

    A signal lets the current run finish: no step is cut off halfway. `report`
    is called with each run's Summary.
    """
    stopping = threading.Event()

    def stop(signum, frame):
        stopping.set()

    previous = {number: signal.signal(number, stop) for number in (signal.SIGTERM, signal.SIGINT)}
    runs = 0
    try:
        while not stopping.is_set():
            summary = run_periodic_work(clock.now())
            runs += 1
            if report is not None:
                report(summary)
            if max_runs is not None and runs >= max_runs:
                break
            stopping.wait(interval)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    return runs
