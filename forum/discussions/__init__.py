"""Weekly discussions: one topic run in several language rooms at once, with times, summaries and experts."""
