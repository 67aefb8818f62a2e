#!/usr/bin/env python3
"""Generate the synthetic video-text corpus of the offline demo (issue 8), deterministically.

    python3 Tools/synth/generate.py                      # all splits (train, val, test)
    python3 Tools/synth/generate.py --splits test        # only the test clips (what `make demo` needs)
    python3 Tools/synth/generate.py --check              # manifests regenerate byte-identical?
    python3 Tools/synth/generate.py --manifests-only     # rewrite the manifests, encode nothing

Content (Tools/synth/scenes.py): 1-3 identical objects (circle, square, triangle, star; red,
green, blue, yellow, purple, white; small or large) doing one of ten motions (left, right, up,
down, bounce, spin, grow, shrink, blink, still) on a black, gray, checkered or striped
background, sometimes under a camera pan; 2-8 s, 10-30 fps, seven frame sizes from 160x120 to
320x240; H.264 mp4 (libx264, yuv420p) and ~15 % VP9 webm (libvpx-vp9), encoded by the ffmpeg
CLI from raw RGB frames rendered with NumPy, with a light temporal grain (ffmpeg `noise`). Captions (Tools/synth/captions.py) name all six
attributes through paraphrase templates and synonyms.

Splits: keys (count, size, colour, shape, motion, background) are drawn without replacement
from the 5,040-key space, so every key occurs at most once in the whole corpus: each test
caption describes exactly one test video, and no test key is seen in training. Chance level of
text->video R@1 on the test split is 1 / n_test (0.33 % for the default 300).

Outputs:
  <manifests>/{train,val,test}.json   VINDLU JSON lists, read by `fluxsearch eval msrvtt`:
        [{"video": "synth-test-0000.mp4", "caption": "…", "duration": 4.2,
          "attributes": {"count": 2, "size": "small", "colour": "red", "shape": "star",
                         "motion": "left", "background": "striped", "pan": false},
          "format": {"width": 320, "height": 240, "fps": 25, "frames": 105, "codec": "h264"}}]
        test/val: one caption (string); train: a list of 3 paraphrases.
  <manifests>/stats.json              counts, attribute histograms, chance level, recipe
  <videos>/{train,val,test}/<video>   the encoded clips (skipped when already present)

Defaults: --manifests Corpus/synth (small, deterministic, committed), --videos
Corpus/generated/synth (git-ignored, made at setup time), --seed 8, 3000/1200/300 clips.
Val is large so that recipe choices at the 1/4 budget can be made on it rather than on test
(Tools/train/evaluate.py scores it in galleries of 300); its first 150 keys come before
train's in the key permutation and the rest after, so the val size never changes train or
test (scenes.plan_splits). About 11 minutes for all splits on 2 (shared) cores (--jobs 2;
measured: 533 s for train + test + the first 150 val clips, 109 s for the other 1,050 val
clips), the test split alone about 1 minute. Needs numpy and the ffmpeg CLI (libx264,
libvpx-vp9) only.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import time
from multiprocessing import Pool

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scenes  # noqa: E402
from captions import captions  # noqa: E402

GENERATOR_VERSION = 1
CAPTIONS_PER_TRAIN_CLIP = 3
# Temporal grain added by ffmpeg's `noise` filter before encoding (strength in its units).
# Without it, static regions decode to bit-identical patches across frames, and the token
# selector (MODEL_SPEC §2.4) has to break large exact ties among zero-distance tokens, which
# floating-point noise in the patch embedding decides differently in every implementation.
# With grain, consecutive frames share almost no identical 14x14 patch and the moving objects
# still dominate the importance (distances ~1000 vs ~40-80 for grain).
GRAIN = 6


def build_plan(args):
    """{split: [(Clip, [captions])]} — pure function of the seed and the split sizes."""
    keys = scenes.plan_splits(args.seed, args.train, args.val, args.test)
    plan = {}
    for split in ("train", "val", "test"):
        items = []
        for i, key in enumerate(keys[split]):
            clip = scenes.make_clip(split, i, key, args.seed)
            rng = np.random.default_rng(clip.seed + [2])
            n = CAPTIONS_PER_TRAIN_CLIP if split == "train" else 1
            items.append((clip, captions(key, rng, n, pan=clip.pan is not None)))
        plan[split] = items
    return plan


def manifest(items, split):
    out = []
    for clip, caps in items:
        attrs = clip.key.as_dict()
        attrs["pan"] = clip.pan is not None
        out.append({
            "video": clip.filename,
            "caption": caps if split == "train" else caps[0],
            "duration": round(clip.duration, 3),
            "attributes": attrs,
            "format": {"width": clip.width, "height": clip.height, "fps": clip.fps, "frames": clip.frames,
                       "codec": clip.codec},
        })
    return out


def dumps(obj) -> str:
    """Lists: one compact entry per line (small, diff-friendly); dicts: indented."""
    if isinstance(obj, list):
        return "[\n" + ",\n".join(json.dumps(e, separators=(",", ":")) for e in obj) + "\n]\n"
    return json.dumps(obj, indent=1) + "\n"


def stats(plan, args):
    out = {"generator_version": GENERATOR_VERSION, "seed": args.seed, "key_space": len(scenes.key_space()),
           "splits": {}}
    for split, items in plan.items():
        n = len(items)
        hist = collections.defaultdict(collections.Counter)
        dur = []
        for clip, _ in items:
            for k, v in clip.key.as_dict().items():
                hist[k][str(v)] += 1
            hist["codec"][clip.codec] += 1
            hist["frame_size"][f"{clip.width}x{clip.height}"] += 1
            hist["fps"][str(clip.fps)] += 1
            hist["pan"][str(clip.pan is not None)] += 1
            dur.append(clip.duration)
        out["splits"][split] = {
            "clips": n,
            "captions": sum(len(c) for _, c in items),
            "unique_keys": len({c.key for c, _ in items}),
            "duration_s": {"min": round(min(dur), 2), "mean": round(float(np.mean(dur)), 2), "max": round(max(dur), 2),
                           "total": round(float(np.sum(dur)), 1)},
            "t2v_r1_chance_percent": round(100.0 / n, 3),
            "histograms": {k: dict(sorted(v.items())) for k, v in hist.items()},
        }
    return out


def encode(job):
    """Render and encode one clip (worker). Returns (filename, seconds, skipped)."""
    clip, path = job
    if os.path.exists(path) and os.path.getsize(path) > 0:
        return clip.filename, 0.0, True
    t0 = time.time()
    frames = scenes.render(clip)
    tmp = path + ".part" + os.path.splitext(path)[1]
    cmd = ["ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
           "-s", f"{clip.width}x{clip.height}", "-r", str(clip.fps), "-i", "-", "-an", "-threads", "1",
           "-fflags", "+bitexact", "-flags:v", "+bitexact",
           # sensor grain: temporal uniform noise (deterministic: fixed seed), see GRAIN
           "-vf", f"format=yuv420p,noise=alls={GRAIN}:allf=t+u:all_seed={clip.seed[1] * 100000 + clip.seed[2] + 1}"]
    if clip.codec == "vp9":
        cmd += ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-crf", "30", "-b:v", "0",
                "-row-mt", "0", "-pix_fmt", "yuv420p", "-f", "webm"]
    else:
        cmd += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", "-f", "mp4",
                "-movflags", "+faststart"]
    cmd.append(tmp)
    proc = subprocess.run(cmd, input=frames.tobytes(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        raise RuntimeError(f"ffmpeg failed for {clip.filename}: {proc.stderr.decode(errors='replace')}")
    os.replace(tmp, path)
    return clip.filename, time.time() - t0, False


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--splits", default="train,val,test", help="comma-separated splits to encode (default: all)")
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--train", type=int, default=3000, help="train clips")
    ap.add_argument("--val", type=int, default=1200, help="validation clips")
    ap.add_argument("--test", type=int, default=300, help="test clips")
    ap.add_argument("--manifests", default="Corpus/synth", help="where the manifests and stats.json go")
    ap.add_argument("--videos", default="Corpus/generated/synth", help="where the clips go (one folder per split)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes")
    ap.add_argument("--limit", type=int, help="encode only the first N clips of each split (smoke runs)")
    ap.add_argument("--manifests-only", action="store_true", help="write the manifests and stats, encode nothing")
    ap.add_argument("--check", action="store_true", help="compare regenerated manifests with the files on disk; exit 1 if they differ")
    args = ap.parse_args(argv)

    plan = build_plan(args)
    files = {f"{s}.json": dumps(manifest(plan[s], s)) for s in plan}
    files["stats.json"] = dumps(stats(plan, args))
    if args.check:
        bad = [n for n, text in files.items()
               if not os.path.exists(os.path.join(args.manifests, n)) or open(os.path.join(args.manifests, n)).read() != text]
        print("manifests: " + ("differ: " + ", ".join(bad) if bad else "identical"))
        return 1 if bad else 0
    os.makedirs(args.manifests, exist_ok=True)
    for name, text in files.items():
        path = os.path.join(args.manifests, name)
        if not os.path.exists(path) or open(path).read() != text:
            with open(path + ".tmp", "w") as f:
                f.write(text)
            os.replace(path + ".tmp", path)
    print(f"manifests: {', '.join(files)} in {args.manifests} "
          f"(train {len(plan['train'])}, val {len(plan['val'])}, test {len(plan['test'])}; "
          f"test T2V R@1 chance {100.0 / len(plan['test']):.2f} %)")
    if args.manifests_only:
        return 0

    jobs = []
    for split in [s.strip() for s in args.splits.split(",") if s.strip()]:
        if split not in plan:
            ap.error(f"unknown split '{split}' (train, val, test)")
        folder = os.path.join(args.videos, split)
        os.makedirs(folder, exist_ok=True)
        items = plan[split][: args.limit] if args.limit else plan[split]
        jobs += [(clip, os.path.join(folder, clip.filename)) for clip, _ in items]
    t0 = time.time()
    done = skipped = 0
    with Pool(max(1, args.jobs)) as pool:
        for name, _, was_skipped in pool.imap(encode, jobs, chunksize=4):
            done += 1
            skipped += was_skipped
            if done % 200 == 0 or done == len(jobs):
                print(f"  {done}/{len(jobs)} clips ({skipped} already present), {time.time() - t0:.0f} s", flush=True)
    print(f"videos: {len(jobs)} clips under {args.videos} in {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
