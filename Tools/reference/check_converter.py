#!/usr/bin/env python3
"""Self-check of Tools/convert_checkpoint.py against the PyTorch reference (not run in CI).

Builds tiny random-weight towers (Tools/reference/fluxvit.py), writes them in several
"official" layouts, converts them and checks the result:

  1. single-modality FluxViT whose pos_embed has another grid (6x5x5) than the registered one
     (8x3x3), nested under "model" with `module.` prefixes and every training-only tensor
     (head.*, fc_norm.*, final_clip_decoder_for_projs.*, clip_decoder.*, mae_decoder.*,
     final_clip_decoder.*, clip_pos_embed, mae_pos_embed): the dropped list, the inferred
     config, the converted pos_embed against the reference's runtime resampler, every other
     tensor bit for bit, the forward at the registered grid (with and without token
     selection) against the original model, and the identity vision_align;
  2. the same under {"module": ...} with `backbone.` prefixes, and as .safetensors with
     `encoder.` prefixes: identical output files;
  3. a CLIP container (vision_encoder.* + vision_align.* + text_encoder.* + temp) under
     "state_dict", plus --text merging from a MobileCLIP-style file (image_encoder.*,
     logit_scale), and --dtype f16;
  4. a bare InternVideo2 backbone with clip_decoder.* / mae_decoder.* extras, and a CLIP file
     with only the trained parts completed by --vision-base;
  5. the errors: registered grid unknown without --orig-t-size, disagreeing joint widths,
     unknown tensors (and --drop-unknown).

Usage:  python3 Tools/reference/check_converter.py        (prints "all converter checks passed")
"""

import contextlib
import io
import json
import os
import sys
import tempfile

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import convert_checkpoint as cc  # noqa: E402
from fluxvit import (VisionConfig, VisionModel, VisionTower, hash_v1_input, randomize_parameters,  # noqa: E402
                     resample_grid)

FAILURES = []


def check(cond, what):
    print(("ok    " if cond else "FAIL  ") + what)
    if not cond:
        FAILURES.append(what)


