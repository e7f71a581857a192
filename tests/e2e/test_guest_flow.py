"""A guest from a university, from the request to the revocation (DESIGN.md §4, flow 3).

A delegate asks, the moderator recommends citing a clause, the administrator
approves, the guest follows the e-mailed link, sets a password, accepts the
protocol and posts; typed addresses outside the invited thread answer 404
and show nothing of the forum; a moderator revokes and the guest's next
request shows the access has ended.
"""

import re
import uuid

from playwright.sync_api import expect

from tests.e2e.harness import ADMIN, DELEGATE_KE, MODERATOR
from tests.e2e.weekly import make_open_discussion

UNIVERSITY = "University of Nairobi"
GUEST_NAME = "Amina Odhiambo"
GUEST_PASSWORD = "a long passphrase for the guest 2026"
INVITATION_LINK = re.compile(r"https?://\S+/invitation/[A-Za-z0-9_-]+")

# Titles the guest must never see: other threads, the seeded discussion, rooms.
DEMO_TITLES = (
    "Measuring the impact of technical assistance",
    "Training patent examiners: what worked for you?",
    "Évaluer une stratégie nationale de PI après cinq ans",
    "Capacity building",
)


def invitation_link(server, email):
    from sqlalchemy import select

    from forum.notifications.models import OutgoingEmail

    with server.db() as session:
        bodies = session.scalars(
            select(OutgoingEmail.body).where(OutgoingEmail.to == email).order_by(OutgoingEmail.id)
        ).all()
    assert bodies, f"no e-mail to {email} in the outbox"
    found = INVITATION_LINK.search(bodies[-1])
    assert found, f"no invitation link in:\n{bodies[-1]}"
    return found.group(0)


