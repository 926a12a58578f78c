"""Kendall's score S: its variance with ties and its exact null distribution for small n."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

#: Largest n for which ``method="auto"`` uses the exact distribution of S.
EXACT_MAX_N = 10
#: Largest n for which permutations are enumerated (needed only when x and y both have ties).
ENUMERATE_MAX_N = 9
#: Largest n for which the exact generating-function distribution is computed on request.
EXACT_GF_MAX_N = 60


def _tie_sizes(values: np.ndarray) -> np.ndarray:
    """Sizes of groups of equal values (groups of size >= 2 only)."""
    _, counts = np.unique(values, return_counts=True)
    return counts[counts > 1].astype(np.int64)


def _kendall_s(x: np.ndarray, y: np.ndarray) -> int:
    """Kendall score S = sum over pairs of sign(x_j - x_i) * sign(y_j - y_i)."""
    dx = np.sign(x[None, :] - x[:, None])
    dy = np.sign(y[None, :] - y[:, None])
    return int(np.sum(np.triu(dx * dy, k=1)))


def _var_s(n: int, tx: np.ndarray, ty: np.ndarray) -> float:
    """Variance of S under H0 with ties in x (sizes tx) and y (sizes ty); Kendall (1975)."""
    v1 = (
        n * (n - 1) * (2 * n + 5)
        - float(np.sum(tx * (tx - 1) * (2 * tx + 5)))
        - float(np.sum(ty * (ty - 1) * (2 * ty + 5)))
    ) / 18.0
    v2 = 0.0
    if n > 2:
        v2 = (
            float(np.sum(tx * (tx - 1) * (tx - 2)))
            * float(np.sum(ty * (ty - 1) * (ty - 2)))
            / (9.0 * n * (n - 1) * (n - 2))
        )
    v3 = float(np.sum(tx * (tx - 1))) * float(np.sum(ty * (ty - 1))) / (2.0 * n * (n - 1))
    return v1 + v2 + v3


# --------------------------------------------------------------------------------------
# exact null distribution of S
# --------------------------------------------------------------------------------------
def _multiply_q_integer(poly: list[int], i: int) -> list[int]:
    """Multiply a polynomial by [i]_q = 1 + q + ... + q^(i-1) (exact integers)."""
    out_len = len(poly) + i - 1
    prefix = [0, *itertools.accumulate(poly)]
    out = []
    for k in range(out_len):
        hi = min(k, len(poly) - 1)
        lo = max(0, k - i + 1)
        out.append(prefix[hi + 1] - prefix[lo])
    return out


def _divide_q_integer(poly: list[int], j: int) -> list[int]:
    """Divide a polynomial exactly by [j]_q; uses Q(1 - q^j) = P(1 - q)."""
    if j == 1:
        return list(poly)
    out_len = len(poly) - j + 1
    q: list[int] = []
    for k in range(out_len):
        value = poly[k] - (poly[k - 1] if k >= 1 else 0) + (q[k - j] if k >= j else 0)
        q.append(value)
    return q


def _exact_s_distribution_untied_x(y_ties: Sequence[int], n: int) -> dict[int, float]:
    """Exact null distribution of S when x has no ties (any ties in y).

    The number of inversions I of a random arrangement of a multiset with group sizes
    t_1..t_k has generating function equal to the q-multinomial coefficient
    [n]_q! / prod [t_j]_q!. With M = n(n-1)/2 - sum t(t-1)/2 untied pairs, S = M - 2I.
    """
    poly = [1]
    for i in range(2, n + 1):
        poly = _multiply_q_integer(poly, i)
    for t in y_ties:
        for j in range(2, int(t) + 1):
            poly = _divide_q_integer(poly, j)
    total = sum(poly)
    m_pairs = n * (n - 1) // 2 - sum(int(t) * (int(t) - 1) // 2 for t in y_ties)
    return {m_pairs - 2 * inv: c / total for inv, c in enumerate(poly) if c}


def _exact_s_distribution_enumerate(x: np.ndarray, y: np.ndarray) -> dict[int, float]:
    """Exact null distribution of S by enumerating all n! arrangements of y (n <= 10)."""
    n = len(y)
    perms = np.array(list(itertools.permutations(range(n))), dtype=np.int8)
    yp = y[perms]
    s = np.zeros(len(perms), dtype=np.int32)
    for i in range(n - 1):
        for j in range(i + 1, n):
            sx = int(np.sign(x[j] - x[i]))
            if sx:
                s += sx * np.sign(yp[:, j] - yp[:, i]).astype(np.int32)
    values, counts = np.unique(s, return_counts=True)
    total = counts.sum()
    return {int(v): float(c) / float(total) for v, c in zip(values, counts, strict=True)}


def _two_sided_exact_p(dist: dict[int, float], s_obs: int) -> float:
    """P(|S| >= |s_obs|) under the exact null distribution."""
    p = sum(prob for s, prob in dist.items() if abs(s) >= abs(s_obs))
    return float(min(1.0, p))


def _min_attainable_p(dist: dict[int, float]) -> float:
    """Smallest two-sided p-value the exact test can give for this n and tie pattern."""
    s_max = max(abs(s) for s in dist)
    return _two_sided_exact_p(dist, s_max)
