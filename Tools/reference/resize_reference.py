#!/usr/bin/env python3
"""PyTorch reference for FluxIngest's frame resize (torchvision 0.14 tensor `Resize`, bicubic).

torchvision 0.14.1 resizes a uint8 image tensor with bicubic interpolation like this (the
tensor path of `torchvision.transforms.functional.resize`, antialias off, which is what
InternVideo2's eval transform gets):

    y = torch.nn.functional.interpolate(x.float(), size, mode="bicubic", align_corners=False)
    y = y.clamp(0, 255)
    y = torch.round(y).to(torch.uint8)          # round half to even

This script applies exactly that to a few deterministic uint8 RGB images and writes the
results as uint8 `.npy` files (shape [H', W', 3], C order) that the Swift tests compare with
`Preprocessor` (which calls FluxCore's `Interpolation.resizeBicubic`). torch is needed only
to regenerate the fixtures; the tests themselves need nothing but the committed files.

Inputs are not stored (they would dominate the size budget); both sides synthesise them:

    smooth(x, y, c) = (x*255)//(W-1) for c=0, (y*255)//(H-1) for c=1,
                      ((x+y)*255)//(W+H-2) for c=2          (integer division; W, H >= 2)
    noise(x, y, c)  = (h*h) % 251  with  h = (x*7919 + y*104729 + c*1299709) % 65521
    pixel(x, y, c)  = smooth if ((x//32 + y//32) % 2 == 0) else noise

i.e. 32-pixel tiles alternating between gradients (many rounding ties) and noise (sharp edges).
`input_checksums.npy` (int64 [cases, 2]) holds, per case, sum(pixels) and
sum(pixels * (flat_index % 7 + 1)), so the Swift side can prove it built the same input.

Files (Tests/FluxIngestTests/Fixtures/resize/):
    <name>.npy               uint8 [H', W', 3], the resized image
    input_checksums.npy      int64 [len(CASES), 2], in CASES order
    cases.txt                one line per case: name H W H' W' mode

Cases: 640x360 -> 224x224 (the common downscale), 320x240 -> 224x224 (MSRVTT size),
37x53 -> 224x224 (odd, portrait, upscale), 101x67 -> 50x31 (odd, non-square output),
1280x720 -> 112x112 (downscale by more than 4x: rows the filter never reads), and
640x360 center_crop 224 (short side to 224, long side int(224*640/360) = 398, then the
central 224x224 at offsets round((398-224)/2) = 87 and 0).

Usage:  python3 Tools/reference/resize_reference.py [--out DIR]
"""

import argparse
import os

import numpy as np
import torch

# name, input H, W, output H, W, mode ("squash" resizes to H'xW'; "center_crop" to side H')
CASES = [
    ("down_640x360_224", 360, 640, 224, 224, "squash"),
    ("down_320x240_224", 240, 320, 224, 224, "squash"),
    ("up_37x53_224", 53, 37, 224, 224, "squash"),
    ("odd_101x67_50x31", 67, 101, 31, 50, "squash"),
    ("down_1280x720_112", 720, 1280, 112, 112, "squash"),
    ("crop_640x360_224", 360, 640, 224, 224, "center_crop"),
]


def synth(h, w):
    """The deterministic test image [h, w, 3] uint8 described in the module docstring."""
    y, x = np.mgrid[0:h, 0:w].astype(np.int64)
    out = np.zeros((h, w, 3), dtype=np.int64)
    smooth = [(x * 255) // (w - 1), (y * 255) // (h - 1), ((x + y) * 255) // (w + h - 2)]
    for c in range(3):
        hsh = (x * 7919 + y * 104729 + c * 1299709) % 65521
        noise = (hsh * hsh) % 251
        tile = ((x // 32 + y // 32) % 2) == 0
        out[:, :, c] = np.where(tile, smooth[c], noise)
    return out.astype(np.uint8)


def resize_uint8(img, out_h, out_w):
    """torchvision 0.14 tensor Resize(bicubic, antialias off) on an [H, W, 3] uint8 image."""
    x = torch.from_numpy(img).permute(2, 0, 1).unsqueeze(0)  # [1, 3, H, W] uint8
    y = torch.nn.functional.interpolate(x.float(), size=(out_h, out_w), mode="bicubic", align_corners=False)
    y = torch.round(y.clamp(0, 255)).to(torch.uint8)
    return y[0].permute(1, 2, 0).contiguous().numpy()


def center_crop_resize(img, side):
    """Resize(side) (short side -> side, long side truncated) then CenterCrop(side), torchvision 0.14."""
    h, w = img.shape[:2]
    if w <= h:
        new_w, new_h = side, int(side * h / w)
    else:
        new_w, new_h = int(side * w / h), side
    r = resize_uint8(img, new_h, new_w)
    top = int(round((new_h - side) / 2.0))
    left = int(round((new_w - side) / 2.0))
    return np.ascontiguousarray(r[top:top + side, left:left + side])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join("Tests", "FluxIngestTests", "Fixtures", "resize"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    checksums = []
    lines = []
    for name, h, w, oh, ow, mode in CASES:
        img = synth(h, w)
        flat = img.reshape(-1).astype(np.int64)
        checksums.append([int(flat.sum()), int((flat * (np.arange(flat.size) % 7 + 1)).sum())])
        out = resize_uint8(img, oh, ow) if mode == "squash" else center_crop_resize(img, oh)
        np.save(os.path.join(args.out, name + ".npy"), out)
        lines.append(f"{name} {h} {w} {oh} {ow} {mode}")
        print(f"{name}: {w}x{h} -> {out.shape[1]}x{out.shape[0]} ({mode})")
    np.save(os.path.join(args.out, "input_checksums.npy"), np.array(checksums, dtype=np.int64))
    with open(os.path.join(args.out, "cases.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
