"""Tests for the code in content/posts/kv-cache/index.md."""

import numpy as np
import pytest
from postcode import load_broken_post_code, load_post_code

SLUG = "kv-cache"


@pytest.fixture(scope="module")
def ns():
    return load_post_code(SLUG)


def naive_causal_attention_logits(model, tokens):
    """Independent reference: loop over positions and heads with explicit sums."""
    tokens = list(tokens)
    T = len(tokens)
    x = model.tok_emb[tokens] + model.pos_emb[:T]
    H, Hkv, dh = model.n_heads, model.n_kv_heads, model.d_head
    Q = (x @ model.Wq).reshape(T, H, dh)
    K = (x @ model.Wk).reshape(T, Hkv, dh)
    V = (x @ model.Wv).reshape(T, Hkv, dh)
    out = np.zeros((T, H * dh))
    for t in range(T):
        for h in range(H):
            g = h // (H // Hkv)
            s = np.array([Q[t, h] @ K[j, g] / np.sqrt(dh) for j in range(t + 1)])
            w = np.exp(s - s.max())
            w /= w.sum()
            out[t, h * dh : (h + 1) * dh] = sum(w[j] * V[j, g] for j in range(t + 1))
    return (x + out @ model.Wo) @ model.tok_emb.T


@pytest.mark.parametrize("n_kv", [4, 2, 1])
def test_full_forward_matches_naive_reference(ns, n_kv):
    model = ns["TinyDecoder"](n_heads=4, n_kv_heads=n_kv, seed=n_kv)
    seq = np.random.default_rng(0).integers(0, 50, size=12)
    assert np.allclose(model.forward(seq), naive_causal_attention_logits(model, seq))


@pytest.mark.parametrize("n_kv", [8, 4, 2, 1])
@pytest.mark.parametrize("prefill_len", [1, 5, 19])
def test_incremental_decoding_equals_full_recomputation(ns, n_kv, prefill_len):
    TinyDecoder, new_cache, step = ns["TinyDecoder"], ns["new_cache"], ns["forward_with_cache"]
    model = TinyDecoder(d_model=48, n_heads=8, n_kv_heads=n_kv, seed=10 + n_kv)
    seq = np.random.default_rng(prefill_len).integers(0, 50, size=20)
    full = model.forward(seq)
    cache = new_cache(model)
    outs = [step(model, seq[:prefill_len], cache)]
    for tok in seq[prefill_len:]:
        outs.append(step(model, [tok], cache))
    assert np.allclose(np.concatenate(outs), full)
    assert cache.length == len(seq)
    assert cache.k.shape == (n_kv, model.max_len, model.d_head)
    # the post's own check agrees
    ns["check_cache_matches_full"](model, seq, prefill_len)


def test_chunked_prefill(ns):
    model = ns["TinyDecoder"](n_heads=4, n_kv_heads=2, seed=3)
    seq = np.random.default_rng(1).integers(0, 50, size=23)
    cache = ns["new_cache"](model)
    outs = [ns["forward_with_cache"](model, seq[i : i + 4], cache) for i in range(0, len(seq), 4)]
    assert np.allclose(np.concatenate(outs), model.forward(seq))


def test_cache_prefix_is_what_full_pass_computes(ns):
    model = ns["TinyDecoder"](n_heads=4, n_kv_heads=2, seed=4)
    seq = np.random.default_rng(2).integers(0, 50, size=9)
    cache = ns["new_cache"](model)
    for tok in seq:
        ns["forward_with_cache"](model, [tok], cache)
    _, k, v = model.qkv(model.embed(seq, 0))
    assert np.allclose(cache.k[:, : len(seq)], k)
    assert np.allclose(cache.v[:, : len(seq)], v)


@pytest.mark.parametrize("n_kv", [4, 2, 1])
def test_generation_with_and_without_cache_is_identical(ns, n_kv):
    model = ns["TinyDecoder"](n_heads=4, n_kv_heads=n_kv, seed=20 + n_kv)
    for prompt in ([7], [1, 2, 3], list(range(10, 22))):
        a = ns["generate"](model, prompt, 15)
        b = ns["generate"](model, prompt, 15, use_cache=False)
        assert a == b
        assert len(a) == len(prompt) + 15 and a[: len(prompt)] == prompt


