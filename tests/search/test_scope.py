"""The index's scope words (room, category, language, author, weekly) follow every change of place.

A filtered search reads from the index (SQLite: FTS5's scope_terms column;
PostgreSQL: the marked lexemes of `document`) only the matches whose scope
words fit the filters (forum.search.service._scope); the filters' SQL
conditions still decide. These tests read the scope words from the index itself, so a stale
word would fail here even where the SQL conditions hide it from a search.
"""

from datetime import timedelta

import pytest
from sqlalchemy import delete, select, text, update

from forum.extensions import db
from forum.rooms.service import get_room
from forum.search import schema, service
from forum.search.models import SearchEntry
from forum.threads import service as threads
from forum.threads.models import Post
from tests.helpers import weekly


@pytest.fixture
def other(make_user):
    return make_user(state="BRA")


def in_scope(entry_id, *words):
    """Whether the index holds all these scope words for the row."""
    if db.session.get_bind().dialect.name == "postgresql":
        lexemes = " & ".join(f"'{schema.POSTGRES_SCOPE_MARK}{word}'" for word in words)
        statement = "SELECT id FROM search_entries WHERE document @@ CAST(:match AS tsquery) AND id = :id"
        return bool(db.session.execute(text(statement), {"match": lexemes, "id": entry_id}).all())
    phrase = " ".join(f'"{word}"' for word in words)
    found = db.session.execute(
        text("SELECT rowid FROM search_fts WHERE search_fts MATCH :match AND rowid = :id"),
        {"match": f"scope_terms : ({phrase})", "id": entry_id},
    ).all()
    return bool(found)


def entry_of(post):
    return db.session.scalar(select(SearchEntry.id).where(SearchEntry.post_id == post.id))


def first_post(thread):
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))


def test_a_new_post_is_indexed_with_its_place_and_author(delegate, room, make_thread):
    post = first_post(make_thread(room, delegate, body="Scopemarker"))
    entry = entry_of(post)
    assert in_scope(entry, f"r{room.id}", f"c{room.category_id}", f"l{room.language_code}", f"a{delegate.id}")
    assert not in_scope(entry, "w")
    assert not in_scope(entry, f"r{room.id + 1}")


def test_a_move_changes_the_scope_words(delegate, moderator, room, make_thread):
    thread = make_thread(room, delegate, body="Scopemovemarker")
    target = get_room("strategies-fr")
    threads.move_thread(thread, target, by=moderator)
    db.session.commit()
    # A move indexes the thread's posts again: new rows (PostgreSQL numbers them anew).
    entry = entry_of(first_post(thread))
    assert in_scope(entry, f"r{target.id}", f"c{target.category_id}", "lfr")
    assert not in_scope(entry, f"r{room.id}")
    assert not in_scope(entry, f"c{room.category_id}")
    # A filtered search finds it in its new place only.
    assert service.search("scopemovemarker", user=delegate, filters=service.Filters(room_id=target.id)).total == 1
    assert service.search("scopemovemarker", user=delegate, filters=service.Filters(room_id=room.id)).total == 0


def test_weekly_discussion_texts_carry_the_weekly_word(delegate, moderator, frozen_clock):
    discussion = weekly.schedule(
        moderator, opens_at=frozen_clock.now + timedelta(hours=1), closes_at=frozen_clock.now + timedelta(days=6)
    )
    frozen_clock.advance(hours=2)
    thread = weekly.threads(discussion)["en"]
    reply = threads.reply(thread, author=delegate, body="Scopeweeklymarker reply")
    db.session.commit()
    assert in_scope(entry_of(reply), "w", f"r{thread.room_id}")
    found = service.search("scopeweeklymarker", user=delegate, filters=service.Filters(weekly_only=True))
    assert found.total == 1


def test_an_edit_keeps_the_scope_words(delegate, room, make_thread):
    post = first_post(make_thread(room, delegate, body="Scopeeditmarker"))
    threads.edit_post(post, editor=delegate, body="Scopeeditmarker edited")
    db.session.commit()
    assert in_scope(entry_of(post), f"r{room.id}", f"a{delegate.id}")


