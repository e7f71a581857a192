"""The usage protocol: reading it, accepting it, publishing new versions, citing its clauses."""

import re

from flask_babel import gettext as _
from sqlalchemy import exists, select

from forum import audit, clock, policy
from forum.errors import Invalid, NotAllowed
from forum.extensions import db
from forum.protocol.data import FIRST_VERSION_NOTE, FIRST_VERSION_TEXTS
from forum.protocol.models import (
    SECTION_KEYS,
    ProtocolAcceptance,
    ProtocolText,
    ProtocolVersion,
    current_version_id_query,
    has_accepted_current_version,
)

CLAUSE_PATTERN = re.compile(r"^\d{1,2}\.\d{1,2}$")
_SECTION_LINE = re.compile(r"^#\s*(?P<title>.+?)\s*$")
_CLAUSE_LINE = re.compile(r"^(?P<number>\d{1,2}\.\d{1,2})\.?\s+(?P<text>\S.*)$")
CHANGE_NOTE_MAX = 2000


# Reading ---------------------------------------------------------------------


def current_version():
    """The version in force (the highest number), or None before any is published."""
    return db.session.scalar(select(ProtocolVersion).order_by(ProtocolVersion.number.desc()).limit(1))


def get_version(number):
    return db.session.scalar(select(ProtocolVersion).where(ProtocolVersion.number == number))


def all_versions():
    return db.session.scalars(select(ProtocolVersion).order_by(ProtocolVersion.number.desc())).all()


def text_for(version, locale):
    """The version's text in `locale`, else in English, else in any language it has."""
    if version is None:
        return None
    texts = db.session.scalars(select(ProtocolText).where(ProtocolText.version_id == version.id)).all()
    by_language = {text.language_code: text for text in texts}
    return by_language.get(locale) or by_language.get("en") or (texts[0] if texts else None)


def _current_version_id():
    return current_version_id_query()


def has_accepted_current(user):
    """True if `user` accepted the version in force (or none was ever published); one query."""
    return has_accepted_current_version(user.id)


def acceptances_of(user):
    """Every acceptance of `user`, newest first, with its version."""
    return db.session.scalars(
        select(ProtocolAcceptance)
        .where(ProtocolAcceptance.user_id == user.id)
        .order_by(ProtocolAcceptance.accepted_at.desc(), ProtocolAcceptance.id.desc())
    ).all()


def has_accepted_any(user):
    return bool(db.session.scalar(select(exists().where(ProtocolAcceptance.user_id == user.id))))


# Accepting -------------------------------------------------------------------


def accept(user, version):
    """Record that `user` accepts `version`, which must be the one in force; idempotent."""
    if not policy.can_accept_protocol(user):
        raise NotAllowed(_("Sign in to accept the usage protocol."))
    current = current_version()
    if version is None or current is None or version.id != current.id:
        raise Invalid(
            _("A new version of the protocol was published in the meantime. Please read it before accepting.")
        )
    existing = db.session.scalar(
        select(ProtocolAcceptance).where(
            ProtocolAcceptance.user_id == user.id, ProtocolAcceptance.version_id == version.id
        )
    )
    if existing is not None:
        return existing
    acceptance = ProtocolAcceptance(user_id=user.id, version_id=version.id, version=version, accepted_at=clock.now())
    db.session.add(acceptance)
    db.session.flush()
    policy.forget_protocol_answer()
    return acceptance


def accept_current(user):
    """Accept whatever version is in force (set-up code and tests); None if there is none."""
    version = current_version()
    return accept(user, version) if version is not None else None


# Clauses ---------------------------------------------------------------------


def check_clause(clause, version=None):
    """The clause number as cited (e.g. "3.2") if the version in force has it; Invalid otherwise.

    Returns (clause, version) so the caller can record which version was cited.
    """
    clause = (clause or "").strip()
    version = version or current_version()
    if not clause:
        raise Invalid(_("Cite the clause of the protocol that applies."))
    if version is None or clause not in (version.clause_numbers or []):
        raise Invalid(_("There is no clause %(clause)s in the usage protocol in force.", clause=clause[:20]))
    return clause, version


def clause_choices(locale, version=None):
    """[(number, "3.2 — first words of the clause")] of the version in force, in `locale`."""
    version = version or current_version()
    text = text_for(version, locale)
    if text is None:
        return []
    choices = []
    for section in text.sections:
        for number, clause_text in section["clauses"]:
            short = clause_text if len(clause_text) <= 90 else clause_text[:89].rstrip() + "…"
            choices.append((number, f"{number} — {short}"))
    return choices


# Publishing ------------------------------------------------------------------


def parse_protocol_text(raw, language_label=""):
    """The administrator's plain text as five sections of numbered clauses; Invalid if malformed.

    Format: "# 1. Title" opens a section; "1.1 Text" opens a clause; other
    non-empty lines continue the clause above; clause numbers start with their
    section's number.
    """
    sections = []
    for line_number, line in enumerate((raw or "").splitlines(), start=1):
        line = line.strip()
        if line:
            _read_protocol_line(sections, line, line_number, language_label)
    _check_sections(sections, language_label)
    return sections


