#!/usr/bin/env python3
"""Reference values for @atlas/metrics tests, computed independently with numpy/scipy.

Run:  python3 packages/metrics/scripts/make_fixtures.py   (numpy >= 1.26, scipy >= 1.11)
Writes packages/metrics/src/fixtures/reference.json, which the tests read (no Python at CI time).

Data are regenerated bit-exactly in TypeScript (src/fixtures/data.ts): a mulberry32 stream gives
uniforms k / 2^32, mixed with small integer weights, so every feature value and every partial sum
is exactly representable in float64 and the order of summation cannot change a bit.

KID subsets use @atlas/core's Rng (xoshiro128**, seeded through splitmix32; Rng.choice = first
`count` entries of a Fisher-Yates permutation), ported below, so both sides draw the same rows.

References:
  FID  as pytorch-fid's calculate_frechet_distance (scipy.linalg.sqrtm of sigma1 @ sigma2, real part),
       and the symmetric eigh route (A = sigma1^1/2, eigvalsh(A sigma2 A) clipped at 0); the second
       is the tighter reference where sqrtm loses digits (recorded as sqrtm_vs_eigh).
  IS   as the original improved-gan inception_score: softmax, contiguous splits, exp(mean KL), np.std.
  KID  as Binkowski et al.'s polynomial_mmd (degree 3, gamma 1/d, coef0 1, unbiased), np.std.
  PR   as Kynkaanniemi et al. 2019: k-th NN radius within each set (self excluded), <= counts inside.
"""
import json
import os

import numpy as np
import scipy.linalg
import scipy.special
from scipy.spatial.distance import cdist

M32 = 0xFFFFFFFF


def mulberry32(seed):
    a = seed & M32
    while True:
        a = (a + 0x6D2B79F5) & M32
        t = ((a ^ (a >> 15)) * (1 | a)) & M32
        t = (t + (((t ^ (t >> 7)) * (61 | t)) & M32)) & M32 ^ t
        yield ((t ^ (t >> 14)) & M32) / 4294967296.0


def make_pair(seed, n_a, n_b, d, offset=0.0, shift_div=4.0):
    """Two feature sets from one mulberry32 stream, drawn in this order:
    W (d x d integers floor(7u) - 3, row-major), shift (d values floor(5u) / shift_div),
    Z_A (n_a x d uniforms), Z_B (n_b x d uniforms);  A = Z_A W + offset,  B = Z_B W + offset + shift.
    Every partial sum is a multiple of 2^-32 below 2^21, so the values are exact in float64."""
    g = mulberry32(seed)
    W = np.array([[np.floor(next(g) * 7) - 3 for _ in range(d)] for _ in range(d)], dtype=np.float64)
    s = np.array([np.floor(next(g) * 5) / shift_div for _ in range(d)])
    ZA = np.array([[next(g) for _ in range(d)] for _ in range(n_a)], dtype=np.float64)
    ZB = np.array([[next(g) for _ in range(d)] for _ in range(n_b)], dtype=np.float64)
    return ZA @ W + offset, ZB @ W + (offset + s)


def make_logits(seed, n, c, scale=8.0):
    g = mulberry32(seed)
    return np.array([[next(g) * scale - scale / 2 for _ in range(c)] for _ in range(n)])


class CoreRng:
    """Port of @atlas/core Rng (xoshiro128** seeded by splitmix32)."""

    def __init__(self, seed):
        x = (seed & M32) ^ (seed // 2**32)

        def nxt():
            nonlocal x
            x = (x + 0x9E3779B9) & M32
            z = x
            z = ((z ^ (z >> 16)) * 0x85EBCA6B) & M32
            z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M32
            return (z ^ (z >> 16)) & M32

        self.s = [nxt(), nxt(), nxt(), nxt()]
        if not any(self.s):
            self.s[0] = 1

    @staticmethod
    def rotl(x, k):
        return ((x << k) | (x >> (32 - k))) & M32

    def next_uint32(self):
        s0, s1, s2, s3 = self.s
        result = (self.rotl((s1 * 5) & M32, 7) * 9) & M32
        t = (s1 << 9) & M32
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = self.rotl(s3, 11)
        self.s = [s0, s1, s2, s3]
        return result

    def int(self, n):
        limit = 2**32 - (2**32 % n)
        while True:
            r = self.next_uint32()
            if r < limit:
                return r % n

    def choice(self, n, count):
        p = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self.int(i + 1)
            p[i], p[j] = p[j], p[i]
        return np.array(p[:count])


def fid_pytorch(mu1, s1, mu2, s2, eps=1e-6):
    # pytorch-fid calculate_frechet_distance
    diff = mu1 - mu2
    covmean = scipy.linalg.sqrtm(s1.dot(s2))  # pytorch-fid passes disp=False (deprecated in SciPy 1.17)
    if not np.isfinite(covmean).all():
        offset = np.eye(s1.shape[0]) * eps
        covmean = scipy.linalg.sqrtm((s1 + offset).dot(s2 + offset))
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def fid_eigh(mu1, s1, mu2, s2):
    # symmetric route; eigenvalues at the rounding floor (d * eps * max) are zeros blurred by
    # rounding (rank-deficient covariances) and are clipped to 0 together with negative ones
    eps = np.finfo(np.float64).eps
    lam, V = np.linalg.eigh(s1)
    lam = np.where(lam > len(lam) * eps * max(lam.max(), 0), lam, 0.0)
    A = (V * np.sqrt(lam)) @ V.T
    M = A @ s2 @ A
    M = (M + M.T) / 2
    mu = np.linalg.eigvalsh(M)
    r = int((lam > 0).sum())
    mu = np.where(mu > r * eps * max(mu.max(), 0), mu, 0.0)
    diff = mu1 - mu2
    return float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.sqrt(mu).sum())


