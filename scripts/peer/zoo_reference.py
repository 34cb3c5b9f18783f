"""Writes what the model zoo is checked against: for each torchvision model (1000 classes, as
torchvision defines it) the parameter count and the state_dict names, in order, one per line, to
src/test/resources/torchvision/<name>.txt; and the same for He et al.'s CIFAR ResNets and
SE-ResNet-18, defined here as Stride defines them. Run by scripts/make-zoo-reference with Debian's
python3-torch and python3-torchvision; the build never needs Python."""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


class CifarBlock(nn.Module):
    def __init__(self, inp, out, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inp, out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(out, out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out)
        self.pad = (out - inp) // 2 if stride != 1 or inp != out else None
        self.stride = stride

    def forward(self, x):
        y = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        s = x if self.pad is None else F.pad(x[:, :, ::self.stride, ::self.stride], (0, 0, 0, 0, self.pad, self.pad))
        return F.relu(y + s)


class CifarResNet(nn.Module):
    """He et al.'s CIFAR ResNet with 6n+2 layers, as Stride's zoo defines it (option-A shortcuts)."""
    def __init__(self, n, classes=10, channels=3):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        inp = 16
        for stage in range(3):
            w = 16 << stage
            blocks = []
            for b in range(n):
                blocks.append(CifarBlock(inp, w, 2 if stage > 0 and b == 0 else 1))
                inp = w
            setattr(self, "layer%d" % (stage + 1), nn.Sequential(*blocks))
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.layer3(self.layer2(self.layer1(F.relu(self.bn1(self.conv1(x))))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def cifar_resnet(n, classes=10, channels=3):
    return CifarResNet(n, classes, channels)


class SE(nn.Module):
    def __init__(self, c, hidden):
        super().__init__()
        self.fc1 = nn.Linear(c, hidden)
        self.fc2 = nn.Linear(hidden, c)


def se_resnet18(classes=1000):
    m = torchvision.models.resnet18(num_classes=classes)
    for layer in (m.layer1, m.layer2, m.layer3, m.layer4):
        for block in layer:
            c = block.bn2.num_features
            # registered after bn2 and before downsample, as Stride's BasicBlock orders its children
            downsample = block.downsample
            del block.downsample
            block.se = SE(c, max(1, c // 16))
            block.downsample = downsample
    return m


def write(out_dir, name, model):
    count = sum(p.numel() for p in model.parameters())
    keys = list(model.state_dict().keys())
    with open(os.path.join(out_dir, name + ".txt"), "w") as f:
        f.write("# %s: made by scripts/make-zoo-reference with torch %s, torchvision %s\n"
                % (name, torch.__version__, torchvision.__version__))
        f.write("parameters %d\n" % count)
        for k in keys:
            f.write(k + "\n")
    print(name, count, len(keys))


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    tv = torchvision.models
    for name in ["alexnet", "vgg11", "vgg11_bn", "vgg16", "vgg16_bn", "resnet18", "resnet34", "resnet50",
                 "mobilenet_v2"]:
        write(out_dir, name, getattr(tv, name)(num_classes=1000))
    write(out_dir, "googlenet", tv.googlenet(num_classes=1000, aux_logits=False, init_weights=False))
    write(out_dir, "se_resnet18", se_resnet18())
    write(out_dir, "resnet20", cifar_resnet(3))
    write(out_dir, "resnet56", cifar_resnet(9))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/torchvision")
