#!/usr/bin/env python3
"""Whole-video cosines of near-duplicates against those of distinct videos (issue 17).

    python3 Tools/synth/generate.py --splits test
    python3 Tools/synth/duplicate_cosines.py --bin .build/debug/fluxsearch --work /tmp/dups

Where `NearDuplicates.defaultThreshold` (Sources/FluxQuery/NearDuplicates.swift) comes from.
For each clip of the synthetic test split (or the first --limit), the ffmpeg CLI makes six
variants and a byte copy in <work>/clips/, beside a copy of the original:

  reencode-mpeg4   MPEG-4 Part 2 in AVI, -q:v 4, 320x240 (160x120 when already 320 wide),
                   25 fps (15 when already 25)
  reencode-x264    H.264 at CRF 30 (the corpus uses 18), same size and rate change
  trim-start10/20  the first 10 / 20 % of the duration cut (H.264, CRF 18)
  trim-end10/20    the last 10 / 20 % cut
  copy             the file's bytes under another name

Then `fluxsearch index` (the demo model at 256 tokens unless --model/--tokens), `fluxsearch
export --vectors`, and the cosines of the whole-video vectors. Files already made are kept, and
`index` skips unchanged files, so a second run only re-exports and re-counts.

Output (stdout):
  - per variant type: cosine to its own original (min, 1st and 5th percentile, median, worst 3);
  - distinct videos: the highest cosine between two originals (and the attributes that differ),
    between a variant and another video's original, and between variants of two videos;
  - per threshold: recall of each variant type (share with cosine >= t to its original) and
    the number of false pairs (original-original, variant-other original, all cross-video);
  - all pairs: within-video pairs found and precision.

Needs numpy and the ffmpeg CLI; about 25 minutes for the 300 test clips on 2 shared cores
(variants ~15, indexing 2,400 files with the debug build ~5).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
from multiprocessing import Pool

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
THRESHOLDS = [0.95, 0.96, 0.97, 0.975, 0.98, 0.983, 0.985, 0.99, 0.992, 0.995, 0.997, 0.998, 0.999]


def ffmpeg(args):
    subprocess.run(["ffmpeg", "-nostdin", "-y", "-loglevel", "error"] + args, check=True)


def make_variants(job):
    """Writes the variants of one manifest entry (skipping those already present)."""
    entry, videos, clips = job
    src = os.path.join(videos, entry["video"])
    stem, ext = os.path.splitext(entry["video"])
    original = os.path.join(clips, entry["video"])
    if not os.path.exists(original):
        shutil.copyfile(src, original)
    w, fps, dur = entry["format"]["width"], entry["format"]["fps"], entry["duration"]
    size = "320:240" if w < 320 else "160:120"
    rate = "25" if fps != 25 else "15"
    h264 = ["-c:v", "libx264", "-crf", "18", "-pix_fmt", "yuv420p"]
    recipes = [
        ("reencode-mpeg4", "avi", ["-i", src, "-c:v", "mpeg4", "-q:v", "4", "-vf", f"scale={size}", "-r", rate]),
        ("reencode-x264", "mp4", ["-i", src, "-c:v", "libx264", "-crf", "30", "-pix_fmt", "yuv420p",
                                  "-vf", f"scale={size}", "-r", rate]),
        ("trim-start10", "mp4", ["-ss", f"{dur * 0.10:.3f}", "-i", src] + h264),
        ("trim-start20", "mp4", ["-ss", f"{dur * 0.20:.3f}", "-i", src] + h264),
        ("trim-end10", "mp4", ["-i", src, "-t", f"{dur * 0.90:.3f}"] + h264),
        ("trim-end20", "mp4", ["-i", src, "-t", f"{dur * 0.80:.3f}"] + h264),
    ]
    for name, suffix, args in recipes:
        out = os.path.join(clips, f"{stem}--{name}.{suffix}")
        if not os.path.exists(out):
            ffmpeg(args + [out])
    copy = os.path.join(clips, f"{stem}--copy{ext}")
    if not os.path.exists(copy):
        shutil.copyfile(src, copy)


def whole_video_vectors(args, clips, index):
    """Indexes <work>/clips and returns (paths, unit vectors) of the whole-video clips."""
    model = args.model or os.path.join(REPO, "Corpus/models/demo")
    r = subprocess.run([args.bin, "index", clips, "--model", model, "--tokens", str(args.tokens), "--index-dir", index],
                       capture_output=True, text=True)
    print(r.stdout.strip().splitlines()[-1] if r.stdout.strip() else "", file=sys.stderr)
    if r.returncode != 0:
        sys.exit(f"fluxsearch index failed: {r.stderr[-2000:]}")
    vectors, table = os.path.join(args.work, "vectors.npy"), os.path.join(args.work, "clips.csv")
    subprocess.run([args.bin, "export", "--index-dir", index, "--format", "csv", "--output", table,
                    "--vectors", vectors, "--tokens", str(args.tokens)], check=True, capture_output=True)
    rows = list(csv.reader(open(table, newline="")))
    header, rows = rows[0], rows[1:]
    path, kind = header.index("path"), header.index("kind")
    keep = [i for i, row in enumerate(rows) if row[kind] == "video"]
    return [os.path.basename(rows[i][path]) for i in keep], np.load(vectors)[keep]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="a built fluxsearch executable")
    ap.add_argument("--work", required=True, help="folder for the clips, the index and the exported vectors")
    ap.add_argument("--videos", default=os.path.join(REPO, "Corpus/generated/synth/test"), help="the test clips")
    ap.add_argument("--manifest", default=os.path.join(REPO, "Corpus/synth/test.json"))
    ap.add_argument("--model", help="model directory (default: Corpus/models/demo)")
    ap.add_argument("--tokens", type=int, default=256)
    ap.add_argument("--limit", type=int, help="only the first N clips")
    ap.add_argument("--jobs", type=int, default=2, help="ffmpeg worker processes")
    args = ap.parse_args(argv)

    manifest = json.load(open(args.manifest))[: args.limit]
    attributes = {os.path.splitext(e["video"])[0]: e["attributes"] for e in manifest}
    clips = os.path.join(args.work, "clips")
    os.makedirs(clips, exist_ok=True)
    with Pool(max(1, args.jobs)) as pool:
        pool.map(make_variants, [(e, args.videos, clips) for e in manifest])
    paths, V = whole_video_vectors(args, clips, os.path.join(args.work, "index"))

    family = np.array([p.split("--")[0].split(".")[0] for p in paths])
    variant = np.array([p.split("--")[1].split(".")[0] if "--" in p else "original" for p in paths])
    # Equal vectors count as exactly 1, as NearDuplicates does (a float32 self-dot may not be).
    S = V @ V.T
    _, group = np.unique(V, axis=0, return_inverse=True)
    group = group.reshape(-1)
    S[group[:, None] == group[None, :]] = 1
    n = len(paths)
    original = variant == "original"
    original_of = {family[i]: i for i in range(n) if original[i]}
    other = family[:, None] != family[None, :]
    print(f"{n} whole-video vectors of {len(original_of)} videos, {args.tokens} tokens")

    print("\nduplicates: cosine to their own original")
    dup = {}
    for i in range(n):
        if not original[i]:
            dup.setdefault(variant[i], []).append((float(S[i, original_of[family[i]]]), paths[i]))
    for kind, values in sorted(dup.items()):
        c = np.array([v for v, _ in values])
        worst = ", ".join(f"{p} {v:.5f}" for v, p in sorted(values)[:3])
        print(f"  {kind:15s} n={len(c)} min {c.min():.5f}  p1 {np.percentile(c, 1):.5f}  p5 {np.percentile(c, 5):.5f}"
              f"  median {np.median(c):.5f}  (worst: {worst})")

    print("\ndistinct videos: highest cosines")
    iu = np.triu_indices(n, 1)
    pairs_other = other[iu]
    oo = pairs_other & original[iu[0]] & original[iu[1]]
    vo = pairs_other & (original[iu[0]] ^ original[iu[1]])
    for name, mask in [("original-original", oo), ("variant-other original", vo), ("any two videos", pairs_other)]:
        k = np.argmax(np.where(mask, S[iu], -2))
        a, b = iu[0][k], iu[1][k]
        print(f"  {name:23s} {S[a, b]:.5f}  {paths[a]} / {paths[b]}  ({mask.sum()} pairs)")
    top = np.argsort(-np.where(oo, S[iu], -2))[:10]
    for k in top:
        a, b = family[iu[0][k]], family[iu[1][k]]
        differ = {x: (attributes[a][x], attributes[b][x]) for x in attributes[a] if attributes[a][x] != attributes[b][x]}
        print(f"    {S[iu][k]:.5f} {a} / {b} differ in {differ}")

    print("\nper threshold: recall per variant type; false pairs (orig-orig, variant-other orig, all)")
    kinds = sorted(dup)
    print("  t      " + " ".join(f"{k[:14]:>14s}" for k in kinds) + "    all dup   FP o-o  FP v-o  FP all")
    alldup = np.concatenate([[v for v, _ in dup[k]] for k in kinds])
    for t in THRESHOLDS:
        recall = " ".join(f"{np.mean([v >= t for v, _ in dup[k]]) * 100:13.1f}%" for k in kinds)
        print(f"  {t:.3f}  {recall}  {np.mean(alldup >= t) * 100:8.1f}%  {(S[iu][oo] >= t).sum():7d} "
              f"{(S[iu][vo] >= t).sum():7d} {(S[iu][pairs_other] >= t).sum():7d}")

    print("\nall pairs (every two files of one video are duplicates)")
    within = S[iu][~pairs_other]
    for t in [0.98, 0.985, 0.99, 0.995, 0.998]:
        tp, fp = int((within >= t).sum()), int((S[iu][pairs_other] >= t).sum())
        print(f"  t={t}: {tp}/{len(within)} duplicate pairs found ({tp / len(within) * 100:.1f} %), "
              f"{fp} false, precision {tp / max(tp + fp, 1) * 100:.2f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
