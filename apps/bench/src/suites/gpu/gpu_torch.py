"""PyTorch peer of the `gpu` bench suite (apps/bench/src/suites/gpu/workloads.ts): the same
workloads with the same networks, on CUDA when present, else the CPU. Prints one JSON object:
{"device", "version", "rows": [{workload, msPerStep, batch, steps, note}]}.

Usage: python3 gpu_torch.py [--device cuda|cpu] [--workloads ae-128,ae-1024,bn-grad,act-grad,adam-ae,awae-m1,awae-m4,awae-m8,geodesic-decode]
                            [--steps N] [--warmup N] [--quick] [--threads N]

Networks (as Atlas builds them):
- ae-B: GTN App. F autoencoder: conv(64, k4 s2 p1) ReLU, conv(128, k4 s2 p1) ReLU, linear -> 5,
  batch norm, tanh; decoder linear 5 -> 7*7*128, convT(64) ReLU, convT(1), sigmoid. Adam 1e-3, MSE.
- awae-mM: AGM paper Appendix A at the paper's widths (h = 128, 64, 48 for m = 1, 4, 8), paper layout
  (PyTorch padding 1, no biases before batch norm): trunk Conv_h, Conv_2h, Conv_4h (+BN+Swish);
  per-chart heads Conv_8h+BN+Swish+FC_d and the psi head (+softmax, m > 1); per-chart decoders
  FC -> 7x7x8h -> FSConv_4h+BN+Swish; shared tail FSConv_2h+BN+Swish -> conv to 1 channel (stride 1,
  'same') -> sigmoid; discriminators 4 x (FC_4h+BN+Swish) + FC_1. One step = the encoder/decoder
  Adam step on reconstruction (psi-weighted L2) + 10 adversarial + 10 chart balance, then the
  discriminators' Adam step, then the step statistics read back (.item()), as AwaeGanTrainer.step.
- geodesic-decode: 8192 latent segments x 16 points through the App. F decoder in calls of 4096
  points, sub-segment lengths on the device, lengths read back.
"""
import argparse
import json
import os
import time

import torch
from torch import nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
p.add_argument("--workloads", default="ae-128,ae-1024,bn-grad,act-grad,adam-ae,awae-m1,awae-m4,awae-m8,geodesic-decode")
p.add_argument("--steps", type=int, default=0)
p.add_argument("--warmup", type=int, default=2)
p.add_argument("--quick", action="store_true")
p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
args = p.parse_args()
dev = torch.device(args.device)
torch.manual_seed(0)
torch.set_num_threads(args.threads)
if dev.type == "cuda":
    torch.backends.cuda.matmul.allow_tf32 = False  # float32 as WebGPU computes
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True


def sync():
    if dev.type == "cuda":
        torch.cuda.synchronize()



def time_scalar_steps(step, steps, warmup):
    """ms per call of `step` (which returns a scalar tensor) after `warmup` calls, and the last value:
    the timed steps are queued back to back and only the last scalar is read (then synchronised)."""
    for _ in range(warmup):
        step().item()
    sync()
    t0 = time.perf_counter()
    for _ in range(steps):
        s = step()
    value = s.item()
    sync()
    return (time.perf_counter() - t0) * 1000 / steps, value

def ae_nets(d=5):
    enc = nn.Sequential(
        nn.Conv2d(1, 64, 4, 2, 1), nn.ReLU(), nn.Conv2d(64, 128, 4, 2, 1), nn.ReLU(),
        nn.Flatten(), nn.Linear(128 * 7 * 7, d), nn.BatchNorm1d(d, momentum=0.1, eps=1e-5), nn.Tanh())
    dec = nn.Sequential(
        nn.Linear(d, 128 * 7 * 7), nn.Unflatten(1, (128, 7, 7)),
        nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Sigmoid())
    return enc.to(dev), dec.to(dev)


def ae(batch, steps, warmup):
    enc, dec = ae_nets()
    opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=1e-3)
    x = torch.rand(batch, 1, 28, 28, device=dev)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.mse_loss(dec(enc(x)), x)
        loss.backward()
        opt.step()
        return loss

    ms, last = time_scalar_steps(step, steps, warmup)
    return ms, batch, f"loss {last:.4f}"


def bn_swish2d(c):
    return [nn.BatchNorm2d(c, momentum=0.1, eps=1e-5), nn.SiLU()]


