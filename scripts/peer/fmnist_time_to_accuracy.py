#!/usr/bin/env python3
"""PyTorch 1.13 running Stride's Fashion-MNIST ResNet-20 recipe, for the time-to-accuracy table in
docs/training-results.md. The Stride side is

    scripts/stride train --dataset fashion-mnist --model resnet20 --epochs 20 --batch 128 --lr 0.1
        --optimizer nesterov --weight-decay 5e-4 --warmup-epochs 1 --shift 2 --flip
        --label-smoothing 0.1 --seed 1 --openblas-kernels auto

and this script does the same in PyTorch: the same network (scripts/peer/zoo_reference.py's
ResNet-20, option-A shortcuts), He-uniform weights and zero biases, normalisation by the training
set's mean and std, random shifts of up to --shift pixels with a black border (a crop of the image
padded by the shift) and horizontal flips of half the images, SGD with Nesterov momentum 0.9 and
weight decay on every parameter, a linear warm-up over the first epoch's steps into a cosine decay
to 0 per step, cross-entropy with label smoothing, the last short batch kept. Random draws differ
from Stride's, so the accuracies agree only as two seeds of one recipe do.

Prints one CSV row per epoch with Stride's metrics.csv columns plus the cumulative training
seconds, then the first epoch that reached --target (time counts training only, like Stride's
`seconds` column; evaluation is not timed on either side).

Usage: scripts/peer/fmnist_time_to_accuracy.py [--threads 2] [--epochs 20] [--target 0.94]
                                                [--data /usr/share/datasets/fashion-mnist] [--limit N]
Needs Debian's python3-torch (/usr/bin/python3). Runs itself again with the glibc malloc settings
that scripts/compare-pytorch uses (without them freed blocks go back to the system and PyTorch
faults their pages in again on every step).
"""
import argparse
import gzip
import math
import os
import struct
import sys
import time

TUNABLES = "glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=17179869184"
if "GLIBC_TUNABLES" not in os.environ:
    os.environ["GLIBC_TUNABLES"] = TUNABLES
    os.execv(sys.executable, [sys.executable] + sys.argv)

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zoo_reference  # noqa: E402  (the CIFAR ResNets as Stride defines them)


