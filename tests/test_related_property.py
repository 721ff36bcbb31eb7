"""Related posts: the grouped search finds exactly what comparing every pair finds."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from blogsite.assemble import RELATED, related_posts

START = datetime(2024, 1, 1)


def every_pair(posts: list) -> dict[str, tuple[str, ...]]:
    """The definition: rank every other post by shared tags, then date gap, then newer."""
    related = {}
    for post in posts:
        mine = set(post.tags)
        scored = [
            (-len(mine & set(other.tags)), abs(other.date - post.date), -index, other.path)
            for index, other in enumerate(reversed(posts))
            if other is not post and mine & set(other.tags)
        ]
        related[post.path] = tuple(path for *_, path in sorted(scored)[:RELATED])
    return related


posts_strategy = st.lists(
    st.tuples(
        st.lists(st.sampled_from("abcde"), max_size=3, unique=True),
        st.integers(0, 12),  # few distinct days: many ties in date
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(posts_strategy)
def test_related_posts_match_the_definition(spec: list[tuple[list[str], int]]) -> None:
    posts = [
        SimpleNamespace(tags=tuple(tags), date=START + timedelta(days=day), path=f"p{i}/")
        for i, (tags, day) in enumerate(spec)
    ]
    posts.sort(key=lambda p: p.date, reverse=True)  # the site's order: newest first
    assert related_posts(posts) == every_pair(posts)
