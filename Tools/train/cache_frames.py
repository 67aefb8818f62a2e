#!/usr/bin/env python3
"""Decode the synthetic corpus once into compact uint8 frame caches for training.

    python3 Tools/train/cache_frames.py                      # train, val, test
    python3 Tools/train/cache_frames.py --splits val,test

Training reads frames from these caches instead of decoding videos at every step (the clips
are decoded once with the ffmpeg CLI and resized exactly as the Swift ingestion does, see
Tools/train/frames.py). Evaluation of the exported model does NOT use them: `fluxsearch eval`
decodes the real files.

Inputs:  <manifests>/{split}.json (Tools/synth/generate.py), videos under <videos>/{split}/.
Outputs (<out>/, default Corpus/generated/synth/cache):
  train_pool16.npy     uint8 [N, 16, 112, 112, 3]: the frames of `middle` sampling with T = 16,
                       squash-resized to 112 px (bicubic, no antialias, rounded); training
                       draws T <= 16 frames per clip from these (one random frame per segment)
  {val,test}_mid8.npy  uint8 [N, 8, 112, 112, 3]: exactly the Swift eval input for 8 frames
  {val,test}_mid2.npy  uint8 [N, 2, 112, 112, 3]: exactly the Swift eval input for 2 frames
  {split}_meta.json    {"videos": [...], "frames": [vlen, ...], "size": 112}
Sizes: 600 KB per train clip (1.8 GB for 3,000), 375 KB per val/test clip (0.6 GB for 1,500).
About 6 minutes for the train split, 2.6 for val (1,200 clips) and 0.7 for test on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from multiprocessing import Pool

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import frames as fr  # noqa: E402

SIZE = 112


def work(job):
    path, = job
    import torch
    torch.set_num_threads(1)
    all_frames = fr.decode(path)
    n = len(all_frames)
    out = {"vlen": n}
    for name, t in (("pool16", 16), ("mid8", 8), ("mid2", 2)):
        out[name] = fr.resize(all_frames[fr.middle_indices(n, t)], SIZE)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--splits", default="train,val,test")
    ap.add_argument("--manifests", default="Corpus/synth")
    ap.add_argument("--videos", default="Corpus/generated/synth")
    ap.add_argument("--out", default="Corpus/generated/synth/cache")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    for split in args.splits.split(","):
        entries = json.load(open(os.path.join(args.manifests, f"{split}.json")))
        paths = [os.path.join(args.videos, split, e["video"]) for e in entries]
        missing = [p for p in paths if not os.path.exists(p)]
        if missing:
            sys.exit(f"{len(missing)} videos of {split} are missing (first: {missing[0]}); run Tools/synth/generate.py")
        N = len(paths)
        kinds = {"mid8": 8, "mid2": 2} if split != "train" else {"pool16": 16}
        arrays = {k: np.lib.format.open_memmap(os.path.join(args.out, f"{split}_{k}.npy.part"), mode="w+", dtype=np.uint8,
                                               shape=(N, t, SIZE, SIZE, 3)) for k, t in kinds.items()}
        vlens = []
        t0 = time.time()
        with Pool(args.jobs) as pool:
            for i, out in enumerate(pool.imap(work, [(p,) for p in paths], chunksize=4)):
                vlens.append(out["vlen"])
                for k in kinds:
                    arrays[k][i] = out[k]
                if (i + 1) % 500 == 0 or i + 1 == N:
                    print(f"  {split}: {i + 1}/{N} clips, {time.time() - t0:.0f} s", flush=True)
        for k, a in arrays.items():
            a.flush()
            del a
            os.replace(os.path.join(args.out, f"{split}_{k}.npy.part"), os.path.join(args.out, f"{split}_{k}.npy"))
        with open(os.path.join(args.out, f"{split}_meta.json"), "w") as f:
            json.dump({"videos": [e["video"] for e in entries], "frames": vlens, "size": SIZE}, f)
        print(f"{split}: cached {N} clips in {args.out}")


if __name__ == "__main__":
    main()
