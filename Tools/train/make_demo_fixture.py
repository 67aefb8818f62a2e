#!/usr/bin/env python3
"""Expected outputs of the demo model for a Swift test that needs no Python, video or corpus.

    python3 Tools/train/make_demo_fixture.py --out Tests/fluxsearchTests/Fixtures/demo/expected.json

Two kinds of vision input:
  clips    real test clips of the synthetic corpus (Corpus/generated/synth/test, made by
           Tools/synth/generate.py --splits test): decoded with the ffmpeg CLI, `middle`-sampled
           and resized to 112 px exactly as the Swift ingestion does (Tools/train/frames.py);
           the uint8 frames [B, T, S, S, 3] are stored as clips_8x112.npy (B = 2, 600 KB) and
           both sides normalise them the same way ((x / 255 - mean) / std in float32), so the
           towers see bit-identical input;
  hash-v1  the deterministic tensors of Tools/reference/fluxvit.py (`hash_v1_input(shape,
           seed)`), which cover the other shapes (16 frames, 98 px, 2 frames) at no storage cost.
Outputs come from the project's reference towers (fluxvit.VisionModel.from_model_dir,
text_tower.load_model_dir) on the model directory as stored (F16 weights read as float32).

Output (JSON):
  {"model": DIR, "model_name": str, "safetensors_sha256": hex, "config_sha256": hex,
   "tolerance": 1e-4,
   "clips": {"file": "clips_8x112.npy", "videos": [names], "cases": [{"budget": int, "projector": int,
             "tokens": int, "embedding": [[E floats] x B]}]},
   "vision": [{"shape": [B, 3, T, S, S], "seed": int, "budget": int, "projector": int,
               "tokens": int (sequence length incl. the class token), "embedding": [[E floats] x B]}],
   "text": [{"text": str, "ids": [int, through the end token], "embedding": [E floats]}]}
Cases: clips 8x112 at 512 (full budget), 256 and 128 (selection); hash-v1 the same plus 16x112
at 512, 6x98 at 128 and 2x112 at 128.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
sys.path.insert(0, HERE)
import fluxvit as fv  # noqa: E402
import frames as fr  # noqa: E402
import text_tower  # noqa: E402
from tokenizer_parity import open_clip_ids, pre_text  # noqa: E402

CASES = ((8, 112, 512, 1), (8, 112, 256, 2), (8, 112, 128, 3), (16, 112, 512, 4), (6, 98, 128, 5), (2, 112, 128, 6))
TEXTS = ("two big green squares bounce against a black backdrop",
         "a red ball moves to the right on a gray background",
         "There are THREE tiny white stars, spinning over a checkerboard!")


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="Corpus/models/demo")
    ap.add_argument("--out", required=True, help="JSON file to write (clips_8x112.npy goes beside it)")
    ap.add_argument("--manifest", default="Corpus/synth/test.json")
    ap.add_argument("--videos", default="Corpus/generated/synth/test")
    ap.add_argument("--clips", type=int, default=2, help="test clips (the first N of the manifest)")
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    vision = fv.VisionModel.from_model_dir(args.model)
    text, config = text_tower.load_model_dir(args.model)
    out = {"model": args.model, "model_name": config["name"],
           "safetensors_sha256": sha256(os.path.join(args.model, "model.safetensors")),
           "config_sha256": sha256(os.path.join(args.model, "config.json")), "tolerance": 1e-4,
           "vision": [], "text": []}
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    entries = json.load(open(args.manifest))[: args.clips]
    frames = np.stack([fr.resize(d[fr.middle_indices(len(d), 8)], 112)
                       for d in (fr.decode(os.path.join(args.videos, e["video"])) for e in entries)])
    np.save(os.path.join(out_dir, "clips_8x112.npy"), frames)
    out["clips"] = {"file": "clips_8x112.npy", "videos": [e["video"] for e in entries], "cases": []}
    with torch.no_grad():
        x = fr.normalize(frames)
        for budget in (512, 256, 128):
            tr = vision.trace(x, budget=budget)
            e = F.normalize(vision.vision_align(tr["feature"]), dim=-1)
            out["clips"]["cases"].append({"budget": budget, "projector": tr["projector"], "tokens": tr["tokens"],
                                          "embedding": e.tolist()})
        for T, S, budget, seed in CASES:
            shape = [2, 3, T, S, S]
            x = torch.from_numpy(fv.hash_v1_input(shape, seed))
            tr = vision.trace(x, budget=budget)
            e = F.normalize(vision.vision_align(tr["feature"]), dim=-1)
            out["vision"].append({"shape": shape, "seed": seed, "budget": budget, "projector": tr["projector"],
                                  "tokens": tr["tokens"], "embedding": e.tolist()})
        for t in TEXTS:
            ids = open_clip_ids(pre_text(t), text.cfg.context_length)
            e = F.normalize(text(torch.tensor([ids])), dim=-1)[0]
            out["text"].append({"text": t, "ids": [i for i in ids if i != 0], "embedding": e.tolist()})
    with open(args.out, "w") as f:
        json.dump(out, f)
        f.write("\n")
    print(f"wrote {args.out}: {len(entries)} clips x {len(out['clips']['cases'])} budgets, {len(out['vision'])} hash-v1 cases, {len(out['text'])} texts")


if __name__ == "__main__":
    main()
