"""Weekly discussions and topic proposals through the interface (DESIGN.md §4, flows 1 and 2)."""

import re
import uuid

from playwright.sync_api import expect

from tests.e2e.harness import DELEGATE_BR, DELEGATE_FR, DELEGATE_JP, DELEGATE_MX, MODERATOR
from tests.e2e.weekly import open_discussion_now

# Content languages as the English interface names them in form labels.
LANGUAGE_LABELS = {"en": "English", "fr": "French", "es": "Spanish"}


def test_moderator_schedules_a_weekly_discussion_and_a_delegate_replies_in_another_language(visitor, server):
    tag = uuid.uuid4().hex[:6]
    titles = {
        "en": f"Patent information services {tag}",
        "fr": f"Services d'information en matière de brevets {tag}",
        "es": f"Servicios de información sobre patentes {tag}",
    }
    bodies = {
        "en": "Which **patent information** services does your office offer to small firms?",
        "fr": "Quels services d'**information en matière de brevets** votre office propose-t-il aux PME ?",
        "es": "¿Qué servicios de **información sobre patentes** ofrece su oficina a las pymes?",
    }
    moderator = visitor(MODERATOR)
    page = moderator.page
    moderator.goto("/topics")
    page.get_by_role("link", name="Schedule a discussion").click()
    expect(page).to_have_url(re.compile(r"/topics/discussions/new$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Schedule a weekly discussion")

    page.get_by_label("Category").select_option(label="Capacity building")
    # The form proposes next Monday 09:00 Geneva time for seven days; keep that.
    expect(page.get_by_label("Opens at")).to_have_value(re.compile(r"^\d{4}-\d\d-\d\dT09:00"))
    expect(page.get_by_label("Closes at")).to_have_value(re.compile(r"^\d{4}-\d\d-\d\dT09:00"))
    for code, name in LANGUAGE_LABELS.items():
        page.get_by_label(f"Title in {name}").fill(titles[code])
        page.get_by_label(f"Opening message in {name}").fill(bodies[code])
    page.get_by_role("button", name="Schedule the discussion").click()

    expect(page.locator(".flash-success")).to_have_text("The discussion is scheduled.")
    expect(page).to_have_url(re.compile(r"/topics/discussions/\d+$"))
    discussion_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_role("heading", level=1)).to_have_text(titles["en"])
    expect(page.locator(".page-head .status")).to_have_text("Scheduled")
    languages = page.locator("section[aria-labelledby=languages-heading] li")
    expect(languages).to_have_count(3)
    for code, title in titles.items():
        expect(languages.get_by_role("link", name=title)).to_have_attribute("lang", code)

    open_discussion_now(server, discussion_id)

    # A delegate in the French room finds it, sees its siblings and replies.
    delegate = visitor(DELEGATE_FR)
    page = delegate.page
    delegate.goto("/rooms/capacity-fr")
    page.get_by_role("link", name=titles["fr"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(titles["fr"])
    expect(page.locator(".page-head .status")).to_have_text("Open")
    also_in = page.locator("p.also-in")
    expect(also_in).to_contain_text("Also in:")
    expect(also_in).to_contain_text("English (0 replies) · Español (0 replies)")
    expect(also_in.get_by_role("link", name="English")).to_have_attribute("hreflang", "en")
    expect(also_in.get_by_role("link", name="Español")).to_have_attribute("hreflang", "es")
    expect(page.locator("#post-1 .post-body strong")).to_have_text("information en matière de brevets")

    page.get_by_label("Your message").fill(f"Nous proposons un service de recherche gratuit ({tag}).")
    page.get_by_role("button", name="Post reply").click()
    expect(page.locator("#post-2 .post-body")).to_contain_text(f"service de recherche gratuit ({tag})")
    expect(page.locator("#post-2 .author")).to_have_text("Camille Dupont")

    # From the English thread, the French one now counts that reply.
    english = visitor(DELEGATE_BR)
    page = english.page
    english.goto("/rooms/capacity-en")
    page.get_by_role("link", name=titles["en"]).click()
    also_in = page.locator("p.also-in")
    expect(also_in).to_contain_text("Français (1 reply) · Español (0 replies)")
    also_in.get_by_role("link", name="Français").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(titles["fr"])
    expect(page.locator("#post-2 .author")).to_have_text("Camille Dupont")

    # The topics page lists it as open now, with a link to each language's thread.
    english.goto("/topics")
    current = page.locator("section[aria-labelledby=current-heading] li.panel", has_text=titles["en"])
    expect(current).to_have_count(1)
    expect(current.locator(".status")).to_have_text("Open")
    expect(current.get_by_role("link", name="Français")).to_be_visible()
    expect(current).to_contain_text("(1 reply)")


def test_a_proposal_is_endorsed_accepted_and_scheduled(visitor):
    tag = uuid.uuid4().hex[:6]
    title = f"Mentoring programmes for young examiners {tag}"

    # A delegate proposes a topic.
    proposer = visitor(DELEGATE_MX)
    page = proposer.page
    proposer.goto("/topics")
    page.get_by_role("link", name="Propose a topic").click()
    expect(page).to_have_url(re.compile(r"/topics/proposals/new$"))
    page.get_by_label("Title").fill(title)
    page.get_by_label("Category").select_option(label="Capacity building")
    page.get_by_label("Description").fill("How do offices **mentor** newly recruited examiners?")
    page.get_by_label("Aims").fill("Compare mentoring schemes and their evaluation.")
    page.get_by_label("Target audience").fill("Heads of examination divisions")
    page.get_by_role("checkbox", name="English").check()
    page.get_by_role("checkbox", name="Español").check()
    page.get_by_role("button", name="Submit the proposal").click()

    expect(page.locator(".flash-success")).to_have_text("Thank you: your proposal is submitted.")
    expect(page).to_have_url(re.compile(r"/topics/proposals/\d+$"))
    proposal_path = page.url.removeprefix(proposer.base_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".page-head .status")).to_have_text("Submitted")
    expect(page.get_by_role("button", name="Endorse this proposal")).to_have_count(0)  # not one's own

    # Another delegate finds it among the proposals being considered and endorses it.
    supporter = visitor(DELEGATE_JP)
    page = supporter.page
    supporter.goto("/topics")
    listed = page.locator("section[aria-labelledby=proposals-heading] li.panel", has_text=title)
    expect(listed).to_contain_text("Proposed by María Hernández · Mexico")
    expect(listed).to_contain_text("0 endorsements")
    listed.get_by_role("link", name=title).click()
    page.get_by_role("button", name="Endorse this proposal").click()
    expect(page.locator(".flash-success")).to_have_text("Your endorsement is recorded.")
    expect(page.locator("#endorsements-heading")).to_have_text("1 endorsement")
    expect(page.locator("section[aria-labelledby=endorsements-heading]")).to_contain_text("Haruto Sato · Japan")
    expect(page.get_by_role("button", name="Withdraw my endorsement")).to_be_visible()

    # The moderator accepts it and lands on the new-discussion form, filled in from it.
    moderator = visitor(MODERATOR)
    page = moderator.page
    moderator.goto(proposal_path)
    page.get_by_label("Note (shown with the proposal)").fill("A good fit for the spring cycle.")
    page.get_by_role("button", name="Accept and schedule").click()

    expect(page.locator(".flash-success")).to_have_text("The proposal is accepted. Schedule it as a weekly discussion.")
    expect(page).to_have_url(re.compile(r"/topics/discussions/new\?proposal=\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Schedule a weekly discussion")
    expect(page.locator("main .notice")).to_contain_text(f"From the proposal “{title}” by María Hernández · Mexico.")
    expect(page.get_by_label("Category").locator("option:checked")).to_have_text("Capacity building")
    # Only the language the proposal is written in is filled in: no English text lands in another room.
    expect(page.get_by_label("Title in English")).to_have_value(title)
    body = page.get_by_label("Opening message in English")
    expect(body).to_have_value(re.compile(r"How do offices \*\*mentor\*\* newly recruited examiners\?"))
    expect(body).to_have_value(re.compile(r"Compare mentoring schemes"))
    expect(body).to_have_value(re.compile(r"\*Topic proposed by María Hernández \(Mexico\)\.\*"))
    for name in ("Spanish", "French"):
        expect(page.get_by_label(f"Title in {name}")).to_have_value("")
        expect(page.get_by_label(f"Opening message in {name}")).to_have_value("")
    # Spanish was asked for: the moderator translates it, with the proposal shown beside the empty fields.
    page.get_by_text("The proposal, for reference (to translate)").first.click()
    expect(page.locator("details.reference[open]").first).to_contain_text(title)
    page.get_by_label("Title in Spanish").fill("Mentoría de examinadores recién contratados")
    page.get_by_label("Opening message in Spanish").fill("¿Cómo acompañan las oficinas a sus nuevos examinadores?")
    page.get_by_role("button", name="Schedule the discussion").click()

    expect(page.locator(".flash-success")).to_have_text("The discussion is scheduled.")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("dl.facts")).to_contain_text("María Hernández · Mexico")
    expect(page.locator("section[aria-labelledby=languages-heading] li")).to_have_count(2)

    # The topics page shows it as planned, and no longer among the proposals waiting.
    proposer.goto("/topics")
    page = proposer.page
    planned = page.locator("section[aria-labelledby=planned-heading] li.panel", has_text=title)
    expect(planned).to_have_count(1)
    expect(planned.locator(".status")).to_have_text("Scheduled")
    expect(page.locator("section[aria-labelledby=proposals-heading]")).not_to_contain_text(title)
    # The proposer's page says where it went.
    proposer.goto(proposal_path)
    expect(page.locator(".page-head .status")).to_have_text("Scheduled")
    expect(page.locator("main .notice")).to_contain_text("A good fit for the spring cycle.")
    page.get_by_role("link", name="See the discussion scheduled from this proposal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