def test_gqa_equals_mha_with_duplicated_kv_heads(ns):
    TinyDecoder = ns["TinyDecoder"]
    gqa = TinyDecoder(d_model=32, n_heads=4, n_kv_heads=2, seed=5)
    mha = TinyDecoder(d_model=32, n_heads=4, n_kv_heads=4, seed=6)
    for name in ("tok_emb", "pos_emb", "Wq", "Wo"):
        setattr(mha, name, getattr(gqa, name))
    dh = gqa.d_head
    # query head h of the GQA model reads KV head h // 2: copy those columns
    mha.Wk = np.concatenate(
        [gqa.Wk[:, (h // 2) * dh : (h // 2 + 1) * dh] for h in range(4)], axis=1
    )
    mha.Wv = np.concatenate(
        [gqa.Wv[:, (h // 2) * dh : (h // 2 + 1) * dh] for h in range(4)], axis=1
    )
    seq = np.random.default_rng(3).integers(0, 50, size=15)
    assert np.allclose(gqa.forward(seq), mha.forward(seq))
    # and its cache is half the size
    assert ns["new_cache"](gqa).k.nbytes * 2 == ns["new_cache"](mha).k.nbytes


def test_cache_overflow_is_detected(ns):
    model = ns["TinyDecoder"](max_len=8)
    cache = ns["new_cache"](model)
    ns["forward_with_cache"](model, list(range(8)), cache)
    with pytest.raises(AssertionError):
        ns["forward_with_cache"](model, [1], cache)


def test_memory_formula_by_hand(ns):
    f = ns["kv_cache_bytes"]
    # LLaMA-2-7B, 4k context, FP16: 2*32*32*128*4096*2 bytes = 2 GiB
    assert f(32, 32, 128, 4096, 1, 2) == 2_147_483_648 == 2 * 2**30
    assert f(32, 32, 128, 1) == 524_288  # 512 KiB per token
    assert f(32, 8, 128, 4096) == 512 * 2**20  # Mistral-7B (GQA, 8 KV heads)
    assert f(80, 8, 128, 1) == 327_680  # LLaMA-2-70B per token
    assert f(32, 32, 128, 4096, batch=8) == 16 * 2**30
    assert f(32, 32, 128, 4096, bytes_per_elem=1) == 2**30  # FP8 / INT8 halves it
    assert ns["llama2_7b_4k"] == 2 * ns["GiB"]


def test_memory_formula_matches_the_cache_arrays(ns):
    for n_kv in (4, 2, 1):
        model = ns["TinyDecoder"](n_heads=4, n_kv_heads=n_kv, max_len=40)
        cache = ns["new_cache"](model)
        expected = ns["kv_cache_bytes"](1, n_kv, model.d_head, model.max_len, 1, cache.k.itemsize)
        assert cache.k.nbytes + cache.v.nbytes == expected


def test_flops_by_hand(ns):
    g = ns["generation_flops"]
    # N=10, L=1, d=1, prompt 2, 2 new tokens
    # no cache: step0 2 tokens: 2*10*2 + 4*(1+2) = 52; step1 3 tokens: 60 + 4*6 = 84
    assert g(10, 1, 1, 2, 2, use_cache=False) == 52 + 84
    # cache: prefill 52; decode 1 token seeing 3 keys: 20 + 4*3 = 32
    assert g(10, 1, 1, 2, 2, use_cache=True) == 52 + 32
    # the numbers quoted in the post for LLaMA-2-7B, 1000 + 1000 tokens
    a = g(6.7e9, 32, 4096, 1000, 1000, use_cache=False)
    b = g(6.7e9, 32, 4096, 1000, 1000, use_cache=True)
    assert 2.0e16 < a < 2.2e16 and 2.7e13 < b < 2.9e13 and 700 < a / b < 800


def test_a_broken_post_fails():
    needle = "    return model.logits(x, model.attend(q, K, V, q_start=start))"
    # forgetting the absolute offset of the new tokens breaks the causal mask,
    # and the post's own check (a runnable block) fails, so the build fails
    with pytest.raises(AssertionError) as caught:
        load_broken_post_code(
            SLUG, needle, "    return model.logits(x, model.attend(q, K, V, q_start=0))"
        )
    assert "exactly once" not in str(caught.value)  # the broken code failed, not a stale `old`
    assert str(caught.traceback[-1].path).endswith("index.md")
