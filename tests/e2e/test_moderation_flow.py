"""Protocol acceptance, flag and hide, and the chief moderator's reversal (DESIGN.md §4, flow 4)."""

import re
import uuid

from playwright.sync_api import expect

from tests.e2e.harness import DELEGATE_FR, DELEGATE_KE, DELEGATE_PL, MODERATOR

LANGUAGE_MODERATOR = "langmod@forum.test"  # forum/cli.py DEMO_ACCOUNTS: moderates French


def test_accept_protocol_then_flag_hide_and_reverse(visitor, make_thread):
    tag = uuid.uuid4().hex[:6]
    thread = make_thread(
        f"Bureaux régionaux et formation {tag}",
        "Quelles formations vos bureaux régionaux proposent-ils ?",
        author=DELEGATE_FR,
        room="capacity-fr",
    )
    thread_path = f"/t/{thread['id']}"
    reply_text = f"Achetez nos logiciels de dépôt en ligne à prix réduit ! Offre {tag}"

    # Zofia has not accepted the protocol: the thread offers the protocol, not a reply form.
    author = visitor(DELEGATE_PL)
    page = author.page
    author.goto(thread_path)
    gate = page.locator("section.protocol-gate")
    expect(gate.get_by_role("heading", level=2)).to_have_text("Accept the usage protocol to post")
    expect(page.get_by_label("Your message")).to_have_count(0)
    expect(page.get_by_role("button", name="Post reply")).to_have_count(0)

    gate.get_by_role("link", name="Read and accept the protocol").click()
    expect(page).to_have_url(re.compile(r"/protocol\?next="))
    expect(page.locator("#protocol-gate")).to_contain_text(
        "Please read the protocol and accept it before your first post."
    )
    expect(page.locator("#clause-3\\.4")).to_contain_text("No advertising")
    page.get_by_role("button", name="Accept the protocol").click()
    # Not without ticking the box.
    expect(page.locator(".flash-error")).to_have_text("Tick the box to accept the protocol.")
    page.get_by_label("I have read the usage protocol and accept it.").check()
    page.get_by_role("button", name="Accept the protocol").click()

    expect(page).to_have_url(re.compile(rf"{thread_path}$"))
    expect(page.locator(".flash-success")).to_have_text("Thank you: you accepted the usage protocol and can now post.")
    expect(page.locator("section.protocol-gate")).to_have_count(0)
    page.get_by_label("Your message").fill(reply_text)
    page.get_by_role("button", name="Post reply").click()
    expect(page.locator("#post-2 .post-body")).to_have_text(reply_text)
    expect(page.locator("#post-2 .author")).to_have_text("Zofia Nowak")

    # Another delegate reports it, citing the clause on advertising.
    reporter = visitor(DELEGATE_KE)
    page = reporter.page
    reporter.goto(thread_path)
    page.locator("#post-2").get_by_role("link", name="Report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a message")
    page.get_by_label("Which clause of the protocol does it breach?").select_option("3.4")
    page.get_by_label("Note for the moderators (optional)").fill("Commercial promotion.")
    page.get_by_role("button", name="Report to the moderators").click()
    expect(page.locator(".flash-success")).to_have_text("Thank you: the moderators will look at this message.")
    expect(page.locator("#post-2 .post-body")).to_have_text(reply_text)  # still there until a moderator decides

    # The French language moderator hides it from the queue, citing the clause.
    language_moderator = visitor(LANGUAGE_MODERATOR)
    page = language_moderator.page
    language_moderator.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Moderation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Moderation queue")
    item = page.locator("li.queue-item", has_text=f"Bureaux régionaux et formation {tag}")
    expect(item.locator(".flags")).to_contain_text("Clause 3.4, reported by Wanjiru Kamau")
    expect(item.locator(".flags")).to_contain_text("Commercial promotion.")
    item.get_by_role("link", name="Review and decide").click()

    hide = page.locator("section[aria-labelledby=hide-heading]")
    expect(hide.get_by_label("Clause of the protocol")).to_have_value("3.4")  # the reporter's clause, offered
    hide.get_by_label("Clause of the protocol").select_option("3.4")
    hide.get_by_label("Reason (shown to the author)").fill("Advertising is not allowed in the rooms.")
    hide.get_by_role("button", name="Hide the message").click()
    expect(page.locator(".flash-success")).to_have_text("The message is hidden and its author informed.")
    expect(page.locator(".badge-hidden")).to_have_text("Hidden under clause 3.4")
    expect(page.locator("section[aria-labelledby=flags-heading]")).to_contain_text("Upheld by Léa Modératrice")
    page.get_by_role("link", name="Queue").click()
    expect(page.locator("li.queue-item", has_text=f"Bureaux régionaux et formation {tag}")).to_have_count(0)

    # Readers see a tombstone citing the clause, not the text.
    reporter.goto(thread_path)
    expect(reporter.page.locator("#post-2 .tombstone")).to_have_text("Hidden by a moderator under clause 3.4.")
    expect(reporter.page.locator("#post-2")).not_to_contain_text(reply_text)

    # The chief moderator sees the act among the language moderators' and reverses it.
    chief = visitor(MODERATOR)
    page = chief.page
    chief.goto("/moderation")
    page.get_by_role("link", name="Language moderators' acts").click()
    expect(page).to_have_url(re.compile(r"/moderation/supervision$"))
    row = page.locator("table.data tbody tr", has_text=f"Bureaux régionaux et formation {tag}").filter(
        has_text="Hid a message"
    )
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Léa Modératrice")
    expect(row.locator("td").nth(4)).to_have_text("3.4")
    expect(row).to_contain_text("Advertising is not allowed in the rooms.")
    row.get_by_role("link", name="Reverse").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Reverse an act")
    page.get_by_label("Reason for the reversal").fill("A link to a public tender is on topic here.")
    page.get_by_role("button", name="Reverse this act").click()
    expect(page.locator(".flash-success")).to_have_text("The act is reversed; the reversal is in the audit trail.")
    row = page.locator("table.data tbody tr", has_text=f"Bureaux régionaux et formation {tag}").filter(
        has_text="Hid a message"
    )
    expect(row).to_contain_text("Reversed on")
    expect(row).to_contain_text("A link to a public tender is on topic here.")
    expect(row.get_by_role("link", name="Reverse")).to_have_count(0)

    # The message is published again for every reader.
    reporter.goto(thread_path)
    expect(reporter.page.locator("#post-2 .post-body")).to_have_text(reply_text)
    expect(reporter.page.locator("#post-2 .tombstone")).to_have_count(0)
    author.goto(thread_path)
    expect(author.page.locator("#post-2 .post-body")).to_have_text(reply_text)
