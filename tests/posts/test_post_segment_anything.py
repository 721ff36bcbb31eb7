"""The SAM post: Fourier encoding of prompts and the focal + dice min-of-three mask loss."""

import numpy as np
import pytest
from postcode import load_broken_post_code, load_post_code

SLUG = "segment-anything"


@pytest.fixture(scope="module")
def ns():
    return load_post_code(SLUG)


def bce(logits, target):
    p = 1 / (1 + np.exp(-logits))
    return -(target * np.log(p) + (1 - target) * np.log(1 - p))


def test_focal_loss_against_direct_formula(ns):
    rng = np.random.default_rng(0)
    for _ in range(50):
        z = rng.normal(scale=3, size=(6, 7))
        y = (rng.random((6, 7)) < 0.4).astype(float)
        assert np.isclose(ns["focal_loss"](z, y, alpha=None, gamma=0.0), bce(z, y).mean())
        p = 1 / (1 + np.exp(-z))
        p_t = np.where(y == 1, p, 1 - p)
        a_t = np.where(y == 1, 0.25, 0.75)
        direct = (-a_t * (1 - p_t) ** 2 * np.log(p_t)).mean()
        assert np.isclose(ns["focal_loss"](z, y), direct)


def test_losses_are_stable_and_bounded(ns):
    y = np.array([[1.0, 0.0], [0.0, 1.0]])
    good = np.where(y > 0, 60.0, -60.0)
    bad = -good
    for fn in (ns["focal_loss"], ns["dice_loss"], ns["mask_loss"]):
        assert np.isfinite(fn(good, y)) and np.isfinite(fn(bad, y))
        assert fn(good, y) < fn(bad, y)
    assert ns["dice_loss"](good, y) < 1e-9
    assert ns["dice_loss"](bad, y) > 0.5
    assert np.isclose(
        ns["mask_loss"](bad, y), 20 * ns["focal_loss"](bad, y) + ns["dice_loss"](bad, y)
    )


def test_dice_loss_formula(ns):
    rng = np.random.default_rng(1)
    z = rng.normal(size=(5, 5))
    y = (rng.random((5, 5)) < 0.5).astype(float)
    p = 1 / (1 + np.exp(-z))
    assert np.isclose(ns["dice_loss"](z, y), 1 - (2 * (p * y).sum() + 1) / (p.sum() + y.sum() + 1))


def test_multimask_picks_min_loss(ns):
    rng = np.random.default_rng(2)
    for _ in range(40):
        y = (rng.random((8, 8)) < 0.3).astype(float)
        logits = rng.normal(scale=4, size=(3, 8, 8))
        iou_pred = rng.random(3)
        total, best, losses = ns["multimask_loss"](logits, iou_pred, y)
        direct = [20 * ns["focal_loss"](m, y) + ns["dice_loss"](m, y) for m in logits]
        assert np.allclose(losses, direct)
        assert best == int(np.argmin(direct))
        ious = []
        for m in logits:
            pred = m > 0
            union = (pred | (y > 0)).sum()
            ious.append((pred & (y > 0)).sum() / union if union else 1.0)
        assert np.isclose(total, min(direct) + np.mean((iou_pred - np.array(ious)) ** 2))


def test_positional_encoding_properties(ns):
    pe = ns["RandomFourierPE"](num_feats=64, seed=3)
    rng = np.random.default_rng(4)
    u = rng.random((20, 2))
    v = rng.random((20, 2))
    enc_u, enc_v = pe.encode(u), pe.encode(v)
    assert enc_u.shape == (20, 128)
    assert np.allclose((enc_u**2).sum(-1), 64)
    # inner product is a shift-invariant kernel: sum_m cos(2 pi b_m . (v - v'))
    kernel = np.cos(2 * np.pi * ((2 * u - 1) - (2 * v - 1)) @ pe.B).sum(-1)
    assert np.allclose((enc_u * enc_v).sum(-1), kernel)
    shift = np.array([0.1, -0.05])
    assert np.allclose((pe.encode(u + shift) * pe.encode(v + shift)).sum(-1), kernel)


def test_point_encoding_matches_dense_grid(ns):
    pe = ns["RandomFourierPE"]()
    grid = pe.dense(64)
    for i, j in [(0, 0), (63, 0), (10, 40), (63, 63)]:
        assert np.allclose(pe.encode_points([16 * j + 7.5, 16 * i + 7.5]), grid[i, j])


def test_sparse_prompt_tokens(ns):
    pe = ns["RandomFourierPE"]()
    emb = np.random.default_rng(5).normal(size=(5, 256))
    t = ns["embed_sparse_prompts"](pe, [[10, 20]], [1], type_embed=emb)
    assert t.shape == (2, 256)
    assert np.allclose(t[0], pe.encode_points([10, 20]) + emb[2])
    assert np.allclose(t[1], emb[0])  # padding point: no positional encoding
    t = ns["embed_sparse_prompts"](
        pe, [[10, 20], [30, 40]], [1, 0], box=(1, 2, 3, 4), type_embed=emb
    )
    assert t.shape == (4, 256)
    assert np.allclose(t[1], pe.encode_points([30, 40]) + emb[1])
    assert np.allclose(t[2], pe.encode_points([1, 2]) + emb[3])
    assert np.allclose(t[3], pe.encode_points([3, 4]) + emb[4])


def test_broken_post_fails():
    old = "best = int(np.argmin(losses))"
    with pytest.raises(AssertionError) as caught:
        load_broken_post_code(SLUG, old, "best = int(np.argmax(losses))")
    assert "exactly once" not in str(caught.value)  # the broken code failed, not a stale `old`
