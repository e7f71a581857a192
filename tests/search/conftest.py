"""Helpers for the search tests: who finds what, by unique marker words."""

import pytest

from forum.search import service


@pytest.fixture
def found_posts():
    """found_posts(user, query) → ids of the posts found (all pages)."""

    def search(user, query, **filters):
        ids = set()
        for page in range(1, 50):
            results = service.search(query, user=user, filters=service.Filters(**filters), page=page)
            ids |= {hit.post_id for hit in results.hits if hit.post_id is not None}
            if page >= results.pages:
                return ids
        return ids

    return search
