"""Tests for the code in content/posts/lc128-longest-consecutive-sequence."""

import random

import pytest
from postcode import load_post_code, post_path

SLUG = "lc128-longest-consecutive-sequence"


def brute_force(nums):
    """Try every start value and walk right by checking membership in the list."""
    best = 0
    for x in nums:
        length = 0
        while x + length in nums:
            length += 1
        best = max(best, length)
    return best


def random_cases(seed, count=400):
    rng = random.Random(seed)
    for _ in range(count):
        n = rng.randint(0, 25)
        span = rng.choice([3, 10, 40, 2 * 10**9])
        lo = rng.choice([-(10**9), -span // 2, 0])
        hi = min(lo + span, 10**9)
        yield [rng.randint(lo, hi) for _ in range(n)]


def check(ns):
    # The problem's examples and [] are a doctest in the post, run when the site is built.
    sol = ns["Solution"]()
    assert sol.longestConsecutive([-(10**9), 10**9]) == 1
    for nums in random_cases(0):
        assert sol.longestConsecutive(list(nums)) == brute_force(nums), nums


def test_extremes_and_random():
    check(load_post_code(SLUG))


def test_reference_in_post_agrees():
    ns = load_post_code(SLUG)
    for nums in random_cases(1, 200):
        assert ns["longest_by_sorting"](nums) == brute_force(nums)


def test_linear_on_long_run():
    # 10^5 consecutive values in descending order: the start-only walk is fast.
    ns = load_post_code(SLUG)
    nums = list(range(10**5, 0, -1))
    assert ns["Solution"]().longestConsecutive(nums) == 10**5


def test_broken_solution_fails():
    text = post_path(SLUG).read_text(encoding="utf-8")
    old = "best = max(best, y - x + 1)"
    assert text.count(old) == 2  # Python and C++ versions
    broken = text.replace(
        "            best = max(best, y - x + 1)\n", "            best = max(best, y - x)\n", 1
    )
    assert broken != text
    with pytest.raises(AssertionError):
        check(load_post_code(SLUG, text=broken))
