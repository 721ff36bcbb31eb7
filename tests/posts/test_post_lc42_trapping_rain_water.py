"""The code of the post "42. 接雨水" computes the trapped water correctly."""

import itertools
import random

import pytest
from postcode import load_broken_post_code, load_post_code

SLUG = "lc42-trapping-rain-water"


def brute_force(height):
    """For each column scan both sides directly: O(n^2), obviously correct."""
    total = 0
    for i, h in enumerate(height):
        total += min(max(height[: i + 1]), max(height[i:])) - h
    return total


def by_levels(height):
    """Independent check: count, level by level, the empty cells enclosed on both sides."""
    total = 0
    for level in range(1, max(height, default=0) + 1):
        walls = [i for i, h in enumerate(height) if h >= level]
        for a, b in itertools.pairwise(walls):
            total += b - a - 1
    return total


@pytest.fixture(scope="module")
def ns():
    return load_post_code(SLUG)


def solvers(ns):
    return [ns["Solution"]().trap, ns["trap_prefix_max"]]


# The problem's examples are a doctest in the post, run when the site builds.
@pytest.mark.parametrize(
    "height, expected",
    [
        ([5], 0),
        ([2, 0], 0),
        ([2, 0, 2], 2),
        ([3, 2, 1], 0),
        ([1, 2, 3], 0),
        ([0, 0, 0], 0),
    ],
)
def test_edge_cases(ns, height, expected):
    for solve in solvers(ns):
        assert solve(list(height)) == expected


def test_references_agree():
    rng = random.Random(1)
    for _ in range(200):
        h = [rng.randint(0, 6) for _ in range(rng.randint(1, 15))]
        assert brute_force(h) == by_levels(h)


def test_random_against_brute_force(ns):
    rng = random.Random(42)
    for _ in range(400):
        n = rng.randint(1, 30)
        top = rng.choice([1, 3, 10, 100000])
        h = [rng.randint(0, top) for _ in range(n)]
        expected = brute_force(h)
        for solve in solvers(ns):
            assert solve(list(h)) == expected, h


def test_large_input_is_linear(ns):
    rng = random.Random(7)
    h = [rng.randint(0, 10**5) for _ in range(2 * 10**4)]
    assert ns["Solution"]().trap(h) == ns["trap_prefix_max"](h)
    # A deep valley between two maximal walls: the largest possible answer.
    h = [10**5] + [0] * (2 * 10**4 - 2) + [10**5]
    assert ns["Solution"]().trap(h) == 10**5 * (2 * 10**4 - 2)


def test_broken_two_pointer_is_caught():
    line = "            if left_max < right_max:"
    ns = load_broken_post_code(SLUG, line, "            if left_max > right_max:")
    solve = ns["Solution"]().trap
    assert solve([0, 1, 0, 2, 1, 0, 1, 3, 2, 1, 2, 1]) != 6 or solve([4, 2, 0, 3, 2, 5]) != 9
