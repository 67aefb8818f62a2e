"""Attributes, split planning and frame rendering of the synthetic video-text corpus.

Library of Tools/synth/generate.py (see its header for the command line and the outputs).

A clip shows COUNT (1-3) identical objects of one SHAPE, COLOUR and SIZE doing one MOTION on
one BACKGROUND. Those six attributes are the clip's *key*; every caption states all of them,
so two clips with different keys never share a correct caption. Everything else is nuisance,
drawn per clip from its own seed: duration (2-8 s), frame rate, frame size, codec, positions,
speeds, phases, colour jitter, texture scale and a camera pan over textured backgrounds.

Motions are defined in normalised clip time u in [0, 1] (not seconds), so that T frames
sampled uniformly over a clip of any duration see the same phases of the motion.

Rendering is pure NumPy: per object an anti-aliased coverage mask (signed distance, 1-pixel
soft edge) computed only inside the object's bounding box, composited over the background.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass
from typing import Dict, List, Optional, Tuple

import numpy as np

# ------------------------------------------------------------------------------------------
# Attribute vocabulary (the key space)

COUNTS = (1, 2, 3)
SIZES = ("small", "large")
COLOURS = {                       # base RGB; each clip jitters it by up to ±12 per channel
    "red": (220, 40, 40),
    "green": (40, 190, 60),
    "blue": (50, 90, 235),
    "yellow": (240, 215, 40),
    "purple": (150, 60, 205),
    "white": (240, 240, 240),
}
SHAPES = ("circle", "square", "triangle", "star")
MOTIONS = ("left", "right", "up", "down", "bounce", "spin", "grow", "shrink", "blink", "still")
BACKGROUNDS = ("black", "gray", "checkered", "striped")
TEXTURED = ("checkered", "striped")
# grow/shrink change the size during the clip, so they carry no size attribute.
SIZELESS_MOTIONS = ("grow", "shrink")

# Nuisance ranges
FRAME_SIZES = ((160, 120), (176, 144), (192, 192), (224, 168), (256, 144), (320, 180), (320, 240))
FRAME_RATES = (10, 12, 15, 24, 25, 30)
DURATION_RANGE = (2.0, 8.0)
WEBM_FRACTION = 0.15              # VP9 webm; the rest is H.264 mp4
PAN_FRACTION = 0.5                # of clips with a textured background

# Object radius as a fraction of the frame height.
RADIUS = {"small": 0.09, "large": 0.16}
GROW_RANGE = (0.45, 1.4)          # scale of a 0.14·H radius over the clip (grow; shrink reversed)


@dataclass(frozen=True, order=True)
class Key:
    """The six captioned attributes. size is None for grow/shrink."""
    count: int
    size: Optional[str]
    colour: str
    shape: str
    motion: str
    background: str

    def as_dict(self) -> Dict:
        return asdict(self)

    def label(self) -> str:
        return f"{self.count}-{self.size or 'any'}-{self.colour}-{self.shape}-{self.motion}-{self.background}"


def key_space() -> List[Key]:
    """Every valid key, in a fixed order. Circles do not spin (a spinning circle looks still)."""
    keys = []
    for count, colour, shape, motion, bg in itertools.product(COUNTS, COLOURS, SHAPES, MOTIONS, BACKGROUNDS):
        if shape == "circle" and motion == "spin":
            continue
        sizes = (None,) if motion in SIZELESS_MOTIONS else SIZES
        for size in sizes:
            keys.append(Key(count, size, colour, shape, motion, bg))
    return sorted(keys, key=lambda k: (k.count, k.size or "", k.colour, k.shape, k.motion, k.background))


VAL_BEFORE_TRAIN = 150


def plan_splits(seed: int, n_train: int, n_val: int, n_test: int) -> Dict[str, List[Key]]:
    """Disjoint key sets: test and val keys are unique within their split and never occur in
    another split; train keys are unique too (drawn without replacement from the rest).

    One seeded permutation of the key space is cut in this order: test, the first
    VAL_BEFORE_TRAIN val keys, train, then the rest of val. So a larger val leaves the train
    and test splits exactly as they were (val had 150 clips when the demo model was trained)."""
    keys = key_space()
    need = n_train + n_val + n_test
    if need > len(keys):
        raise ValueError(f"{need} clips requested but the key space has only {len(keys)} keys")
    order = np.random.default_rng([seed, 0]).permutation(len(keys))
    picked = [keys[i] for i in order[:need]]
    head = min(n_val, VAL_BEFORE_TRAIN)
    train_end = n_test + head + n_train
    return {"test": picked[:n_test],
            "val": picked[n_test:n_test + head] + picked[train_end:train_end + n_val - head],
            "train": picked[n_test + head:train_end]}


# ------------------------------------------------------------------------------------------
# Per-clip nuisance parameters

@dataclass
class Clip:
    name: str
    split: str
    key: Key
    seed: List[int]
    width: int
    height: int
    fps: int
    frames: int
    codec: str                     # "h264" | "vp9"
    pan: Optional[Tuple[float, float]]   # total background shift over the clip, in frame widths/heights

    @property
    def duration(self) -> float:
        return self.frames / self.fps

    @property
    def extension(self) -> str:
        return "webm" if self.codec == "vp9" else "mp4"

    @property
    def filename(self) -> str:
        return f"{self.name}.{self.extension}"


def make_clip(split: str, index: int, key: Key, seed: int) -> Clip:
    split_id = {"train": 1, "val": 2, "test": 3}[split]
    clip_seed = [seed, split_id, index]
    rng = np.random.default_rng(clip_seed + [0])
    w, h = FRAME_SIZES[rng.integers(len(FRAME_SIZES))]
    fps = int(FRAME_RATES[rng.integers(len(FRAME_RATES))])
    duration = rng.uniform(*DURATION_RANGE)
    frames = max(int(round(duration * fps)), 16)
    codec = "vp9" if rng.random() < WEBM_FRACTION else "h264"
    pan = None
    if key.background in TEXTURED and rng.random() < PAN_FRACTION:
        angle = rng.uniform(0, 2 * math.pi)
        mag = rng.uniform(0.2, 0.45)
        pan = (round(mag * math.cos(angle), 4), round(mag * math.sin(angle), 4))
    return Clip(name=f"synth-{split}-{index:04d}", split=split, key=key, seed=clip_seed, width=int(w), height=int(h),
                fps=fps, frames=frames, codec=codec, pan=pan)


# ------------------------------------------------------------------------------------------
# Rendering

def _coverage(shape: str, dx: np.ndarray, dy: np.ndarray, r: float, theta: float) -> np.ndarray:
    """Anti-aliased coverage in [0, 1] of a shape of nominal radius r (pixels) rotated by
    theta, at pixel offsets (dx, dy) from its centre (dy grows downwards)."""
    if shape == "circle":
        d = np.sqrt(dx * dx + dy * dy) - r
        return np.clip(0.5 - d, 0.0, 1.0)
    c, s = math.cos(theta), math.sin(theta)
    u = dx * c + dy * s
    v = -dx * s + dy * c
    if shape == "square":
        half = r * 0.88
        d = np.maximum(np.abs(u), np.abs(v)) - half
    elif shape == "triangle":
        R = r * 1.25                         # circumradius; the inradius is R / 2
        d = None
        for k in range(3):                   # apex up: outward edge normals at -90°, 30°, 150°
            a = -math.pi / 2 + k * 2 * math.pi / 3
            dk = u * math.cos(a) - v * math.sin(a) - R / 2   # image y points down: flip v
            d = dk if d is None else np.maximum(d, dk)
    elif shape == "star":
        R, Ri = r * 1.3, r * 1.3 * 0.45
        rho = np.sqrt(u * u + v * v)
        phi = np.arctan2(-v, u) - math.pi / 2            # 0 at the top point
        sector = 2 * math.pi / 5
        alpha = np.abs(np.mod(phi + sector / 2, sector) - sector / 2)   # [0, sector/2]
        px, py = rho * np.cos(alpha), rho * np.sin(alpha)
        ax, ay = R, 0.0
        bx, by = Ri * math.cos(sector / 2), Ri * math.sin(sector / 2)
        ex, ey = bx - ax, by - ay
        n = math.hypot(ex, ey)
        nx, ny = ey / n, -ex / n                          # outward (away from the origin)
        if nx * ax + ny * ay < 0:
            nx, ny = -nx, -ny
        d = (px - ax) * nx + (py - ay) * ny
    else:
        raise ValueError(shape)
    return np.clip(0.5 - d, 0.0, 1.0)


def _background(kind: str, rng: np.random.Generator, w: int, h: int, pan) -> Tuple[np.ndarray, Tuple[int, int]]:
    """A float32 [H', W', 3] canvas (larger than the frame when panning) and the pan margin."""
    if kind == "black":
        v = rng.uniform(0, 18)
        return np.full((h, w, 3), v, np.float32), (0, 0)
    if kind == "gray":
        v = rng.uniform(95, 125)
        tint = rng.uniform(-6, 6, 3)
        return np.full((h, w, 3), v, np.float32) + tint.astype(np.float32), (0, 0)
    mx = int(math.ceil(abs(pan[0]) * w)) + 1 if pan else 0
    my = int(math.ceil(abs(pan[1]) * h)) + 1 if pan else 0
    H, W = h + my, w + mx
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    lo, hi = rng.uniform(35, 60), rng.uniform(85, 120)
    tint = rng.uniform(-8, 8, 3).astype(np.float32)
    if kind == "checkered":
        cell = rng.uniform(0.08, 0.16) * h
        m = ((np.floor(xx / cell) + np.floor(yy / cell)) % 2).astype(np.float32)
    else:  # striped
        period = rng.uniform(0.08, 0.18) * h
        angle = math.radians(float(rng.choice([0, 45, 90, 135])))
        t = xx * math.cos(angle) + yy * math.sin(angle)
        m = (np.mod(t, period) < period / 2).astype(np.float32)
    canvas = lo + (hi - lo) * m
    return canvas[..., None] + tint, (mx, my)


def _layout(key: Key, rng: np.random.Generator, w: int, h: int) -> List[Dict]:
    """Per-object start parameters (normalised coordinates) for the clip's motion."""
    n = key.count
    motion = key.motion
    objs = []
    jit = lambda a: rng.uniform(-a, a)
    if motion in ("left", "right"):
        lanes = [(i + 0.5) / n for i in range(n)] if n > 1 else [rng.uniform(0.3, 0.7)]
        span = rng.uniform(0.4, 0.5)
        for i, y in enumerate(lanes):
            start = rng.uniform(0.7, 0.78) + jit(0.04)
            x0, x1 = (start, start - span) if motion == "left" else (1 - start, 1 - start + span)
            objs.append(dict(x0=x0, x1=x1, y0=y * 0.84 + 0.08 + jit(0.02), y1=None))
    elif motion in ("up", "down", "bounce"):
        cols = [(i + 0.5) / n for i in range(n)] if n > 1 else [rng.uniform(0.3, 0.7)]
        span = rng.uniform(0.4, 0.5)
        for x in cols:
            xx = x * 0.8 + 0.1 + jit(0.02)
            if motion == "bounce":
                objs.append(dict(x0=xx, floor=rng.uniform(0.76, 0.82), amp=rng.uniform(0.38, 0.5),
                                 phase=rng.uniform(-0.08, 0.08)))
            else:
                start = rng.uniform(0.72, 0.8)
                y0, y1 = (start, start - span) if motion == "up" else (1 - start, 1 - start + span)
                objs.append(dict(x0=xx, y0=y0, y1=y1))
    else:
        if motion in SIZELESS_MOTIONS:
            cells = [(x, y) for y in (0.3, 0.7) for x in (0.28, 0.72)]
        else:
            cells = [(x, y) for y in (0.2, 0.5, 0.8) for x in (0.2, 0.5, 0.8)]
        chosen = rng.choice(len(cells), size=n, replace=False)
        for c in chosen:
            x, y = cells[c]
            objs.append(dict(x0=x + jit(0.04), y0=y + jit(0.04)))
    return objs


