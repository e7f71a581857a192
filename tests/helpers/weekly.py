"""Builders shared by the weekly discussion and topic proposal tests (tests/discussions, tests/proposals)."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from forum.audit import AuditEvent
from forum.discussions import service as discussions
from forum.extensions import db
from forum.proposals import service as proposals
from forum.rooms.models import Category

# The clock fixture starts on Monday 23 November 2026, 10:00 UTC (11:00 in Geneva).
MONDAY_NEXT = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # 09:00 in Geneva (winter time)

# Roles of the "who may" tests: "own" moderates French (the language of the objects), "other" Spanish.
ROLES = ["delegate", "staff", "language_moderator_own", "language_moderator_other", "moderator", "admin", "guest"]
MANAGERS = {"language_moderator_own", "moderator", "admin"}


def texts(*codes, title="Sharing evaluation methods"):
    return {code: discussions.TextInput(f"{title} ({code})", f"Opening message in {code}.") for code in codes}


def category(code="capacity"):
    return db.session.scalar(select(Category).where(Category.code == code))


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def actions():
    return [event.action for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def schedule(by, codes=("en", "fr", "es"), opens_at=MONDAY_NEXT, closes_at=MONDAY_NEXT + timedelta(days=7), **kwargs):
    discussion = discussions.schedule_discussion(
        by=by, category_id=category().id, texts=texts(*codes), opens_at=opens_at, closes_at=closes_at, **kwargs
    )
    db.session.commit()
    return discussion


def threads(discussion):
    return discussions.discussion_threads(discussion)


def propose(by, **kwargs):
    arguments = {
        "title": "Technology transfer offices",
        "description": "How did you set them up?",
        "category_id": category().id,
        "aims": "Share models.",
        "audience": "University leaders",
        "languages": ["fr", "en"],
    }
    arguments.update(kwargs)
    proposal = proposals.propose_topic(by=by, **arguments)
    db.session.commit()
    return proposal
