"""Replying with Markdown, previewing without JavaScript, live updates, editing and revisions."""

import re
import uuid

from playwright.sync_api import expect

from tests.e2e.harness import DELEGATE_BR, DELEGATE_FR, DELEGATE_KE, LIVE_UPDATE_WAIT_MS


def markdown_reply(tag):
    return (
        f"A reply {tag} with **bold words** and a list:\n\n"
        "- first point\n"
        "- second point\n\n"
        "See [the evaluation](https://example.org/evaluation) for details."
    )


def expect_rendered_markdown(body, tag):
    """`body` is a .post-body (or preview) holding markdown_reply(tag)."""
    expect(body).to_contain_text(tag)
    expect(body.locator("strong")).to_have_text("bold words")
    expect(body.locator("ul > li")).to_have_text(["first point", "second point"])
    link = body.locator("a", has_text="the evaluation")
    expect(link).to_have_attribute("href", "https://example.org/evaluation")
    expect(link).to_have_attribute("rel", re.compile(r"(^|\s)nofollow(\s|$)"))
    expect(link).to_have_attribute("rel", re.compile(r"(^|\s)noopener(\s|$)"))
    # The Markdown syntax itself must not show.
    expect(body).not_to_contain_text("**")


def test_reply_with_markdown_is_rendered(visitor, make_thread):
    thread = make_thread("Markdown replies", author=DELEGATE_BR)
    tag = uuid.uuid4().hex[:8]
    person = visitor(DELEGATE_FR)
    page = person.page
    person.goto(f"/t/{thread['id']}")

    page.get_by_label("Your message").fill(markdown_reply(tag))
    page.get_by_role("button", name="Post reply").click()

    expect(page).to_have_url(re.compile(rf"/t/{thread['id']}\?page=1#post-2$"))
    post = page.locator("#post-2")
    expect(post.locator(".author")).to_have_text("Camille Dupont")
    expect_rendered_markdown(post.locator(".post-body"), tag)
    # The form is empty again, ready for the next reply.
    expect(page.get_by_label("Your message")).to_have_value("")


def test_preview_and_reply_work_without_javascript(visitor, make_thread):
    thread = make_thread("Previewing without JavaScript", author=DELEGATE_BR)
    tag = uuid.uuid4().hex[:8]
    person = visitor(DELEGATE_FR, javascript=False)
    page = person.page
    person.goto(f"/t/{thread['id']}")
    assert page.evaluate("1 + 1") == 2  # Playwright still evaluates; the page's own scripts do not run
    assert page.locator("#posts").get_attribute("data-live") == "1"

    page.get_by_label("Your message").fill(markdown_reply(tag))
    page.get_by_role("button", name="Preview").click()

    preview = page.locator("#reply .preview .post-body")
    expect_rendered_markdown(preview, tag)
    expect(page.get_by_label("Your message")).to_have_value(markdown_reply(tag))
    expect(page.locator("#posts > li.post")).to_have_count(1)  # nothing was posted

    page.get_by_role("button", name="Post reply").click()
    expect(page.locator("#posts > li.post")).to_have_count(2)
    expect_rendered_markdown(page.locator("#post-2 .post-body"), tag)
    expect(page.locator("#reply .preview")).to_have_count(0)


