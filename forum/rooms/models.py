"""Content languages, the CDIP/21/4 categories and their rooms."""

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db

# Which content languages a language moderator moderates.
language_moderators = Table(
    "language_moderators",
    db.Model.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("language_code", ForeignKey("languages.code", ondelete="CASCADE"), primary_key=True),
)


class Language(db.Model):
    """A content language: every category has one room in each active language."""

    __tablename__ = "languages"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    native_name: Mapped[str] = mapped_column(String(64))
    # "ltr" or "rtl", for the dir attribute of text in this language (Arabic reads right to left).
    direction: Mapped[str] = mapped_column(String(3), default="ltr")
    active: Mapped[bool] = mapped_column(default=True)
    # Display order in lists and forms; a language added later goes last.
    position: Mapped[int] = mapped_column(default=0)

    def __repr__(self):
        return f"<Language {self.code}>"


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    position: Mapped[int] = mapped_column(default=0)

    # {language code: [name, description]}: the translations as every page that names the category reads them, on
    # the category's own row (loaded with each room), so that naming it takes no query of its own. A copy kept by
    # `store_texts`, which forum.rooms.service calls after every change to `translations`, the one edited.
    texts: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")

    # Read by the pages that edit them (forum.admin) only.
    translations: Mapped[list["CategoryTranslation"]] = relationship(
        back_populates="category", cascade="all, delete-orphan"
    )
    rooms: Mapped[list["Room"]] = relationship(back_populates="category")

    def text(self, locale):
        """(name, description) in `locale`, falling back to English, then the code."""
        texts = self.texts or {}
        chosen = texts.get(locale) or texts.get("en")
        if not chosen or not chosen[0]:
            return self.code, ""
        return chosen[0], chosen[1]

    def store_texts(self):
        """Copy the translations to `texts` (after adding or changing one)."""
        self.texts = {t.language_code: [t.name, t.description or ""] for t in self.translations}


class CategoryTranslation(db.Model):
    __tablename__ = "category_translations"
    __table_args__ = (UniqueConstraint("category_id", "language_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    # A UI or content language code; not a foreign key, since UI languages
    # (e.g. zh) need not be content languages.
    language_code: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")

    category: Mapped[Category] = relationship(back_populates="translations")


class Room(db.Model):
    """One category in one content language."""

    __tablename__ = "rooms"
    __table_args__ = (UniqueConstraint("category_id", "language_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # `<category code>-<language code>`: the room's URL, readable and stable.
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    language_code: Mapped[str] = mapped_column(ForeignKey("languages.code"), index=True)
    # Only moderators start threads here; members still reply.
    moderators_only: Mapped[bool] = mapped_column(default=False)
    closed: Mapped[bool] = mapped_column(default=False)
    # The room's threads (scheduled ones included, those of cancelled weekly discussions not) and their
    # posts (Thread.post_count), kept up to date with each write by forum.threads.service and recounted
    # after moves and cancellations (rooms.service.recount_rooms): the home page reads these instead of
    # counting every thread on each view, and takes off what a reader may not see yet (home_overview).
    thread_total: Mapped[int] = mapped_column(default=0, server_default="0")
    post_total: Mapped[int] = mapped_column(default=0, server_default="0")

    category: Mapped[Category] = relationship(back_populates="rooms", lazy="joined")
    language: Mapped[Language] = relationship(lazy="joined")

    def __repr__(self):
        return f"<Room {self.slug}>"
