#!/usr/bin/env python3
"""T2V/V2T R@1 of a demo model directory on a cached split, in galleries of the test split's size.

    python3 Tools/train/evaluate.py Corpus/models/demo                  # val, galleries of 300
    python3 Tools/train/evaluate.py Corpus/models/demo --split test
    python3 Tools/train/evaluate.py DIR --by pan,motion                 # also per attribute value

What it is for: deciding recipe questions at the 1/4 budget on val without looking at test.
R@1 depends on the gallery size, so val (1,200 clips) is cut into consecutive galleries of
--gallery clips (300, the test split's size) and the rates are averaged over them. Each
query's success is paired across the inputs (same captions, same galleries), so the
difference between two inputs comes with the standard error of the mean paired difference.

Inputs are the cached exact eval inputs (Tools/train/cache_frames.py: mid8 / mid2 at 112 px,
decoded by the ffmpeg CLI), raw cosine, PyTorch at the exported (F16) weights:
  full      512 tokens, 8 x 112, no selection
  sel256    256 tokens selected from 8 x 112 (group-dynamic selection)
  sel128    128 tokens selected from 8 x 112
  2fr128    128 tokens as 2 x 112, no selection
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import frames as fr  # noqa: E402
import model as mdl  # noqa: E402
import train as tr  # noqa: E402

INPUTS = (("full", "mid8", 512), ("sel256", "mid8", 256), ("sel128", "mid8", 128), ("2fr128", "mid2", 128))


@torch.no_grad()
def successes(model, arrays, ids, gallery, chunk=25):
    """{input: bool tensor [N]}: T2V and V2T rank-1 hits, each query against its own gallery."""
    t = model.encode_text(ids)
    out = {}
    for name, kind, budget in INPUTS:
        v = torch.cat([model.encode_video(fr.normalize(arrays[kind][i:i + chunk]), budget=budget)
                       for i in range(0, arrays[kind].shape[0], chunk)])
        t2v, v2t = tr.gallery_hits(v, t, gallery)
        out[name] = {"t2v": t2v, "v2t": v2t}
    return out


def paired(a, b):
    """Mean and standard error (percentage points) of the paired difference a - b."""
    d = a.float() - b.float()
    return 100 * d.mean().item(), 100 * d.std(unbiased=True).item() / math.sqrt(len(d))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", help="model directory (config.json + model.safetensors)")
    ap.add_argument("--split", default="val")
    ap.add_argument("--gallery", type=int, default=300, help="clips per gallery")
    ap.add_argument("--manifests", default="Corpus/synth")
    ap.add_argument("--cache", default="Corpus/generated/synth/cache")
    ap.add_argument("--by", default="", help="comma-separated attributes to break the T2V rates down by")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    model = mdl.load_model_dir(args.model)
    entries, arrays, caps = tr.load_split(args.cache, args.manifests, args.split, ["mid8", "mid2"])
    n = len(entries) - len(entries) % args.gallery if len(entries) >= args.gallery else len(entries)
    entries, caps = entries[:n], caps[:n]
    arrays = {k: v[:n] for k, v in arrays.items()}
    ids = tr.tokenize_all([c[0] for c in caps], model.tcfg.context_length)
    hits = successes(model, arrays, ids, args.gallery)

    rates = {k: {d: round(100 * h[d].float().mean().item(), 2) for d in h} for k, h in hits.items()}
    diff, se = paired(hits["sel128"]["t2v"], hits["2fr128"]["t2v"])
    result = {"model": args.model, "split": args.split, "queries": n, "gallery": min(args.gallery, n),
              "chance_percent": round(100 / min(args.gallery, n), 3), "r1": rates,
              "sel128_over_full": round(rates["sel128"]["t2v"] / rates["full"]["t2v"], 4),
              "sel128_minus_2fr128_t2v": {"mean": round(diff, 2), "se": round(se, 2)}}
    by = {}
    for attr in [a for a in args.by.split(",") if a]:
        values = sorted({str(e["attributes"][attr]) for e in entries})
        by[attr] = {}
        for val in values:
            ix = torch.tensor([i for i, e in enumerate(entries) if str(e["attributes"][attr]) == val])
            by[attr][val] = {"n": len(ix), **{k: round(100 * h["t2v"][ix].float().mean().item(), 1) for k, h in hits.items()}}
    if by:
        result["t2v_by"] = by
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"{args.model} on {args.split}: {n} queries in galleries of {result['gallery']} (chance {result['chance_percent']} %)")
    print("input    T2V R@1  V2T R@1")
    for k, r in rates.items():
        print(f"{k:8s} {r['t2v']:7.2f}  {r['v2t']:7.2f}")
    print(f"sel128 / full (T2V) = {result['sel128_over_full']:.3f}; sel128 - 2fr128 (T2V) = {diff:+.2f} ± {se:.2f} (SE, paired)")
    for attr, rows in by.items():
        for val, r in rows.items():
            print(f"  {attr:10s} {val:10s} n={r['n']:4d}  " + "  ".join(f"{k} {r[k]:5.1f}" for k in rates))
    return 0


if __name__ == "__main__":
    sys.exit(main())
