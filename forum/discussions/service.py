"""Weekly discussions: scheduling, editing, times, summaries, experts and announcements.

A weekly discussion maps onto ordinary threads: one thread (kind `weekly`) in
the category's room of each language it runs in, all pointing at the
Discussion through `Thread.discussion_id`. The threads carry copies of the
discussion's times, so the thread core derives their status (scheduled,
open, closed) and refuses posts outside the window without knowing about
discussions; every change of times here is written to the discussion and its
threads together.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Integer, and_, bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError

from forum import audit, clock, database, policy
from forum.accounts.models import Role, User
from forum.content import clean_line, render_markdown
from forum.database import claim_transition
from forum.discussions.models import Discussion, DiscussionExpert, DiscussionText
from forum.errors import Invalid, NotAllowed
from forum.extensions import db
from forum.i18n import language_name
from forum.notifications.service import notify
from forum.rooms import service as rooms_service
from forum.rooms.models import Category, Language, Room
from forum.threads import service as threads_service
from forum.threads.models import Post, PostRevision, Thread, ThreadKind, ThreadStatus
from forum.urls import site_path

# The committee meets in Geneva: weekly discussions start there on Monday morning.
# Geneva keeps Swiss time, whose IANA zone is Europe/Zurich (there is no "Europe/Geneva").
GENEVA = ZoneInfo("Europe/Zurich")
DEFAULT_OPENING_TIME = time(9, 0)
DEFAULT_DURATION = timedelta(days=7)
CANCEL_REASON_MAX_LENGTH = 2000


@dataclass
class TextInput:
    """A discussion's title and opening message in one language (both empty: language left out)."""

    title: str = ""
    body: str = ""


# Times -------------------------------------------------------------------------


def default_times(now=None):
    """(opens_at, closes_at) in UTC: the next Monday 09:00 Geneva time, and seven days later."""
    local = (now or clock.now()).astimezone(GENEVA)
    monday = local.date() + timedelta(days=(7 - local.weekday()) % 7)
    opens = datetime.combine(monday, DEFAULT_OPENING_TIME, tzinfo=GENEVA)
    # Already past this Monday's opening (it is Monday after 09:00): the next week's.
    if opens <= local:
        opens += timedelta(days=7)
    # Wall-clock arithmetic in Geneva: still 09:00 across a change to or from summer time.
    closes = opens + DEFAULT_DURATION
    return opens.astimezone(UTC), closes.astimezone(UTC)


def _minute(moment):
    # Times are compared to the minute, the precision of a datetime-local form field.
    return moment.replace(second=0, microsecond=0) if moment is not None else None


def _same_minute(a, b):
    """Forms carry times to the minute: an unchanged field must not count as a change."""
    return _minute(a) == _minute(b)


def _check_schedule(opens_at, closes_at, now, *, check_opening=True):
    if opens_at is None:
        raise Invalid(_("Give an opening time."))
    if check_opening and opens_at < _minute(now):
        raise Invalid(_("The opening time is in the past."))
    if closes_at is not None and closes_at <= opens_at:
        raise Invalid(_("The closing time must be after the opening time."))


# Texts -------------------------------------------------------------------------


def active_languages():
    return {language.code: language for language in db.session.scalars(select(Language).where(Language.active))}


def check_length(text, maximum, message):
    if len(text) > maximum:
        raise Invalid(message)


def _refuse_copies(cleaned):
    seen = {}
    for code, text in sorted(cleaned.items()):
        for key in (("title", text.title), ("body", text.body)):
            if key in seen:
                raise Invalid(
                    _(
                        "The text in %(language)s is the same as in %(other)s. Translate it, leave that language "
                        "out, or tick “The same text in several languages is intended”.",
                        language=language_name(code),
                        other=language_name(seen[key]),
                    )
                )
            seen[key] = code


