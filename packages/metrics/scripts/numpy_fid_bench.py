"""NumPy/SciPy timings of the d = 2048 FID, for the metrics bench (apps/bench/src/suites/metrics.ts).

Prints one JSON object: covariances of two 10 000 x 2048 float64 sets (np.cov), eigh of one
covariance (eigenvalues and vectors), the Frechet distance from the statistics by the same
symmetric route as @atlas/metrics (A = sqrt(S1) by eigh, eigvalsh of A S2 A), and pytorch-fid's
way (scipy.linalg.sqrtm of S1 S2). Usage: python3 numpy_fid_bench.py [d] [n]
"""
import json
import sys
import time

import numpy as np
import scipy
import scipy.linalg as sl

d = int(sys.argv[1]) if len(sys.argv) > 1 else 2048
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
rng = np.random.default_rng(0)
X = rng.standard_normal((n, d))
Y = rng.standard_normal((n, d)) * 1.1 + 0.3
out = {"d": d, "n": n, "numpy": np.__version__, "scipy": scipy.__version__}
try:
    cfg = np.show_config(mode="dicts")
    blas = cfg.get("Build Dependencies", {}).get("blas", {})
    out["blas"] = f'{blas.get("name")} {blas.get("version")} ({blas.get("openblas configuration", "")})'.strip()
except Exception:  # noqa: BLE001
    pass
t = time.perf_counter()
c1 = np.cov(X, rowvar=False)
c2 = np.cov(Y, rowvar=False)
out["covBothS"] = time.perf_counter() - t
t = time.perf_counter()
w, v = np.linalg.eigh(c1)
out["eighS"] = time.perf_counter() - t
t = time.perf_counter()
w, v = np.linalg.eigh(c1)
A = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
M = A @ c2 @ A
M = (M + M.T) / 2
ev = np.linalg.eigvalsh(M)
tr = np.sqrt(np.clip(ev, 0, None)).sum()
mu = X.mean(0) - Y.mean(0)
fid = mu @ mu + np.trace(c1) + np.trace(c2) - 2 * tr
out["frechetEighS"] = time.perf_counter() - t
out["fid"] = float(fid)
t = time.perf_counter()
s = sl.sqrtm(c1 @ c2)
fid2 = mu @ mu + np.trace(c1) + np.trace(c2) - 2 * np.trace(s).real
out["frechetSqrtmS"] = time.perf_counter() - t
out["fidSqrtm"] = float(fid2)
print(json.dumps(out))
