"""Tests for the code in content/posts/mixed-precision-training."""

import warnings

import numpy as np
import pytest
from postcode import load_broken_post_code, load_post_code

SLUG = "mixed-precision-training"


@pytest.fixture(scope="module")
def ns():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the post's code must run without numpy warnings
        return load_post_code(SLUG)


@pytest.mark.parametrize(
    "dtype, name", [(np.float16, "FP16"), (np.float32, "FP32"), (np.float64, "FP64")]
)
def test_limits_equal_finfo(ns, dtype, name):
    limits = ns["float_limits"](*ns["FORMATS"][name])
    info = np.finfo(dtype)
    assert limits["max"] == float(info.max)
    assert limits["min_normal"] == float(info.smallest_normal)
    assert limits["min_subnormal"] == float(info.smallest_subnormal)
    assert limits["eps"] == float(info.eps)
    assert limits["bias"] == -int(info.minexp) + 1


def test_fp16_table_values(ns):
    limits = ns["float_limits"](5, 10)
    assert limits["max"] == 65504.0
    assert limits["min_normal"] == 2.0**-14
    assert limits["min_subnormal"] == 2.0**-24
    assert limits["eps"] == 2.0**-10


def test_bf16_limits_are_representable(ns):
    to_bf16, limits = ns["to_bf16"], ns["float_limits"](*ns["FORMATS"]["BF16"])
    assert limits["max"] == pytest.approx(3.3895e38, rel=1e-4)
    for key in ("max", "min_normal", "min_subnormal"):
        value = np.float32(limits[key])
        assert to_bf16(value) == value  # exactly representable in BF16
    # BF16 has FP32's range: its smallest normal is FP32's.
    assert limits["min_normal"] == float(np.finfo(np.float32).smallest_normal)
    # eps: 1 + eps survives, 1 + eps/2 (a tie) rounds to even, i.e. back to 1.
    assert to_bf16(np.float32(1 + 2.0**-7)) == np.float32(1 + 2.0**-7)
    assert to_bf16(np.float32(1 + 2.0**-8)) == np.float32(1.0)
    assert to_bf16(np.float32(1 + 3 * 2.0**-9)) == np.float32(1 + 2.0**-7)


def test_decode_matches_numpy_for_every_fp16_pattern(ns):
    decode = ns["decode"]
    patterns = np.arange(2**16, dtype=np.uint32)
    expected = patterns.astype(np.uint16).view(np.float16).astype(np.float64)
    got = np.array([decode(int(b), 5, 10) for b in patterns])
    nan = np.isnan(expected)
    assert np.array_equal(np.isnan(got), nan)
    assert np.array_equal(got[~nan], expected[~nan])
    # Signed zero is kept.
    assert np.signbit(decode(0x8000, 5, 10))


def test_decode_matches_numpy_for_fp32_fp64_and_bf16(ns):
    decode, to_bf16 = ns["decode"], ns["to_bf16"]
    rng = np.random.default_rng(0)
    special32 = [0, 1, 0x007FFFFF, 0x00800000, 0x3F800000, 0x7F7FFFFF, 0x7F800000, 0xFF800000]
    bits32 = np.concatenate([rng.integers(0, 2**32, 3000, dtype=np.uint64), special32]).astype(
        np.uint32
    )
    for b, v in zip(bits32, bits32.view(np.float32), strict=True):
        d = decode(int(b), 8, 23)
        assert (np.isnan(d) and np.isnan(v)) or d == float(v)
    bits64 = rng.integers(0, 2**63, 3000, dtype=np.uint64) * np.uint64(2) + rng.integers(
        0, 2, 3000, dtype=np.uint64
    )
    for b, v in zip(bits64, bits64.view(np.float64), strict=True):
        d = decode(int(b), 11, 52)
        assert (np.isnan(d) and np.isnan(v)) or d == float(v)
    # Every non-NaN BF16 pattern, read as the top half of an FP32.
    bf = np.arange(2**16, dtype=np.uint32)
    as32 = (bf << 16).view(np.float32)
    for b, v in zip(bf[::7], as32[::7], strict=True):
        if not np.isnan(v):
            assert decode(int(b), 8, 7) == float(v)
            assert to_bf16(v) == v


