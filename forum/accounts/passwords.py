"""Password hashing (argon2id) and the password rules.

Each argon2id hash or verification takes ARGON2_MEMORY_COST KiB (19 MiB by
default, OWASP's profile) for a few tens of milliseconds. So that a wave of
sign-ins cannot add that much memory per concurrent login to a worker, hashing is queued: at most
ARGON2_CONCURRENCY (default 1) run at once in a process, the others wait
their turn (`_hashing_slot`). With gunicorn's sync workers that is already
one per worker; with threaded workers it caps each worker at one hash's
memory. A hash stored under other parameters still verifies, and is replaced
at its owner's next sign-in.
"""

import ctypes
import threading
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import gettext as _

COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"


def _hasher():
    config = current_app.config
    return _cached_hasher(config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"], config["ARGON2_PARALLELISM"])


@lru_cache(maxsize=4)
def _cached_hasher(time_cost, memory_cost, parallelism):
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


@lru_cache(maxsize=4)
def _semaphore(slots):
    return threading.BoundedSemaphore(slots)


@contextmanager
def _hashing_slot():
    """Wait for one of the process's ARGON2_CONCURRENCY hashing slots (never held across a database write)."""
    slots = _semaphore(max(int(current_app.config.get("ARGON2_CONCURRENCY", 1)), 1))
    with slots:
        yield


def hash_password(password):
    with _hashing_slot():
        return _hasher().hash(password)


def verify_password(password_hash, password):
    """(matches, new_hash_or_None): a new hash is returned when the parameters changed."""
    if not password_hash:
        return False, None
    hasher = _hasher()
    with _hashing_slot():
        try:
            hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False, None
        if hasher.check_needs_rehash(password_hash):
            return True, hasher.hash(password)
    return True, None


def burn_time(password):
    """Spend exactly what a real verification costs (one verify), so unknown e-mails are not revealed by timing."""
    verify_password(_dummy_hash(), password)


def _dummy_hash():
    config = current_app.config
    return _cached_dummy_hash(config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"], config["ARGON2_PARALLELISM"])


@lru_cache(maxsize=4)
def _cached_dummy_hash(time_cost, memory_cost, parallelism):
    # Made once per process and parameter set (`prepare`), never during a login.
    return _cached_hasher(time_cost, memory_cost, parallelism).hash("not-a-real-password-for-timing")


def prepare(app):
    """Hash the dummy password at start-up, so the first unknown-address login costs no more than any other;
    and make the hashes' memory go back to the system once they are done (`return_large_blocks`)."""
    return_large_blocks()
    with app.app_context():
        _dummy_hash()


# glibc's mallopt option: the size from which a block is a memory mapping of its own.
_M_MMAP_THRESHOLD = -3


def return_large_blocks(threshold=1024 * 1024):
    """Blocks of `threshold` bytes or more are mappings of their own, unmapped when freed (glibc; elsewhere nothing).

    By default glibc raises that threshold to the size of the last such block freed (up to 32 MiB): after
    its first hash (19 MiB), a worker would keep every later hash's buffer in its heap for good, 19 MiB
    of resident memory per worker at rest. A fixed threshold returns it at the end of every hash. The
    setting belongs to the process: gunicorn's workers, forked after the app is loaded, inherit it.
    """
    try:
        libc = ctypes.CDLL(None)
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, threshold))
    except (OSError, AttributeError):
        return False


@lru_cache(maxsize=1)
def common_passwords():
    with COMMON_PASSWORDS_FILE.open(encoding="utf-8") as lines:
        return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


def password_problems(password, email=""):
    """Translated reasons why `password` is refused; empty when it is acceptable."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    problems = []
    if len(password) < minimum:
        problems.append(_("Use at least %(count)d characters.", count=minimum))
    if password.casefold() in common_passwords():
        problems.append(_("This password is too common; choose another."))
    if email and password.casefold() in {email.casefold(), email.split("@")[0].casefold()}:
        problems.append(_("The password must not be your e-mail address."))
    return problems
