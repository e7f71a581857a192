"""A refused reply comes back where the reader is, says why, and keeps every word typed."""

import re

from sqlalchemy import func, select

from forum.extensions import db
from forum.threads.models import Post


def _reply_section(page):
    return re.search(r'<section class="panel reply" id="reply".*?</section>', page, re.S).group(0)


def test_the_reply_form_posts_to_its_own_anchor_with_a_length_limit(client, delegate, login, room, make_thread, app):
    thread = make_thread(room, delegate)
    login(client, delegate)
    section = _reply_section(client.get(f"/t/{thread.id}").get_data(as_text=True))
    assert f'action="/t/{thread.id}/reply#reply"' in section
    assert f'maxlength="{app.config["POST_MAX_LENGTH"]}"' in section
    assert 'data-template="{used} of 20,000 characters"' in section


def test_a_refused_reply_shows_the_reason_beside_the_text_and_keeps_it(
    client, make_user, login, room, make_thread, app, frozen_clock
):
    app.config.update(NEW_MEMBER_DAYS=7, NEW_MEMBER_MAX_LINKS=1)
    newcomer = make_user(state="JPN")
    thread = make_thread(room, make_user(state="FRA"))
    login(client, newcomer)
    typed = "Two links: https://www.wipo.int and https://www.example.org — and my long considered answer."
    response = client.post(f"/t/{thread.id}/reply", data={"body": typed})
    assert response.status_code == 400
    section = _reply_section(response.get_data(as_text=True))
    assert '<div class="error-summary" role="alert">' in section
    assert "Your reply was not sent. Your text is kept below:" in section
    assert "this one has 2." in section
    # The text is kept, and the field with the problem takes the focus.
    assert re.search(r'<textarea[^>]*aria-invalid="true"[^>]*autofocus', section)
    assert "my long considered answer." in section
    assert db.session.scalar(select(func.count(Post.id))) == 1


def test_an_empty_reply_is_refused_with_the_summary(client, delegate, login, room, make_thread):
    thread = make_thread(room, delegate)
    login(client, delegate)
    response = client.post(f"/t/{thread.id}/reply", data={"body": "   "})
    assert response.status_code == 400
    assert "The message is empty." in _reply_section(response.get_data(as_text=True))


def test_a_too_long_edit_is_refused_beside_the_text(client, delegate, login, room, make_thread, app):
    thread = make_thread(room, delegate)
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    login(client, delegate)
    page = client.post(f"/p/{post.id}/edit", data={"body": "x" * (app.config["POST_MAX_LENGTH"] + 1)}).get_data(
        as_text=True
    )
    assert "Your changes were not saved. Your text is kept below:" in page
    assert "The message is too long" in page
