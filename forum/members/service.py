"""Member states: reference data and names in the reader's language."""

import gettext
from functools import lru_cache

import pycountry
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from forum.extensions import db
from forum.members.data import MEMBER_STATES, REGIONAL_GROUPS
from forum.members.models import MemberState, RegionalGroup

# Group names are interface text: they live in the message catalogs.
GROUP_NAMES = {
    "AFRICAN": _l("African Group"),
    "ASPAC": _l("Asia and the Pacific Group"),
    "CEBS": _l("Central European and Baltic States"),
    "GRULAC": _l("Group of Latin American and Caribbean Countries"),
    "B": _l("Group B"),
    "CACEEC": _l("Central Asian, Caucasus and Eastern European Countries"),
    "CHINA": _l("China"),
}


def group_name(code):
    return str(GROUP_NAMES.get(code, code))


@lru_cache(maxsize=32)
def _country_translations(locale):
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale])
    except OSError:
        return gettext.NullTranslations()


@lru_cache(maxsize=4096)
def _state_name(code, locale):
    country = pycountry.countries.get(alpha_3=code)
    if country is None:
        return code
    english = country.name
    if locale == "en":
        return english
    return _country_translations(locale).gettext(english)


def state_name(code, locale=None):
    """The name of a member state in `locale` (default: the current UI locale)."""
    if locale is None:
        current = get_locale()
        locale = str(current) if current else "en"
    return _state_name(code, locale)


def seed_member_states():
    """Create the regional groups and member states that are missing; return how many were added."""
    groups = {g.code: g for g in db.session.scalars(select(RegionalGroup))}
    for position, (code, _name) in enumerate(REGIONAL_GROUPS):
        if code not in groups:
            groups[code] = RegionalGroup(code=code, position=position)
            db.session.add(groups[code])
    db.session.flush()
    existing = set(db.session.scalars(select(MemberState.code)))
    added = 0
    for code, group_code in MEMBER_STATES:
        if code not in existing:
            db.session.add(MemberState(code=code, group_id=groups[group_code].id))
            added += 1
    db.session.flush()
    return added


def states_sorted_by_name():
    """All active member states, sorted by their name in the current locale."""
    states = db.session.scalars(select(MemberState).where(MemberState.active)).all()
    return sorted(states, key=lambda s: s.name.casefold())


def find_state(code_or_name):
    """A member state by alpha-3 or alpha-2 code or English name, or None."""
    value = (code_or_name or "").strip()
    if not value:
        return None
    code = value.upper()
    if len(value) != 3:
        country = None
        try:
            country = pycountry.countries.lookup(value)
        except LookupError:
            return None
        code = country.alpha_3
    return db.session.scalar(select(MemberState).where(MemberState.code == code))


def state_by_code(code):
    """The member state with this ISO alpha-3 code, or None (also for an empty code)."""
    if not code:
        return None
    return db.session.scalar(select(MemberState).where(MemberState.code == code))
