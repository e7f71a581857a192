"""The index follows every write in the same transaction: create, edit, hide, restore, move, reindex."""

from click.testing import CliRunner
from sqlalchemy import func, select

from forum.discussions import service as discussions
from forum.extensions import db
from forum.moderation import service as moderation
from forum.rooms.service import get_room
from forum.search.models import EntryKind, SearchEntry
from forum.threads import service as threads
from tests.helpers import weekly


def test_a_new_thread_is_found_by_title_and_body(delegate, room, make_thread, found_posts):
    thread = make_thread(room, delegate, title="Zanzibarite licensing", body="About quorvex audits")
    first = thread_first_post(thread)
    assert found_posts(delegate, "zanzibarite") == {first.id}
    assert found_posts(delegate, "quorvex") == {first.id}


def test_the_write_and_its_index_row_roll_back_together(delegate, room, make_thread, found_posts):
    thread = make_thread(room, delegate)
    threads.reply(thread, author=delegate, body="Wobblefrit rollback marker")
    db.session.rollback()
    assert found_posts(delegate, "wobblefrit") == set()
    assert db.session.scalar(select(func.count()).select_from(SearchEntry)) == 1


def test_an_edit_replaces_the_text_so_the_old_revision_is_not_found(delegate, room, make_thread, found_posts):
    thread = make_thread(room, delegate, body="Oldmarkerword in the first draft")
    post = thread_first_post(thread)
    threads.edit_post(post, editor=delegate, body="Newmarkerword after the edit")
    db.session.commit()
    assert found_posts(delegate, "oldmarkerword") == set()
    assert found_posts(delegate, "newmarkerword") == {post.id}


def test_hide_and_restore_change_who_finds_the_post(delegate, make_user, moderator, room, make_thread, found_posts):
    author = make_user(state="KEN")
    thread = make_thread(room, author)
    post = threads.reply(thread, author=author, body="Hushmarker about franchises")
    db.session.commit()
    moderation.hide_post(post, by=moderator, clause="1.1", reason="Off topic")
    db.session.commit()
    assert found_posts(delegate, "hushmarker") == set()
    assert found_posts(moderator, "hushmarker") == {post.id}
    moderation.restore_post(post, by=moderator, reason="On topic after all")
    db.session.commit()
    assert found_posts(delegate, "hushmarker") == {post.id}


def test_a_moved_thread_is_found_in_its_new_room_and_language(delegate, moderator, room, make_thread, found_posts):
    thread = make_thread(room, delegate, title="Movable", body="Les propriétés déménagées")
    post = thread_first_post(thread)
    french = get_room("capacity-fr")
    threads.move_thread(thread, french, by=moderator)
    db.session.commit()
    entry = db.session.scalar(select(SearchEntry).where(SearchEntry.post_id == post.id))
    assert entry.language_code == "fr"
    assert found_posts(delegate, "propriete", room_id=french.id) == {post.id}
    assert found_posts(delegate, "propriete", room_id=room.id) == set()


def test_accents_and_stems_fold_in_the_index(delegate, make_thread, found_posts):
    thread = make_thread(get_room("capacity-fr"), delegate, body="La propriété intellectuelle des universités")
    post = thread_first_post(thread)
    for query in ("propriete", "propriétés", "PROPRIETE", "universite", "proprié*"):
        assert found_posts(delegate, query) == {post.id}, query


def test_titles_weigh_more_than_bodies(delegate, room, make_thread):
    from forum.search import service

    make_thread(room, delegate, title="Unrelated", body="A word on glimmerstone somewhere in a body")
    titled = make_thread(room, delegate, title="Glimmerstone", body="Nothing else")
    results = service.search("glimmerstone", user=delegate)
    assert results.hits[0].thread_id == titled.id


def test_summaries_and_proposals_are_indexed(delegate, moderator, frozen_clock, found_posts):
    from forum.search import service

    discussion = weekly.schedule(moderator, opens_at=frozen_clock.now)
    discussions.close_discussion(discussion, by=moderator)
    discussions.set_summary(discussion, "en", "Summary mentions the quillfeather method", by=moderator)
    weekly.propose(delegate, title="Proposal on brindlewood offices")
    db.session.commit()
    kinds = {hit.kind for hit in service.search("quillfeather", user=delegate).hits}
    assert kinds == {EntryKind.summary}
    hits = service.search("brindlewood", user=delegate).hits
    assert [hit.kind for hit in hits] == [EntryKind.proposal]
    # The discussion's title is its thread's title, on the opening post.
    assert service.search("evaluation methods", user=delegate).total >= 3


def test_reindex_rebuilds_everything_in_batches(app, delegate, room, make_thread, found_posts):
    thread = make_thread(room, delegate, body="Rebuildmarker text", replies=3)
    db.session.execute(SearchEntry.__table__.delete())
    db.session.commit()
    assert found_posts(delegate, "rebuildmarker") == set()
    result = CliRunner().invoke(app.cli, ["forum", "reindex", "--batch", "2"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "4" in result.output
    assert found_posts(delegate, "rebuildmarker") == {thread_first_post(thread).id}
    assert found_posts(delegate, "reply") and len(found_posts(delegate, "reply")) == 3


def thread_first_post(thread):
    from forum.threads.models import Post

    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))
