"""Password hashing is queued per process (issue #18): concurrent logins never hold two argon2 buffers at once."""

import threading
import time

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