def run_converter(argv):
    """-> (exit code, stderr text)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = cc.main(argv)
    return code, err.getvalue()


def load_dir(d):
    from safetensors.torch import load_file
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    with open(os.path.join(d, "manifest.json")) as f:
        man = json.load(f)
    return cfg, load_file(os.path.join(d, "model.safetensors")), man


def tiny_text_tensors(seed, proj=32):
    tc = dict(vocab_size=100, context_length=77, width=64, layers=2, heads=1, ffn_dim=256, projection_dim=proj)
    g = torch.Generator().manual_seed(seed)
    return {"text_encoder." + k: torch.randn(*s, generator=g) for k, s in cc.text_expected_shapes(tc).items()}


def main():
    torch.set_num_threads(1)
    D = 64
    src_cfg = VisionConfig(arch="fluxvit", embed_dim=D, depth=2, num_heads=4, mlp_hidden_dim=128,
                           pos_num_frames=6, pos_grid_size=5, num_projectors=3, projector_budgets=[108, 72, 36],
                           projector_heads=16, projector_out_dim=48)
    tower = VisionTower(src_cfg, training_heads=True).eval()
    randomize_parameters(tower, 7)
    sd = tower.state_dict()
    extras = {"clip_decoder.0.head.weight": torch.randn(4, D), "mae_decoder.head.weight": torch.randn(4, D),
              "final_clip_decoder.0.weight": torch.randn(4, 4), "clip_pos_embed": torch.randn(1, 5, D),
              "mae_pos_embed": torch.randn(1, 5, D)}
    common = ["--num-heads", "4", "--pos-frames", "8", "--pos-grid", "3", "--orig-t-size", "6",
              "--projector-budgets", "108,72,36"]

    with tempfile.TemporaryDirectory() as tmp:
        # ---- 1. single-modality FluxViT, other grid, nested + module. + training-only extras
        p1 = os.path.join(tmp, "flux_a.pth")
        torch.save({"model": {"module." + k: v for k, v in {**sd, **extras}.items()}, "epoch": 3}, p1)
        out1 = os.path.join(tmp, "out_a")
        code, log = run_converter([p1, "-o", out1] + common)
        check(code == 0, f"convert nested/module. FluxViT (exit {code})")
        if code:
            print(log)
            return 1
        cfg, w, man = load_dir(out1)
        v = cfg["vision"]
        check(v["arch"] == "fluxvit" and v["embed_dim"] == D and v["depth"] == 2 and v["num_heads"] == 4
              and v["mlp_hidden_dim"] == 128 and v["num_projectors"] == 3 and v["projector_out_dim"] == 48
              and v["pos_num_frames"] == 8 and v["pos_grid_size"] == 3 and v["patch_size"] == 14,
              "inferred vision config")
        check(cfg["embed_dim"] == 48 and "text" not in cfg, "identity align: embed_dim = projector_out_dim, no text")
        expected_drop = sorted([k for k in sd if k.startswith(("head.", "fc_norm.", "final_clip_decoder_for_projs."))]
                               + list(extras))
        check(sorted(man["dropped"]) == expected_drop, f"dropped exactly the {len(expected_drop)} training-only tensors")
        check(man["pos_embed_resampled"] == {"from": [6, 5], "to": [8, 3]}, "manifest records the pos resample")

        # converted pos table == the model-side runtime resample of the raw table
        raw = sd["pos_embed"][0]
        model_side = resample_grid(raw[1:].reshape(6, 5, 5, D), 8, 3).reshape(-1, D)
        conv = w["vision_encoder.pos_embed"][0]
        d_pos = (conv[1:] - model_side).abs().max().item()
        check(torch.equal(conv[0], raw[0]) and d_pos <= 1e-6, f"pos resample equals the model-side one (max {d_pos:.2e})")
        # every other tensor bit for bit
        same = all(torch.equal(w["vision_encoder." + k], t) for k, t in sd.items()
                   if "vision_encoder." + k in w and k != "pos_embed")
        n_vision = sum(1 for k in w if k.startswith("vision_encoder."))
        check(same and n_vision == len(sd) - len(expected_drop) + len(extras), "other vision tensors unchanged")

        # forward at the registered grid: original (runtime resample 6x5 -> 8x3) vs converted
        conv_model = VisionModel.from_model_dir(out1)
        for T, budget in ((8, None), (8, 36), (8, 40)):
            x = torch.from_numpy(hash_v1_input([2, 3, T, 42, 42], 11))
            with torch.no_grad():
                a = tower.trace(x, budget=budget)
                b = conv_model.trace(x, budget=budget)
            same_kept = (a["kept"] is None and b["kept"] is None) or torch.equal(a["kept"], b["kept"])
            d = (a["feature"] - b["feature"]).abs().max().item()
            check(same_kept and d <= 1e-5 and a["projector"] == b["projector"],
                  f"forward T={T} budget={budget}: same tokens, feature max diff {d:.2e}")
            e = F.normalize(F.layer_norm(b["feature"], (48,), eps=1e-5), dim=-1)
            check((e - b["embedding"]).abs().max().item() <= 1e-6, f"identity vision_align (T={T} budget={budget})")

        # ---- 2. other nestings/prefixes give the same files
        p2 = os.path.join(tmp, "flux_b.pth")
        torch.save({"module": {"backbone." + k: v for k, v in {**sd, **extras}.items()}}, p2)
        p3 = os.path.join(tmp, "flux_c.safetensors")
        from safetensors.torch import save_file
        save_file({"encoder." + k: v.contiguous() for k, v in {**sd, **extras}.items()}, p3)
        for p, label in ((p2, "module/backbone."), (p3, "safetensors/encoder.")):
            o = p + ".out"
            code, log = run_converter([p, "-o", o, "--name", "out_a"] + common)
            cfg2, w2, _ = load_dir(o)
            check(code == 0 and cfg2 == cfg and w2.keys() == w.keys() and all(torch.equal(w[k], w2[k]) for k in w),
                  f"{label} layout converts to the same model")

        # ---- 3. CLIP container + text merge + f16
        clip_cfg = VisionConfig(arch="fluxvit", embed_dim=D, depth=2, num_heads=4, mlp_hidden_dim=128,
                                pos_num_frames=8, pos_grid_size=3, num_projectors=3, projector_budgets=[108, 72, 36],
                                projector_heads=16, projector_out_dim=48)
        vm = VisionModel(clip_cfg, 32, training_heads=True)
        randomize_parameters(vm, 8)
        text = tiny_text_tensors(1)
        p4 = os.path.join(tmp, "clip.pth")
        torch.save({"state_dict": {**vm.state_dict(), **text, "temp": torch.tensor(0.01)}}, p4)
        o4 = os.path.join(tmp, "clip_out")
        code, log = run_converter([p4, "-o", o4, "--num-heads", "4", "--text-heads", "1", "--pos-frames", "8",
                                   "--projector-budgets", "108,72,36"])
        if code:
            print(log)
        cfg4, w4, man4 = load_dir(o4)
        t = cfg4.get("text", {})
        check(code == 0 and man4["kind"] == "clip" and cfg4["embed_dim"] == 32 and t.get("width") == 64
              and t.get("layers") == 2 and t.get("ffn_dim") == 256 and t.get("vocab_size") == 100
              and t.get("context_length") == 77 and t.get("projection_dim") == 32 and t.get("causal") is True,
              "CLIP container: vision + align + text config")
        check(all(torch.equal(w4[k], text[k]) for k in text) and "temp" in man4["dropped"]
              and torch.equal(w4["vision_align.1.weight"], vm.state_dict()["vision_align.1.weight"]),
              "CLIP container: text and vision_align tensors kept, temp dropped")
        m4 = VisionModel.from_model_dir(o4)
        x = torch.from_numpy(hash_v1_input([2, 3, 8, 42, 42], 5))
        with torch.no_grad():
            d = (m4(x) - vm.eval()(x)).abs().max().item()
        check(d <= 1e-6, f"CLIP container: embedding unchanged ({d:.1e})")

        text2 = tiny_text_tensors(2)
        p5 = os.path.join(tmp, "mobileclip_like.pt")
        torch.save({**text2, "image_encoder.stem.weight": torch.randn(3, 3), "logit_scale": torch.tensor(4.6)}, p5)
        o5 = os.path.join(tmp, "merged")
        code, log = run_converter([p4, "-o", o5, "--num-heads", "4", "--text-heads", "1", "--text", p5, "--pos-frames", "8",
                                   "--projector-budgets", "108,72,36", "--dtype", "f16"])
        cfg5, w5, man5 = load_dir(o5)
        check(code == 0 and all(torch.equal(w5[k], text2[k].half()) for k in text2)
              and all(t.dtype == torch.float16 for t in w5.values())
              and any(s.endswith("image_encoder.stem.weight") for s in man5["dropped"]),
              "--text merges the MobileCLIP text tower (f16), drops image_encoder/logit_scale")
        o6 = os.path.join(tmp, "text_only")
        code, _ = run_converter([p5, "-o", o6, "--text-heads", "1"])
        cfg6, w6, _ = load_dir(o6)
        check(code == 0 and "vision" not in cfg6 and cfg6["embed_dim"] == 32 and len(w6) == len(text2),
              "MobileCLIP alone converts to a text-only model")

        # ---- 4. bare InternVideo2 backbone
        iv_cfg = VisionConfig(arch="internvideo2", embed_dim=D, depth=2, num_heads=4, mlp_hidden_dim=128,
                              pos_num_frames=4, pos_grid_size=3, num_projectors=1, projector_budgets=[36],
                              projector_heads=16, projector_out_dim=48)
        iv = VisionTower(iv_cfg).eval()
        randomize_parameters(iv, 9)
        p7 = os.path.join(tmp, "iv2.bin")
        torch.save({"module": {**iv.state_dict(), "clip_decoder.0.norm.weight": torch.ones(3),
                               "mae_decoder.0.norm.weight": torch.ones(3)}}, p7)
        o7 = os.path.join(tmp, "iv2_out")
        code, log = run_converter([p7, "-o", o7, "--num-heads", "4", "--pos-frames", "4"])
        cfg7, w7, man7 = load_dir(o7)
        check(code == 0 and cfg7["vision"]["arch"] == "internvideo2" and cfg7["vision"]["projector_budgets"] == [36]
              and cfg7["vision"]["pos_grid_size"] == 3 and len(man7["dropped"]) == 2,
              "InternVideo2 backbone: arch, budgets, grid, decoders dropped")
        m7 = VisionModel.from_model_dir(o7)
        x = torch.from_numpy(hash_v1_input([2, 3, 4, 42, 42], 6))
        with torch.no_grad():
            d = (m7.trace(x)["feature"] - iv(x)).abs().max().item()
        check(d <= 1e-6, f"InternVideo2 backbone: feature unchanged ({d:.1e})")

        # a CLIP file holding only the trained parts + --vision-base with the backbone
        vm_iv = VisionModel(iv_cfg, 32)
        vm_iv.vision_encoder.load_state_dict(iv.state_dict())
        randomize_parameters(vm_iv.vision_align, 10)
        partial = {k: v for k, v in vm_iv.state_dict().items()
                   if k.startswith(("vision_encoder.clip_projector.", "vision_align."))}
        p9 = os.path.join(tmp, "clip_partial.bin")
        torch.save({**partial, **tiny_text_tensors(3), "temp": torch.tensor(0.01)}, p9)
        o9 = os.path.join(tmp, "clip_partial_out")
        code, log = run_converter([p9, "-o", o9, "--vision-base", p7, "--num-heads", "4", "--pos-frames", "4",
                                   "--text-heads", "1"])
        ok = code == 0
        if ok:
            m9 = VisionModel.from_model_dir(o9)
            with torch.no_grad():
                d = (m9(x) - vm_iv.eval()(x)).abs().max().item()
            ok = d <= 1e-6
        else:
            print(log)
        check(ok, "--vision-base fills the backbone under a partial CLIP checkpoint")

        # ---- 5. errors
        code, log = run_converter([p1, "-o", os.path.join(tmp, "e1"), "--num-heads", "4", "--pos-frames", "8",
                                   "--pos-grid", "3", "--projector-budgets", "108,72,36"])
        check(code == 1 and "--orig-t-size" in log, "grid mismatch without --orig-t-size is an error naming the flag")
        code, log = run_converter([p1, "-o", os.path.join(tmp, "e2"), "--text", p5] + common)
        check(code == 1 and "joint width" in log, "vision-only + text with different widths is an error")
        p8 = os.path.join(tmp, "unknown.pth")
        torch.save({**vm.state_dict(), "something_else.weight": torch.ones(2)}, p8)
        code, log = run_converter([p8, "-o", os.path.join(tmp, "e3"), "--num-heads", "4", "--pos-frames", "8", "--projector-budgets", "108,72,36"])
        check(code == 1 and "something_else.weight" in log, "unknown tensors are an error")
        code, log = run_converter([p8, "-o", os.path.join(tmp, "e4"), "--num-heads", "4", "--pos-frames", "8",
                                   "--projector-budgets", "108,72,36", "--drop-unknown"])
        check(code == 0, "--drop-unknown drops them")

    if FAILURES:
        print(f"{len(FAILURES)} check(s) FAILED")
        return 1
    print("all converter checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