def test_to_bf16_rounds_to_nearest(ns):
    to_bf16 = ns["to_bf16"]
    x = np.random.default_rng(1).standard_normal(2000).astype(np.float32) * 100
    y = to_bf16(x)
    assert np.all(y.view(np.uint32) & 0xFFFF == 0)
    assert np.all(np.abs(y - x) <= np.abs(x) * 2.0**-8)


def test_master_weights_keep_tiny_updates(ns):
    acc = ns["accumulate_updates"]
    pure = acc(1.0, 1e-4, 10_000, master=False)
    master = acc(1.0, 1e-4, 10_000, master=True)
    assert pure == np.float16(1.0)  # every update was rounded away
    assert abs(float(master) - 2.0) < 1e-2
    assert master != pure
    # An update above half a spacing is not lost even in FP16.
    assert acc(1.0, 2.0**-10, 8, master=False) == np.float16(1 + 8 * 2.0**-10)


def test_loss_scaling_moves_gradients_into_range(ns):
    grads, stats = ns["grads"], ns["underflow_overflow"]
    zero, inf = stats(grads, 1.0)
    assert zero > 0.25 and inf == 0
    assert stats(grads, 2.0**16) == (0.0, 0.0)
    zero, inf = stats(grads, 2.0**20)
    assert zero == 0 and inf > 0.05
    # Where nothing under/overflows, the round trip keeps FP16's relative precision.
    r = ns["scaled_roundtrip"](grads, 2.0**16)
    normal = np.abs(grads) * 2.0**16 >= 2.0**-14
    assert np.all(np.abs(r[normal] - grads[normal]) <= np.abs(grads[normal]) * 2.0**-11)


def check_scaler(ns):
    scaler = ns["DynamicLossScaler"](init_scale=1024.0, growth_interval=3)
    finite = [np.array([1.0, 2.0], dtype=np.float16)]
    overflow = [np.array([1.0, np.inf], dtype=np.float16)]
    nan = [np.array([np.nan], dtype=np.float16)]
    _, found = scaler.unscale(overflow)
    assert found
    scaler.update(found)
    assert scaler.scale == 512.0  # halved on overflow
    _, found = scaler.unscale(nan)
    assert found
    scaler.update(found)
    assert scaler.scale == 256.0
    grads, found = scaler.unscale(finite)
    assert not found
    assert np.allclose(grads[0], np.array([1.0, 2.0]) / 256.0) and grads[0].dtype == np.float32
    scaler.update(found)
    scaler.update(False)
    assert scaler.scale == 256.0  # only two clean steps so far
    scaler.update(False)
    assert scaler.scale == 512.0  # grown after growth_interval clean steps
    scaler.update(False)
    scaler.update(False)
    scaler.update(True)
    assert scaler.scale == 256.0
    for _ in range(2):
        scaler.update(False)
    assert scaler.scale == 256.0  # an overflow resets the count of clean steps
    scaler.update(False)
    assert scaler.scale == 512.0


def test_dynamic_scaler(ns):
    check_scaler(ns)
    default = ns["DynamicLossScaler"]()
    assert (
        default.scale,
        default.growth_factor,
        default.backoff_factor,
        default.growth_interval,
    ) == (2.0**16, 2.0, 0.5, 2000)
    static = ns["LossScaler"](8.0)
    static.update(True)
    assert static.scale == 8.0


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_broken_scaler_is_caught():
    """Caught by the post's own training check when it runs, or else by check_scaler."""
    old = "self.scale *= self.backoff_factor"
    with pytest.raises(AssertionError) as caught:
        ns = load_broken_post_code(SLUG, old, "self.scale *= self.growth_factor")
        check_scaler(ns)
    assert "exactly once" not in str(caught.value)


def test_broken_master_weights_are_caught():
    old = "w32 = np.float32(w32 + np.float32(delta))"
    with pytest.raises(AssertionError) as caught:
        ns = load_broken_post_code(
            SLUG, old, "w32 = np.float32(np.float16(w32 + np.float32(delta)))"
        )
        assert ns["accumulate_updates"](1.0, 1e-4, 10_000, master=True) != np.float16(1.0)
    assert "exactly once" not in str(caught.value)
