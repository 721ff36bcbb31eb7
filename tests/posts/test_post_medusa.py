"""Tests for the code of the post "Medusa：多解码头的投机解码"."""

import itertools
import re

import numpy as np
import pytest
from postcode import load_broken_post_code, load_post_code, post_path

SLUG = "medusa"


@pytest.fixture(scope="module")
def ns():
    return load_post_code(SLUG)


def random_choices(rng, sizes, keep):
    """A random prefix-closed subset of the full Cartesian tree."""
    full = [
        c
        for d in range(1, len(sizes) + 1)
        for c in itertools.product(*(range(s) for s in sizes[:d]))
    ]
    picked = set()
    for c in full:
        if rng.random() < keep:
            for k in range(1, len(c) + 1):
                picked.add(c[:k])
    return sorted(picked)


def test_medusa_head_initialisation(ns):
    rng = np.random.default_rng(0)
    d, V = 16, 40
    h = rng.normal(size=(5, d))
    W_lm = rng.normal(size=(V, d))
    out = ns["medusa_head"](h, np.zeros((d, d)), W_lm)
    logits = h @ W_lm.T
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    assert np.allclose(out, expected)
    # with W1 != 0 the residual block is SiLU(W1 h) + h
    W1 = rng.normal(size=(d, d))
    z = h @ W1.T
    inner = z / (1 + np.exp(-z)) + h
    ref = np.exp(inner @ W_lm.T)
    ref /= ref.sum(axis=1, keepdims=True)
    assert np.allclose(ns["medusa_head"](h, W1, W_lm), ref)


def test_full_choices_count(ns):
    for sizes in ([2, 2], [3, 2, 2, 2], [4, 1, 3]):
        choices = ns["full_choices"](sizes)
        expected = sum(int(np.prod(sizes[:k])) for k in range(1, len(sizes) + 1))
        assert len(choices) == len(set(choices)) == expected


def test_sparse_choices_prefix_closed_and_best(ns):
    acc = [[0.6, 0.2, 0.1], [0.5, 0.2], [0.4, 0.2], [0.3, 0.2]]
    chosen = ns["sparse_choices"](acc, 12)
    assert len(chosen) == 12
    s = set(chosen)
    assert all(c[:k] in s for c in chosen for k in range(1, len(c)))

    def value(c):
        return float(np.prod([acc[k][i] for k, i in enumerate(c)]))

    # the chosen set holds the 12 most valuable nodes of the full tree
    allv = sorted((value(c) for c in ns["full_choices"]([3, 2, 2, 2])), reverse=True)
    assert sorted((value(c) for c in chosen), reverse=True) == pytest.approx(allv[:12])


def test_build_tree_small(ns):
    topk = [np.array([11, 12]), np.array([21, 22])]
    tokens, parents, depths, paths = ns["build_tree"](7, topk, ns["full_choices"]([2, 2]))
    assert paths == [(), (0,), (1,), (0, 0), (0, 1), (1, 0), (1, 1)]
    assert tokens.tolist() == [7, 11, 12, 21, 22, 21, 22]
    assert parents.tolist() == [-1, 0, 0, 1, 1, 2, 2]
    assert depths.tolist() == [0, 1, 1, 2, 2, 2, 2]
    mask = ns["tree_mask"](parents)
    expected = np.array(
        [
            [1, 0, 0, 0, 0, 0, 0],
            [1, 1, 0, 0, 0, 0, 0],
            [1, 0, 1, 0, 0, 0, 0],
            [1, 1, 0, 1, 0, 0, 0],
            [1, 1, 0, 0, 1, 0, 0],
            [1, 0, 1, 0, 0, 1, 0],
            [1, 0, 1, 0, 0, 0, 1],
        ],
        dtype=bool,
    )
    assert np.array_equal(mask, expected)
    assert ns["tree_position_ids"](depths, 10).tolist() == [10, 11, 11, 12, 12, 12, 12]


def test_build_tree_rejects_non_prefix_closed(ns):
    with pytest.raises(KeyError):
        ns["build_tree"](0, [np.array([1, 2]), np.array([3, 4])], [(0,), (1, 1)])


