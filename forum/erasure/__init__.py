"""Deletion requests: members ask for a post, a thread or their account to be erased; the chief moderator decides."""
