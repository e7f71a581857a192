"""Threads in lists (a room's table, the latest activity) as cached fragments (forum.fragments)."""

from typing import NamedTuple

from forum import clock, fragments, policy
from forum.erasure.names import former_name
from forum.extensions import db
from forum.formatting import reader_formats
from forum.members.service import state_name
from forum.rooms.models import Room
from forum.threads.models import ThreadStatus, thread_status

ROOM_ROW = "rooms/_thread_row.html"
LATEST_ITEM = "main/_latest_item.html"
ROOM_CARD = "rooms/_room_card.html"
ROOM_HEAD = "rooms/_head.html"


class RoomHeadView(NamedTuple):
    """The top of a room's page for one reader: its name, language and description, and what they may do there."""

    locale: str
    script_root: str
    slug: str
    name: str
    description: str
    language_code: str
    language_name: str
    moderators_only: bool
    mark_read: bool
    start_thread: bool
    # The mark-read form's token: `fragments.CSRF_SLOT`, filled for each page.
    csrf: str


def room_head(user, room, *, has_threads):
    """The top of `room`'s page for `user` (the button to mark all read only when the page lists threads)."""
    reader = fragments.reader()
    name, description = room.category.text(reader["locale"])
    view = RoomHeadView(
        **reader,
        slug=room.slug,
        name=name,
        description=description,
        language_code=room.language_code,
        language_name=room.language.native_name,
        moderators_only=room.moderators_only,
        mark_read=has_threads and policy.can_mark_all_read(user),
        start_thread=policy.can_start_thread(user, room),
        csrf=fragments.CSRF_SLOT,
    )
    return fragments.with_csrf(fragments.render(ROOM_HEAD, view))


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
    """The fragments of a room's table rows: `rows` are `rooms.service.thread_listing` rows."""
    reader, formats, now = fragments.reader(), reader_formats(), clock.now()
    return [fragments.render(ROOM_ROW, view(row, reader, formats, now, author=_name(row, "author"))) for row in rows]


def latest_items(rows):
    """The fragments of the latest-activity list (`forum.main.home.latest_threads` rows)."""
    reader, formats, now = fragments.reader(), reader_formats(), clock.now()
    rooms = {}
    for room_id in {row.room_id for row in rows}:
        # From the session, where the page loaded its rooms first (a room it did not load costs a query).
        room = db.session.get(Room, room_id)
        # (slug, name in the reader's language, content language code, its native name) for the link to the room.
        rooms[room_id] = (
            room.slug,
            room.category.text(reader["locale"])[0],
            room.language_code,
            room.language.native_name,
        )
    return [fragments.render(LATEST_ITEM, view(row, reader, formats, now, room=rooms[row.room_id])) for row in rows]


def _name(row, prefix):
    """The row's author (`prefix` "author") or last author ("last_author") as `User.display_name` names them: an
    erased account by its role and member state, in the reader's language. None for no last author."""
    name, erased_at = getattr(row, f"{prefix}_name"), getattr(row, f"{prefix}_erased_at")
    if erased_at is None:
        return name
    code = getattr(row, f"{prefix}_state_code")
    state = state_name(code, overrides=getattr(row, f"{prefix}_state_names")) if code else None
    return former_name(getattr(row, f"{prefix}_role"), state)


def view(row, reader, formats, now, *, author=None, room=None):
    """The view of a `rooms.service.thread_listing` row; a room's table gives the `author`, lists across rooms the
    `room` (see ThreadRowView).

    `reader` is `fragments.reader()`, `formats` the reader's `formatting.reader_formats()`, `now` the clock's: asked
    once per list.
    """
    status = thread_status(row.opens_at, row.closes_at, row.locked, now)
    return ThreadRowView(
        **reader,
        id=row.id,
        title=row.title,
        status=status,
        weekly=bool(row.discussion_id) and row.kind.is_weekly and status.is_open,
        pinned=row.pinned,
        unread=max(row.post_count - row.last_read, 0),
        never_opened=row.last_read == 0,
        reply_count=max(row.post_count - 1, 0),
        last_author=_name(row, "last_author"),
        last_post=fragments.Moment.of(row.last_post_at, formats),
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
    reader, formats = fragments.reader(), reader_formats()
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
                last_post=fragments.Moment.of(summary.last_post_at, formats) if summary.last_post_at else None,
            ),
        )
        for summary in summaries
    ]
