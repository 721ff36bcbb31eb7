"""Tests for the code in content/posts/lc76-minimum-window-substring."""

import random
from collections import Counter

import pytest
from postcode import load_broken_post_code, load_post_code, post_path

SLUG = "lc76-minimum-window-substring"


def covers(window, t):
    have = Counter(window)
    return all(have[c] >= k for c, k in Counter(t).items())


def brute_min_length(s, t):
    """Length of the shortest substring of s covering t, or None if none exists."""
    best = None
    for i in range(len(s)):
        for j in range(i + 1, len(s) + 1):
            if (best is None or j - i < best) and covers(s[i:j], t):
                best = j - i
    return best


def random_cases(seed, count=400):
    rng = random.Random(seed)
    for _ in range(count):
        alphabet = rng.choice(["ab", "abC", "aAbBc"])
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 14)))
        t = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 5)))
        yield s, t


def check(ns):
    # The problem's examples are a doctest in the post, run when the site builds.
    sol = ns["Solution"]()
    assert sol.minWindow("aA", "A") == "A"  # case-sensitive
    for s, t in random_cases(0):
        ans = sol.minWindow(s, t)
        expected = brute_min_length(s, t)
        if expected is None:
            assert ans == "", (s, t, ans)
        else:
            assert ans in s and covers(ans, t), (s, t, ans)
            assert len(ans) == expected, (s, t, ans)


def test_edges_and_random():
    check(load_post_code(SLUG))


def test_post_helpers_agree_with_brute_force():
    ns = load_post_code(SLUG)
    for s, t in random_cases(1, 150):
        assert ns["min_window_length_brute"](s, t) == (brute_min_length(s, t) or 0)


def test_large_input_is_fast():
    ns = load_post_code(SLUG)
    rng = random.Random(2)
    s = "".join(rng.choice("abcdefghij") for _ in range(10**5)) + "XYZ"
    assert ns["Solution"]().minWindow(s, "ZYX") == "XYZ"


def test_broken_solution_fails():
    old = "            while missing == 0:  # 窗口覆盖 t：记录并尝试收缩\n"
    new = "            if missing == 0:  # 只收缩一步\n"
    assert post_path(SLUG).read_text(encoding="utf-8").count(old) == 1
    # The post's own comparison with brute force may already fail while loading.
    with pytest.raises(AssertionError):
        check(load_broken_post_code(SLUG, old, new))
