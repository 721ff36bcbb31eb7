"""The code of the post "200. 岛屿数量" counts 4-connected islands correctly."""

import copy
import random

import pytest
from postcode import load_broken_post_code, load_post_code

SLUG = "lc200-number-of-islands"

EXAMPLE_1 = [
    ["1", "1", "1", "1", "0"],
    ["1", "1", "0", "1", "0"],
    ["1", "1", "0", "0", "0"],
    ["0", "0", "0", "0", "0"],
]
EXAMPLE_2 = [
    ["1", "1", "0", "0", "0"],
    ["1", "1", "0", "0", "0"],
    ["0", "0", "1", "0", "0"],
    ["0", "0", "0", "1", "1"],
]


def count_by_label_propagation(grid):
    """Independent reference: give every land cell its own label, then repeatedly
    replace each label by the smallest label among its land neighbours until nothing
    changes; the number of distinct labels left is the number of islands."""
    m, n = len(grid), len(grid[0])
    label = {(i, j): i * n + j for i in range(m) for j in range(n) if grid[i][j] == "1"}
    changed = True
    while changed:
        changed = False
        for (i, j), value in list(label.items()):
            best = min(
                [value]
                + [label[p] for p in ((i + 1, j), (i - 1, j), (i, j + 1), (i, j - 1)) if p in label]
            )
            if best < value:
                label[(i, j)] = best
                changed = True
    return len(set(label.values()))


@pytest.fixture(scope="module")
def ns():
    return load_post_code(SLUG)


def solvers(ns):
    # Each solver gets its own deep copy: Solution().numIslands floods the grid it is given.
    return {
        "dfs": lambda g: ns["Solution"]().numIslands(copy.deepcopy(g)),
        "bfs": lambda g: ns["num_islands_bfs"](copy.deepcopy(g)),
        "union_find": lambda g: ns["num_islands_union_find"](copy.deepcopy(g)),
    }


# The two examples of the problem are doctests in the post (all three methods), run
# when the site is built.
@pytest.mark.parametrize(
    "grid, expected",
    [
        ([["0"]], 0),
        ([["1"]], 1),
        ([["1", "0", "1"], ["0", "1", "0"], ["1", "0", "1"]], 5),  # diagonals do not connect
        ([["1", "1", "1"], ["1", "0", "1"], ["1", "1", "1"]], 1),  # ring around a lake
    ],
)
def test_small_cases(ns, grid, expected):
    assert count_by_label_propagation(grid) == expected
    for name, solve in solvers(ns).items():
        assert solve(grid) == expected, name


def random_grid(rng):
    m, n = rng.randint(1, 9), rng.randint(1, 9)
    p = rng.choice([0.2, 0.45, 0.6, 0.8])
    return [["1" if rng.random() < p else "0" for _ in range(n)] for _ in range(m)]


def test_random_grids_against_reference(ns):
    rng = random.Random(200)
    for _ in range(400):
        grid = random_grid(rng)
        expected = count_by_label_propagation(grid)
        for name, solve in solvers(ns).items():
            assert solve(grid) == expected, (name, grid)


def test_dfs_mutates_and_others_do_not(ns):
    grid = copy.deepcopy(EXAMPLE_2)
    assert ns["num_islands_bfs"](grid) == 3
    assert ns["num_islands_union_find"](grid) == 3
    assert grid == EXAMPLE_2
    assert ns["Solution"]().numIslands(grid) == 3
    assert all(cell == "0" for row in grid for cell in row)


def test_large_grids_need_no_recursion(ns):
    full = [["1"] * 300 for _ in range(300)]
    # A snake: every other row full, joined at alternating ends -> one long path.
    snake = [["0"] * 300 for _ in range(300)]
    for i in range(300):
        if i % 2 == 0:
            snake[i] = ["1"] * 300
        else:
            snake[i][299 if i % 4 == 1 else 0] = "1"
    checker = [["1" if (i + j) % 2 == 0 else "0" for j in range(300)] for i in range(300)]
    for name, solve in solvers(ns).items():
        assert solve(full) == 1, name
        assert solve(snake) == 1, name
        assert solve(checker) == 45000, name


def test_broken_neighbourhood_is_caught():
    line = "for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):"
    ns = load_broken_post_code(SLUG, line, "for nr, nc in ((r + 1, c), (r, c + 1), (r, c - 1)):")
    rng = random.Random(5)
    grids = [random_grid(rng) for _ in range(200)] + [EXAMPLE_1]
    assert any(
        ns["Solution"]().numIslands(copy.deepcopy(g)) != count_by_label_propagation(g)
        for g in grids
    )
