#!/usr/bin/env python3
"""Grows a real fluxsearch index to N clips with synthetic rows, for load tests of `serve`.

The index must have been built by `fluxsearch index` (its settings, budget and query bank stay
as they are). Each added video gets clustered unit vectors (like real embeddings: points near
a few hundred centres) at the index's largest budget; its path names a file that need not
exist (searches never open files; streaming such a hit answers 404). The FAISS file is left
stale on purpose: the server rebuilds it from SQLite on first use, as it would after `index`.

    python3 Tools/serve/grow_index.py INDEX_DIR --clips 10000
"""
import argparse
import os
import sqlite3
import time

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("index")
    ap.add_argument("--clips", type=int, default=10000)
    ap.add_argument("--clips-per-video", type=int, default=10)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    db = sqlite3.connect(os.path.join(args.index, "index.sqlite"))
    dim = db.execute("SELECT embedDimension FROM indexSettings").fetchone()[0]
    budget = db.execute("SELECT MAX(tokens) FROM budget WHERE role = 'indexed'").fetchone()[0]
    have = db.execute("SELECT COUNT(*) FROM clip WHERE budget = ?", (budget,)).fetchone()[0]
    need = max(0, args.clips - have)
    rng = np.random.default_rng(args.seed)
    centres = rng.normal(size=(max(1, need // 50), dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    now = time.strftime("%Y-%m-%d %H:%M:%S.000", time.gmtime())
    added = 0
    with db:
        v = 0
        while added < need:
            cur = db.execute(
                "INSERT INTO video (path, size, mtime, contentHash, duration, fps, frameCount, width, height, codec, rotation, indexedAt)"
                " VALUES (?, 1, 1700000000, ?, 40, 25, 1000, 640, 360, 'h264', 0, ?)",
                (f"/synthetic/folder-{v % 20}/video-{v}.mp4", f"synthetic-{v}", now))
            vid = cur.lastrowid
            n = min(args.clips_per_video, need - added)
            for c in range(n):
                x = centres[rng.integers(len(centres))] + 0.8 * rng.normal(size=dim).astype(np.float32) / np.sqrt(dim)
                x = (x / np.linalg.norm(x)).astype("<f4")
                start, end = (0.0, 40.0) if c == 0 else (float(c - 1) * 4, float(c) * 4)
                kind = "video" if c == 0 else "segment"
                db.execute("INSERT INTO clip (videoId, start, \"end\", budget, kind, embedding) VALUES (?, ?, ?, ?, ?, ?)",
                           (vid, start, end, budget, kind, x.tobytes()))
            added += n
            v += 1
        db.execute("UPDATE budget SET generation = generation + 1 WHERE tokens = ?", (budget,))
    total = db.execute("SELECT COUNT(*) FROM clip WHERE budget = ?", (budget,)).fetchone()[0]
    print(f"grow_index: {args.index} now holds {total} clips at {budget} tokens ({added} synthetic)")


if __name__ == "__main__":
    main()