def _clean_texts(texts, languages, *, same_text_ok=False):
    """{code: TextInput} without the languages left out; raises Invalid for half-filled or bad ones.

    A title or message identical to another language's is refused unless
    `same_text_ok`: it is nearly always an untranslated copy, which would put
    English in the French room.
    """
    title_max = current_app.config["TITLE_MAX_LENGTH"]
    body_max = current_app.config["POST_MAX_LENGTH"]
    cleaned = {}
    for code, text in texts.items():
        title = clean_line(text.title)
        body = (text.body or "").strip()
        if not title and not body:
            continue
        language = languages.get(code)
        if language is None:
            raise Invalid(_("Unknown language: %(code)s.", code=code))
        if not title:
            raise Invalid(_("Give a title in %(language)s, or leave that language out.", language=language_name(code)))
        if not body:
            raise Invalid(
                _("Write an opening message in %(language)s, or leave that language out.", language=language_name(code))
            )
        check_length(title, title_max, _("The title is too long (at most %(count)d characters).", count=title_max))
        check_length(body, body_max, _("The message is too long (at most %(count)d characters).", count=body_max))
        cleaned[code] = TextInput(title, body)
    if not cleaned:
        raise Invalid(_("Give a title and an opening message in at least one language."))
    if not same_text_ok:
        _refuse_copies(cleaned)
    # In the languages' order, so the threads are created, and audited, in the order pages list them.
    return dict(sorted(cleaned.items(), key=lambda item: (languages[item[0]].position, item[0])))


def get_category(category_id):
    # The form coerces a malformed id to None; only a whole number reaches the database.
    category = db.session.get(Category, category_id) if isinstance(category_id, int) else None
    if category is None:
        raise Invalid(_("Unknown category."))
    return category


def _rooms(category, codes):
    rooms = {
        room.language_code: room
        for room in db.session.scalars(
            select(Room).where(Room.category_id == category.id, Room.language_code.in_(codes))
        )
    }
    for code in codes:
        if code not in rooms:
            raise Invalid(_("This category has no room in %(language)s.", language=language_name(code)))
    return rooms


def _start_linked_thread(discussion, room, text, *, by):
    """The thread of one language, opened by the moderator's opening post."""
    # Through the thread core, so the opening post is stored, rendered and checked like any other.
    thread = threads_service.start_thread(
        room,
        author=by,
        title=text.title,
        body=text.body,
        kind=ThreadKind.weekly,
        opens_at=discussion.opens_at,
        closes_at=discussion.closes_at,
    )
    thread.discussion_id = discussion.id
    return thread


def _iso(moment):
    return moment.isoformat() if moment is not None else None


# Weekly discussions --------------------------------------------------------------


def schedule_discussion(*, by, category_id, texts, opens_at, closes_at, proposal=None, same_text_ok=False):
    """Create a weekly discussion and its linked threads, one per language given.

    `proposal` only records where the topic came from: scheduling an accepted
    proposal goes through `proposals.service.schedule_proposal`, which claims it.

    `texts` maps language codes to TextInput; a language with neither title nor
    message is left out. Raises NotAllowed (403) or Invalid (bad input);
    nothing is written in either case once the caller rolls back.
    """
    if not policy.can_schedule_discussions(by):
        raise NotAllowed(_("Only moderators schedule weekly discussions."))
    category = get_category(category_id)
    languages = active_languages()
    cleaned = _clean_texts(texts, languages, same_text_ok=same_text_ok)
    if not policy.can_manage_discussion_languages(by, cleaned):
        raise NotAllowed(_("You can schedule discussions only in the languages you moderate."))
    now = clock.now()
    _check_schedule(opens_at, closes_at, now)
    rooms = _rooms(category, cleaned)

    discussion = Discussion(
        category_id=category.id,
        category=category,
        opens_at=opens_at,
        closes_at=closes_at,
        created_by_id=by.id,
        created_at=now,
        proposal_id=proposal.id if proposal else None,
    )
    db.session.add(discussion)
    for code, text in cleaned.items():
        discussion.texts.append(
            DiscussionText(language_code=code, language=languages[code], title=text.title, opening_source=text.body)
        )
    db.session.flush()
    for code, text in cleaned.items():
        _start_linked_thread(discussion, rooms[code], text, by=by)
    audit.record(
        by,
        "discussion.create",
        discussion,
        category=category.code,
        languages=list(cleaned),
        opens_at=_iso(opens_at),
        closes_at=_iso(closes_at),
        proposal=proposal.id if proposal else None,
    )
    db.session.flush()
    return discussion


