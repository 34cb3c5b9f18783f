"""Writes the ONNX files Stride's importer is tested on, with inputs and PyTorch's outputs, to
src/test/resources/onnx (or the directory given). Run by scripts/make-onnx-fixtures with Debian's
python3-torch, python3-torchvision and python3-onnx; the build never needs Python.

For every fixture <name> (a model exported at one opset): <name>.onnx, <name>.input.f32 and
<name>.output.f32 (raw little-endian float32, row-major) and one line in index.txt:
    <name> <opset> <input dims, comma-separated> <output dims> <notes...>
Inputs are uniform in [0, 1) (an imported model takes pixels in [0, 1]); outputs are PyTorch's
float32 forward in eval mode. Weights are PyTorch's default init from a seed per model, with every
BatchNorm's scale, shift and running statistics drawn so that they matter.
"""
import io
import shutil
import sys
import zlib
from pathlib import Path

try:
    import onnx
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import torchvision
    from torchvision.models.mobilenetv2 import MobileNetV2
except ImportError as missing:
    sys.exit(f"make-onnx-fixtures: {missing}; apt-get install python3-torch python3-torchvision "
             "python3-onnx (and run it with /usr/bin/python3)")

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_OUT = ROOT / "src" / "test" / "resources" / "onnx"


def seed(name):
    torch.manual_seed(zlib.crc32(name.encode()))


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


class SmallResNet(nn.Module):
    """A ResNet for 3x32x32 in torchvision's style: projection shortcuts where the shape changes."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = torchvision.models.resnet.BasicBlock(16, 16)
        self.layer2 = torchvision.models.resnet.BasicBlock(16, 32, 2, nn.Sequential(
            nn.Conv2d(16, 32, 1, 2, bias=False), nn.BatchNorm2d(32)))
        self.layer3 = torchvision.models.resnet.BasicBlock(32, 32)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = F.adaptive_avg_pool2d(x, 1)
        return self.fc(torch.flatten(x, 1))


def mobilenet():
    # torchvision's MobileNetV2 at width 0.25 with fewer stages, so the file stays small.
    return MobileNetV2(num_classes=10, width_mult=0.25,
                       inverted_residual_setting=[[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 2, 2]])


class Inception(nn.Module):
    """GoogLeNet's module, smaller: four branches joined along the channels."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(),
                                  nn.MaxPool2d(3, 2, ceil_mode=True))
        self.b1 = nn.Sequential(nn.Conv2d(8, 4, 1), nn.ReLU())
        self.b2 = nn.Sequential(nn.Conv2d(8, 4, 1), nn.ReLU(), nn.Conv2d(4, 6, 3, padding=1), nn.ReLU())
        self.b3 = nn.Sequential(nn.Conv2d(8, 2, 1), nn.ReLU(), nn.Conv2d(2, 3, 5, padding=2), nn.ReLU())
        self.b4 = nn.Sequential(nn.MaxPool2d(3, 1, 1), nn.Conv2d(8, 3, 1), nn.ReLU())
        self.fc = nn.Linear(16, 5)

    def forward(self, x):
        x = self.stem(x)
        x = torch.cat([self.b1(x), self.b2(x), self.b3(x), self.b4(x)], 1)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, (1, 1)), 1))


class BatchNormNet(nn.Module):
    """BatchNorm2d and BatchNorm1d, exported as BatchNormalization nodes (not folded)."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU6(),
                                      nn.AvgPool2d(2), nn.Conv2d(6, 8, 3, stride=2, padding=1, groups=2),
                                      nn.BatchNorm2d(8), nn.LeakyReLU(0.1))
        self.classifier = nn.Sequential(nn.Linear(8 * 4 * 4, 12), nn.BatchNorm1d(12), nn.ELU(0.5),
                                        nn.Dropout(0.3), nn.Linear(12, 4))

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class ViewNet(nn.Module):
    """Flatten written as x.view(x.size(0), -1), Sigmoid, Tanh, a layer written as x @ w + b
    (MatMul and Add), and a Softmax at the end."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, stride=2)
        self.fc1 = nn.Linear(4 * 6 * 6, 16)
        self.w = nn.Parameter(torch.randn(16, 3) / 4)
        self.b = nn.Parameter(torch.randn(3) / 4)

    def forward(self, x):
        x = torch.sigmoid(self.conv(x))
        x = x.view(x.size(0), -1)
        x = torch.tanh(self.fc1(x))
        return F.softmax(x @ self.w + self.b, dim=1)


