"""Tests for the code in content/posts/rope/index.md."""

import numpy as np
import pytest
from postcode import load_broken_post_code, load_post_code

SLUG = "rope"


@pytest.fixture(scope="module")
def ns():
    return load_post_code(SLUG)


def test_freqs(ns):
    theta = ns["rope_freqs"](8)
    assert np.allclose(theta, [1.0, 10000**-0.25, 10000**-0.5, 10000**-0.75])


def test_rotation_matrix_is_orthogonal_and_composes(ns):
    d = 16
    R = ns["rotation_matrix"]
    for m, n in [(0, 0), (3, 7), (100, 42), (2.5, -1)]:
        Rm, Rn = R(m, d), R(n, d)
        assert np.allclose(Rm.T @ Rm, np.eye(d))
        assert np.allclose(Rm.T @ Rn, R(n - m, d))
    assert np.allclose(R(0, d), np.eye(d))


@pytest.mark.parametrize("d", [2, 8, 64])
def test_matrix_and_elementwise_forms_agree(ns, d):
    rng = np.random.default_rng(d)
    x = rng.standard_normal((10, d))
    pos = rng.integers(0, 5000, size=10)
    ref = ns["apply_rope_matrix"](x, pos)
    assert np.allclose(ns["apply_rope_interleaved"](x, pos), ref)
    assert np.allclose(ns["apply_rope_complex"](x, pos), ref)
    # batched (heads, seq, d) input broadcasts over the leading axis
    xb = rng.standard_normal((3, 10, d))
    out = ns["apply_rope_interleaved"](xb, pos)
    for h in range(3):
        assert np.allclose(out[h], ns["apply_rope_matrix"](xb[h], pos))


def test_rotate_half_is_a_permutation_of_interleaved(ns):
    d = 32
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, d))
    pos = np.arange(6) * 11
    P = ns["interleave_perm"](d)
    assert sorted(P.tolist()) == list(range(d))
    inv = np.argsort(P)
    half = ns["apply_rope_half"](x, pos)
    assert np.allclose(half, ns["apply_rope_interleaved"](x[:, P], pos)[:, inv])
    # ...but the two conventions are not interchangeable on the same weights
    assert not np.allclose(half, ns["apply_rope_interleaved"](x, pos))


@pytest.mark.parametrize(
    "impl", ["apply_rope_matrix", "apply_rope_interleaved", "apply_rope_half", "apply_rope_complex"]
)
def test_score_depends_only_on_relative_position(ns, impl):
    rope = ns[impl]
    rng = np.random.default_rng(2)
    d = 32
    for _ in range(5):
        q, k = rng.standard_normal((2, d))
        for delta in (-50, -1, 0, 1, 3, 64, 999):
            scores = []
            for n in (0, 1, 17, 256, 3000):
                m = n + delta
                scores.append(rope(q[None], [m])[0] @ rope(k[None], [n])[0])
            assert np.allclose(scores, scores[0], atol=1e-9)
        # and it does depend on the offset (the check is not vacuous)
        s0 = rope(q[None], [5])[0] @ rope(k[None], [5])[0]
        s1 = rope(q[None], [6])[0] @ rope(k[None], [5])[0]
        assert not np.isclose(s0, s1)


def test_norms_preserved(ns):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((20, 48))
    pos = rng.integers(0, 100000, size=20)
    for impl in (
        "apply_rope_matrix",
        "apply_rope_interleaved",
        "apply_rope_half",
        "apply_rope_complex",
    ):
        y = ns[impl](x, pos)
        assert np.allclose(np.linalg.norm(y, axis=-1), np.linalg.norm(x, axis=-1))


def test_post_check_function_runs(ns):
    ns["check_rope"]()
    ns["check_rope"](d=8, seq=5, seed=4)


def test_long_range_decay_trend(ns):
    bound = ns["relative_decay_bound"]
    assert bound(0) == pytest.approx(32.5)  # (1 + 2 + ... + 64) / 64
    near = np.mean([bound(t) for t in range(0, 10)])
    mid = np.mean([bound(t) for t in range(100, 200)])
    far = np.mean([bound(t) for t in range(1000, 2000, 10)])
    assert near > mid > far


def test_decay_bound_really_bounds_the_score(ns):
    """|score| <= max|h_{i+1}-h_i| * sum_j |S_j| for random q, k."""
    rng = np.random.default_rng(5)
    d = 16
    theta = ns["rope_freqs"](d)
    for _ in range(20):
        q, k = rng.standard_normal((2, d))
        h = (q[0::2] + 1j * q[1::2]) * np.conj(k[0::2] + 1j * k[1::2])
        hd = np.abs(np.diff(np.append(h, 0))).max()
        for delta in (0, 1, 10, 300):
            score = ns["apply_rope_interleaved"](q[None], [delta])[0] @ k
            assert abs(score) <= hd * ns["relative_decay_bound"](delta, d) * (d // 2) + 1e-9
            S = np.cumsum(np.exp(1j * delta * theta))
            assert np.isclose(ns["relative_decay_bound"](delta, d), np.abs(S).mean())


def test_context_extension(ns):
    d, s, L = 128, 8.0, 4096
    theta = ns["rope_freqs"](d)
    ntk = ns["rope_freqs"](d, ns["ntk_scaled_base"](10000.0, d, s))
    assert np.isclose(ntk[0], theta[0])
    assert np.isclose(ntk[-1], theta[-1] / s)
    assert np.all(np.diff(theta / ntk) > 0)  # scaling grows smoothly toward low frequencies

    yarn = ns["yarn_freqs"](d, s, L)
    wavelength = 2 * np.pi / theta
    hi = L / wavelength > 32
    lo = L / wavelength < 1
    assert hi.any() and lo.any()
    assert np.allclose(yarn[hi], theta[hi])
    assert np.allclose(yarn[lo], theta[lo] / s)
    assert np.all((yarn <= theta + 1e-15) & (yarn >= theta / s - 1e-15))
    assert ns["yarn_attention_factor"](1.0) == 1.0
    assert ns["yarn_attention_factor"](s) == pytest.approx(0.1 * np.log(8) + 1)

    # position interpolation == dividing all frequencies by s
    rng = np.random.default_rng(6)
    x = rng.standard_normal((4, d))
    pos = np.array([0, 5000, 20000, 32767])
    rope = ns["apply_rope_interleaved"]
    assert np.allclose(rope(x, pos / s), rope(x, pos, theta=theta / s))
    # the relative property survives any frequency table
    q, k = rng.standard_normal((2, d))
    for table in (ntk, yarn):
        a = rope(q[None], [10000], table)[0] @ rope(k[None], [9000], table)[0]
        b = rope(q[None], [31000], table)[0] @ rope(k[None], [30000], table)[0]
        assert np.isclose(a, b)


def test_a_broken_post_fails():
    """The post calls check_rope() itself, so a broken copy already fails to load."""
    needle = "    rot[..., 0::2] = -x[..., 1::2]"
    with pytest.raises(AssertionError) as caught:
        ns = load_broken_post_code(SLUG, needle, "    rot[..., 0::2] = x[..., 1::2]")
        ns["check_rope"]()
    assert "exactly once" not in str(caught.value)