def edit_discussion(discussion, *, by, category_id, texts, same_text_ok=False):
    """Change the category, titles and opening messages; a language may be added, none removed.

    Edited opening posts keep their previous text as a revision. Returns the
    discussion; records one audit event when anything changed.
    """
    if not policy.can_manage_discussion(by, discussion):
        raise NotAllowed(_("You cannot change this discussion."))
    _check_not_cancelled(discussion)
    category = get_category(category_id)
    languages = active_languages()
    # A language deactivated since scheduling must not make the discussion impossible to edit.
    for text in discussion.texts:
        languages.setdefault(text.language_code, text.language)
    cleaned = _clean_texts(texts, languages, same_text_ok=same_text_ok)
    existing = {text.language_code: text for text in discussion.texts}
    _check_languages_kept(existing, cleaned)
    if not policy.can_manage_discussion_languages(by, cleaned):
        raise NotAllowed(_("You can schedule discussions only in the languages you moderate."))

    threads = discussion_threads(discussion)
    rooms = _rooms(category, cleaned)
    moved = category.id != discussion.category_id
    if moved:
        _move_to_category(discussion, category, threads, rooms)
    # All opening posts in one query, not one per language.
    first_posts = _first_posts(threads.values())
    titles_before = {code: row.title for code, row in existing.items()}
    changed, added = [], []
    for code, text in cleaned.items():
        row = existing.get(code)
        if row is None:
            discussion.texts.append(
                DiscussionText(language_code=code, language=languages[code], title=text.title, opening_source=text.body)
            )
            # The new text needs its row before the language's thread is started beside it.
            db.session.flush()
            _start_linked_thread(discussion, rooms[code], text, by=by)
            added.append(code)
        elif _revise_text(row, text, threads.get(code), first_posts, by=by):
            changed.append(code)
    if moved or changed or added:
        # Calendars show the titles: a new or retitled language is a new version of the event.
        titles_after = {text.language_code: text.title for text in discussion.texts}
        _record_change(discussion, clock.now(), new_version=titles_after != titles_before)
        audit.record(by, "discussion.edit", discussion, category=category.code, changed=changed, added=added)
    db.session.flush()
    return discussion


def _check_languages_kept(existing, cleaned):
    """A language the discussion runs in cannot be emptied: its thread exists and has replies."""
    for code in existing:
        if code not in cleaned:
            raise Invalid(
                _(
                    "The discussion already runs in %(language)s: its title and opening message cannot be left empty.",
                    language=language_name(code),
                )
            )


def _move_to_category(discussion, category, threads, rooms):
    """The discussion and its thread in each language move to the new category's rooms."""
    left = [thread.room_id for thread in threads.values()]
    for code, thread in threads.items():
        thread.room_id = rooms[code].id
        thread.room = rooms[code]
    discussion.category_id = category.id
    discussion.category = category
    db.session.flush()
    rooms_service.recount_rooms(left + [room.id for room in rooms.values()])


def _revise_text(row, text, thread, first_posts, *, by):
    """Apply a new title and opening message in one language; False when nothing changed.

    The thread's title follows, and its first post is revised (the earlier
    text kept as a revision, as any edited post).
    """
    if row.title == text.title and row.opening_source == text.body:
        return False
    row.title = text.title
    if thread is not None:
        thread.title = text.title
    if row.opening_source != text.body:
        row.opening_source = text.body
        post = first_posts.get(thread.id) if thread is not None else None
        if post is not None:
            now = clock.now()
            db.session.add(
                PostRevision(post_id=post.id, source=post.source, html=post.html, editor_id=by.id, created_at=now)
            )
            post.source = text.body
            post.html = render_markdown(text.body)
            post.edited_at = now
    return True


def _first_posts(threads):
    ids = [thread.id for thread in threads]
    if not ids:
        return {}
    return {
        post.thread_id: post
        for post in db.session.scalars(select(Post).where(Post.thread_id.in_(ids), Post.number == 1))
    }


def _check_not_cancelled(discussion):
    if discussion.is_cancelled:
        raise Invalid(_("This discussion is cancelled: it can no longer change."))


def _record_change(discussion, now, *, new_version=True):
    """Note a change for calendar feeds (forum.calendar): LAST-MODIFIED, and SEQUENCE when calendars must update."""
    discussion.updated_at = now
    if new_version:
        # Counted in SQL, so two changes saved at once both count.
        discussion.sequence = Discussion.sequence + 1


