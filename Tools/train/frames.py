"""Video frames exactly as the Swift ingestion prepares them (library of Tools/train/*).

decode(path)            all frames, RGB uint8 [F, H, W, 3], through the ffmpeg CLI (libswscale
                        yuv -> rgb24, BT.601, bicubic at the native size: what FluxIngest's
                        FrameConverter does for frames of at most its pixel limit)
middle_indices(n, t)    the `middle` rule (MODEL_SPEC §6.1, FrameSampler.middleIndices)
resize(frames, size)    torchvision-0.14 tensor Resize, bicubic, squash, no antialias:
                        F.interpolate(float) -> clamp(0, 255) -> round half to even -> uint8
normalize(frames)       uint8 [.., T, S, S, 3] -> float32 [.., 3, T, S, S], x/255, ImageNet mean/std
"""

from __future__ import annotations

import json
import subprocess
from typing import List

import numpy as np
import torch
import torch.nn.functional as F

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def probe_size(path: str):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
                          "-of", "json", path], capture_output=True, check=True).stdout
    s = json.loads(out)["streams"][0]
    return int(s["width"]), int(s["height"])


def decode(path: str) -> np.ndarray:
    w, h = probe_size(path)
    raw = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24",
                          "-sws_flags", "bicubic", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)


def middle_indices(vlen: int, t: int) -> List[int]:
    n = min(t, vlen)
    edges = [int(i * (vlen / n)) for i in range(n)] + [vlen]
    out = [(edges[i] + edges[i + 1] - 1) // 2 for i in range(n)]
    return out + [out[-1]] * (t - n)


def resize(frames: np.ndarray, size: int) -> np.ndarray:
    """uint8 [N, H, W, 3] -> uint8 [N, size, size, 3]."""
    x = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float()
    y = F.interpolate(x, size=(size, size), mode="bicubic", align_corners=False)
    return torch.round(y.clamp(0, 255)).to(torch.uint8).permute(0, 2, 3, 1).contiguous().numpy()


def normalize(frames) -> torch.Tensor:
    """uint8 [..., T, S, S, 3] (numpy or torch) -> float32 [..., 3, T, S, S]."""
    x = torch.as_tensor(frames).float() / 255.0
    mean = torch.tensor(IMAGENET_MEAN, dtype=torch.float32)
    std = torch.tensor(IMAGENET_STD, dtype=torch.float32)
    x = (x - mean) / std
    nd = x.dim()
    # [..., T, S, S, C] -> [..., C, T, S, S]
    perm = list(range(nd - 4)) + [nd - 1, nd - 4, nd - 3, nd - 2]
    return x.permute(*perm).contiguous()


def clip_tensor(path: str, frames: int, size: int) -> np.ndarray:
    """One clip as the Swift `--video` path builds it: float32 [3, T, S, S]."""
    all_frames = decode(path)
    idx = middle_indices(len(all_frames), frames)
    return normalize(resize(all_frames[idx], size)).numpy()
