"""Tests for the code in content/posts/layernorm-vs-batchnorm."""

import numpy as np
import pytest
from postcode import load_broken_post_code, load_post_code

SLUG = "layernorm-vs-batchnorm"


@pytest.fixture(scope="module")
def ns():
    return load_post_code(SLUG)


def ones_zeros(shape):
    return np.ones(shape), np.zeros(shape)


def test_layer_norm_per_token_statistics(ns):
    rng = np.random.default_rng(0)
    for shape in [(4, 16), (2, 7, 32), (3, 1, 5)]:
        x = rng.standard_normal(shape) * 5 + 3
        y = ns["layer_norm"](x, *ones_zeros(shape[-1]))
        assert np.allclose(y.mean(axis=-1), 0, atol=1e-12)
        assert np.allclose(y.var(axis=-1), 1, atol=1e-3)


def test_layer_norm_over_chw_for_images(ns):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 3, 5, 5)) * 2 - 1
    y = ns["layer_norm"](x, *ones_zeros((3, 5, 5)))
    assert np.allclose(y.mean(axis=(1, 2, 3)), 0, atol=1e-12)
    assert np.allclose(y.var(axis=(1, 2, 3)), 1, atol=1e-3)
    # Each channel on its own is not normalised: that is BN's (or IN's) job.
    assert not np.allclose(y.mean(axis=(2, 3)), 0, atol=1e-3)


def test_layer_norm_matches_formula_with_affine(ns):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 10))
    gamma, beta = rng.standard_normal(10), rng.standard_normal(10)
    eps = 1e-5
    expected = np.empty_like(x)
    for i, row in enumerate(x):
        mu = sum(row) / len(row)
        var = sum((v - mu) ** 2 for v in row) / len(row)
        expected[i] = gamma * (row - mu) / np.sqrt(var + eps) + beta
    assert np.allclose(ns["layer_norm"](x, gamma, beta, eps=eps), expected)


def test_layer_norm_invariances(ns):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5, 64))
    gamma, beta = rng.standard_normal(64), rng.standard_normal(64)
    ln = ns["layer_norm"]
    y = ln(x, gamma, beta, eps=0.0)
    scales = np.array([0.01, 0.5, 3.0, 100.0, 7.0])[:, None]  # a different scale per sample
    shifts = np.array([-4.0, 0.0, 2.5, 10.0, -0.3])[:, None]
    assert np.allclose(ln(scales * x, gamma, beta, eps=0.0), y)
    assert np.allclose(ln(x + shifts, gamma, beta, eps=0.0), y)
    # Batch independence: a sample's output doesn't depend on the rest of the batch.
    assert np.allclose(ln(x[:2], gamma, beta), ln(x, gamma, beta)[:2])


def test_batch_norm_training_statistics(ns):
    rng = np.random.default_rng(4)
    bn = ns["BatchNorm"](3)
    x = rng.standard_normal((8, 3, 4, 4)) * np.array([0.1, 2.0, 30.0])[:, None, None] + 5
    y = bn(x)
    assert np.allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-10)
    var = x.var(axis=(0, 2, 3))
    assert np.allclose(y.var(axis=(0, 2, 3)), var / (var + bn.eps))  # 1 up to eps
    # Per sample it is not normalised.
    assert not np.allclose(y.mean(axis=(1, 2, 3)), 0, atol=1e-3)
    # 2-D input: per feature over the batch.
    bn2 = ns["BatchNorm"](5)
    z = bn2(rng.standard_normal((32, 5)) * 4 - 2)
    assert np.allclose(z.mean(axis=0), 0, atol=1e-10) and np.allclose(z.var(axis=0), 1, atol=1e-3)


def test_batch_norm_running_update_is_ema(ns):
    rng = np.random.default_rng(5)
    bn = ns["BatchNorm"](2, momentum=0.25)
    x = rng.standard_normal((10, 2, 3, 3)) + np.array([1.0, -1.0])[:, None, None]
    bn(x)
    m = 10 * 9
    assert np.allclose(bn.running_mean, 0.25 * x.mean(axis=(0, 2, 3)))
    assert np.allclose(bn.running_var, 0.75 + 0.25 * x.var(axis=(0, 2, 3), ddof=1))
    assert np.allclose(x.var(axis=(0, 2, 3)) * m / (m - 1), x.var(axis=(0, 2, 3), ddof=1))


