"""A thread page's reply form: its fields are a fragment shared by the page's readers, with the markup the `field`
macro gives PostForm, and the hidden inputs that differ on every page written by the page itself."""

import re

import pytest
from flask import render_template_string
from flask_babel import force_locale
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from forum import fragments as fragment_cache
from forum.extensions import db
from forum.threads import fragments
from forum.threads.forms import PostForm
from tests.hostile_inputs import EVENT_HANDLERS, SCRIPT_TAGS

# The reply form as WTForms and the shared macros render it: what the fragment must equal.
WTFORMS_MARKUP = """{% from "_macros.html" import field, error_summary %}
{{ error_summary(form, _("Your reply was not sent. Your text is kept below:")) }}
{{ field(form.body, rows=8) }}
<div class="buttons">{{ form.submit(class_="primary") }} {{ form.preview(class_="secondary") }}</div>"""


@pytest.fixture
def thread(room, make_user, make_thread):
    return make_thread(room, make_user(state="KEN"), title="Training", body="How do you **train** new staff?")


def normalised(html):
    return re.sub(r"\s+", " ", str(html).replace("\r", "")).replace("> <", "><").strip()


def submitted(body, csrf=False, **data):
    form = PostForm(formdata=MultiDict({"body": body, "submission_key": "key", **data}), meta={"csrf": csrf})
    form.validate()
    return form


@pytest.mark.parametrize("locale", ["en", "fr", "es", "ar", "zh", "ru"])
@pytest.mark.parametrize(
    "body, csrf",
    [
        ("", False),
        ("   ", False),
        ("A reply with **Markdown** and a\nsecond line", False),
        ("x" * 51, False),
        (SCRIPT_TAGS[0] + EVENT_HANDLERS[1] + '" onfocus="alert(1)', False),
        ("An answer without its token", True),
    ],
)
def test_the_reply_fields_are_the_markup_wtforms_gives_the_form(app, locale, body, csrf):
    app.config["POST_MAX_LENGTH"] = 50
    with app.test_request_context(method="POST"), force_locale(locale):
        form = submitted(body, csrf=csrf)
        theirs = render_template_string(WTFORMS_MARKUP, form=form)
        ours = fragments.reply_form(form)
        assert normalised(ours.fields) == normalised(theirs)
        assert (ours.reply_to, ours.submission_key) == ("", "key")
        # A blank form for a thread page: the same as WTForms' for an unsubmitted PostForm.
        blank = render_template_string(WTFORMS_MARKUP, form=PostForm(formdata=None, meta={"csrf": False}))
        assert normalised(fragments.reply_form(submission_key="new").fields) == normalised(blank)
    if body.strip() and len(body) <= 50 and not csrf:
        assert "error" not in ours.fields
    elif not csrf:
        assert 'aria-invalid="true"' in ours.fields and "error-summary" in ours.fields
    # Hostile text stays text inside the text area.
    assert "<script>" not in ours.fields and '" onfocus="' not in ours.fields


def test_readers_of_a_thread_share_its_reply_fields_but_not_their_hidden_inputs(app, login, make_user, thread):
    pages = []
    for reader in (make_user(), make_user(state="BRA")):
        client = login(app.test_client(), reader)  # each reader with their own browser (session, CSRF token)
        before = fragment_cache.cache_info()
        page = client.get(f"/t/{thread.id}").get_data(as_text=True)
        after = fragment_cache.cache_info()
        pages.append((page, after.hits - before.hits, after.misses - before.misses))
    (first, _hits, first_misses), (second, second_hits, second_misses) = pages

    def hidden(page, name):
        return re.search(rf'<input[^>]* name="{name}"[^>]* value="([^"]*)"', page).group(1)

    # The second reader's page renders nothing new for the form: its fields came from the cache.
    assert second_misses < first_misses and second_hits > 0
    assert hidden(first, "csrf_token") != hidden(second, "csrf_token")
    assert hidden(first, "submission_key") != hidden(second, "submission_key")
    assert len(hidden(first, "submission_key")) >= 16
    assert '<textarea aria-describedby="body-help"' in second and 'value="Post reply"' in second


def test_a_quoting_form_carries_the_quoted_post_and_its_text(client, login, delegate, make_user, thread):
    from forum.threads.models import Post

    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    login(client, delegate)
    page = client.get(f"/t/{thread.id}?reply_to={post.id}").get_data(as_text=True)
    assert f'id="reply_to" name="reply_to" type="hidden" value="{post.id}"' in page
    assert re.search(r'<textarea[^>]*name="body"[^>]*>\s*&gt; ', page)


def test_a_reply_sent_again_after_an_error_keeps_its_text_and_submission_key(client, login, delegate, thread):
    login(client, delegate)
    response = client.post(f"/t/{thread.id}/reply", data={"body": "  ", "submission_key": "resent<key>"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="submission_key" name="submission_key" type="hidden" value="resent&lt;key&gt;"' in page
    assert "The message is empty." in page and 'role="alert"' in page
