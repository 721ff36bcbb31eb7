"""Tests for the code in content/posts/lora/index.md."""

import ast
import itertools

import numpy as np
import pytest
from postcode import load_broken_post_code, load_post_code

SLUG = "lora"


@pytest.fixture(scope="module")
def ns():
    return load_post_code(SLUG)


def make_layer(ns, d=6, k=5, r=2, alpha=4.0, seed=0, random_B=True):
    rng = np.random.default_rng(seed)
    layer = ns["LoRALinear"](rng.standard_normal((d, k)), r=r, alpha=alpha, rng=rng)
    if random_B:
        layer.B = rng.standard_normal(layer.B.shape)
    return layer


def test_init_matches_base_model(ns):
    rng = np.random.default_rng(1)
    W0 = rng.standard_normal((7, 9))
    layer = ns["LoRALinear"](W0, r=3, alpha=6, rng=rng)
    assert layer.A.shape == (3, 9) and layer.B.shape == (7, 3)
    assert np.all(layer.B == 0) and np.any(layer.A != 0)
    assert layer.scale == 2.0
    X = rng.standard_normal((4, 9))
    assert np.allclose(layer.forward(X), X @ W0.T)
    # with B = 0 the gradient of A vanishes, that of B does not
    layer.backward(rng.standard_normal((4, 7)))
    assert np.all(layer.dA == 0) and np.any(layer.dB != 0)
    # W0 is copied, not aliased
    layer.merge()
    assert not np.shares_memory(layer.weight, W0)


def test_forward_matches_formula(ns):
    layer = make_layer(ns, d=8, k=5, r=3, alpha=5.0, seed=2)
    X = np.random.default_rng(3).standard_normal((10, 5))
    W = layer.weight + (5.0 / 3) * layer.B @ layer.A
    assert np.allclose(layer.forward(X), X @ W.T)
    for i in range(10):  # one sample at a time: h = W0 x + (alpha/r) B A x
        x = X[i]
        assert np.allclose(
            layer.forward(x[None])[0], layer.weight @ x + layer.scale * layer.B @ (layer.A @ x)
        )


@pytest.mark.parametrize("seed", range(5))
def test_manual_backprop_matches_finite_differences(ns, seed):
    rng = np.random.default_rng(100 + seed)
    d, k, r, n = rng.integers(2, 8), rng.integers(2, 8), rng.integers(1, 4), rng.integers(1, 10)
    layer = make_layer(ns, d=d, k=k, r=r, alpha=float(rng.uniform(0.5, 16)), seed=seed)
    X, T = rng.standard_normal((n, k)), rng.standard_normal((n, d))
    errs = ns["grad_check"](layer, X, T)
    assert set(errs) == {"A", "B", "X"}
    assert max(errs.values()) < 1e-6, errs


def test_gradients_against_independent_finite_differences(ns):
    """Do not rely on the post's numerical_grad: perturb along random directions."""
    layer = make_layer(ns, d=5, k=4, r=2, alpha=3.0, seed=7)
    rng = np.random.default_rng(8)
    X, T = rng.standard_normal((6, 4)), rng.standard_normal((6, 5))

    def loss():
        Y = X @ layer.weight.T + layer.scale * X @ layer.A.T @ layer.B.T
        return 0.5 * np.sum((Y - T) ** 2) / X.shape[0]

    _, G = ns["mse"](layer.forward(X), T)
    layer.backward(G)
    for name, grad in (("A", layer.dA.copy()), ("B", layer.dB.copy())):
        P = getattr(layer, name)
        for _ in range(5):
            U = rng.standard_normal(P.shape)
            eps = 1e-6
            P += eps * U
            up = loss()
            P -= 2 * eps * U
            down = loss()
            P += eps * U
            assert np.isclose((up - down) / (2 * eps), np.sum(grad * U), rtol=1e-6, atol=1e-9)


def test_training_fits_low_rank_update(ns):
    W0, dW_true, X, T = ns["make_task"]()
    assert np.linalg.matrix_rank(dW_true) == 4
    assert np.allclose(X.T @ X, X.shape[0] * np.eye(X.shape[1]))
    layer = ns["LoRALinear"](W0, r=4, alpha=8, rng=np.random.default_rng(1))
    losses = ns["train"](layer, X, T, lr=0.1, steps=400)
    assert losses[0] == pytest.approx(0.5 * (9 + 4 + 1 + 0.25))
    assert losses[-1] < 1e-6 * losses[0]
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(losses))  # monotone after warm-up
    assert np.allclose(layer.delta(), dW_true, atol=1e-3)
    assert np.array_equal(layer.weight, W0)  # base weight untouched by training


@pytest.mark.parametrize("r,floor", [(2, 0.5 * (1 + 0.25)), (1, 0.5 * (4 + 1 + 0.25))])
def test_too_small_rank_stops_at_eckart_young_bound(ns, r, floor):
    W0, _dW_true, X, T = ns["make_task"]()
    layer = ns["LoRALinear"](W0, r=r, alpha=2 * r, rng=np.random.default_rng(1))
    losses = ns["train"](layer, X, T, lr=0.1, steps=400)
    assert losses[-1] == pytest.approx(floor, rel=1e-3)
    assert losses[-1] >= floor - 1e-9
    assert np.linalg.matrix_rank(layer.delta(), tol=1e-8) == r


def test_merge_unmerge(ns):
    layer = make_layer(ns, d=9, k=7, r=3, alpha=6.0, seed=9)
    X = np.random.default_rng(10).standard_normal((5, 7))
    W0 = layer.weight.copy()
    y = layer.forward(X)
    layer.merge()
    assert layer.merged
    assert np.allclose(layer.weight, W0 + 2.0 * layer.B @ layer.A)
    assert np.allclose(layer.forward(X), y)
    layer.merge()  # idempotent
    assert np.allclose(layer.forward(X), y)
    with pytest.raises(AssertionError):
        layer.backward(np.ones((5, 9)))
    layer.unmerge()
    assert not layer.merged
    assert np.allclose(layer.weight, W0)
    assert np.allclose(layer.forward(X), y)
    assert ns["merge_roundtrip_ok"](layer, X)


def test_parameter_counts_by_hand(ns):
    assert ns["lora_params"](4096, 4096, 8) == 65_536
    assert pytest.approx(0.0039, abs=1e-4) == 65_536 / (4096 * 4096)
    count = ns["llama_lora_params"]
    assert count(8, ["q", "v"]) == 4_194_304
    assert count(8, ["q", "k", "v", "o"]) == 8_388_608
    assert count(8, ["q", "k", "v", "o", "gate", "up", "down"]) == 19_988_480
    assert 32 * (4 * 8 * 8192 + 3 * 8 * (4096 + 11008)) == 19_988_480
    assert count(16, ["q"]) == 2 * count(8, ["q"])


def test_a_broken_post_fails():
    needle = "        self.dA = GB.T @ self.X                              # (r, k)"
    # forgetting the scale on one path: dA becomes wrong whenever alpha != r,
    # and the post's own gradient check (a runnable block) fails, so the build fails
    with pytest.raises(AssertionError) as caught:
        load_broken_post_code(
            SLUG, needle, "        self.dA = (G @ self.B).T @ self.X                    # (r, k)"
        )
    assert "exactly once" not in str(caught.value)  # the broken code failed, not a stale `old`
    errs = ast.literal_eval(str(caught.value))  # the post's assert reports the errors
    assert errs["A"] > 1e-2
    assert errs["B"] < 1e-6  # only the broken gradient is caught
