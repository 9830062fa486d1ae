"""Fast greedy MAP inference for DPP (Chen, Zhang, Zhou, NeurIPS 2018),
written in numpy after the algorithm of the paper (incremental Cholesky),
as the authors' reference does: the kernel is PRECOMPUTED outside the timed
region, so this times the greedy steps only. xsell's criterion bench
(`cargo bench -p xsell --bench dpp`) includes the kernel rows it needs.

Same instances as the Rust bench in spirit (random unit vectors, dim 16,
theta 0.8); times are medians of repeated runs.
"""
import math
import time

import numpy as np


def greedy_map(kernel, n, eps=1e-10):
    m = kernel.shape[0]
    cis = np.zeros((n, m))
    d2 = np.copy(np.diag(kernel))
    picks = [int(np.argmax(d2))]
    while len(picks) < n:
        k = len(picks) - 1
        j = picks[-1]
        e = (kernel[j, :] - cis[:k, j] @ cis[:k, :]) / math.sqrt(d2[j])
        cis[k, :] = e
        d2 -= np.square(e)
        d2[j] = -np.inf
        j = int(np.argmax(d2))
        if d2[j] < eps:
            break
        picks.append(j)
    return picks


def kernel_for(m, dim=16, theta=0.8, gamma=0.1, seed=0):
    rng = np.random.default_rng(seed)
    rel = rng.random(m)
    v = rng.standard_normal((m, dim))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    alpha = theta / (2 * (1 - theta))
    q = np.exp(alpha * (rel - rel.max()) / (rel.max() - rel.min()))
    s = (1 - gamma) * (v @ v.T)
    np.fill_diagonal(s, 1.0)
    return q[:, None] * s * q[None, :]


def median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


if __name__ == "__main__":
    print(f"numpy {np.__version__}")
    print("| M | N | numpy greedy, kernel precomputed (ms) | numpy kernel + greedy (ms) |")
    print("|---|---|---|---|")
    for m in (100, 300, 1000):
        k = kernel_for(m)
        for n in (5, 10, 20):
            t = median_time(lambda: greedy_map(k, n), 300)
            t_all = median_time(lambda: greedy_map(kernel_for(m), n), 100)
            print(f"| {m} | {n} | {t * 1e3:.3f} | {t_all * 1e3:.3f} |")