def test_second_reader_sees_a_reply_appear_without_reloading(visitor, make_thread):
    thread = make_thread("Live updates", author=DELEGATE_BR)
    tag = uuid.uuid4().hex[:8]
    reader = visitor(DELEGATE_KE)
    reader.goto(f"/t/{thread['id']}")
    expect(reader.page.locator("#posts > li.post")).to_have_count(1)
    # A mark on the window: a reload would wipe it.
    reader.page.evaluate("window.__sameDocument = 'still here'")

    writer = visitor(DELEGATE_FR)
    writer.goto(f"/t/{thread['id']}")
    writer.page.get_by_label("Your message").fill(markdown_reply(tag))
    writer.page.get_by_role("button", name="Post reply").click()
    expect(writer.page.locator("#post-2")).to_be_visible()

    arrived = reader.page.wait_for_selector(f"#posts > li#post-2:has-text('{tag}')", timeout=LIVE_UPDATE_WAIT_MS)
    assert arrived is not None
    assert reader.page.evaluate("window.__sameDocument") == "still here"
    expect_rendered_markdown(reader.page.locator("#post-2 .post-body"), tag)
    expect(reader.page.locator("#post-2 .author")).to_have_text("Camille Dupont")
    expect(reader.page.locator("#posts > li.post")).to_have_count(2)
    assert reader.page.locator("#posts").get_attribute("data-last-number") == "2"


def test_edit_a_post_and_see_the_earlier_version(visitor, make_thread):
    thread = make_thread("Editing", author=DELEGATE_BR, replies=[(DELEGATE_FR, "The **original** wording.")])
    person = visitor(DELEGATE_FR)
    page = person.page
    person.goto(f"/t/{thread['id']}")
    mine = page.locator("#post-2")
    expect(mine.locator(".post-head")).not_to_contain_text("edited")
    expect(page.locator("#post-1").get_by_role("link", name="Edit")).to_have_count(0)  # not one's own

    mine.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit your message")
    body = page.get_by_label("Message", exact=True)
    expect(body).to_have_value("The **original** wording.")
    body.fill("The *corrected* wording.")
    page.get_by_role("button", name="Save changes").click()

    expect(page.locator(".flash-success")).to_have_text("Your changes are saved.")
    mine = page.locator("#post-2")
    expect(mine.locator(".post-body em")).to_have_text("corrected")
    edited = mine.locator(".post-head").get_by_role("link", name="edited")
    expect(edited).to_be_visible()
    edited.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Earlier versions of message #2")
    expect(page.locator("section.panel").first.locator(".post-body em")).to_have_text("corrected")
    revision = page.locator("section.revision")
    expect(revision).to_have_count(1)
    expect(revision.locator(".post-body strong")).to_have_text("original")
    expect(revision.get_by_role("heading")).to_contain_text("Camille Dupont")

    # Another member sees that the post was edited, without a way into its history.
    other = visitor(DELEGATE_KE)
    other.goto(f"/t/{thread['id']}")
    expect(other.page.locator("#post-2 .post-head")).to_contain_text("edited")
    expect(other.page.locator("#post-2 .post-head").get_by_role("link", name="edited")).to_have_count(0)


def test_a_refused_reply_lands_on_the_form_with_focus_and_a_live_count(visitor, make_thread):
    # Many posts above: the form is far down the page, where the reader must come back to.
    long_text = "A considered contribution on mentoring examiners. " * 12
    replies = [(DELEGATE_KE if number % 2 else DELEGATE_BR, long_text) for number in range(5)]
    thread = make_thread("A long thread to reply to", author=DELEGATE_BR, replies=replies)
    person = visitor(DELEGATE_FR)
    page = person.page
    person.goto(f"/t/{thread['id']}")
    message = page.get_by_label("Your message")
    expect(page.locator(".char-count")).to_have_text("0 of 20,000 characters")
    message.fill("Hello")
    expect(page.locator(".char-count")).to_have_text("5 of 20,000 characters")
    expect(message).to_have_attribute("maxlength", "20000")

    message.fill("   ")
    page.get_by_role("button", name="Post reply").click()
    expect(page).to_have_url(re.compile(rf"/t/{thread['id']}/reply#reply$"))
    expect(page.get_by_role("alert")).to_contain_text("Your reply was not sent.")
    expect(page.get_by_role("alert")).to_contain_text("The message is empty.")
    # The field to fix has the focus (document.activeElement: a headless window itself is never focused).
    assert page.evaluate("() => document.activeElement && document.activeElement.id") == "body"
    expect(message).to_be_in_viewport()