def read_idx(path, magic):
    """An IDX file (gzipped or not) as a uint8 tensor; the header's dimensions give its shape."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    found, = struct.unpack(">I", data[:4])
    if found != magic:
        sys.exit(f"{path}: not an IDX file of this kind (magic {found:#x}, expected {magic:#x})")
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    body = data[4 + 4 * dims:]
    if len(body) != math.prod(shape):
        sys.exit(f"{path}: {len(body)} bytes of data, the header says {math.prod(shape)}")
    return torch.frombuffer(bytearray(body), dtype=torch.uint8).reshape(shape)


def load(folder, prefix):
    def find(name):
        for candidate in (name + ".gz", name):
            path = os.path.join(folder, candidate)
            if os.path.exists(path):
                return path
        sys.exit(f"{folder}: no {name}[.gz]; give --data the folder of Fashion-MNIST's IDX files "
                 "(apt-get install dataset-fashion-mnist puts them in /usr/share/datasets/fashion-mnist)")
    images = read_idx(find(prefix + "-images-idx3-ubyte"), 0x803)
    labels = read_idx(find(prefix + "-labels-idx1-ubyte"), 0x801)
    return images.unsqueeze(1), labels.long()


def resnet20(channels, classes):
    m = zoo_reference.cifar_resnet(3, classes, channels)
    for module in m.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            # Stride's HE_UNIFORM: U(-sqrt(6 / fan_in), sqrt(6 / fan_in)), biases 0.
            nn.init.kaiming_uniform_(module.weight, a=0, mode="fan_in", nonlinearity="relu")
            if module.bias is not None:
                nn.init.zeros_(module.bias)
    return m


def augment(batch, shift, generator):
    """Random shifts of up to `shift` pixels with a black border, then horizontal flips of half."""
    n, _, h, w = batch.shape
    padded = F.pad(batch, (shift, shift, shift, shift))
    offsets = torch.randint(0, 2 * shift + 1, (n, 2), generator=generator)
    out = torch.stack([padded[i, :, dy:dy + h, dx:dx + w] for i, (dy, dx) in enumerate(offsets.tolist())])
    flip = torch.rand(n, generator=generator) < 0.5
    out[flip] = out[flip].flip(3)
    return out


def lr_at(step, peak, warmup, total):
    """Stride's LinearWarmup into CosineAnnealing(peak -> 0 over the steps after the warm-up)."""
    if step < warmup:
        return peak * (step + 1) / (warmup + 1)
    return peak * (1 + math.cos(math.pi * (step - warmup) / (total - warmup))) / 2


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--weight-decay", type=float, default=5e-4)
    p.add_argument("--warmup-epochs", type=float, default=1.0)
    p.add_argument("--shift", type=int, default=2)
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--target", type=float, default=0.94)
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--limit", type=int, default=0, help="train on the first N images only (a quick check)")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)

    train_x, train_y = load(args.data, "train")
    if args.limit > 0:
        train_x, train_y = train_x[:args.limit], train_y[:args.limit]
    test_x, test_y = load(args.data, "t10k")
    scaled = train_x.double() / 255
    mean, std = scaled.mean().item(), scaled.std(unbiased=False).item()

    def normalise(u8):
        return (u8.float() / 255 - mean) / std

    test_in = normalise(test_x)
    model = resnet20(1, 10)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True,
                          weight_decay=args.weight_decay)
    count = train_x.shape[0]
    steps_per_epoch = (count + args.batch - 1) // args.batch
    total = args.epochs * steps_per_epoch
    warmup = round(args.warmup_epochs * steps_per_epoch)
    print(f"# PyTorch {torch.__version__}, {args.threads} threads, mean {mean:.6f} std {std:.6f}, "
          f"{steps_per_epoch} steps per epoch, warm-up {warmup} steps", flush=True)
    print("epoch,train_loss,train_accuracy,test_loss,test_accuracy,lr,seconds,images_per_second,"
          "cumulative_seconds", flush=True)

    step = 0
    cumulative = 0.0
    reached = None
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(count, generator=generator)
        loss_sum, correct = 0.0, 0
        start = time.perf_counter()
        for b in range(steps_per_epoch):
            idx = order[b * args.batch:(b + 1) * args.batch]
            x = augment(normalise(train_x[idx]), args.shift, generator)
            # The shifts' black border is 0 before normalisation, as in Stride's loader.
            y = train_y[idx]
            for group in opt.param_groups:
                group["lr"] = lr_at(step, args.lr, warmup, total)
            opt.zero_grad()
            scores = model(x)
            loss = F.cross_entropy(scores, y, label_smoothing=args.label_smoothing)
            loss.backward()
            opt.step()
            step += 1
            loss_sum += loss.item() * len(idx)
            correct += (scores.argmax(1) == y).sum().item()
        seconds = time.perf_counter() - start
        cumulative += seconds
        model.eval()
        with torch.no_grad():
            test_loss, test_correct = 0.0, 0
            for b in range(0, test_in.shape[0], 1000):
                scores = model(test_in[b:b + 1000])
                test_loss += F.cross_entropy(scores, test_y[b:b + 1000], label_smoothing=args.label_smoothing,
                                             reduction="sum").item()
                test_correct += (scores.argmax(1) == test_y[b:b + 1000]).sum().item()
        accuracy = test_correct / test_in.shape[0]
        print(f"{epoch},{loss_sum / count:.6f},{correct / count:.6f},{test_loss / test_in.shape[0]:.6f},"
              f"{accuracy:.6f},{opt.param_groups[0]['lr']:.6g},{seconds:.3f},{count / seconds:.1f},"
              f"{cumulative:.1f}", flush=True)
        if reached is None and accuracy >= args.target:
            reached = (epoch + 1, cumulative)
    if reached:
        print(f"# reached {100 * args.target:.1f}% after epoch {reached[0]}, {reached[1]:.0f} s of training")
    else:
        print(f"# did not reach {100 * args.target:.1f}% in {args.epochs} epochs")


if __name__ == "__main__":
    main()
