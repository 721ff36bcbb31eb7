"""Tests for the code in content/posts/flash-attention: tiled attention equals naive attention."""

import numpy as np
import pytest
from postcode import load_broken_post_code, load_post_code

SLUG = "flash-attention"

# (N, d, Br, Bc): block sizes that divide N, that don't, that exceed N, and single rows/columns.
SHAPES = [
    (1, 4, 1, 1),
    (7, 3, 2, 3),
    (16, 8, 4, 4),
    (64, 16, 16, 16),
    (100, 32, 7, 13),
    (130, 8, 64, 17),
    (33, 64, 40, 40),
    (257, 64, 32, 100),
]


@pytest.fixture(scope="module")
def ns():
    return load_post_code(SLUG)


def qkv(rng, N, d, spread=1.0):
    return tuple(rng.standard_normal((N, d)) * spread for _ in range(3))


def direct_attention(Q, K, V, causal=False):
    """Attention written out independently of the post's code."""
    S = Q @ K.T / np.sqrt(Q.shape[1])
    if causal:
        S = np.where(np.triu(np.ones(S.shape, dtype=bool), 1), -np.inf, S)
    shift = S.max(axis=1, keepdims=True)
    E = np.exp(S - shift)
    return (E / E.sum(axis=1, keepdims=True)) @ V, (shift[:, 0] + np.log(E.sum(axis=1)))


def check_forward(ns, seed=0):
    rng = np.random.default_rng(seed)
    for N, d, Br, Bc in SHAPES:
        for spread in (1.0, 4.0):
            Q, K, V = qkv(rng, N, d, spread)
            ref, ref_lse = direct_attention(Q, K, V)
            O1, L1 = ns["flash_attention_forward"](Q, K, V, Br, Bc)
            O2, L2 = ns["flash_attention2_forward"](Q, K, V, Br, Bc)
            assert np.allclose(O1, ref, rtol=1e-10, atol=1e-12), (N, d, Br, Bc)
            assert np.allclose(O2, ref, rtol=1e-10, atol=1e-12), (N, d, Br, Bc)
            assert np.allclose(L1, ref_lse) and np.allclose(L2, ref_lse)


def test_naive_attention_matches_direct(ns):
    rng = np.random.default_rng(1)
    for N, d, _, _ in SHAPES:
        Q, K, V = qkv(rng, N, d)
        assert np.allclose(ns["naive_attention"](Q, K, V), direct_attention(Q, K, V)[0])


def test_tiled_forward_matches_naive(ns):
    check_forward(ns)


def test_inputs_are_not_modified(ns):
    rng = np.random.default_rng(2)
    Q, K, V = qkv(rng, 20, 4)
    copies = [a.copy() for a in (Q, K, V)]
    ns["flash_attention_forward"](Q, K, V, 3, 7)
    ns["flash_attention2_forward"](Q, K, V, 3, 7, causal=True)
    for a, b in zip((Q, K, V), copies, strict=True):
        assert np.array_equal(a, b)


def test_causal_matches_masked_naive(ns):
    rng = np.random.default_rng(3)
    for N, d, Br, Bc in SHAPES:
        Q, K, V = qkv(rng, N, d)
        ref, ref_lse = direct_attention(Q, K, V, causal=True)
        out, L = ns["flash_attention2_forward"](Q, K, V, Br, Bc, causal=True)
        assert not np.isnan(out).any()
        assert np.allclose(out, ref) and np.allclose(L, ref_lse), (N, d, Br, Bc)
        # The first query can only see the first key.
        assert np.allclose(out[0], V[0])


def test_large_scores_do_not_overflow(ns):
    # Scores around 1e4: exp would overflow without the running max.
    rng = np.random.default_rng(4)
    Q, K, V = qkv(rng, 50, 16, spread=30.0)
    out, _ = ns["flash_attention_forward"](Q, K, V, 8, 9)
    assert np.isfinite(out).all()
    assert np.allclose(out, direct_attention(Q, K, V)[0])


