"""Independent reference for gtnLabels (paper Algorithm 1), written straight from the paper with NumPy.

Run: python3 packages/gtn/scripts/make-label-fixtures.py  (writes src/fixtures/labels.json)

Sort X and Y ascending by L2 norm (stable), walk Y in that order, give each y the remaining x of
largest cosine similarity (np.argmax = first maximum = smallest norm among exact ties), remove it.
With a tie tolerance eps > 0 (gtnLabels' cosineTolerance): every remaining x with cosine >= best - eps
is tied, and the first of them in sorted order (smallest norm) is taken.
"""
import json
import os
import numpy as np


def unit(v):
    n = np.linalg.norm(v, axis=1, keepdims=True)
    out = np.zeros_like(v)
    nz = n[:, 0] > 0
    out[nz] = v[nz] / n[nz]
    return out, n[:, 0]


def labels(x, y, eps=0.0):
    ux, nx = unit(x)
    uy, ny = unit(y)
    ox = np.argsort(nx, kind="stable")
    oy = np.argsort(ny, kind="stable")
    remaining = list(ox)
    assign = np.zeros(len(y), dtype=np.int64)
    for i in oy:
        cos = ux[remaining] @ uy[i]
        j = int(np.argmax(cos))
        if eps > 0:
            j = int(np.flatnonzero(cos >= cos[j] - eps)[0])
        assign[i] = remaining[j]
        del remaining[j]
    return assign


rng = np.random.default_rng(20240611)
cases = []
# random continuous data: exact ties have probability 0, near ties are far above rounding
for n, d in [(150, 2), (200, 3), (120, 7), (100, 30)]:
    x = rng.uniform(-1, 2, size=(n, d))
    y = rng.standard_normal((n, d))
    cases.append({"name": f"uniform-vs-normal n={n} d={d}", "x": x.tolist(), "y": y.tolist(), "assign": labels(x, y).tolist()})
# 1-D integers: all ties exact, decided by the norm order (and original index among equal norms)
x = rng.integers(-4, 5, size=(80, 1)).astype(float)
y = rng.integers(-3, 4, size=(80, 1)).astype(float)
cases.append({"name": "1-D integers with ties and zeros", "x": x.tolist(), "y": y.tolist(), "assign": labels(x, y).tolist()})
# duplicated rows and zero vectors in 2-D
# (base directions are distinct, so every exact tie comes from a duplicate or a zero vector)
base = np.vstack([rng.standard_normal((14, 2)), np.zeros((1, 2))])
x = base[rng.integers(0, 15, size=60)]
y = np.vstack([rng.standard_normal((50, 2)), np.zeros((3, 2)), base[:7]])
cases.append({"name": "2-D duplicated rows and zero vectors", "x": x.tolist(), "y": y.tolist(), "assign": labels(x, y).tolist()})

# tie tolerance: the same kinds of data, labelled with eps > 0
for n, d, eps in [(150, 2, 1e-3), (200, 3, 1e-2), (120, 7, 0.05), (100, 30, 0.1)]:
    x = rng.uniform(-1, 2, size=(n, d))
    y = rng.standard_normal((n, d))
    cases.append({"name": f"uniform-vs-normal n={n} d={d} cosineTolerance={eps}", "x": x.tolist(), "y": y.tolist(), "cosineTolerance": eps, "assign": labels(x, y, eps).tolist()})
for eps in [0.5, 1.0, 2.0]:
    x = rng.integers(-4, 5, size=(80, 1)).astype(float)
    y = rng.integers(-3, 4, size=(80, 1)).astype(float)
    cases.append({"name": f"1-D integers with ties and zeros, cosineTolerance={eps}", "x": x.tolist(), "y": y.tolist(), "cosineTolerance": eps, "assign": labels(x, y, eps).tolist()})
x = base[rng.integers(0, 15, size=60)]
y = np.vstack([rng.standard_normal((50, 2)), np.zeros((3, 2)), base[:7]])
cases.append({"name": "2-D duplicated rows and zero vectors, cosineTolerance=0.01", "x": x.tolist(), "y": y.tolist(), "cosineTolerance": 0.01, "assign": labels(x, y, 0.01).tolist()})

out = os.path.join(os.path.dirname(__file__), "..", "src", "fixtures", "labels.json")
with open(out, "w") as f:
    json.dump({"generator": "packages/gtn/scripts/make-label-fixtures.py", "cases": cases}, f)
print("wrote", out, [c["name"] for c in cases])
