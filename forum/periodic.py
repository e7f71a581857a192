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
from datetime import timedelta
from typing import Any

from sqlalchemy import delete

from forum import clock
from forum.extensions import db

log = logging.getLogger("forum.periodic")

# Spent and expired sign-in tokens are kept this long (for support questions), then removed.
TOKENS_KEPT = timedelta(days=30)
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


def deliver_email(now):
    """Queued e-mail goes out (forum.notifications.service.deliver_pending; it commits as it goes)."""
    from forum.notifications.service import deliver_pending

    return deliver_pending()


def remove_old_tokens(now):
    """Sign-in tokens expired for more than TOKENS_KEPT are removed; returns how many."""
    from forum.accounts.models import AccountToken

    return db.session.execute(delete(AccountToken).where(AccountToken.expires_at < now - TOKENS_KEPT)).rowcount


def prune_activity_days(now):
    """Days of activity older than ACTIVITY_RETENTION_DAYS are removed (forum.stats); returns how many."""
    from forum.stats.service import prune_activity_days as prune

    return prune(now)


STEPS = [
    Step("discussions announced", announce_discussions),
    Step("guest invitations expired", expire_guest_invitations),
    Step("digests queued", send_digests),
    # Steps that queue e-mail come before this one, so their messages leave in the same run.
    Step("e-mails", deliver_email, describe=lambda delivery: f"e-mails {delivery}"),
    Step("old tokens removed", remove_old_tokens),
    Step("old activity days removed", prune_activity_days),
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