def test_tree_mask_equals_ancestor_relation(ns):
    rng = np.random.default_rng(1)
    for _ in range(50):
        sizes = [int(x) for x in rng.integers(1, 4, size=rng.integers(1, 5))]
        choices = random_choices(rng, sizes, 0.6) or [(0,)]
        topk = [rng.integers(0, 50, size=s) for s in sizes]
        tokens, parents, depths, paths = ns["build_tree"](int(rng.integers(50)), topk, choices)
        mask = ns["tree_mask"](parents)
        n = len(paths)
        # independent definition: j is an ancestor-or-self of i iff path j is a prefix of path i
        anc = np.array(
            [[paths[i][: len(paths[j])] == paths[j] for j in range(n)] for i in range(n)]
        )
        assert np.array_equal(mask, anc)
        assert np.array_equal(depths, [len(p) for p in paths])
        # each node's token comes from the head of its depth, at the rank its path says
        for i in range(1, n):
            assert tokens[i] == topk[len(paths[i]) - 1][paths[i][-1]]


def test_tree_forward_equals_per_path_forward(ns):
    """The tree mask + position ids make every node see exactly its own path."""
    m = ns["init_model"]()
    rng = np.random.default_rng(2)
    for _ in range(10):
        seq = [int(t) for t in rng.integers(0, 32, size=rng.integers(1, 12))]
        sizes = [3, 2, 2]
        topk = [rng.choice(32, size=s, replace=False) for s in sizes]
        tokens, parents, depths, _paths = ns["build_tree"](
            int(rng.integers(32)), topk, ns["full_choices"](sizes)
        )
        tree_logits = ns["tree_forward"](m, seq, tokens, parents, depths)
        for i in range(len(tokens)):
            chain, j = [], i
            while j >= 0:
                chain.append(int(tokens[j]))
                j = parents[j]
            ref = ns["causal_logits"](m, seq + chain[::-1])[-1]
            assert np.allclose(tree_logits[i], ref)


def test_verify_greedy_longest_prefix(ns):
    """verify() against a brute force over all root-to-leaf candidates."""
    m = ns["init_model"]()
    rng = np.random.default_rng(3)
    for _trial in range(30):
        seq = [int(t) for t in rng.integers(0, 32, size=rng.integers(1, 8))]
        root = int(ns["causal_logits"](m, seq)[-1].argmax())
        truth = ns["greedy_generate"](m, [*seq, root], 3)[len(seq) + 1 :]
        sizes = [3, 3, 2]
        # make heads that sometimes contain the true greedy continuation
        topk = []
        for k, s in enumerate(sizes):
            cand = list(rng.choice(32, size=s, replace=False))
            if rng.random() < 0.7 and truth[k] not in cand:
                cand[int(rng.integers(s))] = truth[k]
            topk.append(np.array(cand))
        choices = random_choices(rng, sizes, 0.7) or [(0,)]
        tokens, parents, depths, paths = ns["build_tree"](root, topk, choices)
        logits = ns["tree_forward"](m, seq, tokens, parents, depths)
        path, next_root = ns["verify"](tokens, parents, depths, logits)

        best = [root]
        for c in paths[1:]:
            cand = [root] + [int(topk[k][i]) for k, i in enumerate(c)]
            acc = [root]
            for tok in cand[1:]:
                if tok != int(ns["causal_logits"](m, seq + acc)[-1].argmax()):
                    break
                acc.append(tok)
            if len(acc) > len(best):
                best = acc
        assert path == best
        # the accepted tokens plus the next root are exactly the greedy continuation
        assert [*path, next_root] == ns["greedy_generate"](m, seq, len(path) + 1)[len(seq) :]


def test_typical_acceptance_threshold(ns):
    tokens = np.array([0, 1, 2])
    parents = np.array([-1, 0, 1])
    depths = np.array([0, 1, 2])
    V = 10
    # uniform distribution: every token has probability 1/V > min(0.09, 0.3/V) = 0.03
    logits = np.zeros((3, V))
    path, _ = ns["verify"](tokens, parents, depths, logits, criterion="typical")
    assert path == [0, 1, 2]
    # very peaked distribution on token 5: only token 5 would pass
    peaked = np.full((3, V), -20.0)
    peaked[:, 5] = 20.0
    path, nxt = ns["verify"](tokens, parents, depths, peaked, criterion="typical")
    assert path == [0] and nxt == 5
    # greedy rejects tokens that are not the argmax even under a uniform-ish distribution
    near = np.zeros((3, V))
    near[:, 1] = 0.5
    assert ns["verify"](tokens, parents, depths, near)[0] == [0, 1]
    assert ns["verify"](tokens, parents, depths, near, criterion="typical")[0] == [0, 1, 2]


