"""The usage protocol: published versions, their text per language, and who accepted which."""

from datetime import datetime
from functools import cache

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint, bindparam, exists, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum import clock
from forum.accounts.models import User
from forum.dbtypes import UTCDateTime
from forum.extensions import db

# The five sections every version has, in order (CDIP/22/3 ¶6).
SECTION_KEYS = ("operation", "security", "content", "community", "copyright")


class ProtocolVersion(db.Model):
    """One published version; the one with the highest number is in force."""

    __tablename__ = "protocol_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    change_note: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The clause numbers ("3.2") of this version, the same in every language:
    # moderation cites them, so validating a citation needs no text.
    clause_numbers: Mapped[list] = mapped_column(JSON, default=list)

    published_by: Mapped[User | None] = relationship()
    texts: Mapped[list["ProtocolText"]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="ProtocolText.language_code"
    )

    def __repr__(self):
        return f"<ProtocolVersion {self.number}>"


class ProtocolText(db.Model):
    """A version's text in one language.

    `sections` is a list of five {"key", "title", "clauses": [[number, text], …]}
    in SECTION_KEYS order; the text is plain (printed escaped, never as HTML).
    """

    __tablename__ = "protocol_texts"
    __table_args__ = (UniqueConstraint("version_id", "language_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("protocol_versions.id", ondelete="CASCADE"))
    language_code: Mapped[str] = mapped_column(String(12))
    sections: Mapped[list] = mapped_column(JSON, default=list)

    version: Mapped[ProtocolVersion] = relationship(back_populates="texts")

    def clause_text(self, number):
        for section in self.sections:
            for clause_number, text in section["clauses"]:
                if clause_number == number:
                    return text
        return None


class ProtocolAcceptance(db.Model):
    """A user accepted a version at a given time (kept for every version, never overwritten)."""

    __tablename__ = "protocol_acceptances"
    __table_args__ = (UniqueConstraint("user_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("protocol_versions.id", ondelete="CASCADE"))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    version: Mapped[ProtocolVersion] = relationship(lazy="joined")


def current_version_id_query():
    """The id of the version in force, as a scalar subquery."""
    return select(ProtocolVersion.id).order_by(ProtocolVersion.number.desc()).limit(1).scalar_subquery()


def has_accepted_current_version(user_id):
    """True if the user accepted the version in force (or none was ever published); one query.

    It lives beside the models so that `forum.policy` can ask it without
    importing a service. Every signed-in page asks it: the statement is built once, with the user as its
    parameter (building it cost more than running it).
    """
    return bool(db.session.scalar(accepted_current_version_statement(), {"acceptor": user_id}))


@cache
def accepted_current_version_statement():
    """Whether the user given as the parameter "acceptor" accepted the version in force (see above)."""
    return select(
        or_(
            ~exists().where(ProtocolVersion.id.is_not(None)),
            exists().where(
                ProtocolAcceptance.user_id == bindparam("acceptor", type_=Integer),
                ProtocolAcceptance.version_id == current_version_id_query(),
            ),
        )
    )
