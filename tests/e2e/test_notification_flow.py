"""The weekly rhythm end to end: this week's discussion on the home page, a mention by e-mail over
real SMTP, the daily digest, and a one-click unsubscribe from the e-mail's link."""

import re
import uuid
from datetime import timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import DELEGATE_BR, DELEGATE_KE
from tests.e2e.weekly import make_open_discussion
from tests.helpers.smtp import SMTPServer


@pytest.fixture
def mailbox(server):
    """A real SMTP server; `deliver()` sends what the forum queued, as `flask forum tick` would."""
    smtp = SMTPServer()
    smtp.start()

    def deliver(now=None):
        from forum import clock
        from forum.notifications.digests import send_due_digests
        from forum.notifications.service import deliver_pending

        with server.db():
            app = server.app
            app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_USE_TLS=False)
            try:
                if now is not None:
                    clock.freeze(now)
                    send_due_digests(now)
                from forum.extensions import db

                db.session.commit()
                deliver_pending()
            finally:
                clock.unfreeze()
                app.config.update(MAIL_BACKEND="outbox")

    smtp.deliver = deliver
    yield smtp
    smtp.stop()


def next_morning(server, email):
    """The next 07:30 in the person's time zone, when their daily digest is due."""
    from forum import clock
    from forum.accounts.service import find_user_by_email

    with server.db():
        zone = ZoneInfo(find_user_by_email(email).timezone or server.app.config["FORUM_TIMEZONE"])
    local = clock.now().astimezone(zone)
    morning = local.replace(hour=7, minute=30, second=0, microsecond=0)
    return morning if morning > local else morning + timedelta(days=1)


def test_a_delegate_follows_the_week_is_mentioned_gets_the_digest_and_unsubscribes(server, visitor, mailbox):
    title = f"Mentoring examiners {uuid.uuid4().hex[:6]}"
    discussion = make_open_discussion(server, {"en": title, "fr": f"Mentorat {title}"})
    thread_id = discussion["threads"]["en"]

    # The home page leads to this week's discussion in one click, and the delegate follows it.
    kamau = visitor(DELEGATE_KE)
    page = kamau.page
    kamau.goto("/")
    week = page.locator("section.this-week article.weekly", has_text=title)
    expect(week).to_contain_text("Also in")
    week.get_by_role("link", name="Join the discussion").click()
    expect(page).to_have_url(re.compile(rf"/t/{thread_id}"))
    page.get_by_role("button", name="Follow this thread").click()
    expect(page.get_by_role("button", name="Stop following")).to_be_visible()

    # Another delegate replies and mentions them by name.
    silva = visitor(DELEGATE_BR)
    silva.goto(f"/t/{thread_id}")
    silva.page.get_by_label("Your message").fill("@[Wanjiru Kamau], how did Kenya set up its mentoring scheme?")
    silva.page.get_by_role("button", name="Post reply").click()
    expect(silva.page.locator(".post-body .mention", has_text="Wanjiru Kamau")).to_be_visible()

    # The mention arrives at once, by real SMTP, with a one-click unsubscribe header.
    mailbox.deliver()
    # (Other flows' e-mails to this demo account may arrive too: only this thread's are looked at.)
    mentions = [m for m in mailbox.to(DELEGATE_KE) if "mentioned" in m.subject and title in m.subject]
    assert len(mentions) == 1, [m.subject for m in mailbox.to(DELEGATE_KE)]
    mention = mentions[0]
    assert "João Silva" in mention.text and "mentoring scheme" in mention.text
    assert mention.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = re.search(r"<([^>]+)>", mention.message["List-Unsubscribe"]).group(1)

    # A plain reply in the followed thread waits for the daily digest (the mention came at once, alone).
    silva.page.get_by_label("Your message").fill("Our scheme pairs each new examiner with a senior one.")
    silva.page.get_by_role("button", name="Post reply").click()
    expect(silva.page.locator(".post-body", has_text="pairs each new examiner")).to_be_visible()
    mailbox.deliver()
    assert [m.subject for m in mailbox.to(DELEGATE_KE) if title in m.subject] == [mention.subject]

    # The next morning (07:30 where they are) the daily digest gathers it.
    mailbox.deliver(now=next_morning(server, DELEGATE_KE))
    digests = [m for m in mailbox.to(DELEGATE_KE) if "digest" in m.subject.lower() and title in m.text]
    assert len(digests) == 1, [m.subject for m in mailbox.to(DELEGATE_KE)]
    assert title in digests[0].text and "senior one" in digests[0].text

    # One click from the e-mail, signed out: mentions stop by e-mail.
    reader = visitor()
    reader.goto(urlsplit(unsubscribe_url).path)
    reader.page.get_by_role("button", name="Stop these e-mails").click()
    expect(reader.page.locator("main")).to_contain_text("Mentions of your name")
    silva.goto(f"/t/{thread_id}")
    silva.page.get_by_label("Your message").fill("@[Wanjiru Kamau] one more question.")
    silva.page.get_by_role("button", name="Post reply").click()
    mailbox.deliver()
    assert len([m for m in mailbox.to(DELEGATE_KE) if "mentioned" in m.subject and title in m.subject]) == 1
