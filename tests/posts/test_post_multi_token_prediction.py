"""Tests for the code of the post "MTP：多 Token 预测"."""

import numpy as np
import pytest
from postcode import load_broken_post_code, load_post_code

SLUG = "multi-token-prediction"


@pytest.fixture(scope="module")
def ns():
    return load_post_code(SLUG)


def naive_log_prob(z, target):
    """log softmax(z)[target] with a plain loop-free but independent formula."""
    z = np.asarray(z, dtype=float)
    m = z.max()
    return float(z[target] - m - np.log(np.sum(np.exp(z - m))))


def naive_mtp_loss(logits, tokens):
    """Per head: mean over positions t with t + k < T of -log P(x_{t+k}); summed over heads."""
    n, T, _ = logits.shape
    total = 0.0
    for k in range(1, n + 1):
        terms = []
        for t in range(T):
            if t + k >= T:  # no target past the end
                continue
            terms.append(-naive_log_prob(logits[k - 1, t], tokens[t + k]))
        total += sum(terms) / len(terms)
    return total


def test_parallel_loss_matches_naive_loop(ns):
    rng = np.random.default_rng(0)
    for n, T in [(1, 10), (2, 16), (4, 24), (4, 5)]:
        P = ns["init_parallel"](50, 16, n, seed=n)
        tokens = rng.integers(0, 50, size=T)
        logits = ns["parallel_logits"](P, tokens)
        assert logits.shape == (n, T, 50)
        assert ns["mtp_loss"](logits, tokens) == pytest.approx(
            naive_mtp_loss(logits, tokens), rel=1e-10
        )


def test_parallel_loss_targets_are_shifted(ns):
    """Hand-made logits: head k at position t puts all mass on tokens[t+k] -> loss ~ 0."""
    rng = np.random.default_rng(1)
    n, T, V = 3, 12, 20
    tokens = rng.integers(0, V, size=T)
    logits = np.full((n, T, V), -50.0)
    for k in range(1, n + 1):
        for t in range(T - k):
            logits[k - 1, t, tokens[t + k]] = 50.0
    # positions past the end hold garbage that must be ignored
    logits[:, -1, :] = rng.normal(size=(n, V)) * 100
    assert ns["mtp_loss"](logits, tokens) < 1e-10
    # shifting the targets by one makes the loss large
    assert naive_mtp_loss(logits, np.roll(tokens, 1)) > 10


def test_parallel_heads_are_causal(ns):
    rng = np.random.default_rng(2)
    P = ns["init_parallel"](30, 16, 3)
    tokens = rng.integers(0, 30, size=14)
    base = ns["parallel_logits"](P, tokens)
    for t in range(0, 13):
        changed = tokens.copy()
        changed[t + 1 :] = rng.integers(0, 30, size=len(tokens) - t - 1)
        out = ns["parallel_logits"](P, changed)
        assert np.allclose(out[:, : t + 1], base[:, : t + 1])


def naive_deepseek_losses(ns, m, tokens):
    """For each depth k and position i, recompute the whole chain on the sequence cut
    right before the target t_{i+k+1}, and accumulate -log P(t_{i+k+1})."""
    T, D = len(tokens), len(m["mtp"])
    per_depth = []
    for k in range(1, D + 1):
        terms = []
        for i in range(T):
            if i + k + 1 > T - 1:
                continue
            cut = tokens[: i + k + 1]  # t_0 .. t_{i+k}: everything allowed, nothing more
            _, h = ns["main_model"](m, cut)
            for j in range(1, k + 1):
                logits, h = ns["mtp_module"](m, j, h[: len(cut) - j], cut[j:])
            terms.append(-naive_log_prob(logits[i], tokens[i + k + 1]))
        per_depth.append(sum(terms) / len(terms))
    main_terms = []
    for i in range(T - 1):
        logits, _ = ns["main_model"](m, tokens[: i + 1])
        main_terms.append(-naive_log_prob(logits[i], tokens[i + 1]))
    return sum(main_terms) / len(main_terms), per_depth