class AwaeGan(nn.Module):
    def __init__(self, m, h, d, c=1):
        super().__init__()
        self.m, self.d, self.h = m, d, h
        conv = lambda i, o: [nn.Conv2d(i, o, 4, 2, 1, bias=False), *bn_swish2d(o)]
        self.trunk = nn.Sequential(*conv(c, h), *conv(h, 2 * h), *conv(2 * h, 4 * h))  # 28 -> 14 -> 7 -> 3
        head = lambda units: nn.Sequential(*conv(4 * h, 8 * h), nn.Flatten(), nn.Linear(8 * h, units))  # 3 -> 1
        self.encoders = nn.ModuleList([head(d) for _ in range(m)])
        self.psi = head(m) if m > 1 else None
        self.decoders = nn.ModuleList([nn.Sequential(
            nn.Linear(d, 7 * 7 * 8 * h), nn.Unflatten(1, (8 * h, 7, 7)),
            nn.ConvTranspose2d(8 * h, 4 * h, 4, 2, 1), *bn_swish2d(4 * h)) for _ in range(m)])
        self.tail = nn.Sequential(nn.ConvTranspose2d(4 * h, 2 * h, 4, 2, 1), *bn_swish2d(2 * h),
                                  nn.Conv2d(2 * h, c, 4, 1, padding="same"), nn.Sigmoid())
        disc = lambda: nn.Sequential(*[layer for i in range(4) for layer in (
            nn.Linear(d if i == 0 else 4 * h, 4 * h), nn.BatchNorm1d(4 * h, momentum=0.1, eps=1e-5), nn.SiLU())],
            nn.Linear(4 * h, 1))
        self.discriminators = nn.ModuleList([disc() for _ in range(m)])

    def ae_parameters(self):
        mods = [self.trunk, self.encoders, self.decoders, self.tail] + ([self.psi] if self.psi is not None else [])
        return [q for mod in mods for q in mod.parameters()]


def awae(m, steps, warmup, n=100):
    h = {1: 128, 4: 64, 8: 48}[m]
    net = AwaeGan(m, h, 8 if m == 1 else 7).to(dev)
    ae_params = net.ae_parameters()
    opt = torch.optim.Adam(ae_params, lr=2e-4, betas=(0.5, 0.999))
    dopt = torch.optim.Adam(net.discriminators.parameters(), lr=1e-4, betas=(0.5, 0.999))
    x = torch.rand(n, 1, 28, 28, device=dev)
    lam = 10.0

    def step():
        feat = net.trunk(x)
        psi = torch.softmax(net.psi(feat), 1) if net.psi is not None else torch.ones(n, 1, device=dev)
        codes = [e(feat) for e in net.encoders]
        recs = net.tail(torch.cat([dec(z) for dec, z in zip(net.decoders, codes)], 0)).split(n, 0)
        costs = torch.stack([torch.sqrt(((x - r) ** 2).sum((1, 2, 3)) + 1e-8) for r in recs], 1)
        rec = (psi * costs).sum(1).mean()
        adv = (psi * torch.stack([F.softplus(-D(z)).reshape(-1) for D, z in zip(net.discriminators, codes)], 1)).sum(1).mean()
        loss = rec + lam * adv
        bal = torch.zeros((), device=dev)
        if m > 1:
            q = psi.mean(0)
            bal = (q * torch.log(q.clamp_min(1e-12) * m)).sum()
            loss = loss + lam * bal
        opt.zero_grad(set_to_none=True)
        loss.backward(inputs=ae_params)
        opt.step()
        prior = torch.randn(m, n, net.d, device=dev)
        psi_d, codes_d = psi.detach(), [z.detach() for z in codes]
        real = torch.stack([F.softplus(-D(prior[y])).reshape(-1) for y, D in enumerate(net.discriminators)], 1).sum(1).mean() / m
        fake = (psi_d * torch.stack([F.softplus(D(z)).reshape(-1) for D, z in zip(net.discriminators, codes_d)], 1)).sum(1).mean()
        dloss = real + fake
        dopt.zero_grad(set_to_none=True)
        dloss.backward()
        dopt.step()
        # the step statistics, read back as AwaeGanTrainer.step returns them
        return rec.item(), adv.item(), dloss.item(), bal.item()

    for _ in range(warmup):
        step()
    sync()
    t0 = time.perf_counter()
    for _ in range(steps):
        stats = step()
    ms = (time.perf_counter() - t0) * 1000 / steps
    params = sum(q.numel() for q in ae_params)
    return ms, n, f"MNIST epoch (600 steps) ~ {600 * ms / 1000:.1f} s; {params:,} params; rec {stats[0]:.3f}"


