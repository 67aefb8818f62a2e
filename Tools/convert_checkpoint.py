#!/usr/bin/env python3
"""Convert official FluxViT / InternVideo2-CLIP / MobileCLIP checkpoints into a fluxsearch model directory.

Inputs (PyTorch .pth/.bin/.pt read with torch.load(map_location="cpu", weights_only=True), or
.safetensors):
  * FluxViT single-modality (OpenGVLab/FluxViT, e.g. the K400 fine-tuned S/14 or B/14): bare
    tower keys (`cls_token`, `pos_embed`, `gpe_proj.*`, `blocks.{i}.*`, `clip_projector.{j}.*`,
    `head.{j}.*`, ...), possibly nested under "model" / "module" / "state_dict" and prefixed with
    `module.` / `backbone.` / `encoder.`.                                          --kind fluxvit
  * an InternVideo2 vision backbone (e.g. S14_dist_1B_stage2): bare keys without gpe_proj.
                                                                                 --kind internvideo2
  * a CLIP container: InternVideo2-CLIP S14/B14 (`vision_encoder.*`, `vision_align.{0,1}.*`,
    `text_encoder.*`, `temp`), or a FluxViT-CLIP in the same layout.                  --kind clip
  * MobileCLIP (`mobileclip_blt.pt`): `text_encoder.*` (its `image_encoder.*` and
    `logit_scale` are dropped). Usually given as --text next to a vision checkpoint. --kind mobileclip
The kind is detected from the keys unless --kind is given.

What happens:
  1. unwrap "model" / "module" / "state_dict" nesting; strip leading `module.`, `backbone.`,
     `encoder.` (as the FluxViT fine-tune loader does; `vision_encoder.` and `text_encoder.`
     are not touched);
  2. drop training-only tensors and list them: vision `head.*`, `fc_norm.*`,
     `final_clip_decoder_for_projs.*`, `clip_decoder.*`, `mae_decoder.*`,
     `final_clip_decoder.*`, `clip_pos_embed`, `mae_pos_embed`; top-level `temp`,
     `logit_scale`, `image_encoder.*`;
  3. infer the configuration from tensor shapes (embed dim, depth, MLP width, patch size,
     number of projectors, projector output width, text width/layers/FFN/vocab/context);
     attention heads cannot be inferred from shapes: they come from --num-heads, from --size
     (s: 6, b: 12; assumed from embed_dim 384 / 768 when not given), or default to
     embed_dim / 64 (the head width of every official model);
  4. if `pos_embed` holds a grid other than the registered (T0, H0), resample it exactly as
     MODEL_SPEC §2.3 / run_flexible_finetune.py do: the checkpoint grid has --orig-t-size
     frames; linear in time (align_corners=False), then bicubic in space (A = -0.75,
     align_corners=False, no antialias); the class row is kept;
  5. check every tensor against the reference module (Tools/reference/fluxvit.py) and the
     MobileCLIP-B key table: missing, unexpected and mis-shaped tensors are errors;
  6. write the model directory.

Output format (<out>/):
  config.json        {"format": "fluxsearch-model", "format_version": 1, "name": str,
                      "embed_dim": int,                      # joint space width
                      "vision": {"arch": "fluxvit"|"internvideo2", "embed_dim", "depth",
                                 "num_heads", "mlp_hidden_dim", "patch_size",
                                 "pos_num_frames" (T0), "pos_grid_size" (H0), "num_projectors",
                                 "projector_budgets" [int per projector], "projector_heads",
                                 "projector_out_dim", "norm_eps" (1e-6),
                                 "projector_norm_eps" (1e-5), "mlp_activation": "gelu_tanh"},
                      "text": {"vocab_size", "context_length", "width", "layers", "heads",
                               "ffn_dim", "causal", "projection_dim", "norm_eps" (1e-5)}}
                     "vision" / "text" are omitted when that tower is absent. The names are
                     the CodingKeys of Sources/FluxModels/Configuration/*.swift.
  model.safetensors  F32 (or --dtype f16 / bf16) tensors with the official names:
                       vision_encoder.<official FluxViT / InternVideo2 tower key>
                       vision_align.0.{weight,bias} [out]   LayerNorm(out, eps 1e-5)
                       vision_align.1.weight [embed_dim, out], vision_align.1.bias [embed_dim]
                       text_encoder.<official MobileCLIP key>
                     Layouts are unchanged (Conv3d weights stay [D, 3, 1, 14, 14], Linear
                     weights [out, in], projection_layer [in, out]); layout changes are the
                     loader's business.
  manifest.json      converter version, source file names and SHA-256, detected kind, dtype,
                     dropped tensors, pos-embed resampling, how vision_align was obtained.

vision_align for vision-only checkpoints (single-modality FluxViT, InternVideo2 backbones have
none): --init-align identity (default) writes LayerNorm(weight 1, bias 0) and an identity
Linear [out, out], so embed_dim = projector_out_dim and the embedding is the L2-normalised,
layer-normed projector output f (fine for clip-to-clip search and parity checks; it is not a
text-aligned space). --init-align random --embed-dim E writes a seeded N(0, 1/out) Linear
[E, out] (for experiments only). A checkpoint that has vision_align keeps it.

Projector budgets (config "projector_budgets", used to pick the projector nearest to the token
budget): FluxViT [3072, 2048, 1024] (MODEL_SPEC §2.7), InternVideo2 [T0·H0²]; override with
--projector-budgets.

Examples:
  python3 Tools/convert_checkpoint.py fluxvit_s14_k400.pth -o models/fluxvit-s14 --size s
  python3 Tools/convert_checkpoint.py InternVideo2_CLIP_S14.pth -o models/iv2-clip-s14 --size s \\
          --text mobileclip_blt.pt
  python3 Tools/convert_checkpoint.py B14.pth -o models/fluxvit-b14 --size b --orig-t-size 32
  python3 Tools/convert_checkpoint.py clip/S14/pytorch_model.bin -o models/iv2-clip-s14 \
          --vision-base S14_dist_1B_stage2.pth --text mobileclip_blt.pt
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import sys
from collections import OrderedDict

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference"))
from fluxvit import ARCH_FLUXVIT, ARCH_INTERNVIDEO2, VisionConfig, VisionTower  # noqa: E402

CONVERTER_VERSION = 1

# Registered position grids (T0, H0) of the official constructors.
SIZE_PRESETS = {
    (ARCH_FLUXVIT, "s"): dict(num_heads=6, grid=(24, 18)),        # fluxvit_small_patch14
    (ARCH_FLUXVIT, "b"): dict(num_heads=12, grid=(32, 20)),       # fluxvit_base_patch14
    (ARCH_INTERNVIDEO2, "s"): dict(num_heads=6, grid=(8, 16)),    # InternVideo2-CLIP S14
    (ARCH_INTERNVIDEO2, "b"): dict(num_heads=12, grid=(8, 16)),   # InternVideo2-CLIP B14
}
# Token widths of the official models, used when --size is not given.
OFFICIAL_WIDTHS = {384: "s", 768: "b"}
# Row counts (without the class row) of the registered tables, for detection without --size.
KNOWN_GRIDS = {
    ARCH_FLUXVIT: {24 * 18 * 18: (24, 18), 32 * 20 * 20: (32, 20)},
    ARCH_INTERNVIDEO2: {8 * 16 * 16: (8, 16)},
}

VISION_TRAINING_ONLY = ("head.", "fc_norm.", "final_clip_decoder_for_projs.", "clip_decoder.",
                        "mae_decoder.", "final_clip_decoder.", "clip_pos_embed", "mae_pos_embed")
TOP_LEVEL_DROP_EXACT = ("temp", "logit_scale", "clip_pos_embed", "mae_pos_embed")
TOP_LEVEL_DROP_PREFIX = ("image_encoder.", "clip_decoder.", "mae_decoder.", "final_clip_decoder.")


def _top_level_training_only(name: str) -> bool:
    return name in TOP_LEVEL_DROP_EXACT or name.startswith(TOP_LEVEL_DROP_PREFIX)
STRIPPED_PREFIXES = ("module.", "backbone.", "encoder.")


class ConversionError(Exception):
    pass


def warn(msg: str) -> None:
    print(f"warning: {msg}", file=sys.stderr)


def info(msg: str) -> None:
    print(msg, file=sys.stderr)


# ----------------------------------------------------------------------------------------
# Reading

def _is_tensor_map(obj) -> bool:
    return isinstance(obj, dict) and len(obj) > 0 and all(torch.is_tensor(v) for v in obj.values())


def load_state_dict(path: str) -> "OrderedDict[str, torch.Tensor]":
    """Reads a checkpoint, unwraps model/module/state_dict nesting, normalises key prefixes."""
    if path.endswith(".safetensors"):
        from safetensors.torch import load_file
        obj = load_file(path)
    else:
        try:
            obj = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as e:  # pickled extras (argparse.Namespace, ...) need the full unpickler
            warn(f"{path}: weights_only loading failed ({type(e).__name__}); loading with "
                 f"weights_only=False — only do this with files you trust")
            obj = torch.load(path, map_location="cpu", weights_only=False)
    for _ in range(4):
        if _is_tensor_map(obj) or not isinstance(obj, dict):
            break
        for key in ("model", "module", "state_dict"):
            if key in obj and isinstance(obj[key], dict):
                obj = obj[key]
                break
        else:
            break
    if not isinstance(obj, dict):
        raise ConversionError(f"{path}: expected a state dict, found {type(obj).__name__}")
    out: "OrderedDict[str, torch.Tensor]" = OrderedDict()
    for key, value in obj.items():
        if not torch.is_tensor(value):
            warn(f"{path}: ignoring non-tensor entry '{key}'")
            continue
        name = key
        changed = True
        while changed:
            changed = False
            for p in STRIPPED_PREFIXES:
                if name.startswith(p):
                    name, changed = name[len(p):], True
        if name in out:
            raise ConversionError(f"{path}: two tensors map to '{name}' after prefix stripping")
        out[name] = value
    return out


def sha256_of(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ----------------------------------------------------------------------------------------
# Partition

def detect_kind(sd) -> str:
    if any(k.startswith(("vision_encoder.", "vision_align.")) for k in sd):
        return "clip"
    if "patch_embed.proj.weight" in sd:
        return ARCH_FLUXVIT if "gpe_proj.depthwise_conv.weight" in sd else ARCH_INTERNVIDEO2
    if any(k.startswith("text_encoder.") for k in sd):
        return "mobileclip"
    raise ConversionError("cannot tell what this checkpoint is (no vision_encoder./vision_align./text_encoder. "
                          "keys and no patch_embed.proj.weight); pass --kind")


def partition(sd, kind: str):
    """-> (vision rel-keys, align rel-keys, text rel-keys, dropped names, unknown names)."""
    vision, align, text = OrderedDict(), OrderedDict(), OrderedDict()
    dropped, unknown = [], []
    for name, t in sd.items():
        if name.startswith("vision_align.") and kind != "mobileclip":
            align[name[len("vision_align."):]] = t
        elif kind == "clip":
            if name.startswith("vision_encoder."):
                rel = name[len("vision_encoder."):]
                if rel.startswith(VISION_TRAINING_ONLY):
                    dropped.append(name)
                else:
                    vision[rel] = t
            elif name.startswith("text_encoder."):
                text[name[len("text_encoder."):]] = t
            elif _top_level_training_only(name):
                dropped.append(name)
            else:
                unknown.append(name)
        elif kind == "mobileclip":
            if name.startswith("text_encoder."):
                text[name[len("text_encoder."):]] = t
            elif _top_level_training_only(name):
                dropped.append(name)
            else:
                unknown.append(name)
        else:  # bare vision tower (fluxvit / internvideo2)
            if name.startswith(VISION_TRAINING_ONLY) or name in ("temp", "logit_scale"):
                dropped.append(name)
            elif name.startswith(("text_encoder.", "vision_encoder.", "image_encoder.")):
                unknown.append(name)
            else:
                vision[name] = t      # anything unexpected is reported by check_tensors
    return vision, align, text, dropped, unknown


# ----------------------------------------------------------------------------------------
# Vision

def _count(keys, pattern: str) -> int:
    rx = re.compile(pattern)
    idx = {int(m.group(1)) for k in keys for m in [rx.fullmatch(k)] if m}
    if idx and idx != set(range(len(idx))):
        raise ConversionError(f"indices of '{pattern}' are not contiguous from 0: {sorted(idx)}")
    return len(idx)


def _need(d, key, where="vision_encoder."):
    if key not in d:
        raise ConversionError(f"missing tensor '{where}{key}'")
    return d[key]


def resample_pos_embed(pos: torch.Tensor, src_t: int, src_h: int, dst_t: int, dst_h: int) -> torch.Tensor:
    """pos [1, 1 + src_t·src_h², D] -> [1, 1 + dst_t·dst_h², D], like run_flexible_finetune.py:
    temporal linear (align_corners=False) then spatial bicubic (align_corners=False); class row kept."""
    D = pos.shape[-1]
    extra, tok = pos[:, :1], pos[:, 1:]
    if src_t != dst_t:
        tok = tok.reshape(1, src_t, -1, D).permute(0, 2, 3, 1).reshape(-1, D, src_t)     # [H², D, T]
        tok = F.interpolate(tok, size=dst_t, mode="linear", align_corners=False)
        tok = tok.reshape(1, -1, D, dst_t).permute(0, 3, 1, 2).reshape(1, -1, D)
    if src_h != dst_h:
        tok = tok.reshape(dst_t, src_h, src_h, D).permute(0, 3, 1, 2)                    # [T, D, H, H]
        tok = F.interpolate(tok, size=(dst_h, dst_h), mode="bicubic", align_corners=False)
        tok = tok.permute(0, 2, 3, 1).reshape(1, -1, D)
    return torch.cat([extra, tok], dim=1).contiguous()


def _square_root(n: int):
    r = math.isqrt(n)
    return r if r * r == n else None


def infer_vision(vision, args, kind: str):
    """-> (VisionConfig, vision tensors with pos_embed possibly resampled, resample note)."""
    arch = ARCH_FLUXVIT if "gpe_proj.depthwise_conv.weight" in vision else ARCH_INTERNVIDEO2
    if kind in (ARCH_FLUXVIT, ARCH_INTERNVIDEO2) and kind != arch:
        raise ConversionError(f"--kind {kind}, but the checkpoint is a{'n' if arch[0] == 'i' else ''} {arch} tower "
                              f"({'has' if arch == ARCH_FLUXVIT else 'has no'} gpe_proj)")
    D = _need(vision, "cls_token").shape[-1]
    depth = _count(vision.keys(), r"blocks\.(\d+)\.norm1\.weight")
    if depth == 0:
        raise ConversionError("no transformer blocks (blocks.{i}.norm1.weight) in the vision tower")
    mlp = _need(vision, "blocks.0.mlp.fc1.weight").shape[0]
    pw = _need(vision, "patch_embed.proj.weight")
    if pw.dim() != 5 or tuple(pw.shape[1:3]) != (3, 1) or pw.shape[3] != pw.shape[4]:
        raise ConversionError(f"patch_embed.proj.weight has shape {list(pw.shape)}, expected [D, 3, 1, p, p]")
    patch = pw.shape[-1]
    if arch == ARCH_FLUXVIT:
        nproj = _count(vision.keys(), r"clip_projector\.(\d+)\.norm1_q\.weight")
        out_dim = _need(vision, "clip_projector.0.cross_attn.proj.weight").shape[0]
    else:
        nproj = 1
        out_dim = _need(vision, "clip_projector.cross_attn.proj.weight").shape[0]

    size = args.size
    if size is None and D in OFFICIAL_WIDTHS:
        size = OFFICIAL_WIDTHS[D]
        info(f"embed_dim {D}: assuming the official {arch} {size.upper()}/14 layout (--size {size}) "
             f"for heads and registered grid unless given explicitly")
    preset = SIZE_PRESETS.get((arch, size)) if size else None
    if args.num_heads:
        heads = args.num_heads
    elif preset:
        heads = preset["num_heads"]
    else:
        heads = D // 64
        warn(f"attention heads cannot be read from the weights; assuming {heads} (embed_dim {D} / 64). "
             f"Pass --size s|b or --num-heads to be explicit")

    # Position grid: target (T0, H0) and the checkpoint's own grid.
    pos = _need(vision, "pos_embed")
    if pos.dim() != 3 or pos.shape[0] != 1 or pos.shape[2] != D:
        raise ConversionError(f"pos_embed has shape {list(pos.shape)}, expected [1, 1 + T·H², {D}]")
    rows = pos.shape[1] - 1
    if args.pos_frames and args.pos_grid:
        T0, H0 = args.pos_frames, args.pos_grid
    elif args.pos_frames:
        T0 = args.pos_frames
        H0 = _square_root(rows // T0) if rows % T0 == 0 else None
        if H0 is None:
            raise ConversionError(f"pos_embed has {rows} grid rows, not {T0}·H² for an integer H; pass --pos-grid "
                                  f"(and --orig-t-size for the checkpoint's own frame count)")
    elif preset:
        T0, H0 = preset["grid"]
    elif rows in KNOWN_GRIDS[arch]:
        T0, H0 = KNOWN_GRIDS[arch][rows]
    else:
        cands = [(t, _square_root(rows // t)) for t in range(1, rows + 1) if rows % t == 0 and _square_root(rows // t)]
        raise ConversionError(f"cannot tell the registered position grid from {rows} rows (candidates (T, H): {cands}); "
                              f"pass --size s|b or --pos-frames T0 [--pos-grid H0]")
    if args.orig_t_size:
        src_t = args.orig_t_size
    elif rows == T0 * H0 * H0:
        src_t = T0
    elif rows % T0 == 0 and _square_root(rows // T0):
        src_t = T0
    else:
        raise ConversionError(f"pos_embed has {rows} grid rows but the model registers {T0}x{H0}x{H0}; "
                              f"pass --orig-t-size (the checkpoint's frame count) so it can be resampled")
    src_h = _square_root(rows // src_t) if rows % src_t == 0 else None
    if src_h is None:
        raise ConversionError(f"pos_embed has {rows} grid rows, not {src_t}·H² (--orig-t-size {src_t})")
    note = None
    if (src_t, src_h) != (T0, H0):
        dtype = pos.dtype
        vision["pos_embed"] = resample_pos_embed(pos.float(), src_t, src_h, T0, H0).to(dtype)
        note = {"from": [src_t, src_h], "to": [T0, H0]}
        info(f"resampled pos_embed from {src_t}x{src_h}x{src_h} to {T0}x{H0}x{H0} "
             f"(time linear, then space bicubic)")

    if args.projector_budgets:
        budgets = [int(b) for b in args.projector_budgets.split(",")]
    elif arch == ARCH_FLUXVIT and nproj == 3:
        budgets = [3072, 2048, 1024]
    elif arch == ARCH_FLUXVIT:
        raise ConversionError(f"{nproj} projectors: pass --projector-budgets with {nproj} comma-separated token counts")
    else:
        budgets = [T0 * H0 * H0]
    cfg = VisionConfig(arch=arch, embed_dim=D, depth=depth, num_heads=heads, mlp_hidden_dim=mlp,
                       patch_size=patch, pos_num_frames=T0, pos_grid_size=H0, num_projectors=nproj,
                       projector_budgets=budgets, projector_heads=args.projector_heads,
                       projector_out_dim=out_dim, norm_eps=1e-6, projector_norm_eps=1e-5,
                       mlp_activation=args.mlp_activation)
    return cfg, vision, note


def check_tensors(actual, expected, prefix: str, allow_unexpected: bool):
    missing = [k for k in expected if k not in actual]
    unexpected = [k for k in actual if k not in expected]
    wrong = [f"{prefix}{k}: expected {list(expected[k])}, got {list(actual[k].shape)}"
             for k in expected if k in actual and tuple(actual[k].shape) != tuple(expected[k])]
    if unexpected and allow_unexpected:
        warn(f"dropping {len(unexpected)} unexpected tensor(s): " + ", ".join(prefix + k for k in unexpected))
        for k in unexpected:
            del actual[k]
        unexpected = []
    if missing or unexpected or wrong:
        lines = [f"the {prefix.rstrip('.')} tensors do not match the inferred configuration:"]
        lines += [f"  missing {prefix}{k}" for k in missing]
        lines += [f"  unexpected {prefix}{k}" for k in unexpected]
        lines += [f"  wrong shape {w}" for w in wrong]
        if unexpected:
            lines.append("  (pass --drop-unknown to drop unexpected tensors)")
        raise ConversionError("\n".join(lines))


def vision_expected_shapes(cfg: VisionConfig):
    with torch.device("meta"):
        tower = VisionTower(cfg)
    return {k: tuple(v.shape) for k, v in tower.state_dict().items()}


# ----------------------------------------------------------------------------------------
# Text (MobileCLIP "base" text tower)

def text_expected_shapes(tc: dict):
    W, V, C, Fd, P = tc["width"], tc["vocab_size"], tc["context_length"], tc["ffn_dim"], tc["projection_dim"]
    shapes = {"projection_layer": (W, P), "embedding_layer.weight": (V, W),
              "positional_embedding.pos_embed.pos_embed": (1, 1, C, W)}
    for i in range(tc["layers"]):
        p = f"transformer.{i}."
        shapes.update({
            p + "pre_norm_mha.0.weight": (W,), p + "pre_norm_mha.0.bias": (W,),
            p + "pre_norm_mha.1.qkv_proj.weight": (3 * W, W), p + "pre_norm_mha.1.qkv_proj.bias": (3 * W,),
            p + "pre_norm_mha.1.out_proj.weight": (W, W), p + "pre_norm_mha.1.out_proj.bias": (W,),
            p + "pre_norm_ffn.0.weight": (W,), p + "pre_norm_ffn.0.bias": (W,),
            p + "pre_norm_ffn.1.weight": (Fd, W), p + "pre_norm_ffn.1.bias": (Fd,),
            p + "pre_norm_ffn.4.weight": (W, Fd), p + "pre_norm_ffn.4.bias": (W,),
        })
    shapes["final_layer_norm.weight"] = (W,)
    shapes["final_layer_norm.bias"] = (W,)
    return shapes


def infer_text(text, args) -> dict:
    emb = _need(text, "embedding_layer.weight", "text_encoder.")
    V, W = emb.shape
    C = _need(text, "positional_embedding.pos_embed.pos_embed", "text_encoder.").shape[2]
    layers = len({int(m.group(1)) for k in text for m in [re.match(r"transformer\.(\d+)\.", k)] if m})
    n_prenorm = _count(text.keys(), r"transformer\.(\d+)\.pre_norm_mha\.0\.weight")
    if n_prenorm != layers:
        raise ConversionError("only the MobileCLIP 'base' text tower (pre-norm transformer layers, e.g. "
                              "mobileclip_blt.pt) is supported; this one has RepMixer layers (MobileCLIP-S0?)")
    ffn = _need(text, "transformer.0.pre_norm_ffn.1.weight", "text_encoder.").shape[0]
    proj = _need(text, "projection_layer", "text_encoder.").shape[1]
    heads = args.text_heads or W // 64
    if not args.text_heads:
        info(f"text heads: {heads} (width {W} / 64, as MobileCLIP-B); override with --text-heads")
    return {"vocab_size": V, "context_length": C, "width": W, "layers": layers, "heads": heads,
            "ffn_dim": ffn, "causal": not args.text_non_causal, "projection_dim": proj, "norm_eps": 1e-5}


# ----------------------------------------------------------------------------------------
# Main

def convert(args) -> dict:
    sd = load_state_dict(args.checkpoint)
    kind = args.kind if args.kind != "auto" else detect_kind(sd)
    info(f"{args.checkpoint}: {len(sd)} tensors, kind '{kind}'")
    vision, align, text, dropped, unknown = partition(sd, kind)
    sources = [args.checkpoint]

    if args.vision_base:
        bsd = load_state_dict(args.vision_base)
        bkind = detect_kind(bsd)
        if bkind == "mobileclip":
            raise ConversionError(f"{args.vision_base}: no vision tower in --vision-base")
        bvision, _, _, bdropped, _ = partition(bsd, bkind)
        filled = [k for k in bvision if k not in vision]
        for k in filled:
            vision[k] = bvision[k]
        info(f"{args.vision_base}: filled {len(filled)} vision tensor(s) missing from {args.checkpoint}")
        dropped += [f"{os.path.basename(args.vision_base)}:{k}" for k in bdropped]
        sources.append(args.vision_base)
    if args.text:
        tsd = load_state_dict(args.text)
        _, _, text2, dropped2, unknown2 = partition(tsd, "mobileclip")
        if not text2:
            raise ConversionError(f"{args.text}: no text_encoder.* tensors")
        if text:
            warn(f"replacing the {len(text)} text_encoder tensors of {args.checkpoint} with those of {args.text}")
        text = text2
        dropped += [f"{os.path.basename(args.text)}:{k}" for k in dropped2]
        unknown += [f"{os.path.basename(args.text)}:{k}" for k in unknown2]
        sources.append(args.text)
    if unknown:
        if not args.drop_unknown:
            raise ConversionError(f"{len(unknown)} tensor(s) belong to no known part: "
                                  + ", ".join(unknown[:20]) + (" …" if len(unknown) > 20 else "")
                                  + " (pass --drop-unknown to drop them)")
        warn(f"dropping {len(unknown)} unknown tensor(s): " + ", ".join(unknown[:20]))
        dropped += unknown
    if dropped:
        info(f"dropped {len(dropped)} training-only tensor(s): " + ", ".join(dropped))

    out_tensors: "OrderedDict[str, torch.Tensor]" = OrderedDict()
    config = {"format": "fluxsearch-model", "format_version": 1,
              "name": args.name or os.path.basename(os.path.normpath(args.out))}
    manifest = {"converter": "Tools/convert_checkpoint.py", "converter_version": CONVERTER_VERSION,
                "sources": [{"file": os.path.basename(p), "sha256": sha256_of(p)} for p in sources],
                "kind": kind, "dtype": args.dtype, "dropped": dropped, "pos_embed_resampled": None,
                "vision_align": None}
    embed_dims = []
    vcfg = None
    if vision:
        vcfg, vision, note = infer_vision(vision, args, kind)
        manifest["pos_embed_resampled"] = note
        check_tensors(vision, vision_expected_shapes(vcfg), "vision_encoder.", args.drop_unknown)
        for k, t in vision.items():
            out_tensors["vision_encoder." + k] = t
        out = vcfg.projector_out_dim
        if align:
            expected = {"0.weight": (out,), "0.bias": (out,)}
            E = _need(align, "1.weight", "vision_align.").shape[0]
            expected.update({"1.weight": (E, out), "1.bias": (E,)})
            check_tensors(align, expected, "vision_align.", args.drop_unknown)
            manifest["vision_align"] = "checkpoint"
        else:
            if args.init_align == "identity":
                E = args.embed_dim or out
                if E != out:
                    raise ConversionError(f"--init-align identity needs embed_dim = projector_out_dim = {out}; "
                                          f"use --init-align random --embed-dim {E}")
                W = torch.eye(out)
            else:
                if not args.embed_dim:
                    raise ConversionError("--init-align random needs --embed-dim")
                E = args.embed_dim
                g = torch.Generator().manual_seed(args.align_seed)
                W = torch.randn(E, out, generator=g) / math.sqrt(out)
            align = OrderedDict([("0.weight", torch.ones(out)), ("0.bias", torch.zeros(out)),
                                 ("1.weight", W), ("1.bias", torch.zeros(E))])
            manifest["vision_align"] = args.init_align
            warn(f"the checkpoint has no vision_align; wrote a{'n' if args.init_align == 'identity' else ''} "
                 f"{args.init_align} one ({out} -> {E}); embeddings are not in a text-aligned space")
        for k, t in align.items():
            out_tensors["vision_align." + k] = t
        embed_dims.append(("vision_align", E))
        config["vision"] = vcfg.to_json()
    elif align:
        raise ConversionError("vision_align tensors without a vision tower")
    if text:
        tcfg = infer_text(text, args)
        check_tensors(text, text_expected_shapes(tcfg), "text_encoder.", args.drop_unknown)
        for k, t in text.items():
            out_tensors["text_encoder." + k] = t
        embed_dims.append(("text projection", tcfg["projection_dim"]))
        config["text"] = tcfg
    if not out_tensors:
        raise ConversionError("nothing to convert")
    if len({e for _, e in embed_dims}) != 1:
        raise ConversionError("the towers disagree on the joint width: "
                              + ", ".join(f"{n} {e}" for n, e in embed_dims)
                              + " (for a vision-only checkpoint use --init-align random --embed-dim <text width>)")
    config["embed_dim"] = embed_dims[0][1]
    # key order of config.json: format, format_version, name, embed_dim, vision, text
    config = {k: config[k] for k in ("format", "format_version", "name", "embed_dim", "vision", "text") if k in config}

    dtype = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}[args.dtype]
    tensors = {k: t.detach().to(dtype).contiguous() for k, t in out_tensors.items()}
    os.makedirs(args.out, exist_ok=True)
    from safetensors.torch import save_file
    save_file(tensors, os.path.join(args.out, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    manifest["tensors"] = len(tensors)
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    info(f"wrote {args.out}/config.json, model.safetensors ({len(tensors)} tensors, {args.dtype}), manifest.json")
    return {"config": config, "manifest": manifest}


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", help="official .pth/.bin/.pt or .safetensors file")
    ap.add_argument("-o", "--out", required=True, help="output model directory (created if missing)")
    ap.add_argument("--kind", default="auto", choices=["auto", "fluxvit", "internvideo2", "clip", "mobileclip"],
                    help="what the checkpoint holds (default: detected from the keys)")
    ap.add_argument("--text", metavar="FILE", help="MobileCLIP checkpoint (mobileclip_blt.pt) whose text_encoder.* "
                    "tensors are merged into the model directory")
    ap.add_argument("--vision-base", metavar="FILE", help="vision backbone checkpoint (e.g. S14_dist_1B_stage2.pth) "
                    "whose tensors fill in vision keys the main checkpoint lacks (InternVideo2-CLIP files may hold "
                    "only the trained parts; upstream builds the model from the backbone first)")
    ap.add_argument("--name", help="model name written to config.json (default: the output folder name)")
    ap.add_argument("--size", choices=["s", "b"], help="official model size: sets heads (6/12) and the registered "
                    "position grid (FluxViT-S 24x18, -B 32x20; InternVideo2 8x16); default: s for "
                    "embed_dim 384, b for 768")
    ap.add_argument("--num-heads", type=int, help="attention heads of the vision blocks (default: from --size, "
                    "else embed_dim / 64)")
    ap.add_argument("--projector-heads", type=int, default=16, help="attention-pooling heads (default: 16)")
    ap.add_argument("--projector-budgets", help="comma-separated token budget per projector (default: FluxViT "
                    "3072,2048,1024; InternVideo2 T0·H0²)")
    ap.add_argument("--pos-frames", type=int, help="T0: frames of the registered position grid")
    ap.add_argument("--pos-grid", type=int, help="H0: patches per side of the registered position grid")
    ap.add_argument("--orig-t-size", type=int, help="frames of the checkpoint's own pos_embed grid, when it differs "
                    "from the registered one (the eval scripts use 24 for S, 32 for B)")
    ap.add_argument("--mlp-activation", default="gelu_tanh", choices=["gelu_tanh", "gelu"],
                    help="vision MLP activation (default: gelu_tanh, as the official fused MLP)")
    ap.add_argument("--init-align", default="identity", choices=["identity", "random"],
                    help="vision_align to write when the checkpoint has none (default: identity)")
    ap.add_argument("--embed-dim", type=int, help="joint width for --init-align random")
    ap.add_argument("--align-seed", type=int, default=0, help="seed of --init-align random (default: 0)")
    ap.add_argument("--text-heads", type=int, help="text attention heads (default: width / 64 = 8 for MobileCLIP-B)")
    ap.add_argument("--text-non-causal", action="store_true", help="text tower without causal mask "
                    "(MobileCLIP-S1/S2; MobileCLIP-B is causal)")
    ap.add_argument("--dtype", default="f32", choices=["f32", "f16", "bf16"], help="stored dtype (default: f32)")
    ap.add_argument("--drop-unknown", action="store_true", help="drop tensors that belong to no known part "
                    "instead of failing")
    return ap


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        convert(args)
    except ConversionError as e:
        print(f"convert_checkpoint: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
