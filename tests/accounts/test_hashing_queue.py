"""Password hashing is queued per process (issue #18): concurrent logins never hold two argon2 buffers at once."""

import threading
import time

import pytest

from forum.accounts import passwords


class _Recorder:
    """A stand-in hasher that records how many hashes overlap."""

    def __init__(self):
        self.active = 0
        self.most = 0
        self.lock = threading.Lock()

    def _work(self):
        with self.lock:
            self.active += 1
            self.most = max(self.most, self.active)
        time.sleep(0.02)  # long enough for the other threads to arrive; not an assertion on time
        with self.lock:
            self.active -= 1

    def hash(self, password):
        self._work()
        return "$argon2id$fake"

    def verify(self, stored, password):
        self._work()
        return True

    def check_needs_rehash(self, stored):
        return False


def _run_together(app, act, count=4):
    barrier = threading.Barrier(count)

    def run():
        with app.app_context():
            barrier.wait(timeout=10)
            act()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)


def test_hashes_and_verifications_run_one_at_a_time_per_process(app, monkeypatch):
    recorder = _Recorder()
    monkeypatch.setattr(passwords, "_hasher", lambda: recorder)
    _run_together(app, lambda: passwords.hash_password("a long enough passphrase"))
    _run_together(app, lambda: passwords.verify_password("$argon2id$stored", "a long enough passphrase"))
    assert recorder.most == 1


def test_a_larger_allowance_lets_that_many_run(app, monkeypatch):
    recorder = _Recorder()
    monkeypatch.setattr(passwords, "_hasher", lambda: recorder)
    app.config["ARGON2_CONCURRENCY"] = 2
    _run_together(app, lambda: passwords.hash_password("a long enough passphrase"))
    assert 1 <= recorder.most <= 2


def test_hashes_made_before_the_queue_still_verify(app):
    from argon2 import PasswordHasher

    config = app.config
    old = PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    ).hash("an existing delegate's passphrase")
    assert passwords.verify_password(old, "an existing delegate's passphrase") == (True, None)
    assert passwords.verify_password(old, "not the passphrase") == (False, None)


def test_production_hashes_with_owasps_profile_and_upgrades_older_hashes(app):
    """OWASP's argon2id profile (19 MiB, 2 passes, 1 lane) by default; a hash under the former default
    (argon2-cffi's 64 MiB, 3 passes, 4 lanes) still verifies and is replaced at the next sign-in."""
    from argon2 import PasswordHasher, extract_parameters

    from config import ProductionConfig

    assert (ProductionConfig.ARGON2_MEMORY_COST, ProductionConfig.ARGON2_TIME_COST) == (19456, 2)
    assert ProductionConfig.ARGON2_PARALLELISM == 1
    for name in ("ARGON2_TIME_COST", "ARGON2_MEMORY_COST", "ARGON2_PARALLELISM"):
        app.config[name] = getattr(ProductionConfig, name)
    former = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash("an existing delegate's passphrase")
    matches, new_hash = passwords.verify_password(former, "an existing delegate's passphrase")
    assert matches and new_hash is not None
    upgraded = extract_parameters(new_hash)
    assert (upgraded.memory_cost, upgraded.time_cost, upgraded.parallelism) == (19456, 2, 1)
    assert passwords.verify_password(new_hash, "an existing delegate's passphrase") == (True, None)
    assert passwords.verify_password(former, "not the passphrase") == (False, None)


