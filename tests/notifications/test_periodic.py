"""The periodic work: `flask forum tick` runs it once, `flask forum worker` until stopped."""

import os
import signal
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum import clock, periodic
from forum.extensions import db
from forum.notifications import service
from forum.notifications.models import EmailStatus, Notification, OutgoingEmail
from tests.helpers import weekly

pytestmark = pytest.mark.usefixtures("app")


def queue(to="ana@example.org"):
    message = service.queue_email(to, "Hello", "Body")
    db.session.commit()
    return message


def test_tick_delivers_and_prints_a_summary_of_every_step(app, smtp_server):
    queue()
    result = app.test_cli_runner().invoke(args=["forum", "tick"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "discussions announced: 0; guest invitations expired: 0; guest accounts deactivated: 0; digests queued: 0; "
        "deletion requests reminded: 0; e-mails sent: 1, failed: 0, retrying later: 0; old tokens removed: 0; "
        "old security events removed: 0; old e-mails removed: 0; old activity days removed: 0; "
        "statistics weeks counted: 0"
    )
    assert len(smtp_server.received) == 1


def test_tick_reports_retries_during_an_outage(app, smtp_server):
    smtp_server.stop()
    queue()
    result = app.test_cli_runner().invoke(args=["forum", "tick"])
    assert "e-mails sent: 0, failed: 0, retrying later: 1" in result.output


def test_a_failing_step_does_not_stop_the_others(app, smtp_server, monkeypatch):
    def broken(now):
        db.session.add(Notification(user_id=None, kind="never", params={}))
        raise RuntimeError("digest template missing")

    monkeypatch.setattr(periodic, "STEPS", [periodic.Step("digests sent", broken), *periodic.STEPS])
    queue()

    result = app.test_cli_runner().invoke(args=["forum", "tick"])

    assert result.exit_code == 1
    assert "digests sent: failed (RuntimeError: digest template missing)" in result.output
    assert "e-mails sent: 1" in result.output
    assert len(smtp_server.received) == 1
    # What the broken step wrote was rolled back.
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "never")) == 0


def test_a_step_added_to_the_list_runs_and_is_summarised(monkeypatch):
    calls = []
    step = periodic.Step("reminders sent", lambda now: calls.append(now) or ["a", "b"])
    monkeypatch.setattr(periodic, "STEPS", [*periodic.STEPS, step])
    summary = periodic.run_periodic_work()
    assert len(calls) == 1
    assert summary.results["reminders sent"] == ["a", "b"]
    assert str(summary).endswith("reminders sent: 2")
    assert summary


def test_a_run_with_nothing_to_do_is_false():
    assert not periodic.run_periodic_work()


def test_old_tokens_are_removed(app, make_user, frozen_clock):
    from forum.accounts import service as accounts
    from forum.accounts.models import AccountToken

    user = make_user()
    accounts.request_password_reset(user.email)
    db.session.commit()
    # Expired after a day; kept for thirty more.
    frozen_clock.advance(days=30)
    assert periodic.run_periodic_work().results["old tokens removed"] == 0
    frozen_clock.advance(days=1, seconds=1)
    assert periodic.run_periodic_work().results["old tokens removed"] == 1
    assert db.session.scalar(select(func.count(AccountToken.id))) == 0


# The worker --------------------------------------------------------------------------------------


def test_the_worker_runs_the_given_number_of_times(app, monkeypatch):
    runs = []
    monkeypatch.setattr(periodic, "STEPS", [periodic.Step("checks", lambda now: runs.append(now) or 1)])

    result = app.test_cli_runner().invoke(args=["forum", "worker", "--interval", "0", "--max-runs", "3"])

    assert result.exit_code == 0, result.output
    assert len(runs) == 3
    # A line per run that did something, then how many runs there were.
    assert result.output.count("checks: 1") == 3
    assert "Worker stopped after 3 runs." in result.output


def test_the_worker_stays_quiet_when_there_is_nothing_to_do(app):
    result = app.test_cli_runner().invoke(args=["forum", "worker", "--interval", "0", "--max-runs", "2"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Periodic work every 0 seconds (Ctrl-C to stop).",
        "Worker stopped after 2 runs.",
    ]


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT])
def test_the_worker_finishes_its_run_and_stops_on_a_signal(app, monkeypatch, number):
    before = signal.getsignal(number)
    finished = []

    def signalled(now):
        os.kill(os.getpid(), number)
        finished.append(True)
        return 0

    monkeypatch.setattr(periodic, "STEPS", [periodic.Step("signal", signalled)])

    runs = periodic.run_worker(interval=0)

    assert runs == 1 and finished == [True]
    assert signal.getsignal(number) == before


def test_the_worker_delivers_mail_and_announces_an_opening(app, smtp_server, frozen_clock, moderator, make_user):
    member = make_user()
    discussion = weekly.schedule(moderator)
    frozen_clock.set(weekly.MONDAY_NEXT + timedelta(seconds=30))
    queue(member.email)

    result = app.test_cli_runner().invoke(args=["forum", "worker", "--interval", "0", "--max-runs", "2"])

    assert result.exit_code == 0, result.output
    assert "discussions announced: 1" in result.output
    # The queued message, and the opening announced by e-mail to the member and the moderator.
    assert "e-mails sent: 3" in result.output
    assert len(smtp_server.to(member.email)) == 2
    opened = db.session.scalars(select(Notification).where(Notification.kind == "discussion_opened")).all()
    assert member.id in {notification.user_id for notification in opened}
    assert db.session.get(type(discussion), discussion.id).announced_at is not None
    assert set(db.session.scalars(select(OutgoingEmail.status))) == {EmailStatus.sent}


def test_the_demo_announces_its_opening_in_each_recipients_language(app, outbox):
    from forum.cli import seed_demo_data

    seed_demo_data()
    db.session.commit()
    periodic.run_periodic_work(clock.now())
    subjects = {message.to: message.subject for message in outbox() if message.kind == "discussion_opened"}
    assert subjects["delegate.fr@forum.test"].startswith("Forum du CDIP : ")
    assert subjects["delegate.mx@forum.test"].startswith("Foro del CDIP: ")
    assert subjects["delegate.ke@forum.test"].startswith("CDIP forum: ")