def _set_times(discussion, opens_at, closes_at):
    # The threads hold copies of the times (see the module's docstring): all are written together,
    # the threads in one UPDATE however many languages there are.
    discussion.opens_at = opens_at
    discussion.closes_at = closes_at
    db.session.execute(
        update(Thread).where(Thread.discussion_id == discussion.id).values(opens_at=opens_at, closes_at=closes_at)
    )


def reschedule_discussion(discussion, *, by, opens_at, closes_at):
    """Move the opening (before it happened) or the closing, or make it open-ended.

    One audit event: `discussion.extend` when only the closing moved later,
    `discussion.reschedule` otherwise. Closing at once is `close_discussion`.
    """
    if not policy.can_manage_discussion(by, discussion):
        raise NotAllowed(_("You cannot change this discussion."))
    _check_not_cancelled(discussion)
    now = clock.now()
    opening_changed = not _same_minute(opens_at, discussion.opens_at)
    closing_changed = not _same_minute(closes_at, discussion.closes_at)
    # An unchanged field keeps the stored value to the second, so it is not reported as a change.
    if not opening_changed:
        opens_at = discussion.opens_at
    if not closing_changed:
        closes_at = discussion.closes_at
    if opening_changed and discussion.opens_at <= now:
        raise Invalid(_("This discussion has already opened: its opening time can no longer change."))
    _check_schedule(opens_at, closes_at, now, check_opening=opening_changed)
    if closing_changed and closes_at is not None and closes_at <= now:
        raise Invalid(_("The closing time is in the past. To close the discussion now, use “Close now”."))
    if not (opening_changed or closing_changed):
        return discussion
    extended = not opening_changed and (
        closes_at is None or (discussion.closes_at is not None and closes_at > discussion.closes_at)
    )
    previous = {"opens_at": _iso(discussion.opens_at), "closes_at": _iso(discussion.closes_at)}
    _set_times(discussion, opens_at, closes_at)
    _record_change(discussion, now)
    audit.record(
        by,
        "discussion.extend" if extended else "discussion.reschedule",
        discussion,
        previous=previous,
        opens_at=_iso(opens_at),
        closes_at=_iso(closes_at),
    )
    db.session.flush()
    return discussion


def close_discussion(discussion, *, by, reason=None):
    """Close an open discussion now, in every language."""
    if not policy.can_manage_discussion(by, discussion):
        raise NotAllowed(_("You cannot change this discussion."))
    _check_not_cancelled(discussion)
    now = clock.now()
    status = discussion.status_at(now)
    if status == ThreadStatus.closed:
        raise Invalid(_("This discussion is already closed."))
    if status == ThreadStatus.scheduled:
        raise Invalid(_("This discussion has not opened yet: change its times instead."))
    previous = _iso(discussion.closes_at)
    # Closed by moving the closing time to now, not by locking: the threads' status keeps following
    # the times, and the audit event keeps the closing time that was planned.
    _set_times(discussion, discussion.opens_at, now)
    _record_change(discussion, now)
    audit.record(by, "discussion.close", discussion, reason=reason, previous_closes_at=previous)
    db.session.flush()
    return discussion


def cancel_discussion(discussion, *, by, reason):
    """Call off a discussion that has not opened yet, in every language.

    It stays listed (topics page, calendar feeds) as cancelled, and its
    threads never open. Raises NotAllowed (403) for those who may not change
    its times, Invalid when it has opened, is already cancelled, or the
    reason is missing or too long.
    """
    if not policy.can_manage_discussion(by, discussion):
        raise NotAllowed(_("You cannot change this discussion."))
    _check_not_cancelled(discussion)
    now = clock.now()
    if discussion.status_at(now) != ThreadStatus.scheduled:
        raise Invalid(_("This discussion has already opened: it can no longer be cancelled. Close it instead."))
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Give the reason for cancelling the discussion."))
    check_length(
        reason,
        CANCEL_REASON_MAX_LENGTH,
        _("The reason is too long (at most %(count)d characters).", count=CANCEL_REASON_MAX_LENGTH),
    )
    # Claimed: of two moderators cancelling at once, one does it and the other is told it is done.
    if not claim_transition(
        discussion,
        "cancelled_at",
        None,
        cancelled_at=now,
        cancelled_by_id=by.id,
        cancel_reason=reason,
        sequence=Discussion.sequence + 1,
        updated_at=now,
    ):
        raise Invalid(_("This discussion is already cancelled."))
    # Threads already loaded read "in a cancelled discussion" when they were loaded: read it again.
    for thread in [obj for obj in db.session.identity_map.values() if isinstance(obj, Thread)]:
        if thread.discussion_id == discussion.id:
            db.session.expire(thread, ["in_cancelled_discussion"])
    # Its threads leave their rooms' totals.
    rooms_service.recount_rooms(db.session.scalars(select(Thread.room_id).where(Thread.discussion_id == discussion.id)))
    audit.record(by, "discussion.cancel", discussion, reason=reason, opens_at=_iso(discussion.opens_at))
    db.session.flush()
    return discussion


