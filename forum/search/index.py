"""Keeping the search index in step with the forum, in the same transaction as each write.

Services stay untouched: a session `after_flush` hook sees every post,
thread, discussion text and topic proposal the flush wrote and rewrites their
rows in `search_entries` on the same connection, so the index commits or
rolls back with the write itself. The database then updates its own full-text
structures from those rows (SQLite: FTS5 triggers; PostgreSQL: the tsvector
trigger, forum.search.schema).

Each row also carries copies of what decides who may read it (forum.search.models):
a post's state follows hides, holds and restores, a thread's opening time
and weekly discussion follow a reschedule, written by the ORM or by a bulk
UPDATE (a `do_orm_execute` hook catches those), with one UPDATE of the copied
columns and no re-stemming. An edit replaces the row's text, so an old
revision's words are no longer found. A thread moved to another room is
reindexed in the new room's language. Language activity, cancelled
discussions, guests' invitations and authors' member states are looked up at
query time. `forget_post` empties a post's row at once (erasure).
"""

from sqlalchemy import bindparam, delete, event, func, inspect, select, update
from sqlalchemy.orm import Session

from forum.discussions.models import DiscussionText
from forum.proposals.models import TopicProposal
from forum.rooms.models import Room
from forum.search import text
from forum.search.models import EntryKind, SearchEntry
from forum.threads.models import Post, Thread

# Attributes whose change alters what is indexed (the row is rebuilt, text and copies).
THREAD_FIELDS = ("title", "room_id")
PROPOSAL_FIELDS = ("title", "description_source", "aims_source", "preferred_languages", "category_id")
SUMMARY_FIELDS = ("title", "summary_source")
# Attributes only copied onto the rows (one UPDATE of the copies, no re-stemming).
POST_COPIED = ("state", "author_id")
THREAD_COPIED = ("opens_at", "discussion_id")


def _changed(obj, fields):
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


# What a flush of each model may change in the index: the attributes that matter once a row exists.
WATCHED = (
    (Post, ("source",)),
    (Thread, THREAD_FIELDS),
    (DiscussionText, SUMMARY_FIELDS),
    (TopicProposal, PROPOSAL_FIELDS),
)


def _collect(session):
    """The ids of posts, threads, discussion texts and proposals this flush created or changed as indexed."""
    found = {model: set() for model, _fields in WATCHED}
    for model, fields in WATCHED:
        found[model].update(obj.id for obj in session.new if isinstance(obj, model))
        found[model].update(obj.id for obj in session.dirty if isinstance(obj, model) and _changed(obj, fields))
    return tuple(found[model] for model, _fields in WATCHED)


def _collect_copied(session, posts, threads):
    """Posts and threads (not already being reindexed) whose copied attributes this flush changed."""
    dirty = session.dirty
    changed_posts = {o.id for o in dirty if isinstance(o, Post) and o.id not in posts and _changed(o, POST_COPIED)}
    changed_threads = {
        o.id for o in dirty if isinstance(o, Thread) and o.id not in threads and _changed(o, THREAD_COPIED)
    }
    return changed_posts, changed_threads


@event.listens_for(Session, "after_flush")
def _follow_flush(session, flush_context):
    posts, threads, summaries, proposals = _collect(session)
    copied_posts, copied_threads = _collect_copied(session, posts, threads)
    if copied_posts or copied_threads:
        refresh_copies(session.connection(), post_ids=copied_posts, thread_ids=copied_threads)
    if not (posts or threads or summaries or proposals):
        return
    connection = session.connection()
    if posts or threads:
        new_posts = {obj.id for obj in session.new if isinstance(obj, Post)}
        if not threads and posts <= new_posts:
            # New posts alone (a reply) have no entries yet: nothing to delete first.
            _replace_posts(connection, connection.execute(_NEW_POSTS, {"post_ids": sorted(posts)}).all(), fresh=True)
        else:
            condition = Post.id.in_(posts)
            if threads:
                condition = condition | Post.thread_id.in_(threads)
            index_posts(connection, condition)
    if threads:
        # A thread moved to another language's room: its summary follows the room's language too.
        index_summaries(connection, DiscussionText.discussion_id.in_(_discussions_of(connection, threads)))
    if summaries:
        index_summaries(connection, DiscussionText.id.in_(summaries))
    if proposals:
        index_proposals(connection, TopicProposal.id.in_(proposals))


# Bulk UPDATEs (a conditional hide, a discussion's threads rescheduled together) bypass the flush.
BULK_WATCHED = {Post: set(POST_COPIED), Thread: {*THREAD_COPIED, "room_id", "title"}}


def _set_columns(statement):
    """The names of the columns an UPDATE statement sets."""
    values = statement._values or {}  # noqa: SLF001 (no public accessor for an UPDATE's SET clause)
    return {getattr(key, "key", key) for key in values}


