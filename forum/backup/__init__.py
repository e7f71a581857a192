"""Backups of the whole database that can be proven equal after a restore (issue #15).

A backup is a directory holding the database copy (`database.sqlite3`, made with SQLite's online
backup API, or `database.dump`, pg_dump's custom format taken from an exported snapshot) and
`manifest.json`: the schema revision, the forum version, when it was taken, the dump file's SHA-256,
and for every table its row count and a content hash computed from the same snapshot. Restoring
checks the file hash before touching anything, then recomputes every table and compares.
"""
