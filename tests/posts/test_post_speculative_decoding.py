"""Tests for the code of the post "投机解码（Speculative Decoding）"."""

import numpy as np
import pytest
from postcode import load_broken_post_code, load_post_code

SLUG = "speculative-decoding"


@pytest.fixture(scope="module")
def ns():
    return load_post_code(SLUG)


def tv(a, b):
    return 0.5 * float(np.abs(np.asarray(a) - np.asarray(b)).sum())


def single_step_tv(ns, seed=0, n=200_000):
    """TV distance between the single-step sampler's empirical distribution and q."""
    rng = np.random.default_rng(seed)
    V = 8
    q = rng.dirichlet(np.ones(V))
    p = rng.dirichlet(np.ones(V))
    samples = ns["speculative_sample"](p, q, n, rng)
    freq = np.bincount(samples, minlength=V) / n
    return tv(freq, q), tv(p, q)


def test_single_step_matches_target(ns):
    for seed in range(3):
        d, d_pq = single_step_tv(ns, seed)
        assert d_pq > 0.2  # the draft really differs from the target
        assert d < 0.01


def test_single_step_greedy_case(ns):
    # one-hot distributions: the output is always the target's token
    rng = np.random.default_rng(5)
    p = np.array([0.0, 1.0, 0.0, 0.0])
    q = np.array([0.0, 0.0, 0.0, 1.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        out = ns["speculative_sample"](p, q, 1000, rng)
    assert np.all(out == 3)


def test_markov_pair_has_constant_acceptance(ns):
    P, Q = ns["make_markov_pair"](8, 0.25)
    assert np.allclose(P.sum(axis=1), 1) and np.all(P >= 0)
    beta = np.minimum(P, Q).sum(axis=1)
    assert np.allclose(beta, 0.75)


def test_first_tokens_match_target(ns):
    V, gamma = 8, 4
    P, Q = ns["make_markov_pair"](V, 0.25)
    rng = np.random.default_rng(11)
    B = 200_000
    start = np.full(B, 3, dtype=np.int64)
    out, k = ns["speculative_step"](start, P, Q, gamma, rng)
    assert np.all((k >= 1) & (k <= gamma + 1))
    first = np.bincount(out[:, 0], minlength=V) / B
    assert tv(first, Q[3]) < 0.01
    # joint distribution of the first two generated tokens (two target calls make
    # at least two tokens): should be q(x1 | 3) * q(x2 | x1)
    buf, n = ns["generate"](P, Q, start[:50_000], 2, gamma, rng)
    assert np.all(n >= 2)
    pair = np.zeros((V, V))
    np.add.at(pair, (buf[:, 0], buf[:, 1]), 1)
    pair /= pair.sum()
    expected = Q[3][:, None] * Q
    assert tv(pair, expected) < 0.03


def test_bigram_frequencies_match_target(ns):
    V, gamma = 8, 4
    P, Q = ns["make_markov_pair"](V, 0.25)
    rng = np.random.default_rng(2)
    start = np.zeros(3000, dtype=np.int64)
    buf, n = ns["generate"](P, Q, start, 40, gamma, rng)
    freq = ns["bigram_freq"](start, buf, n, V)
    row_tv = 0.5 * np.abs(freq - Q).sum(axis=1)
    assert row_tv.max() < 0.02
    # the draft's own transition matrix is far from what was generated
    assert (0.5 * np.abs(freq - P).sum(axis=1)).min() > 0.2


@pytest.mark.parametrize("eps,gamma", [(0.25, 4), (0.1, 3), (0.4, 6)])
def test_tokens_per_call_matches_formula(ns, eps, gamma):
    P, Q = ns["make_markov_pair"](8, eps, seed=1)
    rng = np.random.default_rng(3)
    steps = 40
    start = np.zeros(5000, dtype=np.int64)
    _, n = ns["generate"](P, Q, start, steps, gamma, rng)
    measured = n.mean() / steps
    formula = ns["expected_tokens"](1 - eps, gamma)
    assert abs(measured - formula) < 0.02


def test_formulas(ns):
    E, S = ns["expected_tokens"], ns["speedup"]
    # direct sum of the geometric series
    for alpha in (0.3, 0.6, 0.9):
        for gamma in range(0, 9):
            assert E(alpha, gamma) == pytest.approx(sum(alpha**i for i in range(gamma + 1)))
    assert S(0.8, 8, 0.05) == pytest.approx(4.33 / 1.4, abs=0.01)
    assert S(0.6, 4, 0.05) == pytest.approx(1.92, abs=0.01)
    # gamma = 1 gives (1 + alpha) / (1 + c)
    assert S(0.7, 1, 0.1) == pytest.approx(1.7 / 1.1)


def test_broken_ratio_fails():
    good = "np.minimum(1.0, q[x] / p[x])"
    broken_ns = load_broken_post_code(SLUG, good, "np.minimum(1.0, p[x] / q[x])")
    d, _ = single_step_tv(broken_ns, 0)
    assert d > 0.05

    good_step = "np.minimum(1.0, qx / px)"
    broken_ns = load_broken_post_code(SLUG, good_step, "np.minimum(1.0, px / qx)")
    V = 8
    P, Q = broken_ns["make_markov_pair"](V, 0.25)
    rng = np.random.default_rng(2)
    start = np.zeros(3000, dtype=np.int64)
    buf, n = broken_ns["generate"](P, Q, start, 40, 4, rng)
    freq = broken_ns["bigram_freq"](start, buf, n, V)
    assert (0.5 * np.abs(freq - Q).sum(axis=1)).max() > 0.02


def test_broken_residual_fails():
    # resampling from q instead of the residual double-counts the overlap
    good = "    resid = np.maximum(q - p, 0.0)"
    broken_ns = load_broken_post_code(SLUG, good, "    resid = q.copy()")
    d, _ = single_step_tv(broken_ns, 0)
    assert d > 0.05
