"""The dilated convolution post: its NumPy code against plain loops and dense convolutions."""

import itertools

import numpy as np
import pytest
from postcode import load_broken_post_code, load_post_code

SLUG = "dilated-convolution"


@pytest.fixture(scope="module")
def ns():
    return load_post_code(SLUG)


def loop_conv1d(x, w, r):
    k = len(w)
    return np.array(
        [sum(x[i + r * j] * w[j] for j in range(k)) for i in range(len(x) - r * (k - 1))]
    )


def loop_conv2d(x, w, rh, rw):
    c_out, c_in, kh, kw = w.shape
    h_out, w_out = x.shape[1] - rh * (kh - 1), x.shape[2] - rw * (kw - 1)
    y = np.zeros((c_out, h_out, w_out))
    for o in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for c in range(c_in):
                    for a in range(kh):
                        for b in range(kw):
                            total += x[c, i + rh * a, j + rw * b] * w[o, c, a, b]
                y[o, i, j] = total
    return y


def dense_conv2d(x, w):
    """Plain (rate 1) valid cross-correlation via sliding windows, independent of the post."""
    kh, kw = w.shape[-2:]
    win = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))  # (C, H', W', kh, kw)
    return np.einsum("chwab,ocab->ohw", win, w)


def zero_insert(w, rh, rw):
    c_out, c_in, kh, kw = w.shape
    big = np.zeros((c_out, c_in, rh * (kh - 1) + 1, rw * (kw - 1) + 1))
    big[:, :, ::rh, ::rw] = w
    return big


def test_conv1d_matches_loop_and_zero_inserted_kernel(ns):
    rng = np.random.default_rng(1)
    for _ in range(200):
        k = int(rng.integers(1, 6))
        r = int(rng.integers(1, 6))
        n = r * (k - 1) + 1 + int(rng.integers(0, 20))
        x, w = rng.normal(size=n), rng.normal(size=k)
        y = ns["dilated_conv1d"](x, w, r)
        assert y.shape == (n - r * (k - 1),)
        assert np.allclose(y, loop_conv1d(x, w, r))
        big = np.zeros(r * (k - 1) + 1)
        big[::r] = w
        assert np.allclose(y, np.correlate(x, big, "valid"))
        assert np.allclose(ns["dilate_kernel"](w, r, 1), big)
        assert np.allclose(y, ns["dilated_conv1d_by_phases"](x, w, r))


def test_conv2d_matches_loop_and_dense(ns):
    rng = np.random.default_rng(2)
    for _ in range(25):
        kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        rh, rw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        c_in, c_out = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        h = rh * (kh - 1) + 1 + int(rng.integers(0, 6))
        wd = rw * (kw - 1) + 1 + int(rng.integers(0, 6))
        x = rng.normal(size=(c_in, h, wd))
        w = rng.normal(size=(c_out, c_in, kh, kw))
        y = ns["dilated_conv2d"](x, w, (rh, rw))
        assert np.allclose(y, loop_conv2d(x, w, rh, rw))
        assert np.allclose(y, dense_conv2d(x, zero_insert(w, rh, rw)))
        if rh == rw:
            assert np.allclose(y, ns["dilated_conv2d"](x, w, rh))


def test_effective_kernel_size_and_errors(ns):
    x = np.zeros((1, 9, 9))
    for r in (1, 2, 4):
        w = np.ones((1, 1, 3, 3))
        eff = 3 + 2 * (r - 1)
        assert ns["dilated_conv2d"](x, w, r).shape == (1, 9 - eff + 1, 9 - eff + 1)
    with pytest.raises(ValueError):
        ns["dilated_conv2d"](x, np.ones((1, 1, 3, 3)), 5)  # 11x11 effective kernel on 9x9 input
    with pytest.raises(ValueError):
        ns["dilated_conv1d"](np.zeros(4), np.ones(3), 2)


def test_causal_conv_only_looks_back(ns):
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=30), rng.normal(size=2)
    for r in (1, 2, 4):
        y = ns["causal_dilated_conv1d"](x, w, r)
        assert y.shape == x.shape
        for t in range(30):
            expect = sum(w[j] * x[t - r * (1 - j)] for j in range(2) if t - r * (1 - j) >= 0)
            assert np.isclose(y[t], expect)
        x2 = x.copy()
        x2[20:] += 100.0  # changing the future must not change the past
        assert np.allclose(ns["causal_dilated_conv1d"](x2, w, r)[:20], y[:20])


def test_receptive_field_and_gridding(ns):
    rf = ns["receptive_field"]
    assert [rf([3] * L, [1] * L) for L in range(1, 7)] == [3, 5, 7, 9, 11, 13]
    assert [rf([3] * L, [1, 2, 5, 1, 2, 5][:L]) for L in range(1, 7)] == [3, 7, 17, 19, 23, 33]
    assert [rf([3] * L, [2] * L) for L in range(1, 7)] == [5, 9, 13, 17, 21, 25]
    assert ns["covered_offsets"]([2, 2, 2]) == list(range(-6, 7, 2))
    assert ns["covered_offsets"]([1, 2, 5]) == list(range(-8, 9))
    assert ns["has_gridding"]([2, 4, 8]) and ns["has_gridding"]([1, 2, 9])
    assert not ns["has_gridding"]([1, 2, 4, 8])


def test_receptive_field_matches_impulse_response(ns):
    """Stack real dilated convolutions and see which inputs influence the centre output."""
    rng = np.random.default_rng(4)
    for rates in ([2, 2, 2], [1, 2, 5], [1, 2, 9], [1, 3, 4]):
        span = ns["receptive_field"]([3] * len(rates), rates)
        n = span
        influence = np.zeros(n)
        for pos in range(n):
            x = np.zeros(n)
            x[pos] = 1.0
            y = x
            for r in rates:
                y = ns["dilated_conv1d"](y, rng.uniform(1, 2, size=3), r)
            assert y.shape == (1,)
            influence[pos] = y[0]
        used = [pos - n // 2 for pos in range(n) if influence[pos] != 0]
        assert used == ns["covered_offsets"](rates)


def test_hdc_condition_agrees_with_coverage_for_rising_rates(ns):
    for length in (2, 3, 4):
        for rest in itertools.product(range(1, 10), repeat=length - 1):
            rates = [1, *rest]
            if any(a > b for a, b in itertools.pairwise(rates)):
                continue
            assert ns["hdc_condition"](rates) == (not ns["has_gridding"](rates)), rates


def test_broken_post_fails():
    old = "y += w[j] * x[j * rate : j * rate + n_out]"
    with pytest.raises(AssertionError) as caught:
        load_broken_post_code(SLUG, old, "y += w[j] * x[j : j + n_out]")
    assert "exactly once" not in str(caught.value)  # the broken code failed, not a stale `old`
