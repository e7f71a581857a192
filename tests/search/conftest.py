"""Helpers for the search tests: who finds what, by unique marker words."""

import pytest

from forum.search import service


@pytest.fixture
def finds():
    """finds(user, query, **filters) → the set of result titles+snippets' text, for marker assertions."""

    def search(user, query, page=1, **filters):
        results = service.search(query, user=user, filters=service.Filters(**filters), page=page)
        return {str(hit.entry.body) + " " + str(hit.entry.title) for hit in results.hits}

    return search


@pytest.fixture
def found_posts():
    """found_posts(user, query) → ids of the posts found (all pages)."""

    def search(user, query, **filters):
        ids = set()
        for page in range(1, 50):
            results = service.search(query, user=user, filters=service.Filters(**filters), page=page)
            ids |= {hit.post.id for hit in results.hits if hit.post is not None}
            if page >= results.pages:
                return ids
        return ids

    return search