class SENet(nn.Module):
    """torchvision's SqueezeExcitation (Conv 1x1 squeeze and excite, Sigmoid, Mul) after a conv."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.se = torchvision.ops.SqueezeExcitation(8, 4)
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        x = self.se(F.relu(self.bn(self.conv(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class Upsampler(nn.Module):
    """Not importable: Upsample (Resize), which Stride has no layer for."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, padding=1)
        self.up = nn.Upsample(scale_factor=2)

    def forward(self, x):
        return self.up(self.conv(x)).flatten(1)


def randomize_norms(model, g):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                c = m.num_features
                m.weight.copy_(0.5 + torch.rand(c, generator=g))
                m.bias.copy_(0.2 * torch.randn(c, generator=g))
                m.running_mean.copy_(0.2 * torch.randn(c, generator=g))
                m.running_var.copy_(0.5 + torch.rand(c, generator=g))


# name, factory, input shape (N, C, H, W), opsets, export keyword arguments
MODELS = [
    ("lenet", lenet, (2, 1, 28, 28), (9, 11, 13, 17), {}),
    ("resnet", SmallResNet, (2, 3, 32, 32), (9, 13, 17), {}),
    ("mobilenet", mobilenet, (2, 3, 32, 32), (11, 17), {}),
    # 16x16: the stem's 3x3 max pool at stride 2 needs ceil_mode (7.5 windows), which opset 9
    # writes as extra padding at the bottom and right.
    ("inception", Inception, (2, 3, 16, 16), (9, 13), {}),
    ("batchnorm", BatchNormNet, (3, 3, 16, 16), (9, 17),
     {"training": torch.onnx.TrainingMode.PRESERVE, "do_constant_folding": False}),
    ("view", ViewNet, (2, 1, 13, 13), (9, 17), {}),
    ("se", SENet, (2, 3, 9, 9), (9, 13), {}),
    ("upsample", Upsampler, (1, 1, 4, 4), (11,), {}),
]