def set_summary(discussion, language_code, source, *, by):
    """Write (or clear) the closing summary in one language; shown atop the closed thread and on the topics page."""
    if not policy.can_manage_discussion(by, discussion):
        raise NotAllowed(_("You cannot change this discussion."))
    text = next((t for t in discussion.texts if t.language_code == language_code), None)
    if text is None:
        raise Invalid(_("This discussion does not run in that language."))
    source = (source or "").strip()
    maximum = current_app.config["POST_MAX_LENGTH"]
    check_length(source, maximum, _("The summary is too long (at most %(count)d characters).", count=maximum))
    # Saving the same text again records nothing.
    if source == (text.summary_source or ""):
        return text
    text.summary_source = source or None
    text.summary_html = render_markdown(source) if source else None
    text.summary_at = clock.now()
    text.summary_by_id = by.id
    audit.record(by, "discussion.summary", discussion, language=language_code, cleared=not source)
    db.session.flush()
    return text


def invite_expert(discussion, expert, *, by):
    """Ask a Secretariat staff expert into a discussion; they are notified at once."""
    if not policy.can_invite_expert(by, discussion):
        raise NotAllowed(_("You cannot change this discussion."))
    # The form's choice is not validated: a forged id for anyone but active staff is refused here.
    if expert is None or expert.role != Role.staff or not expert.active:
        raise Invalid(_("Only Secretariat staff experts can be invited."))
    if discussion.status == ThreadStatus.closed:
        raise Invalid(_("This discussion is closed."))
    # The check gives a friendly refusal; the unique constraint below settles a race between two moderators.
    existing = db.session.scalar(
        select(DiscussionExpert).where(
            DiscussionExpert.discussion_id == discussion.id, DiscussionExpert.user_id == expert.id
        )
    )
    if existing is not None:
        raise Invalid(_("%(name)s is already invited to this discussion.", name=expert.display_name))
    now = clock.now()
    invitation = DiscussionExpert(
        discussion_id=discussion.id,
        user_id=expert.id,
        user=expert,
        invited_by_id=by.id,
        invited_at=now,
    )
    db.session.add(invitation)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Invalid(_("%(name)s is already invited to this discussion.", name=expert.display_name)) from None
    # The title the expert will see, in their own interface language.
    text = discussion.text_for(expert.locale or "en")
    notify(
        expert,
        "expert_invited",
        link=site_path("discussions.view", discussion_id=discussion.id),
        title=text.title,
        by=by.display_name,
        opens_at=_iso(discussion.opens_at),
    )
    invitation.notified_at = now
    audit.record(by, "discussion.invite_expert", discussion, expert=expert.id, expert_name=expert.display_name)
    db.session.flush()
    return invitation


