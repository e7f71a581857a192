"""One-time tokens (activation, reset, guest invitations): only a hash is stored.

A token in a link is a capability; the database keeps its SHA-256, so a copy
of the database cannot be turned into working links.
"""

import hashlib
import secrets


def new_token(nbytes=32):
    """A fresh random token and the hash to store for it."""
    # By default 256 random bits from the OS's generator, URL-safe so the token goes into a link as is.
    raw = secrets.token_urlsafe(nbytes)
    return raw, hash_token(raw)


def hash_token(raw):
    """The stored form of a token."""
    # A fast unsalted hash is enough here, unlike for passwords: a random 256-bit token cannot be
    # guessed from a dictionary, and a lookup by hash needs the same output every time.
    return hashlib.sha256(raw.encode()).hexdigest()
