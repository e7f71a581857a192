"""Password hashing (argon2id) and the password rules.

Each argon2id hash or verification takes ARGON2_MEMORY_COST KiB (19 MiB by
default, OWASP's profile) for a few tens of milliseconds. So that a wave of
sign-ins cannot add that much memory per concurrent login to a worker, hashing is queued: at most
ARGON2_CONCURRENCY (default 1) run at once in a process, the others wait
their turn (`_hashing_slot`). With gunicorn's sync workers that is already
one per worker; with threaded workers it caps each worker at one hash's
memory. That memory is kept for the next hash while sign-ins come, and given
back to the system once none came for ARGON2_KEEP_MEMORY_SECONDS (`HashMemory`).
A hash stored under other parameters still verifies, and is replaced
at its owner's next sign-in.
"""

import ctypes
import os
import threading
import time
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


@contextmanager
def _hashing():
    """A hashing slot (`_hashing_slot`), and the hash's memory kept for a while when it is done (`HashMemory`)."""
    try:
        with _hashing_slot():
            yield
    finally:
        hash_memory.used(current_app.config.get("ARGON2_KEEP_MEMORY_SECONDS", 10))


def hash_password(password):
    with _hashing():
        return _hasher().hash(password)


def verify_password(password_hash, password):
    """(matches, new_hash_or_None): a new hash is returned when the parameters changed."""
    if not password_hash:
        return False, None
    hasher = _hasher()
    with _hashing():
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
    """Hash the dummy password at start-up, so the first unknown-address login costs no more than any other; then
    give its memory back, so that gunicorn's master (which runs this before forking) hands none of it to a worker.

    Every thread's hashes take their memory from one heap (`_one_heap`), the one `give_back_free_memory` returns.
    That holds only if no thread has allocated memory yet: `create_app` calls this first.
    """
    _one_heap()
    with app.app_context():
        _dummy_hash()
    give_back_free_memory()


# glibc's mallopt option: how many heaps ("arenas") its threads' allocations may spread over.
_M_ARENA_MAX = -8


def _glibc(function, *arguments):
    """glibc's `function` called with `arguments`, as a truth value; False where the C library has no such function."""
    try:
        return bool(getattr(ctypes.CDLL(None), function)(*arguments))
    except (OSError, AttributeError):
        return False


def _one_heap():
    """All threads allocate from the process's main heap (glibc; elsewhere nothing).

    By default glibc gives threads heaps of their own, and `malloc_trim` does not return the free memory at the top
    of those: a threaded server (`flask run`, threaded gunicorn workers) would keep a hash's 19 MiB for good in each
    thread that had hashed. Python's allocations are serialised by its own lock anyway, so one heap costs nothing.
    """
    return _glibc("mallopt", _M_ARENA_MAX, 1)


def give_back_free_memory():
    """Return the heap's free memory to the system (glibc's `malloc_trim`; elsewhere nothing). True if any was."""
    return _glibc("malloc_trim", 0)


class HashMemory:
    """When a process gives its hashes' memory back to the system: once no hash has ended for a while.

    A hash's 19 MiB come from the heap, and glibc keeps them there when it is done, so that the next hash
    reuses them. Giving them back after every hash (as a mapping of its own, unmapped when freed) made each hash
    touch its 19 MiB anew: about 4,900 page faults, 36 ms of CPU per verification instead of 20, most of a
    sign-in's time (bench/monday.py). Kept for good, they added 19 MiB to every worker at rest. So they stay
    while sign-ins come (a Monday morning's wave), and go back `keep` seconds after the last hash ended, given
    back by a thread of the process's own that sleeps until then (`give_back_free_memory`); with `keep` 0, at
    the end of every hash.
    """

    def __init__(self, release=give_back_free_memory, clock=time.monotonic):
        self._release = release
        self._clock = clock
        self._reset()

    def _reset(self):
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._due = None  # when the memory goes back; None when none is held
        self._thread = None

    def after_fork(self):
        """In a forked process, which inherits neither the thread nor a usable lock: it starts its own thread on its
        first hash, and gives back at once what its parent still held."""
        held = self._due is not None
        self._reset()
        if held:
            self._release()

    def used(self, keep):
        """A hash has just ended: its memory goes back `keep` seconds from now, unless another hash ends first."""
        with self._lock:
            self._due = self._clock() + max(keep, 0)
            if keep > 0 and self._thread is None:
                self._thread = threading.Thread(target=self._run, name="hash-memory", daemon=True)
                self._thread.start()
        if keep > 0:
            self._wake.set()
        else:
            self.release_when_due()

    def release_when_due(self):
        """Give the memory back if it is due; else the seconds until it is (None when none is held)."""
        with self._lock:
            if self._due is None:
                return None
            wait = self._due - self._clock()
            if wait > 0:
                return wait
            self._due = None
        self._release()
        return None

    def _run(self):
        while True:
            self._wake.wait()
            self._wake.clear()
            # A hash ending meanwhile only moves the time: it is read again after each sleep.
            while (wait := self.release_when_due()) is not None:
                time.sleep(wait)


hash_memory = HashMemory()
os.register_at_fork(after_in_child=lambda: hash_memory.after_fork())


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