# In a process of its own, an app whose hashes take 19 MiB: what a verification costs in memory and page faults
# when the last hash's memory is kept, and once it was given back; on the main thread and on another, as a threaded
# server hashes. Page faults are counted by the kernel: the same on every run, unlike times.
MEMORY_AND_FAULTS = r"""
import re, resource, threading
from forum import create_app
from forum.accounts import passwords

def resident_mib():
    return int(re.search(r"VmRSS:\s+(\d+)", open("/proc/self/status").read()).group(1)) / 1024

def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

app = create_app("test")
app.config.update(ARGON2_MEMORY_COST=19456, ARGON2_KEEP_MEMORY_SECONDS=3600)
with app.app_context():
    stored = passwords.hash_password("a long enough passphrase")

def verify():
    with app.app_context():
        assert passwords.verify_password(stored, "a long enough passphrase") == (True, None)

def on_a_thread():
    thread = threading.Thread(target=verify)
    thread.start()
    thread.join()

passwords.give_back_free_memory()
before = resident_mib()
on_a_thread()
start = faults()
verify()
on_a_thread()
kept_faults = (faults() - start) / 2
kept = resident_mib() - before
passwords.give_back_free_memory()
returned = resident_mib() - before
start = faults()
verify()
print(kept, kept_faults, returned, faults() - start)
"""


def test_a_hash_reuses_the_last_ones_memory_until_it_is_given_back():
    """Between two hashes the 19 MiB stay in the worker, whichever thread hashes, so the next hash does not touch them
    anew (about 4,900 page faults, which made a sign-in's hash 36 ms of CPU instead of 20); once given back, the
    worker holds none of it, and the next hash pays those faults again."""
    import ctypes
    import subprocess
    import sys
    from pathlib import Path

    if not Path("/proc/self/status").exists() or not hasattr(ctypes.CDLL(None), "malloc_trim"):
        pytest.skip("needs Linux's /proc and glibc's malloc_trim")
    done = subprocess.run([sys.executable, "-c", MEMORY_AND_FAULTS], capture_output=True, text=True, check=True)
    kept, kept_faults, returned, faults_after_giving_back = (float(value) for value in done.stdout.split()[-4:])
    assert kept > 15
    assert kept_faults < 1000
    assert returned < 4
    assert faults_after_giving_back > 4000


class _Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_the_memory_goes_back_once_no_hash_ended_for_the_time_kept():
    clock, released = _Clock(), []
    memory = passwords.HashMemory(release=lambda: released.append(clock.now), clock=clock)
    assert memory.release_when_due() is None  # nothing held yet
    memory._due = clock.now + 10  # as `used(10)` leaves it, without starting the thread
    clock.now += 9
    assert memory.release_when_due() == pytest.approx(1)
    assert released == []
    clock.now += 1
    assert memory.release_when_due() is None
    assert released == [110.0]
    clock.now += 5
    assert memory.release_when_due() is None  # given back once, not on every look
    assert released == [110.0]


def test_a_hash_ending_meanwhile_moves_the_time_it_goes_back(monkeypatch):
    clock, released = _Clock(), []
    memory = passwords.HashMemory(release=lambda: released.append(clock.now), clock=clock)
    monkeypatch.setattr(memory, "_wake", threading.Event())  # set by `used`; no thread reads it here
    monkeypatch.setattr(memory, "_thread", object())  # as if this process's thread were running
    memory.used(10)
    clock.now += 8
    memory.used(10)  # another sign-in
    clock.now += 8
    assert memory.release_when_due() == pytest.approx(2)
    clock.now += 2
    memory.release_when_due()
    assert released == [118.0]


def test_with_nothing_kept_the_memory_goes_back_at_the_end_of_each_hash():
    released = []
    memory = passwords.HashMemory(release=lambda: released.append(True))
    memory.used(0)
    memory.used(0)
    assert released == [True, True]
    assert memory._thread is None


def test_a_process_gives_the_memory_back_by_itself_after_a_sign_in(app, monkeypatch):
    """A hash ends, and the process's own thread gives the memory back when the time kept has passed."""
    given_back = threading.Event()
    memory = passwords.HashMemory(release=given_back.set)
    monkeypatch.setattr(passwords, "hash_memory", memory)
    app.config["ARGON2_KEEP_MEMORY_SECONDS"] = 0.01
    with app.app_context():
        stored = passwords.hash_password("a long enough passphrase")
        assert passwords.verify_password(stored, "a long enough passphrase") == (True, None)
    assert given_back.wait(timeout=30)
    assert memory._thread is not None and memory._thread.daemon
