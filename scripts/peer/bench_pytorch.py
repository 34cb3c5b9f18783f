#!/usr/bin/env python3
"""The PyTorch side of Stride's speed comparison: the same layer shapes and nets as Stride's
benchmarks (scripts/bench), timed the same way, so README ratios come from one run.

Needs Debian's python3-torch. Prints CSV rows to stdout:
    kind,name,threads,metric,value
kind is layer|net; metric is fwd_ms / fwdbwd_ms (layers, ms per call) or images_per_s (nets).
Usage: scripts/peer/bench_pytorch.py [--threads 1,2] [--quick]

Each figure is the best of ROUNDS rounds (a layer's round: the median of its calls; a net's: its
images/s over a stretch of steps), as Stride's side takes its best JMH iteration, so that a slow
spell of the shared machine does not decide a ratio.

Run it as scripts/compare-pytorch does, with GLIBC_TUNABLES=glibc.malloc.mmap_max=0:
glibc.malloc.trim_threshold=17179869184: without it glibc's malloc gives PyTorch's large freed
blocks back to the system and every call faults their pages in again, which made some processes
2-10x slow (see compare-pytorch).
"""
import argparse
import os
import sys
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# (name, N, C, H, K, F, S, P): the conv shapes named in the performance issue.
CONV_SHAPES = [
    ("lenet_conv1", 64, 1, 28, 6, 5, 1, 2),
    ("lenet_conv2", 64, 6, 14, 16, 5, 1, 0),
    ("vgg_3_64_32", 64, 3, 32, 64, 3, 1, 1),
    ("vgg_64_64_32", 64, 64, 32, 64, 3, 1, 1),
    ("vgg_128_128_16", 64, 128, 16, 128, 3, 1, 1),
    ("vgg_256_256_8", 64, 256, 8, 256, 3, 1, 1),
    ("strided_64_128_32", 64, 64, 32, 128, 3, 2, 1),
    ("alexnet_conv1", 16, 3, 227, 96, 11, 4, 0),
]
# (name, N, C, H, S, P): depthwise 3x3 layers (groups = C = K), MobileNet-v2's expanded channels.
DEPTHWISE_SHAPES = [
    ("dw_96_3x3_s1", 32, 96, 48, 1, 1),
    ("dw_96_3x3_s2", 32, 96, 48, 2, 1),
]
ELEMENTWISE_SHAPE = (64, 64, 32, 32)


ROUNDS = 3


def median_ms(fn, warmup, reps):
    """The best of ROUNDS medians of reps calls each, after warmup calls."""
    for _ in range(warmup):
        fn()
    best = None
    for _ in range(ROUNDS):
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1e3)
        m = statistics.median(times)
        best = m if best is None else min(best, m)
    return best


def bench_layer(name, module, x, threads, warmup, reps):
    x = x.clone().requires_grad_(True)
    with torch.no_grad():
        fwd = median_ms(lambda: module(x), warmup, reps)
    y = module(x)
    dy = torch.randn_like(y)

    def step():
        x.grad = None
        for p in module.parameters():
            p.grad = None
        module(x).backward(dy)

    both = median_ms(step, warmup, reps)
    print(f"layer,{name},{threads},fwd_ms,{fwd:.4f}")
    print(f"layer,{name},{threads},fwdbwd_ms,{both:.4f}", flush=True)


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def vgg_small():
    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU()]
    return nn.Sequential(
        *block(3, 64), *block(64, 64), nn.MaxPool2d(2, 2),
        *block(64, 128), *block(128, 128), nn.MaxPool2d(2, 2),
        *block(128, 256), *block(256, 256), nn.MaxPool2d(2, 2), nn.Flatten(),
        nn.Linear(256 * 4 * 4, 256), nn.ReLU(), nn.Linear(256, 10))


def resnet20():
    # He et al.'s CIFAR ResNet-20 as Stride's zoo defines it (scripts/peer/zoo_reference.py)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import zoo_reference
    return zoo_reference.cifar_resnet(3)


def mobilenet_v2():
    import torchvision
    return torchvision.models.mobilenet_v2(num_classes=10)


def bench_net(name, model, shape, threads, seconds):
    x = torch.randn(*shape)
    labels = torch.randint(0, 10, (shape[0],))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), labels).backward()
        opt.step()

    for _ in range(3):
        step()
    best = 0.0
    for _ in range(ROUNDS):
        steps, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds / ROUNDS:
            step()
            steps += 1
        best = max(best, steps * shape[0] / (time.perf_counter() - t0))
    print(f"net,{name},{threads},images_per_s,{best:.1f}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    ap.add_argument("--only", default="", help="comma-separated names to run (default all)")
    args = ap.parse_args()
    warmup, reps, seconds = (2, 3, 3.0) if args.quick else (3, 7, 8.0)
    only = set(filter(None, args.only.split(",")))
    torch.manual_seed(0)
    print("kind,name,threads,metric,value")
    print(f"# torch {torch.__version__}", flush=True)
    for threads in [int(t) for t in args.threads.split(",")]:
        torch.set_num_threads(threads)
        for (name, n, c, h, k, f, s, p) in CONV_SHAPES:
            if only and name not in only:
                continue
            bench_layer(name, nn.Conv2d(c, k, f, stride=s, padding=p), torch.randn(n, c, h, h),
                        threads, warmup, reps)
        for (name, n, c, h, s, p) in DEPTHWISE_SHAPES:
            if only and name not in only:
                continue
            bench_layer(name, nn.Conv2d(c, c, 3, stride=s, padding=p, groups=c), torch.randn(n, c, h, h),
                        threads, warmup, reps)
        x = torch.randn(*ELEMENTWISE_SHAPE)
        for name, module in [("maxpool_2x2", nn.MaxPool2d(2, 2)), ("avgpool_2x2", nn.AvgPool2d(2, 2)),
                             ("relu", nn.ReLU()), ("elu", nn.ELU()), ("sigmoid", nn.Sigmoid()),
                             ("bn_64_32", nn.BatchNorm2d(64))]:
            if not only or name in only:
                bench_layer(name, module, x, threads, warmup, reps)
        if not only or "maxpool_3x3_s2_p1" in only:  # ResNet's stem pool, at its 112x112 size
            bench_layer("maxpool_3x3_s2_p1", nn.MaxPool2d(3, 2, padding=1), torch.randn(32, 64, 112, 112),
                        threads, warmup, reps)
        for name, model, shape in [("lenet5_b64", lenet5(), (64, 1, 28, 28)),
                                   ("lenet5_b256", lenet5(), (256, 1, 28, 28)),
                                   ("vgg_small_b64", vgg_small(), (64, 3, 32, 32)),
                                   ("resnet20_b128", resnet20(), (128, 3, 32, 32)),
                                   ("mobilenet_v2_b32", mobilenet_v2(), (32, 3, 96, 96))]:
            if not only or name in only:
                bench_net(name, model, shape, threads, seconds)


if __name__ == "__main__":
    main()
