"""The segmentation metrics post: confusion matrix and scores against pixel counting."""

import warnings

import numpy as np
import pytest
from postcode import load_broken_post_code, load_post_code

SLUG = "segmentation-metrics"


@pytest.fixture(scope="module")
def ns():
    return load_post_code(SLUG)


def scores_by_loops(gt, pred, n, ignore=255):
    """PA, MPA, MIoU, FWIoU straight from their definitions, counting pixels one by one."""
    tp = [0] * n
    gt_count = [0] * n
    pred_count = [0] * n
    valid = correct = 0
    for g, p in zip(np.ravel(gt).tolist(), np.ravel(pred).tolist(), strict=False):
        if g == ignore:
            continue
        valid += 1
        gt_count[g] += 1
        pred_count[p] += 1
        if g == p:
            tp[g] += 1
            correct += 1
    accs = [tp[i] / gt_count[i] for i in range(n) if gt_count[i] > 0]
    ious = {}
    for i in range(n):
        union = gt_count[i] + pred_count[i] - tp[i]
        if union > 0:
            ious[i] = tp[i] / union
    fw = sum(gt_count[i] / valid * ious[i] for i in range(n) if gt_count[i] > 0)
    return correct / valid, sum(accs) / len(accs), sum(ious.values()) / len(ious), fw, ious


def test_confusion_matrix_counts_pixels(ns):
    rng = np.random.default_rng(7)
    for _ in range(60):
        n = int(rng.integers(2, 7))
        shape = tuple(int(v) for v in rng.integers(1, 12, size=2))
        gt = rng.integers(0, n, size=shape).astype(np.uint8)
        gt[rng.random(shape) < 0.15] = 255
        pred = rng.integers(0, n, size=shape).astype(np.uint8)
        hist = ns["confusion_matrix"](gt, pred, n)
        expect = np.zeros((n, n), dtype=np.int64)
        for g, p in zip(gt.ravel(), pred.ravel(), strict=False):
            if g != 255:
                expect[int(g), int(p)] += 1
        assert hist.shape == (n, n)
        assert (hist == expect).all()


def test_scores_match_definitions(ns):
    rng = np.random.default_rng(8)
    for _ in range(150):
        n = int(rng.integers(2, 6))
        shape = (int(rng.integers(2, 10)), int(rng.integers(2, 10)))
        # skewed labels so that some classes are rare or absent
        probs = rng.dirichlet(np.full(n, 0.5))
        gt = rng.choice(n, size=shape, p=probs)
        gt[rng.random(shape) < 0.1] = 255
        if (gt == 255).all():
            continue
        pred = np.where(
            rng.random(shape) < 0.6, np.where(gt == 255, 0, gt), rng.integers(0, n, size=shape)
        )
        s = ns["segmentation_scores"](ns["confusion_matrix"](gt, pred, n))
        pa, mpa, miou, fw, ious = scores_by_loops(gt, pred, n)
        assert np.isclose(s["pa"], pa)
        assert np.isclose(s["mpa"], mpa)
        assert np.isclose(s["miou"], miou)
        assert np.isclose(s["fwiou"], fw)
        for i in range(n):
            if i in ious:
                assert np.isclose(s["iou"][i], ious[i])
            else:
                assert np.isnan(s["iou"][i])


def test_absent_classes_are_nan_and_false_positives_count(ns):
    gt = np.array([0, 0, 1, 1])
    s = ns["segmentation_scores"](ns["confusion_matrix"](gt, np.array([0, 0, 1, 1]), 4))
    assert np.isnan(s["iou"][2]) and np.isnan(s["iou"][3])
    assert s["miou"] == 1.0 and s["mpa"] == 1.0
    # class 3 absent from gt but predicted once: IoU 0 counts in the mean
    s = ns["segmentation_scores"](ns["confusion_matrix"](gt, np.array([0, 3, 1, 1]), 4))
    assert s["iou"][3] == 0.0 and np.isnan(s["iou"][2])
    assert np.isclose(s["miou"], (1 / 2 + 1 + 0) / 3)
    assert np.isclose(s["mpa"], (1 / 2 + 1) / 2)  # MPA cannot see the false positive class


def test_ignore_label_and_validation(ns):
    gt = np.array([[0, 255], [1, 255]])
    a = ns["confusion_matrix"](gt, np.array([[0, 0], [1, 1]]), 2)
    b = ns["confusion_matrix"](gt, np.array([[0, 1], [1, 0]]), 2)
    assert (a == b).all() and a.sum() == 2
    with pytest.raises(ValueError):
        ns["confusion_matrix"](np.array([0, 2]), np.array([0, 1]), 2)
    with pytest.raises(ValueError):
        ns["confusion_matrix"](np.array([0, 1]), np.array([0, 5]), 2)
    with pytest.raises(ValueError):
        ns["confusion_matrix"](np.zeros((2, 2)), np.zeros(4), 2)
    with pytest.raises(ValueError):
        ns["segmentation_scores"](np.zeros((3, 3)))


def test_uint8_labels_do_not_overflow(ns):
    gt = np.full((3, 3), 199, dtype=np.uint8)
    hist = ns["confusion_matrix"](gt, gt.copy(), 200)
    assert hist[199, 199] == 9 and hist.sum() == 9


def test_evaluator_accumulates_dataset_level(ns):
    rng = np.random.default_rng(9)
    ev = ns["SegEvaluator"](5)
    gts, preds = [], []
    for _ in range(6):
        g = rng.integers(0, 5, size=(8, 9))
        g[rng.random(g.shape) < 0.2] = 255
        p = rng.integers(0, 5, size=g.shape)
        ev.update(g, p)
        gts.append(g)
        preds.append(p)
    whole = ns["segmentation_scores"](ns["confusion_matrix"](np.stack(gts), np.stack(preds), 5))
    got = ev.scores()
    for key in ("pa", "mpa", "miou", "fwiou"):
        assert np.isclose(got[key], whole[key])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        per_image = np.mean(
            [
                ns["segmentation_scores"](ns["confusion_matrix"](g, p, 5))["miou"]
                for g, p in zip(gts, preds, strict=False)
            ]
        )
    assert np.isfinite(per_image)


def test_broken_post_fails():
    old = "union = gt_count + pred_count - tp"
    with pytest.raises(AssertionError) as caught:
        load_broken_post_code(SLUG, old, "union = gt_count + pred_count")
    assert "exactly once" not in str(caught.value)  # the broken code failed, not a stale `old`
