"""Full-text search over what a reader may see (posts, thread titles, discussion summaries, topic proposals).

`models.py` holds the searchable copy of each text, `index.py` keeps it in
step with every write, `service.py` parses queries and searches, `views.py`
serves /search. DESIGN notes are in the docstrings of index.py and service.py.
"""
