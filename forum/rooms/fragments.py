"""Threads in lists (a room's table, the latest activity) as cached fragments (forum.fragments)."""

from typing import NamedTuple

from forum import fragments
from forum.threads.models import ThreadStatus

ROOM_ROW = "rooms/_thread_row.html"
LATEST_ITEM = "main/_latest_item.html"
ROOM_CARD = "rooms/_room_card.html"


class ThreadRowView(NamedTuple):
    """Everything a thread's row shows to one reader; equal views render equal fragments."""

    locale: str
    script_root: str
    id: int
    title: str
    status: ThreadStatus
    weekly: bool
    pinned: bool
    # Posts this reader has not read, and whether they never opened the thread.
    unread: int
    never_opened: bool
    reply_count: int
    last_author: str | None
    last_post: fragments.Moment
    # A room's table names who started the thread (else None); lists across rooms name the room (else None).
    author: str | None
    room: tuple[str, str, str, str] | None


def room_rows(rows):
    """The fragments of a room's table rows: `rows` are (thread, last read number) pairs."""
    reader = fragments.reader()
    return [
        fragments.render(ROOM_ROW, view(thread, last_read, reader, author=thread.author.display_name))
        for thread, last_read in rows
    ]


def latest_items(items):
    """The fragments of the latest-activity list (forum.main.home.LatestItem)."""
    reader = fragments.reader()
    return [
        fragments.render(LATEST_ITEM, view(item.thread, item.last_read, reader, room=_room(item.thread.room, reader)))
        for item in items
    ]


def _room(room, reader):
    # (slug, name in the reader's language, content language code, its native name) for the link to the room.
    return room.slug, room.category.text(reader["locale"])[0], room.language_code, room.language.native_name


def view(thread, last_read, reader, *, author=None, room=None):
    """The row's view; a room's table gives the `author`, lists across rooms the `room` (see ThreadRowView)."""
    status = thread.status
    return ThreadRowView(
        **reader,
        id=thread.id,
        title=thread.title,
        status=status,
        weekly=bool(thread.discussion_id) and thread.kind.is_weekly and status.is_open,
        pinned=thread.pinned,
        unread=max(thread.post_count - last_read, 0),
        never_opened=last_read == 0,
        reply_count=thread.reply_count,
        last_author=thread.last_post_author.display_name if thread.last_post_author else None,
        last_post=fragments.Moment.of(thread.last_post_at),
        author=author,
        room=room,
    )


class RoomCardView(NamedTuple):
    """A room's card on the home page, with its figures for one reader (forum.rooms.service.RoomSummary)."""

    locale: str
    script_root: str
    slug: str
    language_code: str
    language_name: str
    threads: int
    posts: int
    unread_threads: int
    last_post: fragments.Moment | None


def room_cards(summaries):
    """The fragments of the home page's room cards, from the rooms' summaries."""
    reader = fragments.reader()
    return [
        fragments.render(
            ROOM_CARD,
            RoomCardView(
                **reader,
                slug=summary.room.slug,
                language_code=summary.room.language_code,
                language_name=summary.room.language.native_name,
                threads=summary.threads,
                posts=summary.posts,
                unread_threads=summary.unread_threads,
                last_post=fragments.Moment.of(summary.last_post_at) if summary.last_post_at else None,
            ),
        )
        for summary in summaries
    ]