def render(clip: Clip) -> np.ndarray:
    """All frames of a clip: uint8 [F, H, W, 3] (RGB)."""
    key = clip.key
    rng = np.random.default_rng(clip.seed + [1])
    w, h = clip.width, clip.height
    base = np.array(COLOURS[key.colour], np.float32) + rng.uniform(-12, 12, 3).astype(np.float32)
    base = np.clip(base, 0, 255)
    canvas, (mx, my) = _background(key.background, rng, w, h, clip.pan)
    objs = _layout(key, rng, w, h)
    # Upright shapes (±10°) unless they spin; a spin starts anywhere.
    theta0 = rng.uniform(0, 2 * math.pi) if key.motion == "spin" else math.radians(rng.uniform(-10, 10))
    spin_total = rng.uniform(math.radians(150), math.radians(230)) * rng.choice([-1.0, 1.0])
    blink_phase = int(rng.integers(2))
    radius0 = (RADIUS[key.size] if key.size else 0.14) * h * rng.uniform(0.92, 1.08)
    F = clip.frames
    out = np.empty((F, h, w, 3), np.uint8)
    for f in range(F):
        u = f / (F - 1)
        if clip.pan:
            ox = int(round((u if clip.pan[0] >= 0 else 1 - u) * (mx - 1)))
            oy = int(round((u if clip.pan[1] >= 0 else 1 - u) * (my - 1)))
            frame = canvas[oy:oy + h, ox:ox + w].copy()
        else:
            frame = canvas[:h, :w].copy()
        r = radius0
        theta = theta0
        visible = True
        if key.motion == "grow":
            r = radius0 * (GROW_RANGE[0] + (GROW_RANGE[1] - GROW_RANGE[0]) * u)
        elif key.motion == "shrink":
            r = radius0 * (GROW_RANGE[1] - (GROW_RANGE[1] - GROW_RANGE[0]) * u)
        elif key.motion == "spin":
            theta = theta0 + spin_total * u
        elif key.motion == "blink":
            visible = (int(math.floor(u * 6 - 1e-9)) + blink_phase) % 2 == 0 if u > 0 else blink_phase == 0
        if visible:
            for o in objs:
                if key.motion in ("left", "right"):
                    x, y = o["x0"] + (o["x1"] - o["x0"]) * u, o["y0"]
                elif key.motion in ("up", "down"):
                    x, y = o["x0"], o["y0"] + (o["y1"] - o["y0"]) * u
                elif key.motion == "bounce":
                    x = o["x0"]
                    y = o["floor"] - o["amp"] * abs(math.sin(2 * math.pi * (u + o["phase"])))
                else:
                    x, y = o["x0"], o["y0"]
                cx, cy = x * w, y * h
                ext = int(math.ceil(r * 1.45)) + 2
                x0, x1 = max(int(cx) - ext, 0), min(int(cx) + ext + 1, w)
                y0, y1 = max(int(cy) - ext, 0), min(int(cy) + ext + 1, h)
                if x0 >= x1 or y0 >= y1:
                    continue
                yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
                cov = _coverage(key.shape, xx + 0.5 - cx, yy + 0.5 - cy, r, theta)[..., None]
                region = frame[y0:y1, x0:x1]
                frame[y0:y1, x0:x1] = region + (base - region) * cov
        out[f] = np.clip(frame + 0.5, 0, 255).astype(np.uint8)
    return out