@event.listens_for(Session, "do_orm_execute")
def _follow_bulk_update(orm_execute_state):
    if not orm_execute_state.is_update:
        return None
    statement = orm_execute_state.statement
    model = statement.entity_description.get("entity")
    changed = _set_columns(statement) & BULK_WATCHED.get(model, set())
    if not changed:
        return None
    connection = orm_execute_state.session.connection()
    # The rows it is about to change, found before it changes them (its condition may then no longer hold).
    affected = select(model.id)
    if statement.whereclause is not None:
        affected = affected.where(statement.whereclause)
    ids = connection.execute(affected).scalars().all()
    result = orm_execute_state.invoke_statement()
    if not ids:
        return result
    if model is Post:
        refresh_copies(connection, post_ids=ids)
    elif changed & {"room_id", "title"}:
        index_posts(connection, Post.thread_id.in_(ids))
        index_summaries(connection, DiscussionText.discussion_id.in_(_discussions_of(connection, ids)))
    else:
        refresh_copies(connection, thread_ids=ids)
    return result


def refresh_copies(connection, *, post_ids=(), thread_ids=()):
    """Copy the current state of these posts, and the room, weekly discussion and opening of these threads."""
    if post_ids:

        def of_post(column):
            return select(column).where(Post.id == SearchEntry.post_id).correlate(SearchEntry).scalar_subquery()

        connection.execute(
            update(SearchEntry)
            .where(SearchEntry.post_id.in_(sorted(post_ids)))
            .values(post_state=of_post(Post.state), author_id=of_post(Post.author_id)),
            execution_options={"synchronize_session": False},
        )
    if thread_ids:

        def of_thread(column):
            return select(column).where(Thread.id == SearchEntry.thread_id).correlate(SearchEntry).scalar_subquery()

        category = (
            select(Room.category_id)
            .join(Thread, Thread.room_id == Room.id)
            .where(Thread.id == SearchEntry.thread_id)
            .correlate(SearchEntry)
            .scalar_subquery()
        )
        connection.execute(
            update(SearchEntry)
            .where(SearchEntry.thread_id.in_(sorted(thread_ids)))
            .values(
                room_id=of_thread(Thread.room_id),
                category_id=category,
                discussion_id=of_thread(Thread.discussion_id),
                opens_at=of_thread(Thread.opens_at),
            ),
            execution_options={"synchronize_session": False},
        )


def forget_post(post):
    """Empty the search row of `post` at once, in the current transaction (erasure: no words of it stay findable).

    The row goes; if the post is kept and written again, the next flush indexes what it then says.
    """
    from forum.extensions import db

    db.session.execute(
        delete(SearchEntry).where(SearchEntry.post_id == post.id), execution_options={"synchronize_session": False}
    )


def _discussions_of(connection, thread_ids):
    return select(Thread.discussion_id).where(Thread.id.in_(thread_ids), Thread.discussion_id.is_not(None))


# Building rows ---------------------------------------------------------------


def _with_terms(connection, rows):
    """On SQLite, add the stems FTS5 indexes; PostgreSQL computes its tsvector itself."""
    stemmed = connection.dialect.name == "sqlite"
    for row in rows:
        row["title_terms"] = text.stems(row["title"], row["language_code"]) if stemmed else None
        row["body_terms"] = text.stems(row["body"], row["language_code"]) if stemmed else None
    return rows


def _replace(connection, key, ids, rows, *, fresh=False):
    """Delete the rows of `ids` (by `key` column), unless they are `fresh` (just created, so without rows), and
    insert `rows`: one short statement each."""
    if ids and not fresh:
        connection.execute(delete(SearchEntry).where(getattr(SearchEntry, key).in_(ids)))
    if rows:
        connection.execute(SearchEntry.__table__.insert(), _with_terms(connection, rows))
    return len(ids)


def _posts_to_index(condition):
    """What indexing reads of the posts matching `condition`."""
    return (
        select(
            Post.id, Post.thread_id, Post.number, Post.source, Post.author_id, Post.created_at, Post.state,
            Thread.title, Thread.room_id, Thread.discussion_id, Thread.opens_at, Room.category_id, Room.language_code,
        )
        .join(Thread, Thread.id == Post.thread_id)
        .join(Room, Room.id == Thread.room_id)
        # A post erased at its author's request (forum.erasure) has nothing left to find.
        .where(condition, Post.erased_at.is_(None))
        # PostgreSQL: an edit committing meanwhile waits, so a reindex batch never writes older text over it.
        .with_for_update(read=True, of=Post)
    )  # fmt: skip


# A reply's new post, indexed under the write lock: the statement is built once, its ids a parameter (building it
# cost more than running it).
_NEW_POSTS = _posts_to_index(Post.id.in_(bindparam("post_ids", expanding=True)))


