"""Tests for the code in content/posts/lc1-two-sum."""

import random

import pytest
from postcode import load_broken_post_code, load_post_code

SLUG = "lc1-two-sum"


def solution_pairs(nums, target):
    return [
        (i, j)
        for i in range(len(nums))
        for j in range(i + 1, len(nums))
        if nums[i] + nums[j] == target
    ]


def random_cases(seed, count=300):
    """Random (nums, target, pair) with exactly one pair of indices summing to target."""
    rng = random.Random(seed)
    made = 0
    while made < count:
        n = rng.randint(2, 14)
        bound = rng.choice([5, 50, 10**9])
        nums = [rng.randint(-bound, bound) for _ in range(n)]
        i, j = sorted(rng.sample(range(n), 2))
        target = nums[i] + nums[j]
        if abs(target) > 10**9:
            continue
        pairs = solution_pairs(nums, target)
        if pairs == [(i, j)]:
            made += 1
            yield nums, target, (i, j)


def check(ns):
    # The problem's examples are a doctest in the post, run when the site is built.
    sol = ns["Solution"]()
    for nums, target, pair in random_cases(0):
        ans = sol.twoSum(list(nums), target)
        assert len(ans) == 2, (nums, target, ans)
        a, b = ans
        assert a != b and 0 <= a < len(nums) and 0 <= b < len(nums), (nums, target, ans)
        assert nums[a] + nums[b] == target, (nums, target, ans)
        assert tuple(sorted(ans)) == pair


def test_random_cases():
    check(load_post_code(SLUG))


def test_duplicate_values_in_answer():
    sol = load_post_code(SLUG)["Solution"]()
    assert sorted(sol.twoSum([1, 5, 8, 5], 10)) == [1, 3]
    assert sorted(sol.twoSum([0, 4, 3, 0], 0)) == [0, 3]


def test_broken_solution_fails():
    old = "            j = seen.get(target - x)\n"
    # Store before looking up: an element may pair with itself.
    ns = load_broken_post_code(SLUG, old, "            seen[x] = i\n" + old)
    with pytest.raises(AssertionError):
        check(ns)
