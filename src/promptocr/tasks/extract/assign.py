"""The one assignment of rows to columns that maximises the summed scores (each row at most
one column, each column at most one row): the Hungarian method with potentials, one
augmenting path per row, vectorised over the columns. The linker's matrices are small (the
requested keys by their candidate values), and `scipy.optimize` would add about 0.5 s and 50
MB to the first extraction of a process for this one function."""

from __future__ import annotations

import numpy as np


def max_assignment(score: np.ndarray) -> list[tuple[int, int]]:
    """The (row, column) pairs of a maximum-sum assignment of the 2-D `score` matrix: every
    row of a matrix with no more rows than columns is given a column (else every column a
    row). Pairs come sorted by row."""
    if score.ndim != 2 or score.size == 0:
        return []
    if score.shape[0] > score.shape[1]:
        return sorted((r, c) for c, r in max_assignment(score.T))
    cost = -np.asarray(score, dtype=np.float64)
    n, m = cost.shape
    u = np.zeros(n + 1)
    v = np.zeros(m + 1)
    p = np.zeros(m + 1, dtype=np.int64)  # p[j]: the row (1-based) given column j; 0 for none
    way = np.zeros(m + 1, dtype=np.int64)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = np.full(m + 1, np.inf)
        used = np.zeros(m + 1, dtype=bool)
        while True:
            used[j0] = True
            i0 = int(p[j0])
            free = ~used[1:]
            cur = cost[i0 - 1] - u[i0] - v[1:]
            better = free & (cur < minv[1:])
            minv[1:][better] = cur[better]
            way[1:][better] = j0
            cand = np.where(free, minv[1:], np.inf)
            j1 = int(np.argmin(cand)) + 1
            delta = float(cand[j1 - 1])
            u[p[used]] += delta
            v[used] -= delta
            minv[1:][free] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while j0:
            j1 = int(way[j0])
            p[j0] = p[j1]
            j0 = j1
    return sorted((int(p[j]) - 1, j - 1) for j in range(1, m + 1) if p[j])
