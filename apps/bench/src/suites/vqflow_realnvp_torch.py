"""The RealNVP of @atlas/vqflow (codebookSize 1: a plain flow) written in PyTorch, for the vqflow
bench suite: the same architecture — L affine couplings, layer pair p splits the coordinates by a
permutation (parity for the first pair, a random one after), the halves swapped on odd layers, a
ReLU MLP conditioner with a zero-initialised last layer, scales soft-clamped to 3·tanh(s/3), a fixed
standardisation — trained with Adam(1e-3) on the mean NLL, batch B, on standard normal data.
Prints one JSON line: training ms/step and samples/s, and log-density throughput on N points.
Usage: python3 vqflow_realnvp_torch.py D LAYERS HIDDEN(comma) BATCH STEPS WARMUP THREADS LOGPROB_N"""
import json
import math
import sys
import time

import torch
from torch import nn

d, L = int(sys.argv[1]), int(sys.argv[2])
hidden = [int(h) for h in sys.argv[3].split(",")]
B, steps, warmup, threads, n_eval = (int(a) for a in sys.argv[4:9])
torch.set_num_threads(threads)
torch.manual_seed(0)
CLAMP = 3.0


class Coupling(nn.Module):
    def __init__(self, a, b):
        super().__init__()
        widths = [max(1, a)] + hidden + [2 * b]
        layers = []
        for i in range(1, len(widths)):
            layers.append(nn.Linear(widths[i - 1], widths[i]))
            if i < len(widths) - 1:
                layers.append(nn.ReLU())
        nn.init.zeros_(layers[-1].weight)
        nn.init.zeros_(layers[-1].bias)
        self.net = nn.Sequential(*layers)
        self.a, self.b = a, b

    def forward(self, s):
        xa, xb = s[:, : self.a], s[:, self.a :]
        out = self.net(xa)
        scale = CLAMP * torch.tanh(out[:, : self.b] / CLAMP)
        return torch.cat([xa, xb * torch.exp(scale) + out[:, self.b :]], 1), scale.sum(1)


h = d // 2
parity = [i for i in range(d) if i % 2 == 1] + [i for i in range(d) if i % 2 == 0]
orders, couplings = [], nn.ModuleList()
g = torch.Generator().manual_seed(1)
pair = parity
for l in range(L):
    if l % 2 == 0:
        pair = parity if l == 0 else torch.randperm(d, generator=g).tolist()
        orders.append(pair)
        couplings.append(Coupling(h, d - h))
    else:
        orders.append(pair[h:] + pair[:h])
        couplings.append(Coupling(d - h, h))
# gather indices from one layer's column order to the next (as the tfjs flow does)
steps_idx = []
prev = list(range(d))
for o in orders:
    pos = {dim: p for p, dim in enumerate(prev)}
    steps_idx.append(torch.tensor([pos[dim] for dim in o]))
    prev = o
pos = {dim: p for p, dim in enumerate(prev)}
back = torch.tensor([pos[dim] for dim in range(d)])
shift, log_scale = torch.zeros(d), torch.zeros(d)


def log_prob(x):
    s = (x - shift) * torch.exp(-log_scale)
    ld = torch.zeros(x.shape[0]) - log_scale.sum()
    for idx, c in zip(steps_idx, couplings):
        s, l = c(s[:, idx])
        ld = ld + l
    s = s[:, back]
    return -0.5 * (s**2).sum(1) - 0.5 * d * math.log(2 * math.pi) + ld


data = torch.randn(max(B * 8, 4096), d)
opt = torch.optim.Adam(couplings.parameters(), lr=1e-3)


def step(i):
    idx = torch.randint(0, data.shape[0], (B,))
    opt.zero_grad()
    nll = -log_prob(data[idx]).mean()
    nll.backward()
    opt.step()
    return nll.item()


for i in range(warmup):
    step(i)
t0 = time.perf_counter()
for i in range(steps):
    step(i)
ms = (time.perf_counter() - t0) * 1000 / steps
eval_ms = None
if n_eval > 0:
    x = torch.randn(n_eval, d)
    with torch.no_grad():
        log_prob(x[:4096])
        t0 = time.perf_counter()
        for start in range(0, n_eval, 4096):
            log_prob(x[start : start + 4096])
        eval_ms = (time.perf_counter() - t0) * 1000
print(json.dumps({
    "msPerStep": ms,
    "samplesPerSecond": B * 1000 / ms,
    "logProbPointsPerSecond": None if eval_ms is None else n_eval * 1000 / eval_ms,
    "threads": torch.get_num_threads(),
    "version": torch.__version__,
    "parameters": sum(p.numel() for p in couplings.parameters()),
}))
