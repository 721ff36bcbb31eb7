"""The code of the post "300. 最长递增子序列": length of a longest increasing subsequence."""

import itertools
import random

import pytest
from postcode import load_post_code, post_path

SLUG = "lc300-longest-increasing-subsequence"


def exhaustive_lis(nums):
    """Try every subsequence, longest first: exponential, obviously correct."""
    for r in range(len(nums), 0, -1):
        for combo in itertools.combinations(nums, r):
            if all(a < b for a, b in itertools.pairwise(combo)):
                return r
    return 0


def is_subsequence(sub, seq):
    it = iter(seq)
    return all(any(x == y for y in it) for x in sub)


@pytest.fixture(scope="module")
def ns():
    return load_post_code(SLUG)


def solvers(ns):
    return [
        ns["Solution"]().lengthOfLIS,
        ns["length_of_lis_dp"],
        lambda a: len(ns["longest_increasing_subsequence"](a)),
    ]


# The problem's examples are a doctest in the post, run when the site builds.
@pytest.mark.parametrize(
    "nums, expected",
    [
        ([5], 1),
        ([3, 4, 1], 2),
        ([1, 2, 3, 4, 5], 5),
        ([5, 4, 3, 2, 1], 1),
        ([-(10**4), 10**4], 2),
    ],
)
def test_edge_cases(ns, nums, expected):
    assert exhaustive_lis(nums) == expected
    for solve in solvers(ns):
        assert solve(list(nums)) == expected


def test_random_small_arrays_against_exhaustive(ns):
    rng = random.Random(300)
    for _ in range(400):
        n = rng.randint(1, 10)
        spread = rng.choice([2, 5, 20, 10**4])
        nums = [rng.randint(-spread, spread) for _ in range(n)]
        expected = exhaustive_lis(nums)
        for solve in solvers(ns):
            assert solve(list(nums)) == expected, nums


def test_reconstructed_sequence_is_a_strictly_increasing_subsequence(ns):
    rng = random.Random(1)
    build = ns["longest_increasing_subsequence"]
    for _ in range(300):
        nums = [rng.randint(-30, 30) for _ in range(rng.randint(1, 40))]
        seq = build(nums)
        assert all(a < b for a, b in itertools.pairwise(seq))
        assert is_subsequence(seq, nums)
        assert len(seq) == ns["length_of_lis_dp"](nums)


def test_bisect_matches_dp_on_large_inputs(ns):
    rng = random.Random(7)
    nums = [rng.randint(-(10**4), 10**4) for _ in range(2500)]
    fast = ns["Solution"]().lengthOfLIS
    # Full size: the bisect method against the reconstructed sequence.
    seq = ns["longest_increasing_subsequence"](nums)
    assert fast(nums) == len(seq) and is_subsequence(seq, nums)
    # A prefix against the O(n^2) DP, which keeps the test fast.
    assert fast(nums[:700]) == ns["length_of_lis_dp"](nums[:700])
    assert fast(list(range(2500))) == 2500
    assert fast(list(range(2500, 0, -1))) == 1


def test_broken_bisect_is_caught():
    text = post_path(SLUG).read_text(encoding="utf-8")
    line = "            i = bisect_left(tails, x)\n"
    assert text.count(line) == 1
    broken = text.replace(line, "            i = bisect_right(tails, x)\n").replace(
        "from bisect import bisect_left\n", "from bisect import bisect_left, bisect_right\n", 1
    )
    ns = load_post_code(SLUG, text=broken)
    assert ns["Solution"]().lengthOfLIS([7, 7, 7, 7, 7, 7, 7]) != 1
