#!/usr/bin/env python3
"""Swift <-> PyTorch parity of a trained model directory (default: the demo model).

    python3 Tools/train/check_swift_parity.py --bin .build/release/fluxsearch
    python3 Tools/train/check_swift_parity.py --bin .build/debug/fluxsearch --model Corpus/models/demo --clips 4

What it compares (identical preprocessing input on both sides):
  vision  a few test clips are decoded with the ffmpeg CLI, `middle`-sampled and resized exactly
          as the Swift ingestion does (Tools/train/frames.py); the float32 tensor
          [B, 3, T, S, S] is written to a .npy and given to `fluxsearch embed --tensor … --tokens N
          --json`; the PyTorch side is the project's reference tower
          (Tools/reference/fluxvit.py `VisionModel.from_model_dir`) on the same tensor. Cases:
          8x112 at 512 (full budget, no selection), 256 and 128 (selection, projectors 1 and 2),
          16x112 at 512 (selection, G = 4 groups of 4), 6x112 at 128 (the demo model's 1/4 pool,
          G = 2 groups of 3), 6x98 at 128 (G = 2, position table
          resampled in time and space), 2x112 at 128 (time resampling 8 -> 2).
  text    each clip's caption and a few queries through `fluxsearch embed --text … --json`
          against Tools/reference/text_tower.py on open_clip's ids of pre_text(caption); the
          token ids must be equal too.
  video   (informational unless --strict-video) `fluxsearch embed --video FILE --frames 8 --size
          112 --tokens 512`, i.e. the Swift decoder + preprocessing, against the PyTorch
          embedding of the ffmpeg-CLI-decoded frames.
Exit status 1 when any vision or text max abs difference exceeds --tol (default 1e-4).
Needs torch, numpy, safetensors, ftfy, regex, open_clip's tokenizer.py and the ffmpeg CLI.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
import fluxvit as fv  # noqa: E402
import frames as fr  # noqa: E402
import text_tower  # noqa: E402
from tokenizer_parity import open_clip_ids, pre_text  # noqa: E402

CASES = (  # (frames, size, budget)
    (8, 112, 512), (8, 112, 256), (8, 112, 128), (16, 112, 512), (6, 112, 128), (6, 98, 128), (2, 112, 128))
QUERIES = ("a red ball moves to the right", "three small white stars spin on a checkered background",
           "two big green squares bounce against a black backdrop")


def swift_json(binary, args):
    out = subprocess.run([binary] + args + ["--json"], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join([binary] + args)} failed:\n{out.stderr}")
    return json.loads(out.stdout)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=".build/release/fluxsearch", help="the fluxsearch binary")
    ap.add_argument("--model", default="Corpus/models/demo")
    ap.add_argument("--manifest", default="Corpus/synth/test.json")
    ap.add_argument("--videos", default="Corpus/generated/synth/test")
    ap.add_argument("--clips", type=int, default=3, help="test clips per case (batch size, >= 2)")
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--strict-video", action="store_true", help="also fail on the --video comparison")
    args = ap.parse_args(argv)
    torch.set_num_threads(2)

    vision = fv.VisionModel.from_model_dir(args.model)
    text, config = text_tower.load_model_dir(args.model)
    entries = json.load(open(args.manifest))[: max(2, args.clips)]
    paths = [os.path.join(args.videos, e["video"]) for e in entries]
    decoded = [fr.decode(p) for p in paths]
    worst = 0.0
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for T, S, budget in CASES:
            x = np.stack([fr.normalize(fr.resize(d[fr.middle_indices(len(d), T)], S)).numpy() for d in decoded])
            npy = os.path.join(tmp, f"clips_{T}x{S}.npy")
            np.save(npy, x.astype(np.float32))
            rep = swift_json(args.bin, ["embed", "--model", args.model, "--tensor", npy, "--tokens", str(budget)])
            sw = np.array([c["embedding"] for c in rep["clips"]], dtype=np.float64)
            with torch.no_grad():
                tr = vision.trace(torch.from_numpy(x), budget=budget)
                pt = F.normalize(vision.vision_align(tr["feature"]), dim=-1).double().numpy()
            d = float(np.abs(sw - pt).max())
            worst = max(worst, d)
            ok = d <= args.tol and rep.get("projector") == tr["projector"]
            failed |= not ok
            print(f"vision {T:2d}x{S} budget {budget:3d}: projector swift {rep.get('projector')} / torch {tr['projector']}, "
                  f"tokens {tr['tokens'] - 1}, max abs diff {d:.2e} {'ok' if ok else 'FAIL'}")
        texts = [e["caption"] if isinstance(e["caption"], str) else e["caption"][0] for e in entries] + list(QUERIES)
        for t in texts:
            rep = swift_json(args.bin, ["embed", "--model", args.model, "--text", t])
            ids = open_clip_ids(pre_text(t), text.cfg.context_length)
            with torch.no_grad():
                pt = F.normalize(text(torch.tensor([ids])), dim=-1)[0].double().numpy()
            sw = np.array(rep["embedding"], dtype=np.float64)
            same_ids = [int(i) for i in rep["tokens"]] == [i for i in ids if i != 0][: len(rep["tokens"])] and \
                len(rep["tokens"]) == sum(1 for i in ids if i != 0)
            d = float(np.abs(sw - pt).max())
            worst = max(worst, d)
            ok = d <= args.tol and same_ids
            failed |= not ok
            print(f"text  {d:.2e} ids {'equal' if same_ids else 'DIFFER'} {'ok' if ok else 'FAIL'}  {t!r}")
        for p, d in zip(paths, decoded):
            rep = swift_json(args.bin, ["embed", "--model", args.model, "--video", p, "--frames", "8", "--size", "112",
                                        "--tokens", "512"])
            x = fr.normalize(fr.resize(d[fr.middle_indices(len(d), 8)], 112)).unsqueeze(0).repeat(2, 1, 1, 1, 1)
            with torch.no_grad():
                pt = vision(x, budget=512)[0].double().numpy()
            dv = float(np.abs(np.array(rep["clips"][0]["embedding"]) - pt).max())
            ok = dv <= args.tol
            if args.strict_video:
                failed |= not ok
            print(f"video {os.path.basename(p)}: swift decode+preprocess vs ffmpeg CLI + torch: max abs diff {dv:.2e}"
                  f"{'' if ok else ' (decoder difference)' if not args.strict_video else ' FAIL'}")
    print(f"worst vision/text max abs diff {worst:.2e} (tolerance {args.tol:g}): {'FAIL' if failed else 'PASS'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
