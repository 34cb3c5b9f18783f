"""Trains LeNet-5 on MNIST with PyTorch for one epoch, prints its test accuracy and exports it to
ONNX: the other side of docs/onnx-import.md's end-to-end check (stride import, then stride eval
must give the same accuracy). Reads MNIST from Stride's cache (~/.cache/stride/mnist, which
`stride data mnist` or scripts/get-mnist fills); pixels in [0, 1], no normalisation.

    /usr/bin/python3 scripts/peer/mnist_lenet_onnx.py OUT.onnx [opset]
"""
import sys
from pathlib import Path

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as missing:
    sys.exit(f"mnist_lenet_onnx: {missing}; apt-get install python3-torch (and run it with /usr/bin/python3)")

MNIST = Path.home() / ".cache" / "stride" / "mnist"


def idx(name, offset):
    return np.frombuffer((MNIST / name).read_bytes(), dtype=np.uint8, offset=offset)


def load(split):
    x = idx(f"{split}-images-idx3-ubyte", 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255
    return torch.from_numpy(x), torch.from_numpy(idx(f"{split}-labels-idx1-ubyte", 8).astype(np.int64))


def main():
    out = Path(sys.argv[1])
    opset = int(sys.argv[2]) if len(sys.argv) > 2 else 13
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    x, y = load("train")
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for i in range(0, len(x), 64):
        opt.zero_grad()
        F.cross_entropy(model(x[i:i + 64]), y[i:i + 64]).backward()
        opt.step()
    model.eval()
    tx, ty = load("t10k")
    with torch.no_grad():
        correct = (model(tx).argmax(1) == ty).sum().item()
    print(f"PyTorch {torch.__version__}: test accuracy {100 * correct / len(tx):.2f}% ({correct} of {len(tx)})")
    torch.onnx.export(model, tx[:1], str(out), opset_version=opset, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    print(f"wrote {out} (opset {opset})")


if __name__ == "__main__":
    main()
