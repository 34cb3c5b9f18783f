#!/usr/bin/env python3
"""The PyTorch side of scripts/compare-onnxruntime: inference of the models Stride exported, in
PyTorch modules of the same architecture (LeNet-5 and VGG-small as bench_pytorch.py defines them,
torchvision's ResNet-18 and MobileNetV2) carrying the same weights, read from the ONNX file's
initializers (named as state_dict names them, so load_state_dict takes them as they are).

Before timing, each model's scores for the two samples Stride wrote beside the file
(<model>.input.f32, <model>.scores.f32) are compared with Stride's, so the timed module is the
exported one. Prints CSV rows engine,model,batch,threads,metric,value as OnnxInference does; each
figure is the best of three rounds. Needs Debian's python3-torch and python3-torchvision; no onnx
package (the few protobuf fields needed are read here).

Usage: bench_onnx_pytorch.py DIR [models] [threads] [batches] [seconds per round]
"""
import os
import statistics
import struct
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_pytorch  # noqa: E402  (the LeNet-5 and VGG-small definitions)

ROUNDS = 3


def varint(buf, i):
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, i


def fields(buf):
    """(field number, wire type, value) of one protobuf message; length-delimited values as memoryviews."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(buf, i)
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 2:
            n, i = varint(buf, i)
            value, i = buf[i:i + n], i + n
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError(f"wire type {wire} is not used by ONNX")
        yield field, wire, value


def initializers(path):
    """name -> float32 tensor, from ModelProto.graph (7) .initializer (5): dims 1, data_type 2, name 8, raw_data 9."""
    data = memoryview(open(path, "rb").read())
    out = {}
    for f, _, graph in fields(data):
        if f != 7:
            continue
        for g, _, tensor in fields(graph):
            if g != 5:
                continue
            dims, dtype, name, raw = [], None, None, None
            for t, wire, v in fields(tensor):
                if t == 1:
                    if wire == 2:
                        j = 0
                        while j < len(v):
                            d, j = varint(v, j)
                            dims.append(d)
                    else:
                        dims.append(v)
                elif t == 2:
                    dtype = v
                elif t == 8:
                    name = bytes(v).decode()
                elif t == 9:
                    raw = bytes(v)
            if dtype == 1:
                out[name] = torch.frombuffer(bytearray(raw), dtype=torch.float32).reshape(dims)
    return out


def model_for(name):
    import torchvision
    return {
        "lenet5": bench_pytorch.lenet5,
        "vgg_small": bench_pytorch.vgg_small,
        "resnet18": lambda: torchvision.models.resnet18(num_classes=1000),
        "mobilenet_v2": lambda: torchvision.models.mobilenet_v2(num_classes=1000),
    }[name]()


class Normalised(torch.nn.Module):
    """(x - mean) / std, then the model: the exported graph's first two nodes included."""

    def __init__(self, model, mean, std):
        super().__init__()
        self.model, self.mean, self.std = model, mean, std

    def forward(self, x):
        return self.model((x - self.mean) / self.std)


def load(directory, name):
    tensors = initializers(os.path.join(directory, name + ".onnx"))
    mean, std = tensors.pop("normalization.mean"), tensors.pop("normalization.std")
    model = model_for(name)
    wanted = model.state_dict()
    # The graph's own constants (Clip's bounds, Pad's and Slice's arguments) are no module state.
    unexpected = [k for k in tensors if k not in wanted and k.endswith((".weight", ".bias", ".running_mean", ".running_var"))]
    missing, _ = model.load_state_dict({k: v for k, v in tensors.items() if k in wanted}, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise SystemExit(f"{name}: the ONNX initializers do not fit the PyTorch module: missing {missing}, unexpected {unexpected}")
    return Normalised(model, mean, std).eval()


def check(directory, name, model, shape):
    x = torch.frombuffer(bytearray(open(os.path.join(directory, name + ".input.f32"), "rb").read()), dtype=torch.float32)
    want = torch.frombuffer(bytearray(open(os.path.join(directory, name + ".scores.f32"), "rb").read()), dtype=torch.float32)
    with torch.no_grad():
        got = model(x.reshape(2, *shape)).reshape(-1)
    diff = (got - want).abs().max().item() / max(1.0, want.abs().max().item())
    print(f"# {name}: PyTorch vs Stride on the check samples, max |diff| / max(1, max |Stride|) = {diff:.2e}", flush=True)
    if diff > 1e-4:
        raise SystemExit(f"{name}: PyTorch's scores differ from Stride's by {diff:.2e}: not the same model")


def round_of(call, seconds):
    times, start = [], time.perf_counter()
    now = start
    while len(times) < 3 or now - start < seconds:
        call()
        after = time.perf_counter()
        times.append(after - now)
        now = after
    return len(times) / (now - start), statistics.median(times) * 1000


def main():
    directory = sys.argv[1]
    models = (sys.argv[2] if len(sys.argv) > 2 else "lenet5,vgg_small,resnet18,mobilenet_v2").split(",")
    threads = [int(t) for t in (sys.argv[3] if len(sys.argv) > 3 else "1,2").split(",")]
    batches = [int(b) for b in (sys.argv[4] if len(sys.argv) > 4 else "1,32").split(",")]
    seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 2.0
    print(f"# torch {torch.__version__}")
    print("engine,model,batch,threads,metric,value")
    for name in models:
        model = load(directory, name)
        shape = {"lenet5": (1, 28, 28), "vgg_small": (3, 32, 32)}.get(name, (3, 224, 224))
        check(directory, name, model, shape)
        for t in threads:
            torch.set_num_threads(t)
            for b in batches:
                x = torch.rand(b, *shape)
                with torch.inference_mode():
                    call = lambda: model(x)  # noqa: E731
                    round_of(call, 2 * seconds)
                    rounds = [round_of(call, seconds) for _ in range(ROUNDS)]
                print(f"pytorch,{name},{b},{t},images_per_s,{max(r[0] for r in rounds) * b:.2f}")
                if b == 1:
                    print(f"pytorch,{name},{b},{t},latency_ms,{min(r[1] for r in rounds):.3f}")
                sys.stdout.flush()


if __name__ == "__main__":
    main()
