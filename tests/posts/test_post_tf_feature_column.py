"""The feature column post: the pure-Python version of tf.feature_column transformations."""

import zlib

import numpy as np
import pytest
from postcode import load_broken_post_code, load_post_code

SLUG = "tf-feature-column"


@pytest.fixture(scope="module")
def ns():
    return load_post_code(SLUG)


def test_stable_hash_is_crc32(ns):
    assert ns["stable_hash"]("hello") == 0x3610A686 == zlib.crc32(b"hello")
    assert ns["stable_hash"](42) == zlib.crc32(b"42")


def test_bucketize_against_loop(ns):
    rng = np.random.default_rng(0)
    for _ in range(100):
        bounds = np.unique(rng.integers(-20, 20, size=int(rng.integers(1, 6)))).astype(float)
        values = rng.integers(-25, 25, size=30).astype(float)  # many values hit a boundary exactly
        col = ns["BucketizedColumn"](ns["NumericColumn"]("x"), bounds)
        got = [row[0] for row in col.ids({"x": values})]
        expect = [sum(1 for b in bounds if b <= v) for v in values]
        assert got == expect
        onehot = col.dense({"x": values})
        assert onehot.shape == (30, len(bounds) + 1)
        assert (onehot.argmax(1) == expect).all() and (onehot.sum(1) == 1).all()
    with pytest.raises(ValueError):
        ns["BucketizedColumn"](ns["NumericColumn"]("x"), [1, 1, 2])


def test_numeric_default_and_normalizer(ns):
    col = ns["NumericColumn"]("x", default_value=5.0, normalizer_fn=lambda v: v * 2)
    assert col.dense({"x": [1.0, None]}).tolist() == [[2.0], [10.0]]
    with pytest.raises(ValueError):
        ns["NumericColumn"]("x").dense({"x": [None]})


def test_vocabulary_lookup(ns):
    vocab = ["a", "b", "c"]
    col = ns["VocabularyColumn"]("k", vocab)
    assert col.ids({"k": ["c", "zzz", ["a", "b", "q"]]}) == [[2], [], [0, 1]]
    col = ns["VocabularyColumn"]("k", vocab, default_value=1)
    assert col.ids({"k": ["zzz"]}) == [[1]]
    col = ns["VocabularyColumn"]("k", vocab, num_oov_buckets=4)
    assert col.num_buckets == 7
    words = [f"w{i}" for i in range(200)]
    ids = [row[0] for row in col.ids({"k": words})]
    assert all(3 <= i < 7 for i in ids)
    assert ids == [3 + zlib.crc32(w.encode()) % 4 for w in words]
    assert len(set(ids)) == 4  # the OOV values spread over all OOV buckets
    with pytest.raises(ValueError):
        ns["VocabularyColumn"]("k", ["a", "a"])
    with pytest.raises(ValueError):
        ns["VocabularyColumn"]("k", vocab, num_oov_buckets=1, default_value=0)


def test_identity_and_hash(ns):
    col = ns["IdentityColumn"]("d", 7)
    assert col.ids({"d": [0, 6, [1, 2]]}) == [[0], [6], [1, 2]]
    with pytest.raises(ValueError):
        col.ids({"d": [7]})
    assert ns["IdentityColumn"]("d", 7, default_value=0).ids({"d": [9, -1]}) == [[0], [0]]
    h = ns["HashBucketColumn"]("s", 10)
    vals = ["x", "y", "x", 3]
    assert h.ids({"s": vals}) == [[zlib.crc32(str(v).encode()) % 10] for v in vals]


def test_crossed_is_cartesian_and_deterministic(ns):
    a = ns["VocabularyColumn"]("a", ["p", "q", "r"])
    cross = ns["CrossedColumn"]([a, "b"], 50)
    assert cross.name == "a_X_b"
    feats = {"a": [["p", "q"], "r", "zzz"], "b": [["x", "y", "z"], "x", "x"]}
    ids = cross.ids(feats)
    assert [len(r) for r in ids] == [6, 1, 0]  # 2*3 combos; an invalid id drops the cross
    assert all(0 <= i < 50 for r in ids for i in r)
    again = ns["CrossedColumn"]([a, "b"], 50).ids(feats)
    assert again == ids
    expect = [ns["cross_hash"]((f"a:{i}", b), 50) for i in (0, 1) for b in ("x", "y", "z")]
    assert ids[0] == expect
    # with many buckets, different combinations rarely collide; order of parts matters
    big = ns["CrossedColumn"](["b", "c"], 2**31)
    f = {"b": ["u", "v"], "c": ["v", "u"]}
    r = big.ids(f)
    assert r[0] != r[1]


def test_indicator_and_embedding(ns):
    rng = np.random.default_rng(1)
    col = ns["IdentityColumn"]("t", 6)
    rows = [list(rng.integers(0, 6, size=int(rng.integers(0, 5)))) for _ in range(40)]
    feats = {"t": rows}
    ind = ns["IndicatorColumn"](col).dense(feats)
    for r, ids in enumerate(rows):
        assert ind[r].tolist() == [float(ids.count(k)) for k in range(6)]
    for combiner in ("mean", "sum", "sqrtn"):
        emb = ns["EmbeddingColumn"](col, 3, combiner=combiner, seed=2)
        out = emb.dense(feats)
        assert np.abs(emb.table).max() <= 2 / np.sqrt(3) + 1e-12
        for r, ids in enumerate(rows):
            if not ids:
                assert np.allclose(out[r], 0)
                continue
            s = sum(emb.table[i] for i in ids)
            n = len(ids)
            expect = {"sum": s, "mean": s / n, "sqrtn": s / np.sqrt(n)}[combiner]
            assert np.allclose(out[r], expect)
    # one-hot indicator equals an embedding with identity table and sum combiner
    emb = ns["EmbeddingColumn"](col, 6, combiner="sum")
    emb.table = np.eye(6)
    assert np.allclose(emb.dense(feats), ind)


def test_dense_features_sorts_by_name(ns):
    f = {"b": [1.0, 2.0], "a": [0, 2]}
    cols = [ns["NumericColumn"]("b"), ns["IndicatorColumn"](ns["IdentityColumn"]("a", 3))]
    out = ns["dense_features"](f, cols)
    assert out.tolist() == [[1, 0, 0, 1.0], [0, 0, 1, 2.0]]
    with pytest.raises(ValueError):
        ns["dense_features"](f, [ns["NumericColumn"]("b"), ns["NumericColumn"]("b")])


def test_broken_post_fails():
    old = 'self.source.values(features), side="right")'
    with pytest.raises(AssertionError) as caught:
        load_broken_post_code(SLUG, old, 'self.source.values(features), side="left")')
    assert "exactly once" not in str(caught.value)  # the broken code failed, not a stale `old`
