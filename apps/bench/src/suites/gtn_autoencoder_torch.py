"""The GTN paper's MNIST autoencoder (Appendix F) training step in PyTorch, for the gtn-autoencoder
bench suite: same network, Adam(1e-3), MSE, batch 128, synthetic 28x28 data. Prints one JSON line.
Usage: python3 gtn_autoencoder_torch.py STEPS WARMUP LATENT_DIM [THREADS]"""
import json
import os
import sys
import time

import torch
from torch import nn

steps, warmup, d = (int(a) for a in sys.argv[1:4])
threads = int(sys.argv[4]) if len(sys.argv) > 4 else (os.cpu_count() or 1)
torch.manual_seed(0)
torch.set_num_threads(threads)
encoder = nn.Sequential(
    nn.Conv2d(1, 64, 4, 2, 1), nn.ReLU(),
    nn.Conv2d(64, 128, 4, 2, 1), nn.ReLU(),
    nn.Flatten(), nn.Linear(128 * 7 * 7, d), nn.Tanh(),
)
decoder = nn.Sequential(
    nn.Linear(d, 128 * 7 * 7), nn.Unflatten(1, (128, 7, 7)),
    nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.ReLU(),
    nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Sigmoid(),
)
params = list(encoder.parameters()) + list(decoder.parameters())
opt = torch.optim.Adam(params, lr=1e-3)
x = torch.rand(128, 1, 28, 28)


def step():
    opt.zero_grad()
    loss = nn.functional.mse_loss(decoder(encoder(x)), x)
    loss.backward()
    opt.step()
    return loss.item()


for _ in range(warmup):
    step()
times = []
for _ in range(steps):
    t0 = time.perf_counter()
    step()
    times.append((time.perf_counter() - t0) * 1000)
print(json.dumps({
    "msPerStep": sum(times) / len(times),
    "steps": steps,
    "threads": torch.get_num_threads(),
    "version": torch.__version__,
    "parameters": sum(p.numel() for p in params),
}))
