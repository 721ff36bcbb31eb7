"""Tests for the code in content/posts/lc3-longest-substring-without-repeating-characters."""

import random

import pytest
from postcode import load_broken_post_code, load_post_code, post_path

SLUG = "lc3-longest-substring-without-repeating-characters"


def brute_force(s):
    best = 0
    for i in range(len(s)):
        for j in range(i + 1, len(s) + 1):
            if len(set(s[i:j])) == j - i:
                best = max(best, j - i)
    return best


def random_cases(seed, count=400):
    rng = random.Random(seed)
    for _ in range(count):
        alphabet = rng.choice(["ab", "abc", "ab c!", "abcdefgh12 "])
        yield "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))


def check(ns):
    # The problem's examples and "abba" are a doctest in the post, run when the site builds.
    sol = ns["Solution"]()
    assert sol.lengthOfLongestSubstring("") == 0
    assert sol.lengthOfLongestSubstring(" ") == 1
    for s in random_cases(0):
        assert sol.lengthOfLongestSubstring(s) == brute_force(s), s


def test_edges_and_random():
    check(load_post_code(SLUG))


def test_post_brute_force_agrees():
    ns = load_post_code(SLUG)
    for s in random_cases(1, 150):
        assert ns["longest_brute"](s) == brute_force(s)


def test_broken_solution_fails():
    old = "            if last.get(c, -1) >= left:   # c 在当前窗口内出现过\n"
    assert post_path(SLUG).read_text(encoding="utf-8").count(old) == 1
    # The post's own comparison with brute force may already fail while loading.
    with pytest.raises(AssertionError):
        check(load_broken_post_code(SLUG, old, "            if c in last:\n"))