def test_deepseek_losses_match_naive(ns):
    rng = np.random.default_rng(3)
    for D, T in [(1, 12), (2, 16), (3, 10)]:
        m = ns["init_deepseek"](40, 16, D, seed=D)
        tokens = rng.integers(0, 40, size=T)
        main, total, per_depth = ns["deepseek_losses"](m, tokens, lam=0.3)
        ref_main, ref_depth = naive_deepseek_losses(ns, m, tokens)
        assert main == pytest.approx(ref_main, rel=1e-9)
        assert per_depth == pytest.approx(ref_depth, rel=1e-9)
        assert total == pytest.approx(0.3 / D * sum(ref_depth), rel=1e-9)


def test_mtp_module_uses_the_true_intermediate_token(ns):
    """Depth-1 prediction at position i depends on t_{i+1} (the causal chain)."""
    m = ns["init_deepseek"](40, 16, 1, seed=7)
    tokens = np.array([3, 9, 12, 5, 30, 2, 8])
    _, h = ns["main_model"](m, tokens)
    la, _ = ns["mtp_module"](m, 1, h[:-1], tokens[1:])
    other = tokens.copy()
    other[3] = (other[3] + 1) % 40
    _, h2 = ns["main_model"](m, other)
    lb, _ = ns["mtp_module"](m, 1, h2[:-1], other[1:])
    assert np.allclose(la[:2], lb[:2])  # positions before i = 2 unaffected
    assert not np.allclose(la[2], lb[2])  # position 2 sees t_3 through the embedding


@pytest.fixture(scope="module")
def fitted(ns):
    m = ns["init_deepseek"](V=40, d=32, D=1, seed=3)
    ns["fit_mtp_module"](m)
    return m


def test_self_speculative_equals_greedy(ns, fitted):
    total_calls = total_acc = 0
    for s in range(8):
        prompt = [int(t) for t in np.random.default_rng(100 + s).integers(0, 40, size=5)]
        plain = ns["greedy_decode"](fitted, prompt, 30)
        out, calls, acc = ns["mtp_speculative_decode"](fitted, prompt, 30)
        assert out == plain
        assert calls <= 31
        total_calls += calls
        total_acc += acc
    assert total_acc > 0.3 * (total_calls - 8)  # the draft is useful
    assert total_calls < 8 * 31


def test_self_speculative_with_random_draft_still_exact(ns):
    m = ns["init_deepseek"](V=30, d=16, D=1, seed=11)
    for s in range(4):
        prompt = [int(t) for t in np.random.default_rng(s).integers(0, 30, size=3)]
        out, _calls, _acc = ns["mtp_speculative_decode"](m, prompt, 20)
        assert out == ns["greedy_decode"](m, prompt, 20)


def test_broken_target_shift_fails():
    """Caught by the post's own naive-loop check when it runs, or else by this test's."""
    good = "        total += -logp[np.arange(T - k), tokens[k:]].mean()"
    with pytest.raises(AssertionError) as caught:
        bad = load_broken_post_code(
            SLUG, good, "        total += -logp[np.arange(T - k), tokens[k - 1 : T - 1]].mean()"
        )
        rng = np.random.default_rng(0)
        P = bad["init_parallel"](50, 16, 4)
        tokens = rng.integers(0, 50, size=24)
        logits = bad["parallel_logits"](P, tokens)
        assert bad["mtp_loss"](logits, tokens) == pytest.approx(
            naive_mtp_loss(logits, tokens), rel=1e-6
        )
    assert "exactly once" not in str(caught.value)


def test_broken_verification_fails():
    """Caught by the post's own demo (it asserts equality with greedy), or else here."""
    good = "        if int(logits[L].argmax()) == b:"
    with pytest.raises(AssertionError) as caught:
        bad = load_broken_post_code(SLUG, good, "        if True:")
        m = bad["init_deepseek"](V=40, d=32, D=1, seed=3)
        bad["fit_mtp_module"](m)
        for s in range(4):
            prompt = [int(t) for t in np.random.default_rng(100 + s).integers(0, 40, size=5)]
            out, _, _ = bad["mtp_speculative_decode"](m, prompt, 30)
            assert out == bad["greedy_decode"](m, prompt, 30)
    assert "exactly once" not in str(caught.value)