def inception_score(logits, splits):
    preds = scipy.special.softmax(logits, axis=1)
    scores = []
    n = preds.shape[0]
    for k in range(splits):
        part = preds[(k * n // splits):((k + 1) * n // splits), :]
        kl = part * (np.log(part) - np.log(np.expand_dims(np.mean(part, 0), 0)))
        kl = np.mean(np.sum(kl, 1))
        scores.append(np.exp(kl))
    return float(np.mean(scores)), float(np.std(scores))


def polynomial_mmd(X, Y):
    d = X.shape[1]
    K_XX = (X @ X.T / d + 1) ** 3
    K_YY = (Y @ Y.T / d + 1) ** 3
    K_XY = (X @ Y.T / d + 1) ** 3
    m = K_XX.shape[0]
    Kt_XX_sum = K_XX.sum() - np.trace(K_XX)
    Kt_YY_sum = K_YY.sum() - np.trace(K_YY)
    return (Kt_XX_sum + Kt_YY_sum) / (m * (m - 1)) - 2 * K_XY.sum() / (m * m)


def kid(A, B, subsets, subset_size, seed):
    rng = CoreRng(seed)
    mmds = []
    for _ in range(subsets):
        ia = rng.choice(len(A), subset_size)
        ib = rng.choice(len(B), subset_size)
        mmds.append(polynomial_mmd(A[ia], B[ib]))
    mmds = np.array(mmds)
    return float(mmds.mean()), float(mmds.std()), [float(v) for v in mmds]


def radii(X, k):
    D = cdist(X, X, "sqeuclidean")
    np.fill_diagonal(D, np.inf)
    return np.sort(D, axis=1)[:, k - 1]


def precision_recall(real, fake, k):
    rr = radii(real, k)
    fr = radii(fake, k)
    D = cdist(fake, real, "sqeuclidean")  # [fake, real]
    precision = np.mean((D <= rr[None, :]).any(axis=1))
    recall = np.mean((D.T <= fr[None, :]).any(axis=1))
    return float(precision), float(recall)


def main():
    out = {"generator": "packages/metrics/scripts/make_fixtures.py", "numpy": np.__version__, "scipy": scipy.__version__}
    fids = []
    for name, (seed, na, nb, d, offset, div) in {
        "small": (1, 50, 60, 8, 0.0, 4.0),
        "d64": (3, 500, 400, 64, 0.0, 4.0),
        "offset1e4": (5, 200, 300, 16, 1e4, 16.0),
        "rankDeficient": (7, 30, 40, 64, 0.0, 4.0),
    }.items():
        A, B = make_pair(seed, na, nb, d, offset, div)
        mu1, s1 = A.mean(0), np.cov(A, rowvar=False)
        mu2, s2 = B.mean(0), np.cov(B, rowvar=False)
        f_sqrtm = fid_pytorch(mu1, s1, mu2, s2)
        f_eigh = fid_eigh(mu1, s1, mu2, s2)
        entry = {
            "name": name, "seed": seed, "nA": na, "nB": nb, "dim": d, "offset": offset, "shiftDiv": div,
            "fidSqrtm": f_sqrtm, "fidEigh": f_eigh,
            "sqrtmVsEigh": abs(f_sqrtm - f_eigh) / abs(f_eigh),
            "meanA": [float(v) for v in mu1],
            "traceA": float(np.trace(s1)), "traceB": float(np.trace(s2)),
        }
        if d <= 16:
            entry["covA"] = [float(v) for v in s1.ravel()]
        fids.append(entry)
    out["fid"] = fids

    iss = []
    for seed, n, c, splits in [(11, 250, 10, 10), (12, 100, 7, 3), (13, 1000, 10, 10)]:
        L = make_logits(seed, n, c)
        m, s = inception_score(L, splits)
        iss.append({"seed": seed, "n": n, "classes": c, "splits": splits, "mean": m, "std": s})
    out["inceptionScore"] = iss

    kids = []
    for data_seed, na, nb, d, div, subsets, size, seed in [(21, 120, 150, 16, 8.0, 5, 50, 7), (23, 300, 250, 32, 16.0, 3, 200, 0)]:
        A, B = make_pair(data_seed, na, nb, d, 0.0, div)
        m, s, mmds = kid(A, B, subsets, size, seed)
        kids.append({"dataSeed": data_seed, "nA": na, "nB": nb, "dim": d, "shiftDiv": div, "subsets": subsets,
                     "subsetSize": size, "seed": seed, "mean": m, "std": s, "mmd": mmds})
    out["kid"] = kids

    prs = []
    for seed, na, nb, d, div, k in [(31, 200, 150, 8, 8.0, 3), (33, 300, 250, 16, 16.0, 5), (35, 120, 100, 4, 4.0, 1), (37, 400, 300, 3, 16.0, 10)]:
        real, fake = make_pair(seed, na, nb, d, 0.0, div)
        p, r = precision_recall(real, fake, k)
        prs.append({"seed": seed, "nA": na, "nB": nb, "dim": d, "shiftDiv": div, "k": k, "precision": p, "recall": r})
    out["precisionRecall"] = prs

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "fixtures", "reference.json")
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")
    print("wrote", os.path.normpath(path))
    for e in fids:
        print(f"fid {e['name']}: sqrtm {e['fidSqrtm']!r} eigh {e['fidEigh']!r} rel diff {e['sqrtmVsEigh']:.2e}")
    print("IS", [(e["mean"], e["std"]) for e in iss])
    print("KID", [(e["mean"], e["std"]) for e in kids])
    print("PR", [(e["precision"], e["recall"]) for e in prs])


if __name__ == "__main__":
    main()