def index_posts(connection, condition):
    """(Re)index the posts matching `condition`; returns how many were indexed."""
    return _replace_posts(connection, connection.execute(_posts_to_index(condition)).all())


def _replace_posts(connection, found, *, fresh=False):
    """Index the posts `found` by _posts_to_index (`fresh`: just created, with no entries to replace)."""
    rows = [
        {
            "kind": EntryKind.post.value,
            "post_id": row.id,
            "discussion_text_id": None,
            "proposal_id": None,
            "thread_id": row.thread_id,
            "author_id": row.author_id,
            "created_at": row.created_at,
            "language_code": row.language_code,
            "post_state": row.state.value if row.state is not None else None,
            "room_id": row.room_id,
            "category_id": row.category_id,
            "discussion_id": row.discussion_id,
            "opens_at": row.opens_at,
            # The thread's title is found through its opening post, with a title's weight.
            "title": row.title if row.number == 1 else "",
            "body": row.source,
        }
        for row in found
    ]
    return _replace(connection, "post_id", [row.id for row in found], rows, fresh=fresh)


def index_summaries(connection, condition):
    """(Re)index the closing summaries of the discussion texts matching `condition`."""
    found = connection.execute(
        select(
            DiscussionText.id, DiscussionText.language_code, DiscussionText.title, DiscussionText.summary_source,
            DiscussionText.summary_at, DiscussionText.summary_by_id, Thread.id.label("thread_id"),
            Thread.room_id, Thread.discussion_id, Thread.opens_at, Room.category_id,
        )
        .outerjoin(Thread, Thread.discussion_id == DiscussionText.discussion_id)
        .outerjoin(Room, Room.id == Thread.room_id)
        .where(condition, (Room.language_code == DiscussionText.language_code) | Thread.id.is_(None))
    ).all()  # fmt: skip
    rows = [
        {
            "kind": EntryKind.summary.value,
            "post_id": None,
            "discussion_text_id": row.id,
            "proposal_id": None,
            "thread_id": row.thread_id,
            "author_id": row.summary_by_id,
            "created_at": row.summary_at,
            "language_code": row.language_code,
            "post_state": None,
            "room_id": row.room_id,
            "category_id": row.category_id,
            "discussion_id": row.discussion_id,
            "opens_at": row.opens_at,
            "title": row.title,
            "body": row.summary_source,
        }
        for row in found
        if row.summary_source and row.thread_id is not None and row.summary_at is not None
    ]
    return _replace(connection, "discussion_text_id", [row.id for row in found], rows)


def index_proposals(connection, condition):
    """(Re)index the topic proposals matching `condition`."""
    found = connection.execute(select(TopicProposal.__table__).where(condition)).all()
    rows = [
        {
            "kind": EntryKind.proposal.value,
            "post_id": None,
            "discussion_text_id": None,
            "proposal_id": row.id,
            "thread_id": None,
            "author_id": row.proposer_id,
            "created_at": row.created_at,
            "post_state": None,
            "room_id": None,
            "category_id": row.category_id,
            "discussion_id": None,
            "opens_at": None,
            # Stemmed as the first language the proposer would hold the discussion in.
            "language_code": (row.preferred_languages or ["en"])[0],
            "title": row.title,
            "body": "\n\n".join(part for part in (row.description_source, row.aims_source) if part),
        }
        for row in found
    ]
    return _replace(connection, "proposal_id", [row.id for row in found], rows)


# Rebuilding ------------------------------------------------------------------

BATCH = 500


def reindex_batches(session, batch=BATCH):
    """Rebuild the whole index in short transactions; yields how many items each committed batch covered.

    Each batch rewrites the rows of up to `batch` posts (by id range) and
    commits, so the forum keeps serving: readers see either the old or the
    new row of a post, never none, and writers wait for one batch at most.
    """
    last_id = 0
    while True:
        ids = session.scalars(select(Post.id).where(Post.id > last_id).order_by(Post.id).limit(batch)).all()
        if not ids:
            break
        index_posts(session.connection(), Post.id.in_(ids))
        session.commit()
        last_id = ids[-1]
        yield len(ids)
    summaries = index_summaries(session.connection(), DiscussionText.summary_source.is_not(None))
    proposals = index_proposals(session.connection(), TopicProposal.id.is_not(None))
    session.commit()
    yield summaries + proposals


def items_to_index(session):
    """How many posts, summaries and proposals a full reindex covers (for its progress bar)."""
    posts = session.scalar(select(func.count()).select_from(Post))
    summaries = session.scalar(
        select(func.count()).select_from(DiscussionText).where(DiscussionText.summary_source.is_not(None))
    )
    proposals = session.scalar(select(func.count()).select_from(TopicProposal))
    return posts + summaries + proposals