def geodesic(steps, warmup, quick):
    _, dec = ae_nets()
    dec.eval()
    edges = 512 if quick else 8192
    per = 16
    a = torch.rand(edges, 5, device=dev) * 2 - 1
    b = torch.rand(edges, 5, device=dev) * 2 - 1
    t = torch.linspace(0, 1, per, device=dev).reshape(1, per, 1)
    chunk = 4096 // per

    @torch.no_grad()
    def run():
        out = []
        for e0 in range(0, edges, chunk):
            aa, bb = a[e0:e0 + chunk, None, :], b[e0:e0 + chunk, None, :]
            z = ((1 - t) * aa + t * bb).reshape(-1, 5)
            g = dec(z).reshape(-1, per, 28 * 28)
            out.append((g[:, 1:] - g[:, :-1]).norm(dim=2).sum(1).cpu())
        return torch.cat(out)

    for _ in range(warmup):
        run()
    sync()
    t0 = time.perf_counter()
    for _ in range(steps):
        lengths = run()
    ms = (time.perf_counter() - t0) * 1000 / steps
    points = edges * per
    assert torch.isfinite(lengths).all()
    return ms * 4096 / points, 4096, f"{edges} edges x 16 points per run, {ms / 1000:.2f} s a run"


def bn_grad(steps, warmup):
    """A batch-norm layer's forward + backward in training (the gpu suite's bn-grad), 100x64x14x14."""
    bn = nn.BatchNorm2d(64, eps=1e-5, momentum=0.1).to(dev).train()
    g = torch.Generator().manual_seed(5)
    x = torch.randn(100, 64, 14, 14, generator=g).to(dev).requires_grad_(True)
    w = torch.randn(100, 64, 14, 14, generator=g).to(dev)

    def step():
        bn.zero_grad()
        x.grad = None
        (bn(x) * w).sum().backward()
        return x.grad.sum()

    ms, _ = time_scalar_steps(step, steps, warmup)
    return ms, 100, "BatchNorm2d(64) forward + backward, 100x64x14x14"


def act_grad(steps, warmup):
    """A Swish activation's forward + backward (the gpu suite's act-grad), 100x64x14x14."""
    g = torch.Generator().manual_seed(7)
    x = (torch.randn(100, 64, 14, 14, generator=g) * 2).to(dev).requires_grad_(True)
    w = torch.randn(100, 64, 14, 14, generator=g).to(dev)

    def step():
        x.grad = None
        (x * torch.sigmoid(x) * w).sum().backward()
        return x.grad.sum()

    ms, _ = time_scalar_steps(step, steps, warmup)
    return ms, 100, "x * sigmoid(x) forward + backward, 100x64x14x14"


def adam_ae(steps, warmup):
    """Adam's update alone of the App. F autoencoder's weights (the gpu suite's adam-ae)."""
    enc, dec = ae_nets()
    params = [p for p in list(enc.parameters()) + list(dec.parameters())]
    g = torch.Generator().manual_seed(6)
    for p in params:
        p.grad = (torch.randn(p.shape, generator=g) * 1e-2).to(dev)
    opt = torch.optim.Adam(params, lr=1e-3, foreach=False)
    for _ in range(warmup):
        opt.step()
    sync()
    t0 = time.perf_counter()
    for _ in range(steps):
        opt.step()
    sync()
    ms = (time.perf_counter() - t0) * 1000 / steps
    return ms, 1, f"{len(params)} parameters, torch.optim.Adam(foreach=False)"


rows = []
for w in [s for s in args.workloads.split(",") if s]:
    if w.startswith("ae-"):
        steps = args.steps or (3 if args.quick else 20)
        res = ae(int(w[3:]), steps, args.warmup)
    elif w.startswith("awae-m"):
        steps = args.steps or (1 if args.quick else 5)
        res = awae(int(w[6:]), steps, args.warmup)
    elif w == "bn-grad":
        steps = args.steps or (3 if args.quick else 20)
        res = bn_grad(steps, args.warmup)
    elif w == "act-grad":
        steps = args.steps or (3 if args.quick else 20)
        res = act_grad(steps, args.warmup)
    elif w == "adam-ae":
        steps = args.steps or (3 if args.quick else 20)
        res = adam_ae(steps, args.warmup)
    elif w == "geodesic-decode":
        steps = args.steps or (1 if args.quick else 3)
        res = geodesic(steps, args.warmup, args.quick)
    else:
        raise SystemExit(f"unknown workload {w}")
    ms, batch, note = res
    rows.append({"workload": w, "msPerStep": ms, "batch": batch, "steps": steps, "note": note})
    print(f"  {w}: {ms:.1f} ms/step ({note})", file=__import__("sys").stderr, flush=True)

name = torch.cuda.get_device_name(0) if dev.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
print(json.dumps({"device": dev.type, "deviceName": name, "version": torch.__version__, "rows": rows}))