def _read_protocol_line(sections, line, line_number, language_label):
    """Add one non-empty line to `sections`: a heading, a clause, or the continuation of a clause."""
    heading = _SECTION_LINE.match(line)
    clause = _CLAUSE_LINE.match(line)
    if heading:
        sections.append({"key": None, "title": heading.group("title"), "clauses": []})
    elif clause:
        if not sections:
            raise Invalid(
                _(
                    "%(language)s, line %(line)d: a clause comes before the first section heading (# …).",
                    language=language_label,
                    line=line_number,
                )
            )
        number = clause.group("number")
        if number.split(".")[0] != str(len(sections)):
            raise Invalid(
                _(
                    "%(language)s, line %(line)d: clause %(clause)s is not numbered within section %(section)d.",
                    language=language_label,
                    line=line_number,
                    clause=number,
                    section=len(sections),
                )
            )
        sections[-1]["clauses"].append([number, clause.group("text").strip()])
    elif sections and sections[-1]["clauses"]:
        sections[-1]["clauses"][-1][1] += " " + line
    else:
        raise Invalid(
            _(
                "%(language)s, line %(line)d: expected a section heading (# …) or a numbered clause (1.1 …).",
                language=language_label,
                line=line_number,
            )
        )


def _check_sections(sections, language_label):
    """Exactly the five sections, each with clauses, no clause number twice; names each section by its key."""
    if len(sections) != len(SECTION_KEYS):
        raise Invalid(
            _(
                "%(language)s: the protocol needs exactly %(count)d sections "
                "(operation, security policy, content, community rules, copyright).",
                language=language_label,
                count=len(SECTION_KEYS),
            )
        )
    seen = set()
    for key, section in zip(SECTION_KEYS, sections, strict=True):
        section["key"] = key
        if not section["clauses"]:
            raise Invalid(
                _(
                    "%(language)s: section “%(section)s” has no clauses.",
                    language=language_label,
                    section=section["title"],
                )
            )
        for number, _text in section["clauses"]:
            if number in seen:
                raise Invalid(
                    _("%(language)s: clause %(clause)s appears twice.", language=language_label, clause=number)
                )
            seen.add(number)


def format_protocol_text(sections):
    """The inverse of `parse_protocol_text`, to pre-fill the publishing form."""
    blocks = []
    for section in sections:
        lines = [f"# {section['title']}"] + [f"{number} {text}" for number, text in section["clauses"]]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _clause_numbers(sections):
    return [number for section in sections for number, _text in section["clauses"]]


def _build_version(number, change_note, texts, by):
    """A version from {language code: (label, raw text)}; Invalid if any text is malformed or they disagree."""
    parsed = {}
    reference = None
    for code, (label, raw) in texts.items():
        sections = parse_protocol_text(raw, label)
        numbers = _clause_numbers(sections)
        if reference is None:
            reference = numbers
        elif numbers != reference:
            raise Invalid(
                _("%(language)s: the clauses must be numbered exactly as in the other languages.", language=label)
            )
        parsed[code] = sections
    version = ProtocolVersion(
        number=number,
        change_note=change_note,
        published_at=clock.now(),
        published_by_id=getattr(by, "id", None),
        clause_numbers=reference or [],
    )
    version.texts = [ProtocolText(language_code=code, sections=sections) for code, sections in parsed.items()]
    db.session.add(version)
    db.session.flush()
    return version


def publish_version(*, by, change_note, texts, languages):
    """Publish a new version in force from now; everyone must accept it before posting again. Audited.

    `texts` maps language codes to the administrator's plain text; `languages`
    are the (code, label) pairs it must cover: every active content language.
    Raises NotAllowed (403) or Invalid.
    """
    if not policy.can_publish_protocol(by):
        raise NotAllowed(_("Only administrators publish the protocol."))
    change_note = (change_note or "").strip()
    if not change_note:
        raise Invalid(_("Say what changed in this version."))
    if len(change_note) > CHANGE_NOTE_MAX:
        raise Invalid(_("The change note is too long (at most %(count)d characters).", count=CHANGE_NOTE_MAX))
    wanted = {}
    for code, label in languages:
        raw = (texts.get(code) or "").strip()
        if not raw:
            raise Invalid(
                _("The protocol must be written in every active language: %(language)s is missing.", language=label)
            )
        wanted[code] = (label, raw)
    current = current_version()
    version = _build_version((current.number if current else 0) + 1, change_note, wanted, by)
    audit.record(by, "protocol.publish", version, reason=change_note, number=version.number, languages=sorted(wanted))
    policy.forget_protocol_answer()
    return version


def seed_first_version():
    """Install the shipped first version if no version exists yet (idempotent, not an act of anyone)."""
    if db.session.scalar(select(exists().where(ProtocolVersion.id.is_not(None)))):
        return None
    texts = {code: (code, raw) for code, raw in FIRST_VERSION_TEXTS.items()}
    return _build_version(1, FIRST_VERSION_NOTE, texts, None)