def test_batch_norm_running_stats_converge(ns):
    rng = np.random.default_rng(6)
    bn = ns["BatchNorm"](3)
    mu, sd = np.array([1.0, -2.0, 5.0]), np.array([0.5, 2.0, 3.0])
    for _ in range(300):
        bn(rng.standard_normal((16, 3, 4, 4)) * sd[:, None, None] + mu[:, None, None])
    assert np.allclose(bn.running_mean, mu, atol=0.1 * sd)
    assert np.allclose(bn.running_var, sd**2, rtol=0.1)


def test_batch_norm_eval_uses_running_stats(ns):
    rng = np.random.default_rng(7)
    bn = ns["BatchNorm"](4)
    for _ in range(50):
        bn(rng.standard_normal((16, 4)) * 3 + 1)
    bn.gamma, bn.beta = rng.standard_normal(4), rng.standard_normal(4)
    bn.training = False
    before = (bn.running_mean.copy(), bn.running_var.copy())
    x = rng.standard_normal((5, 4))
    y = bn(x)
    assert np.array_equal(bn.running_mean, before[0]) and np.array_equal(bn.running_var, before[1])
    expected = bn.gamma * (x - bn.running_mean) / np.sqrt(bn.running_var + bn.eps) + bn.beta
    assert np.allclose(y, expected)
    # In eval mode one sample's output doesn't depend on the batch.
    assert np.allclose(bn(x[:1]), y[:1])
    a, b = ns["bn_eval_affine"](bn)
    assert np.allclose(a * x + b, y)


def test_rms_norm_matches_formula(ns):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((3, 4, 16)) * 2 + 0.5
    g = rng.standard_normal(16)
    eps = 1e-6
    rms = np.sqrt((x**2).sum(axis=-1, keepdims=True) / 16 + eps)
    assert np.allclose(ns["rms_norm"](x, g, eps=eps), x / rms * g)
    y = ns["rms_norm"](x, np.ones(16))
    assert np.allclose(np.sqrt((y**2).mean(axis=-1)), 1, atol=1e-6)
    # Scale invariant, not shift invariant; equals LN (beta = 0) on zero-mean input.
    assert np.allclose(ns["rms_norm"](7.0 * x, g), ns["rms_norm"](x, g))
    assert not np.allclose(ns["rms_norm"](x + 3.0, g), ns["rms_norm"](x, g))
    centred = x - x.mean(axis=-1, keepdims=True)
    assert np.allclose(
        ns["rms_norm"](centred, g, eps=0.0), ns["layer_norm"](centred, g, np.zeros(16), eps=0.0)
    )


def test_padding_affects_bn_not_ln(ns):
    rng = np.random.default_rng(9)
    seqs = [rng.standard_normal((5, 8)), rng.standard_normal((2, 8)), rng.standard_normal((3, 8))]
    out = ns["real_token_outputs"]
    ln, bn = ns["ln_tokens"], ns["bn_tokens"]
    assert np.allclose(out(seqs, 5, ln), out(seqs, 12, ln))
    alone = np.concatenate([ln(s[None])[0] for s in seqs])
    assert np.allclose(out(seqs, 5, ln), alone)
    assert not np.allclose(out(seqs, 5, bn), out(seqs, 12, bn), atol=1e-3)
    x, mask = ns["pad_batch"](seqs, 6)
    assert x.shape == (3, 6, 8) and mask.sum() == 10 and np.all(x[~mask] == 0)


def test_pre_ln_residual_stream_grows_post_ln_stays(ns):
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal((64, 64)) / 8 for _ in range(24)]
    x0 = rng.standard_normal((10, 64))
    pre = ns["residual_stream_rms"](x0, weights, pre_ln=True)
    post = ns["residual_stream_rms"](x0, weights, pre_ln=False)
    assert np.allclose(post, 1.0, atol=1e-4)
    assert 1.2 < pre[0] < 1.7 and 4.0 < pre[-1] < 6.0
    assert pre[-1] > pre[11] > pre[0]


def expect_post_check_fails(old, new, errors=AssertionError):
    """The broken copy fails in the post's own runnable checks (so the build fails)."""
    with pytest.raises(errors) as caught:
        load_broken_post_code(SLUG, old, new)
    assert "exactly once" not in str(caught.value)  # the broken code failed, not a stale `old`
    assert any(str(entry.path).endswith("index.md") for entry in caught.traceback)


def test_broken_batch_norm_axes_are_caught():
    old = "axes = (0,) + tuple(range(2, x.ndim))"
    # per sample: that's LN; wrong statistics or wrong shapes
    expect_post_check_fails(old, "axes = tuple(range(1, x.ndim))", (AssertionError, ValueError))


def test_broken_running_var_is_caught():
    old = "a * var * m / (m - 1)"
    expect_post_check_fails(old, "a * np.sqrt(var)")
