"""The code of the post "146. LRU 缓存" behaves like an LRU cache."""

import random

import pytest
from postcode import load_broken_post_code, load_post_code

SLUG = "lc146-lru-cache"

EXAMPLE_OPS = ["LRUCache", "put", "put", "get", "put", "get", "put", "get", "get", "get"]
EXAMPLE_ARGS = [[2], [1, 1], [2, 2], [1], [3, 3], [2], [4, 4], [1], [3], [4]]
EXAMPLE_OUT = [None, None, None, 1, None, -1, None, -1, 3, 4]


class ListLRU:
    """Reference model: a plain list of (key, value), oldest first; every operation is O(n)."""

    def __init__(self, capacity):
        self.capacity = capacity
        self.items = []

    def _find(self, key):
        for i, (k, _) in enumerate(self.items):
            if k == key:
                return i
        return -1

    def get(self, key):
        i = self._find(key)
        if i < 0:
            return -1
        item = self.items.pop(i)
        self.items.append(item)
        return item[1]

    def put(self, key, value):
        i = self._find(key)
        if i >= 0:
            self.items.pop(i)
        elif len(self.items) == self.capacity:
            self.items.pop(0)
        self.items.append((key, value))


@pytest.fixture(scope="module")
def ns():
    return load_post_code(SLUG)


def run(cls, ops, args):
    out, obj = [], None
    for op, arg in zip(ops, args, strict=False):
        if op == "LRUCache":
            obj = cls(*arg)
            out.append(None)
        else:
            out.append(getattr(obj, op)(*arg))
    return out


def linked_order(cache):
    """Keys from most to least recent, walking the list both ways and checking the links."""
    forward, node = [], cache.head.next
    while node is not cache.tail:
        assert node.next.prev is node
        forward.append((node.key, node.value))
        node = node.next
    backward, node = [], cache.tail.prev
    while node is not cache.head:
        backward.append((node.key, node.value))
        node = node.prev
    assert backward == forward[::-1]
    return forward


# The official example (both classes, through the post's `replay`) is a doctest in the
# post, run when the site is built.


def random_ops(rng):
    capacity = rng.randint(1, 5)
    keys = rng.randint(1, 2 * capacity + 2)
    ops = []
    for _ in range(rng.randint(1, 80)):
        if rng.random() < 0.5:
            ops.append(("get", (rng.randrange(keys),)))
        else:
            ops.append(("put", (rng.randrange(keys), rng.randint(0, 10**5))))
    return capacity, ops


@pytest.mark.parametrize("name", ["LRUCache", "LRUCacheOrdered"])
def test_random_sequences_against_list_model(ns, name):
    rng = random.Random(146)
    for _ in range(300):
        capacity, ops = random_ops(rng)
        cache, model = ns[name](capacity), ListLRU(capacity)
        for op, arg in ops:
            assert getattr(cache, op)(*arg) == getattr(model, op)(*arg), (capacity, ops)


def test_internal_list_matches_model(ns):
    rng = random.Random(3)
    for _ in range(200):
        capacity, ops = random_ops(rng)
        cache, model = ns["LRUCache"](capacity), ListLRU(capacity)
        for op, arg in ops:
            getattr(cache, op)(*arg)
            getattr(model, op)(*arg)
            order = linked_order(cache)
            assert order == model.items[::-1]
            assert len(cache.map) == len(order) <= capacity
            assert all(cache.map[k].key == k for k in cache.map)


def test_many_operations_are_fast(ns):
    rng = random.Random(0)
    cache, ordered = ns["LRUCache"](3000), ns["LRUCacheOrdered"](3000)
    for _ in range(20000):
        key = rng.randint(0, 10**4)
        if rng.random() < 0.5:
            assert cache.get(key) == ordered.get(key)
        else:
            value = rng.randint(0, 10**5)
            cache.put(key, value)
            ordered.put(key, value)


def test_broken_eviction_is_caught():
    line = "            lru = self.tail.prev\n"
    # The example, replayed, notices the wrong eviction.
    with pytest.raises(AssertionError) as caught:
        ns = load_broken_post_code(SLUG, line, "            lru = self.head.next\n")
        assert run(ns["LRUCache"], EXAMPLE_OPS, EXAMPLE_ARGS) == EXAMPLE_OUT
    assert "exactly once" not in str(caught.value)  # the broken code failed, not a stale `old`