def test_guest_invitation_from_request_to_revocation(visitor, server, make_thread):
    tag = uuid.uuid4().hex[:6]
    titles = {
        "en": f"Universities and technology transfer offices {tag}",
        "fr": f"Universités et bureaux de transfert de technologie {tag}",
        "es": f"Universidades y oficinas de transferencia de tecnología {tag}",
    }
    discussion = make_open_discussion(server, titles)
    english_thread = discussion["threads"]["en"]
    other = make_thread(f"A members-only thread {tag}", "Only for members.", room="capacity-en")
    guest_email = f"amina.{tag}@uonbi.example"
    outside_titles = (*DEMO_TITLES, other["title"], titles["fr"], titles["es"])

    # The delegate asks from the discussion's English thread.
    delegate = visitor(DELEGATE_KE)
    page = delegate.page
    delegate.goto(f"/t/{english_thread}")
    page.get_by_role("link", name="Request a guest for this discussion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask for a guest")
    expect(page.locator("p.lead")).to_contain_text(titles["en"])
    page.get_by_label("Guest's name").fill(GUEST_NAME)
    page.get_by_label("Guest's e-mail address").fill(guest_email)
    page.get_by_label("Organisation", exact=True).fill(UNIVERSITY)
    page.get_by_label("Kind of organisation").select_option(label="Academic institution")
    page.get_by_label("Why should this guest take part?").fill(
        "Dr Odhiambo runs the university's technology transfer office and evaluated two WIPO projects."
    )
    page.get_by_role("checkbox", name="English").check()
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator(".flash-success")).to_have_text("Your request is sent to the moderators, who will assess it.")
    expect(page.locator(".page-head .status")).to_have_text("Awaiting assessment")
    request_path = page.url.removeprefix(delegate.base_url)
    assert re.fullmatch(r"/guests/\d+", request_path), request_path

    # The moderator recommends it, citing the protocol.
    moderator = visitor(MODERATOR)
    page = moderator.page
    moderator.goto("/guests")
    row = page.locator("table.queue tbody tr", has_text=titles["en"]).filter(has_text=GUEST_NAME)
    expect(row).to_contain_text("Wanjiru Kamau (Kenya)")
    expect(row.locator(".status")).to_have_text("Awaiting assessment")
    row.get_by_role("link", name=GUEST_NAME).click()
    expect(page).to_have_url(re.compile(rf"{request_path}$"))
    assess = page.locator("section[aria-labelledby=assess-heading]")
    assess.get_by_role("radio", name="Recommend").check()
    assess.get_by_label("Clause of the protocol").select_option("4.6")
    assess.get_by_label("Reason (shown to the requester)").fill("Relevant expertise for this discussion.")
    assess.get_by_role("button", name="Record the assessment").click()
    expect(page.locator(".flash-success")).to_have_text("The request is recommended to the administrators.")
    expect(page.locator("section[aria-labelledby=assessment-heading]")).to_contain_text(
        "under clause 4.6 of the usage protocol"
    )
    expect(page.locator(".page-head .status")).to_have_text("Recommended, awaiting approval")

    # The administrator approves: the invitation goes out at once.
    admin = visitor(ADMIN)
    page = admin.page
    admin.goto(request_path)
    decide = page.locator("section[aria-labelledby=decide-heading]")
    decide.get_by_role("radio", name="Approve and send the invitation").check()
    decide.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".flash-success")).to_have_text("The guest is approved and the invitation is on its way.")
    expect(page.locator(".page-head .status")).to_have_text("Invitation sent")
    link = invitation_link(server, guest_email)
    assert link.startswith(server.url + "/invitation/"), link

    # The guest, in a browser of their own, follows the link and sets a password.
    guest = visitor()
    page = guest.page
    guest.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {GUEST_NAME}")
    expect(page.locator("main")).to_contain_text(f"as a guest from {UNIVERSITY}")
    expect(page.get_by_label("Your name as others will see it")).to_have_value(GUEST_NAME)
    page.get_by_label("Choose a password").fill(GUEST_PASSWORD)
    page.get_by_label("Repeat the password").fill(GUEST_PASSWORD)
    page.get_by_role("button", name="Accept the invitation").click()

    # First the protocol, then the discussion.
    expect(page).to_have_url(re.compile(r"/protocol\?next="))
    expect(page.locator("#protocol-gate")).to_be_visible()
    page.get_by_label("I have read the usage protocol and accept it.").check()
    page.get_by_role("button", name="Accept the protocol").click()
    expect(page).to_have_url(re.compile(rf"/t/{english_thread}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(titles["en"])
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link")).to_have_text(["Your discussions", "Profile"])
    expect(page.locator("p.also-in")).to_have_count(0)  # invited in English only
    expect(page.get_by_role("link", name="Request a guest for this discussion")).to_have_count(0)

    page.get_by_label("Your message").fill(f"Our office licensed 14 inventions last year ({tag}).")
    page.get_by_role("button", name="Post reply").click()
    post = page.locator("#post-2")
    expect(post.locator(".post-body")).to_contain_text(f"licensed 14 inventions last year ({tag})")
    expect(post.locator(".author")).to_have_text(GUEST_NAME)
    expect(post.locator(".badge-guest")).to_have_text(f"Guest — {UNIVERSITY}")

    # Members see the label too.
    delegate.goto(f"/t/{english_thread}")
    expect(delegate.page.locator("#post-2 .badge-guest")).to_have_text(f"Guest — {UNIVERSITY}")

    # Typing addresses: the guest's home shows only the invitation…
    guest.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {GUEST_NAME}")
    expect(page.locator("main").get_by_role("link", name="English")).to_have_attribute("href", f"/t/{english_thread}")
    body = page.locator("body").inner_text()
    assert not [title for title in outside_titles if title in body], body

    # …and everything outside the invited thread is missing, as if it did not exist.
    outside = [
        "/rooms/capacity-en",
        f"/t/{other['id']}",
        f"/t/{discussion['threads']['fr']}",
        f"/p/{other['first_post']}/flag",
        "/topics",
        f"/topics/discussions/{discussion['id']}",
        "/topics/proposals",
        "/admin/accounts",
        "/moderation",
        "/moderation/audit",
        "/guests",
    ]
    for path in outside:
        response = guest.goto(path, expect_status=None)
        assert response.status in (403, 404), f"{path}: HTTP {response.status} for a guest"
        expect(page.get_by_role("heading", level=1)).to_contain_text(
            "Page not found" if response.status == 404 else "Not allowed"
        )
        body = page.locator("body").inner_text()
        shown = [title for title in outside_titles if title in body]
        assert not shown, f"{path} shows {shown} to a guest"
        assert titles["en"] not in body, f"{path} names the guest's own discussion on an error page"

    # A moderator revokes the invitation.
    guest.goto("/")  # (a page without live updates, so no poll fails in the background)
    moderator.goto(request_path)
    revoke = moderator.page.locator("section[aria-labelledby=revoke-heading]")
    revoke.get_by_label("Reason for revoking").fill("The university asked us to withdraw the invitation.")
    revoke.get_by_role("button", name="Revoke", exact=True).click()
    expect(moderator.page.locator(".flash-success")).to_have_text("The invitation is revoked.")
    expect(moderator.page.locator(".page-head .status")).to_have_text("Revoked")

    # The guest's next request: the thread is gone, and home says the access ended.
    page.locator("main").get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Page not found")
    expect(page.locator("main")).not_to_contain_text(titles["en"])
    page.get_by_role("link", name="Back to the forum").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("Your access has ended")
    expect(page.locator("main")).not_to_contain_text(titles["en"])
