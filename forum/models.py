"""Every model of the forum, imported in one place for Alembic and the shell."""

from forum.accounts.models import AccountToken, Role, User  # noqa: F401
from forum.audit import AuditEvent  # noqa: F401
from forum.calendar.models import CalendarFeed  # noqa: F401
from forum.discussions.models import Discussion, DiscussionExpert, DiscussionText  # noqa: F401
from forum.erasure.models import DeletionRequest  # noqa: F401
from forum.guests.models import GuestInvitation  # noqa: F401
from forum.members.models import DirectoryListing, MemberState, RegionalGroup  # noqa: F401
from forum.moderation.models import Flag, ReversedAct, Sanction  # noqa: F401
from forum.notifications.models import (  # noqa: F401
    Digest,
    Mention,
    Notification,
    NotificationPreferences,
    NotificationSetting,
    OutgoingEmail,
)
from forum.proposals.models import Endorsement, TopicProposal  # noqa: F401
from forum.protocol.models import ProtocolAcceptance, ProtocolText, ProtocolVersion  # noqa: F401
from forum.rooms.models import Category, CategoryTranslation, Language, Room  # noqa: F401
from forum.search.models import SearchEntry  # noqa: F401
from forum.stats.models import ActivityDay  # noqa: F401
from forum.threads.models import Post, PostRevision, ReadMarker, Thread, Watch  # noqa: F401
from forum.twofactor.models import RecoveryCode, SecurityEvent, TotpFactor, WebAuthnCredential  # noqa: F401