def test_online_softmax_matches_softmax(ns):
    rng = np.random.default_rng(5)
    online, softmax = ns["online_softmax"], ns["softmax"]
    for shape in [(1,), (5,), (37,), (3, 37), (2, 4, 50), (6, 1)]:
        x = rng.standard_normal(shape) * 10
        expected = np.exp(x - x.max(axis=-1, keepdims=True))
        expected /= expected.sum(axis=-1, keepdims=True)
        assert np.allclose(softmax(x), expected)
        for block in (1, 2, 3, 7, 64):
            y = online(x, block=block)
            assert y.shape == x.shape
            assert np.allclose(y, expected), (shape, block)
            assert np.allclose(y.sum(axis=-1), 1.0)


def test_online_softmax_is_safe_for_large_inputs(ns):
    x = np.array([[1000.0, 1001.0, 999.0, -1000.0]])
    y = ns["online_softmax"](x, block=3)
    e = np.exp(np.array([-1.0, 0.0, -2.0]))
    assert np.allclose(y[0, :3], e / e.sum())
    assert y[0, 3] == 0.0


def test_backward_matches_finite_differences(ns):
    rng = np.random.default_rng(6)
    N, d = 6, 3
    Q, K, V = qkv(rng, N, d)
    G = rng.standard_normal((N, d))  # loss = sum(O * G), so dO = G

    def loss(Q, K, V):
        return float((direct_attention(Q, K, V)[0] * G).sum())

    grads = ns["naive_attention_backward"](Q, K, V, G)
    eps = 1e-6
    for which, grad in enumerate(grads):
        args = [Q.copy(), K.copy(), V.copy()]
        for idx in np.ndindex(N, d):
            plus = [a.copy() for a in args]
            minus = [a.copy() for a in args]
            plus[which][idx] += eps
            minus[which][idx] -= eps
            numeric = (loss(*plus) - loss(*minus)) / (2 * eps)
            assert abs(numeric - grad[idx]) < 1e-6


def test_tiled_backward_matches_naive_backward(ns):
    rng = np.random.default_rng(7)
    for N, d, Br, Bc in SHAPES:
        Q, K, V = qkv(rng, N, d)
        dO = rng.standard_normal((N, d))
        out, L = ns["flash_attention_forward"](Q, K, V, Br, Bc)
        tiled = ns["flash_attention_backward"](Q, K, V, out, L, dO, Br, Bc)
        naive = ns["naive_attention_backward"](Q, K, V, dO)
        for g, g_ref in zip(tiled, naive, strict=True):
            assert np.allclose(g, g_ref, atol=1e-10), (N, d, Br, Bc)


def test_io_counts(ns):
    standard, flash = ns["hbm_io_standard"], ns["hbm_io_flash"]
    assert standard(4096, 64) == 4 * 4096 * 64 + 4 * 4096**2
    M = 96 * 1024
    # The numbers quoted in the post's table (millions of elements).
    assert round(flash(4096, 64, M) / 1e6, 1) == 9.4
    assert round(flash(16384, 128, M) / 1e6, 1) == 550.9
    assert round(standard(16384, 64) / 1e6, 1) == 1077.9
    for N in (4096, 8192, 16384):
        assert flash(N, 64, M) < standard(N, 64) / 5
        # Theta(N^2 d^2 / M): doubling M roughly halves the traffic, doubling N roughly
        # quadruples it (block counts are rounded up, so not exactly).
        assert 1.7 < flash(N, 64, M) / flash(N, 64, 2 * M) < 2.3
        assert 3.4 < flash(2 * N, 64, M) / flash(N, 64, M) < 4.6
        assert 0.8 < flash(N, 64, M) / (12 * N * N * 64 * 64 / M) < 1.2


def expect_post_check_fails(old, new):
    """The broken copy fails an `assert` in the post's own runnable checks (so the build fails)."""
    with pytest.raises(AssertionError) as caught:
        load_broken_post_code(SLUG, old, new)
    assert "exactly once" not in str(caught.value)  # the broken code failed, not a stale `old`
    assert str(caught.traceback[-1].path).endswith("index.md")


def test_broken_rescaling_is_caught():
    old = "alpha = np.exp(mi - mi_new)                     # 旧状态换到新基准"
    expect_post_check_fails(old, "alpha = np.ones_like(mi)")


def test_broken_online_softmax_is_caught():
    old = "l = l * np.exp(m - m_new) + "
    expect_post_check_fails(old, "l = l + ")
