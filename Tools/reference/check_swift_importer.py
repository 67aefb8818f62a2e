#!/usr/bin/env python3
"""The Swift importer (`fluxsearch models import`) against Tools/convert_checkpoint.py on
random-weight checkpoints at the official sizes (not run in CI: needs torch, and the files
total about 1.5 GB in a temporary folder).

Writes, at random weights and in the official layouts:
  fluxvit-s.pth      FluxViT-S/14 single-modality (training heads), {"model": {"module.<key>"}},
                     pos_embed on the registered 24x18x18 grid
  fluxvit-b.pth      FluxViT-B/14 single-modality, {"module": ...}, pos_embed on a 16x16x16 grid
                     (resampled to the registered 32x20x20 with --orig-t-size 16)
  iv2-s-backbone.pth InternVideo2 S14 backbone (bare keys, clip_decoder/mae_decoder extras)
  iv2-clip-s.bin     InternVideo2-CLIP S14 container: vision_encoder + vision_align + temp
                     (imported with mobileclip_blt.pt), and a partial one (projector + align
                     only) imported with --vision-base iv2-s-backbone.pth
  iv2-clip-b.bin     InternVideo2-CLIP B14 container
  mobileclip_blt.pt  MobileCLIP-B text tower (text_encoder.*, image_encoder stub, logit_scale)
and checks, for each, that both tools write the same config (field by field) and the same
tensors bit for bit.

Usage:  swift build && python3 Tools/reference/check_swift_importer.py [--binary .build/debug/fluxsearch] [--keep DIR]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import OrderedDict

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from fluxvit import VisionConfig, VisionModel, VisionTower, randomize_parameters  # noqa: E402
from text_tower import TextConfig, TextTower, randomize  # noqa: E402


def run(cmd):
    t = time.time()
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{res.stderr}")
    return time.time() - t


def compare(a, b, label):
    from safetensors.torch import load_file
    ca, cb = (json.load(open(os.path.join(d, "config.json"))) for d in (a, b))
    ta, tb = (load_file(os.path.join(d, "model.safetensors")) for d in (a, b))
    same_cfg = json.dumps(ca, sort_keys=True) == json.dumps(cb, sort_keys=True)
    same_keys = ta.keys() == tb.keys()
    differing = [k for k in ta if k in tb and not (ta[k].dtype == tb[k].dtype and ta[k].shape == tb[k].shape
                                                  and torch.equal(ta[k].view(torch.uint8) if ta[k].dtype != torch.bool else ta[k],
                                                                  tb[k].view(torch.uint8) if tb[k].dtype != torch.bool else tb[k]))]
    ok = same_cfg and same_keys and not differing
    print(f"{'ok  ' if ok else 'FAIL'} {label}: {len(ta)} tensors, config {'equal' if same_cfg else 'DIFFERS'}, "
          f"bitwise differing: {differing[:5]}")
    if not same_cfg:
        print("  swift: ", json.dumps(ca, sort_keys=True))
        print("  python:", json.dumps(cb, sort_keys=True))
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build", "debug", "fluxsearch"))
    ap.add_argument("--keep", help="write the checkpoints here and keep them (for `fluxsearch bench import`)")
    args = ap.parse_args()
    torch.manual_seed(0)
    tmp = args.keep or tempfile.mkdtemp(prefix="swift-importer-")
    os.makedirs(tmp, exist_ok=True)
    p = lambda n: os.path.join(tmp, n)  # noqa: E731
    S = dict(arch="fluxvit", embed_dim=384, depth=12, num_heads=6, mlp_hidden_dim=1536, num_projectors=3,
             projector_budgets=[3072, 2048, 1024], projector_heads=16, projector_out_dim=768)
    B = dict(S, embed_dim=768, num_heads=12, mlp_hidden_dim=3072)

    tower = VisionTower(VisionConfig(**S, pos_num_frames=24, pos_grid_size=18), training_heads=True)
    randomize_parameters(tower, 1)
    torch.save({"model": OrderedDict(("module." + k, v) for k, v in tower.state_dict().items())}, p("fluxvit-s.pth"))
    del tower
    tower = VisionTower(VisionConfig(**B, pos_num_frames=16, pos_grid_size=16), training_heads=True)
    randomize_parameters(tower, 2)
    torch.save({"module": tower.state_dict()}, p("fluxvit-b.pth"))
    del tower

    IV = lambda d, h: dict(arch="internvideo2", embed_dim=d, depth=12, num_heads=h, mlp_hidden_dim=4 * d,  # noqa: E731
                           pos_num_frames=8, pos_grid_size=16, num_projectors=1, projector_budgets=[2048],
                           projector_heads=16, projector_out_dim=768)
    iv = VisionTower(VisionConfig(**IV(384, 6)))
    randomize_parameters(iv, 3)
    torch.save(OrderedDict(list(iv.state_dict().items()) + [("clip_decoder.0.norm.weight", torch.ones(3)),
                                                            ("mae_decoder.0.norm.weight", torch.ones(3))]),
               p("iv2-s-backbone.pth"))
    vm = VisionModel(VisionConfig(**IV(384, 6)), 512)
    vm.vision_encoder.load_state_dict(iv.state_dict())
    randomize_parameters(vm.vision_align, 4)
    full = OrderedDict(list(vm.state_dict().items()) + [("temp", torch.tensor(0.01))])
    torch.save(full, p("iv2-clip-s.bin"))
    torch.save(OrderedDict((k, v) for k, v in full.items()
                           if k.startswith(("vision_encoder.clip_projector.", "vision_align.", "temp"))), p("iv2-clip-s-partial.bin"))
    vb = VisionModel(VisionConfig(**IV(768, 12)), 512)
    randomize_parameters(vb, 5)
    torch.save({"model": OrderedDict(list(vb.state_dict().items()) + [("temp", torch.tensor(0.01))])}, p("iv2-clip-b.bin"))

    text = TextTower(TextConfig(vocab_size=49408, context_length=77, width=512, layers=12, heads=8, ffn_dim=2048,
                                projection_dim=512, causal=True))
    randomize(text, 6)
    torch.save({"text_encoder." + k: v for k, v in text.state_dict().items()}
               | {"image_encoder.stem.weight": torch.randn(64, 3, 3, 3), "logit_scale": torch.tensor(4.6)},
               p("mobileclip_blt.pt"))

    cases = [
        ("FluxViT-S single-modality", ["fluxvit-s.pth"], ["--size", "s"]),
        ("FluxViT-B single-modality, pos 16x16 -> 32x20", ["fluxvit-b.pth"], ["--size", "b", "--orig-t-size", "16"]),
        ("InternVideo2 S14 backbone", ["iv2-s-backbone.pth"], ["--size", "s"]),
        ("InternVideo2-CLIP S14 + MobileCLIP-B", ["iv2-clip-s.bin", "--text", "mobileclip_blt.pt"], ["--size", "s"]),
        ("InternVideo2-CLIP S14 partial + --vision-base + MobileCLIP-B",
         ["iv2-clip-s-partial.bin", "--vision-base", "iv2-s-backbone.pth", "--text", "mobileclip_blt.pt"], ["--size", "s"]),
        ("InternVideo2-CLIP B14 + MobileCLIP-B, f16", ["iv2-clip-b.bin", "--text", "mobileclip_blt.pt"], ["--size", "b", "--dtype", "f16"]),
        ("MobileCLIP-B text alone", ["mobileclip_blt.pt"], []),
    ]
    failures = 0
    for i, (label, files, flags) in enumerate(cases):
        files = [p(f) if not f.startswith("--") else f for f in files]
        py_out, sw_out = p(f"py-{i}"), p(f"swift-{i}")
        shutil.rmtree(py_out, ignore_errors=True)
        shutil.rmtree(sw_out, ignore_errors=True)
        tp = run([sys.executable, os.path.join(ROOT, "Tools", "convert_checkpoint.py")] + files + ["-o", py_out, "--name", "m"] + flags)
        ts = run([args.binary, "models", "import"] + files + ["--output", sw_out, "--name", "m"] + flags)
        print(f"     python {tp:.1f} s, swift {ts:.1f} s")
        failures += not compare(sw_out, py_out, label)
        shutil.rmtree(py_out)
        shutil.rmtree(sw_out)
    if not args.keep:
        shutil.rmtree(tmp)
    print("all importer checks passed" if failures == 0 else f"{failures} case(s) FAILED")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