@pytest.mark.parametrize("word", ["r{room}", "c{category}", "l{language}", "a{author}", "w"])
def test_a_readers_words_never_match_the_scope_words(word, delegate, room, make_thread):
    """Typing `r12` or `lfr` searches text for those words, never the rows of room 12 or of French rooms."""
    make_thread(room, delegate, body="Nothing about places here")
    typed = word.format(room=room.id, category=room.category_id, language=room.language_code, author=delegate.id)
    assert service.search(typed, user=delegate).total == 0


@pytest.mark.parametrize("named", [service.MAX_SCOPE_AUTHORS, 0], ids=["authors named", "too many to name"])
def test_filtering_by_author_finds_theirs_only(named, delegate, other, room, make_thread, make_user, monkeypatch):
    monkeypatch.setattr(service, "MAX_SCOPE_AUTHORS", named)
    kenyan = make_user(state="KEN", name="Wanjiru Scope")
    mine = first_post(make_thread(room, kenyan, body="Scopestatemarker"))
    first_post(make_thread(room, other, body="Scopestatemarker too"))

    def found(**filters):
        results = service.search("scopestatemarker", user=delegate, filters=service.Filters(**filters))
        return [hit.post_id for hit in results.hits]

    assert found(member_state_id=kenyan.member_state_id) == [mine.id]
    assert found(group_id=kenyan.member_state.group_id) == [mine.id]
    assert found(author="wanjiru") == [mine.id]
    assert found(author="nobody by that name") == []


def test_a_language_code_with_a_hyphen_filters_too(delegate, admin, make_thread):
    from forum.rooms import service as rooms
    from forum.rooms.models import Room

    rooms.add_language("pt-br", by=admin)
    db.session.commit()
    room = db.session.scalar(select(Room).where(Room.language_code == "pt-br").order_by(Room.id).limit(1))
    post = first_post(make_thread(room, delegate, body="Scopelanguagemarker"))
    assert in_scope(entry_of(post), "lptbr")
    found = service.search("scopelanguagemarker", user=delegate, filters=service.Filters(language_code="pt-br"))
    assert [hit.post_id for hit in found.hits] == [post.id]
    assert service.search("scopelanguagemarker", user=delegate, filters=service.Filters(language_code="pt")).total == 0


@pytest.mark.parametrize("column", ["room_id", "category_id", "language_code", "author_id"])
def test_any_update_of_a_scope_column_rewrites_the_words(column, delegate, other, room, make_thread):
    """Bulk UPDATEs of the copies (moves, reschedules) go through the trigger: the words follow, and the old ones,
    removed with exactly the values they were indexed with, leave the index consistent (a DELETE still works)."""
    entry = entry_of(first_post(make_thread(room, delegate, body="Scopeupdatemarker")))
    target = get_room("strategies-fr")
    old, new, value = {
        "room_id": (f"r{room.id}", f"r{target.id}", target.id),
        "category_id": (f"c{room.category_id}", f"c{target.category_id}", target.category_id),
        "language_code": (f"l{room.language_code}", "lfr", "fr"),
        "author_id": (f"a{delegate.id}", f"a{other.id}", other.id),
    }[column]
    db.session.execute(update(SearchEntry).where(SearchEntry.id == entry).values({column: value}))
    db.session.commit()
    assert in_scope(entry, new) and not in_scope(entry, old)
    db.session.execute(delete(SearchEntry).where(SearchEntry.id == entry))
    db.session.commit()
    assert not in_scope(entry, new)


def test_leaving_a_weekly_discussion_drops_the_weekly_word(delegate, moderator, frozen_clock):
    discussion = weekly.schedule(
        moderator, opens_at=frozen_clock.now + timedelta(hours=1), closes_at=frozen_clock.now + timedelta(days=6)
    )
    frozen_clock.advance(hours=2)
    reply = threads.reply(weekly.threads(discussion)["en"], author=delegate, body="Scopeleavemarker")
    db.session.commit()
    entry = entry_of(reply)
    db.session.execute(update(SearchEntry).where(SearchEntry.id == entry).values(discussion_id=None))
    db.session.commit()
    assert not in_scope(entry, "w") and in_scope(entry, f"a{delegate.id}")