def announce_opened_discussions(now):
    """Notify every member once about each discussion that has opened; returns the discussions announced.

    Safe under concurrent ticks: the UPDATE … WHERE announced_at IS NULL
    claims each discussion for exactly one transaction, and only the
    discussions it returned are announced.
    """
    claimed = (
        db.session.execute(
            update(Discussion)
            .where(
                Discussion.announced_at.is_(None),
                # A cancelled discussion never opens, so it is never announced.
                Discussion.cancelled_at.is_(None),
                Discussion.opens_at <= now,
                or_(Discussion.closes_at.is_(None), Discussion.closes_at > now),
            )
            .values(announced_at=now)
            .returning(Discussion.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    if not claimed:
        return []
    announced = db.session.scalars(
        select(Discussion)
        .where(Discussion.id.in_(claimed))
        .order_by(Discussion.opens_at, Discussion.id)
        # The UPDATE above bypassed the session: reload, or a discussion already in it would show stale values.
        .execution_options(populate_existing=True)
    ).all()
    threads = thread_index(claimed)
    # Members who can sign in: not guests, and not accounts whose activation link is still unused.
    members = db.session.scalars(
        select(User).where(User.active, User.role.in_(tuple(policy.MEMBER_ROLES)), User.password_hash.is_not(None))
    ).all()
    for discussion in announced:
        for member in members:
            # Each member is sent to the thread in their interface language when the discussion runs in it.
            text = discussion.text_for(member.locale or "en")
            thread = threads.get(discussion.id, {}).get(text.language_code)
            link = (
                site_path("threads.thread", thread_id=thread.thread_id)
                if thread
                else site_path("discussions.view", discussion_id=discussion.id)
            )
            # Each e-mail goes out in the member's language, from their settings (forum.notifications).
            notify(member, "discussion_opened", link=link, title=text.title, closes_at=_iso(discussion.closes_at))
    db.session.flush()
    return announced


# Reading discussions -------------------------------------------------------------


def get_discussion(discussion_id):
    return db.session.get(Discussion, discussion_id)


def discussion_threads(discussion):
    """{language code: thread} of a discussion, in one query."""
    threads = db.session.scalars(select(Thread).where(Thread.discussion_id == discussion.id)).all()
    return {thread.room.language_code: thread for thread in threads}


def discussion_experts(discussion):
    return db.session.scalars(
        select(DiscussionExpert)
        .where(DiscussionExpert.discussion_id == discussion.id)
        .order_by(DiscussionExpert.invited_at)
    ).all()


def expert_candidates(discussion):
    """Active Secretariat staff not yet invited to `discussion`, by name (for the invitation form)."""
    invited = select(DiscussionExpert.user_id).where(DiscussionExpert.discussion_id == discussion.id)
    return db.session.scalars(
        select(User).where(User.role == Role.staff, User.active, User.id.not_in(invited)).order_by(User.display_name)
    ).all()


@dataclass(frozen=True)
class LinkedThread:
    thread_id: int
    language_code: str
    language_name: str
    replies: int


def thread_index(discussion_ids):
    """{discussion id: {language code: LinkedThread}} for many discussions, in one query."""
    if not discussion_ids:
        return {}
    rows = db.session.execute(
        select(Thread.id, Thread.discussion_id, Thread.post_count, Room.language_code, Language.native_name)
        .join(Room, Room.id == Thread.room_id)
        .join(Language, Language.code == Room.language_code)
        .where(Thread.discussion_id.in_(list(discussion_ids)))
        .order_by(Language.position)
    ).all()
    index = {}
    for thread_id, discussion_id, post_count, code, name in rows:
        index.setdefault(discussion_id, {})[code] = LinkedThread(thread_id, code, name, max(post_count - 1, 0))
    return index


# Built once with the discussion as its parameter: every weekly thread's page asks it.
_LINKED_THREADS = (
    select(
        Thread.id,
        Thread.post_count,
        Room.language_code,
        Language.native_name,
        Language.active,
        DiscussionText.summary_html,
    )
    .join(Room, Room.id == Thread.room_id)
    .join(Language, Language.code == Room.language_code)
    .outerjoin(
        DiscussionText,
        and_(DiscussionText.discussion_id == Thread.discussion_id, DiscussionText.language_code == Room.language_code),
    )
    .where(Thread.discussion_id == bindparam("discussion", type_=Integer))
    .order_by(Language.position)
)


def linked_threads(thread, user):
    """For a weekly thread: (its siblings in other languages, its summary html or None), in one query."""
    if thread.discussion_id is None:
        return [], None
    rows = database.read(_LINKED_THREADS, {"discussion": thread.discussion_id}).all()
    siblings, summary = [], None
    for thread_id, post_count, code, name, active, summary_html in rows:
        if thread_id == thread.id:
            summary = summary_html
        # Like room access: a deactivated language's thread is listed only for those who moderate it.
        elif active or policy.can_moderate_language(user, code):
            siblings.append(LinkedThread(thread_id, code, name, max(post_count - 1, 0)))
    return siblings, summary


def active_languages_for(user):
    """The active content languages `user` may run discussions in, in their order."""
    languages = db.session.scalars(select(Language).where(Language.active).order_by(Language.position)).all()
    return [language for language in languages if policy.can_manage_discussion_languages(user, {language.code})]
