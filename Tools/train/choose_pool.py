#!/usr/bin/env python3
"""Choose the frames x size pool of one token budget on the val split, and optionally write it
into the model's sampling.json (the row `fluxsearch` uses with --sampling token-optimized).

    python3 Tools/train/choose_pool.py Corpus/models/demo --budget 128            # print the table
    python3 Tools/train/choose_pool.py Corpus/models/demo --budget 128 --write    # and set the row

Every candidate pool is decoded from the val videos as the Swift ingestion does (ffmpeg CLI,
`middle` frames, bicubic squash; Tools/train/frames.py), encoded at the budget by the PyTorch
reference (group-dynamic selection when the pool is larger than the budget) and scored by
text->video R@1 in galleries of --gallery clips (the test split's size). The best pool wins;
ties go to the earlier candidate. Decided on val so that the test split stays untouched.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from multiprocessing import Pool

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import frames as fr  # noqa: E402
import model as mdl  # noqa: E402
import train as tr  # noqa: E402

CANDIDATES = "8x112,6x112,2x112,6x98,8x98,6x84,8x84,12x84"


def parse_pools(text):
    out = []
    for item in text.split(","):
        t, s = item.lower().split("x")
        out.append((int(t), int(s)))
    return out


def decode(job):
    path, pools = job
    torch.set_num_threads(1)
    frames = fr.decode(path)
    return {p: fr.resize(frames[fr.middle_indices(len(frames), p[0])], p[1]) for p in pools}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--budget", type=int, required=True, help="token budget of the row")
    ap.add_argument("--pools", default=CANDIDATES, help="candidates, frames x pixels, comma-separated")
    ap.add_argument("--split", default="val")
    ap.add_argument("--gallery", type=int, default=300)
    ap.add_argument("--manifests", default="Corpus/synth")
    ap.add_argument("--videos", default="Corpus/generated/synth")
    ap.add_argument("--write", action="store_true", help="write the winner into <model>/sampling.json")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    torch.set_num_threads(2)

    pools = parse_pools(args.pools)
    model = mdl.load_model_dir(args.model)
    entries = json.load(open(os.path.join(args.manifests, f"{args.split}.json")))
    paths = [os.path.join(args.videos, args.split, e["video"]) for e in entries]
    with Pool(args.jobs) as p:
        decoded = p.map(decode, [(path, pools) for path in paths], chunksize=8)
    results = []
    with torch.no_grad():
        t = model.encode_text(tr.tokenize_all([e["caption"] for e in entries], model.tcfg.context_length))
        for pool in pools:
            x = np.stack([d[pool] for d in decoded])
            v = torch.cat([model.encode_video(fr.normalize(x[i:i + 25]), budget=args.budget) for i in range(0, len(x), 25)])
            t2v, _ = tr.r_at_1(v, t, args.gallery)
            tokens = pool[0] * (pool[1] // mdl.PATCH) ** 2
            results.append((t2v, pool))
            how = f"{tokens} -> {args.budget} selected" if tokens > args.budget else f"{tokens}, no selection"
            print(f"{pool[0]:2d} x {pool[1]} px ({how}): T2V R@1 {t2v:.2f}", flush=True)
    best = max(results, key=lambda r: r[0])      # max keeps the first of equal rates
    print(f"best: {best[1][0]} x {best[1][1]} px, T2V R@1 {best[0]:.2f} ({len(entries)} {args.split} queries, galleries of {args.gallery})")
    if args.write:
        path = os.path.join(args.model, "sampling.json")
        table = json.load(open(path))
        rows = [e for e in table["entries"] if e["budget"] != args.budget]
        rows.append({"budget": args.budget, "frames": best[1][0], "size": best[1][1]})
        table["entries"] = sorted(rows, key=lambda e: e["budget"])
        with open(path + ".tmp", "w") as f:
            f.write(json.dumps(table, indent=2, sort_keys=True) + "\n")
        os.replace(path + ".tmp", path)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