def test_medusa_generate_equals_greedy(ns):
    m = ns["init_model"]()
    rng = np.random.default_rng(0)
    sizes = [3, 2, 2, 2]

    def heads(seq, root):
        return ns["oracle_heads"](m, seq, root, sizes, rng)

    sparse = ns["sparse_choices"]([[0.6, 0.2, 0.1], [0.5, 0.2], [0.4, 0.2], [0.3, 0.2]], 12)
    for prompt in ([1, 2, 3, 4], [7], [30, 0, 12, 5, 9]):
        plain = ns["greedy_generate"](m, prompt, 30)
        for choices in (ns["full_choices"](sizes), sparse, [(0,)]):
            out, calls = ns["medusa_generate"](m, prompt, 30, choices, heads)
            assert out == plain
            assert calls <= 31
        out, calls = ns["medusa_generate"](m, prompt, 30, ns["full_choices"](sizes), heads)
        assert calls < 20  # the tree really saves target calls


def load_broken_without_checks(old: str, new: str) -> dict:
    """The post's namespace with `old` replaced by `new` and the post's own checks disarmed.

    The post's runnable blocks assert their results, so a broken copy stops at its first
    check (which `test_broken_*_stops_the_post` expects); to look at the broken functions
    themselves, every `assert` of the post is turned into a no-op here."""
    text = post_path(SLUG).read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur exactly once in the post"
    text = text.replace(old, new)
    text = re.sub(r"(?m)^(\s*)assert ", r"\1_ = ", text)
    return load_post_code(SLUG, text=text)


@pytest.mark.parametrize(
    "old, new",
    [
        ("            mask[i] = mask[parents[i]]", "            mask[i, 0] = True"),
        ("    return prefix_len + depths", "    return prefix_len + np.arange(len(depths))"),
    ],
)
def test_broken_tree_stops_the_post(old, new):
    """A wrong mask or wrong position ids fail the post's own tree-forward check."""
    with pytest.raises(AssertionError) as caught:
        load_broken_post_code(SLUG, old, new)
    assert "exactly once" not in str(caught.value)


def test_broken_mask_fails():
    """Letting a node see only itself and the root (not all ancestors) breaks equivalence."""
    good = "            mask[i] = mask[parents[i]]"
    bad = load_broken_without_checks(good, "            mask[i, 0] = True")
    rng = np.random.default_rng(1)
    topk = [np.array([1, 2]), np.array([3, 4]), np.array([5, 6])]
    tokens, parents, depths, paths = bad["build_tree"](0, topk, bad["full_choices"]([2, 2, 2]))
    mask = bad["tree_mask"](parents)
    n = len(paths)
    anc = np.array([[paths[i][: len(paths[j])] == paths[j] for j in range(n)] for i in range(n)])
    assert not np.array_equal(mask, anc)
    # and the tree forward no longer matches per-path forwards
    m = bad["init_model"]()
    seq = [int(t) for t in rng.integers(0, 32, size=6)]
    tree_logits = bad["tree_forward"](m, seq, tokens, parents, depths)
    i = n - 1
    chain, j = [], i
    while j >= 0:
        chain.append(int(tokens[j]))
        j = parents[j]
    assert not np.allclose(tree_logits[i], bad["causal_logits"](m, seq + chain[::-1])[-1])


def test_broken_positions_fail():
    good = "    return prefix_len + depths"
    bad = load_broken_without_checks(good, "    return prefix_len + np.arange(len(depths))")
    m = bad["init_model"]()
    topk = [np.array([1, 2]), np.array([3, 4])]
    tokens, parents, depths, _ = bad["build_tree"](0, topk, bad["full_choices"]([2, 2]))
    seq = [5, 6, 7]
    tree_logits = bad["tree_forward"](m, seq, tokens, parents, depths)
    # node 2 ('in' branch at depth 1) now sits at the wrong position
    ref = bad["causal_logits"](m, [*seq, int(tokens[0]), int(tokens[2])])[-1]
    assert not np.allclose(tree_logits[2], ref)