def handmade(out, index):
    """A model written with onnx.helper as a plain ONNX writer would: weights in float_data (not
    raw_data), initializers also listed as graph inputs, the flatten's shape in a Constant node,
    an Identity, a symbolic batch named N, metadata_props with Stride's normalisation and class
    names. The expected output is computed with torch from the same weights."""
    from onnx import TensorProto, helper
    g = torch.Generator().manual_seed(zlib.crc32(b"handmade"))
    w = torch.randn(3, 2, 3, 3, generator=g) / 4
    b = torch.randn(3, generator=g) / 4
    fw = torch.randn(4, 3 * 3 * 3, generator=g) / 4
    fb = torch.randn(4, generator=g) / 4
    mean, std = [0.5, 0.25], [0.2, 0.4]
    x = torch.rand(2, 2, 5, 5, generator=g)
    xn = (x - torch.tensor(mean).view(1, 2, 1, 1)) / torch.tensor(std).view(1, 2, 1, 1)
    y = F.linear(F.relu(F.conv2d(xn, w, b, stride=2, padding=1)).flatten(1), fw, fb)

    def init(name, t):
        return helper.make_tensor(name, TensorProto.FLOAT, list(t.shape), t.flatten().tolist())

    inits = [init("w", w), init("b", b), init("fw", fw), init("fb", fb)]
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                         strides=[2, 2]),
        helper.make_node("Relu", ["c"], ["r"], name="relu"),
        helper.make_node("Identity", ["r"], ["r2"], name="same"),
        helper.make_node("Constant", [], ["shape"], name="shape",
                         value=helper.make_tensor("shape", TensorProto.INT64, [2], [0, -1])),
        helper.make_node("Reshape", ["r2", "shape"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "fw", "fb"], ["y"], name="fc", transB=1),
    ]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2, 5, 5])]
    inputs += [helper.make_tensor_value_info(t.name, TensorProto.FLOAT, list(t.dims)) for t in inits]
    graph = helper.make_graph(nodes, "handmade", inputs,
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="onnx.helper")
    helper.set_model_props(model, {"stride.norm.mean": ",".join(map(str, mean)),
                                   "stride.norm.std": ",".join(map(str, std)),
                                   "stride.classes": "zero,one\\,with comma,two\\\\,three"})
    onnx.checker.check_model(model)
    (out / "handmade_opset13.onnx").write_bytes(model.SerializeToString())
    (out / "handmade_opset13.input.f32").write_bytes(x.numpy().astype("<f4").tobytes())
    (out / "handmade_opset13.output.f32").write_bytes(y.numpy().astype("<f4").tobytes())
    index.append("handmade_opset13 13 2,2,5,5 2,4 symbolic-batch ops=Constant,Conv,Gemm,Identity,Relu,Reshape "
                 "normalised-input")


def export(model, x, opset, kwargs, dynamic):
    buf = io.BytesIO()
    axes = {"input": {0: "batch"}, "output": {0: "batch"}} if dynamic else None
    torch.onnx.export(model, x, buf, opset_version=opset, input_names=["input"],
                      output_names=["output"], dynamic_axes=axes, **kwargs)
    return buf.getvalue()


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    if out.exists():
        if any(out.iterdir()) and not (out / "index.txt").is_file():
            raise SystemExit(f"{out} is not empty and holds no index.txt: not a directory this "
                             "script wrote, so it will not delete it")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    index = []
    for name, make, shape, opsets, kwargs in MODELS:
        seed(name)
        g = torch.Generator().manual_seed(zlib.crc32(name.encode()))
        model = make()
        randomize_norms(model, g)
        model.eval()
        x = torch.rand(*shape, generator=g)
        with torch.no_grad():
            y = model(x)
        for opset in opsets:
            # Odd opsets keep a fixed batch, the others a symbolic one: the importer must take both.
            dynamic = opset not in (11,)
            data = export(model, x, opset, kwargs, dynamic)
            onnx.checker.check_model(onnx.load_from_string(data))
            fixture = f"{name}_opset{opset}"
            (out / f"{fixture}.onnx").write_bytes(data)
            (out / f"{fixture}.input.f32").write_bytes(x.numpy().astype("<f4").tobytes())
            (out / f"{fixture}.output.f32").write_bytes(y.numpy().astype("<f4").tobytes())
            ops = sorted({n.op_type for n in onnx.load_from_string(data).graph.node})
            index.append(f"{fixture} {opset} {','.join(map(str, x.shape))} "
                         f"{','.join(map(str, y.shape))} {'symbolic' if dynamic else 'fixed'}-batch "
                         f"ops={','.join(ops)}")
    handmade(out, index)
    # The first 300 bytes of a real file: the reader must say where it ends, not crash.
    (out / "truncated.onnx").write_bytes((out / "lenet_opset9.onnx").read_bytes()[:300])
    (out / "index.txt").write_text("\n".join(index) + "\n")
    total = sum(f.stat().st_size for f in out.iterdir())
    print(f"wrote {len(index)} fixtures to {out} ({total / 1024:.0f} KiB, torch {torch.__version__}, "
          f"onnx {onnx.__version__})")


if __name__ == "__main__":
    main()
