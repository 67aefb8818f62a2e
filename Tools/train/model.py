"""The demo FluxViT-CLIP: the project's reference towers, assembled for training and export.

Library of Tools/train/train.py and check_swift_parity.py. Nothing here re-implements the
towers: the vision side is `fluxvit.VisionModel` (Tools/reference/fluxvit.py: DPN patch
embedding, GLPE, group-dynamic token selection, three attention-pooling projectors,
vision_align) and the text side is `text_tower.TextTower` (Tools/reference/text_tower.py,
MobileCLIP `base`, causal). So the module and parameter names are the official keys, and an
exported directory loads into the Swift towers with no special cases.

`encode_budgets` is `VisionTower.trace` for several budgets of one clip batch sharing the patch
embedding and the position table (same operations, in the same order, per budget).
"""

from __future__ import annotations

import json
import math
import os
import sys
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
import fluxvit as fv  # noqa: E402
from text_tower import TextConfig, TextTower  # noqa: E402

# The demo architecture (small width and depth; real FluxViT / MobileCLIP structure).
PATCH = 14
FRAME_SIZE = 112                      # 8 x 8 patches
FULL_FRAMES = 8                       # full budget: 8 frames x 64 = 512 tokens
BUDGETS = (512, 256, 128)             # projector 0, 1, 2 (full, 1/2, 1/4)


def demo_configs():
    vision = fv.VisionConfig(
        arch=fv.ARCH_FLUXVIT, embed_dim=128, depth=4, num_heads=4, mlp_hidden_dim=512, patch_size=PATCH,
        pos_num_frames=FULL_FRAMES, pos_grid_size=FRAME_SIZE // PATCH, num_projectors=3,
        projector_budgets=list(BUDGETS), projector_heads=8, projector_out_dim=128)
    text = TextConfig(vocab_size=49408, context_length=32, width=128, layers=3, heads=4, ffn_dim=512, causal=True,
                      projection_dim=128)
    return vision, text, 128


class DemoCLIP(nn.Module):
    """vision_encoder + vision_align (fluxvit.VisionModel) and text_encoder (TextTower)."""

    def __init__(self, vcfg: fv.VisionConfig, tcfg: TextConfig, embed_dim: int):
        super().__init__()
        vm = fv.VisionModel(vcfg, embed_dim)
        self.vision_encoder = vm.vision_encoder
        self.vision_align = vm.vision_align
        self.text_encoder = TextTower(tcfg)
        # CLIP temperature (training only; not exported): logits = exp(logit_scale) * cos
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
        self.vcfg, self.tcfg, self.embed_dim = vcfg, tcfg, embed_dim

    # -- encoders ----------------------------------------------------------------------

    def encode_text(self, ids: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.text_encoder(ids), dim=-1, eps=1e-12)

    def encode_video(self, x: torch.Tensor, budget: Optional[int] = None, projector: Optional[int] = None) -> torch.Tensor:
        """Exactly fluxvit.VisionModel.forward."""
        f = self.vision_encoder.trace(x, budget, projector)["feature"]
        return F.normalize(self.vision_align(f), dim=-1, eps=1e-12)

    def encode_budgets(self, x: torch.Tensor, budgets: Sequence[int], aux: Optional[Dict] = None) -> List[torch.Tensor]:
        """One embedding batch per budget; budgets that keep the same tokens and pick the same
        projector share one forward. When `aux` (a dict) is given, it receives "X" (the patch
        embedding [B, T, L, D], with gradient) and "attention" (the first budget's attention
        pooling weights over its sequence [B, 1 + n], class token first, mean over heads,
        detached) and "kept" (that budget's kept indices or None)."""
        vt = self.vision_encoder
        cfg = vt.cfg
        X = vt.patch_embed(x)
        B, T, L, D = X.shape
        h = math.isqrt(L)
        pos = vt.position_table(T, h)
        z0 = torch.cat([vt.cls_token.expand(B, -1, -1), X.reshape(B, T * L, D)], dim=1) + pos
        with torch.no_grad():
            Xd = X.detach()
        done: Dict = {}
        out = []
        for b in budgets:
            j = fv.choose_projector(cfg.projector_budgets, T * L, b)
            kept = fv.select_tokens(Xd.float(), b)   # importance in fp32 even under bf16 autocast
            key = (j, None if kept is None else b)
            if key not in done:
                z = z0
                if kept is not None:
                    idx = kept.unsqueeze(-1).expand(-1, -1, D)
                    z = torch.cat([z0[:, :1], torch.gather(z0[:, 1:], 1, idx)], dim=1)
                for blk in vt.blocks:
                    z = blk(z)
                if aux is not None and not out:
                    aux.update(X=X, attention=pooling_attention(vt.projector(j), z.detach()), kept=kept)
                f = vt.projector(j)(z)
                done[key] = F.normalize(self.vision_align(f), dim=-1, eps=1e-12)
            out.append(done[key])
        return out

    # -- export ------------------------------------------------------------------------

    def export_state(self) -> Dict[str, torch.Tensor]:
        sd = self.state_dict()
        return {k: v for k, v in sd.items() if k.startswith(("vision_encoder.", "vision_align.", "text_encoder."))}


def pooling_attention(proj: fv.AttentionPoolingBlock, z: torch.Tensor) -> torch.Tensor:
    """Attention weights [B, N] of an attention-pooling projector over its input z [B, N, D]
    (mean over heads): the same operations as its forward, no gradient."""
    with torch.no_grad():
        ca = proj.cross_attn
        B, N, D = z.shape
        H, Dh = ca.heads, D // ca.heads
        q = F.linear(proj.norm1_q(z.mean(1, keepdim=True)), ca.q.weight, ca.q_bias).view(B, 1, H, Dh).transpose(1, 2)
        k = F.linear(proj.norm1_k(z), ca.k.weight, ca.k_bias).view(B, N, H, Dh).transpose(1, 2)
        attn = torch.softmax((q.float() * Dh ** -0.5) @ k.float().transpose(-2, -1), dim=-1)
        return attn.mean(1)[:, 0]


# ----------------------------------------------------------------------------------------
# Faster training kernels (same mathematics, same parameters and keys)

def use_fast_training_kernels() -> None:
    """Replaces two reference forwards, in this process only, by equivalent cheaper ones.

    The reference (Tools/reference/fluxvit.py) computes them the way the official modules do,
    which is slow to differentiate on a CPU; the training uses the same parameters through:
      * DepthwiseConv3D (gpe_proj, attn.lpe; kernel 1x1x1): x * w[c] + b[c]
        (MODEL_SPEC §2.3 / §2.5: a per-channel affine);
      * PatchEmbed: the Conv3d with kernel = stride = (1, p, p) as one matrix product of the
        patch vectors (already built in (row, col, channel) order for the DPN norm) with
        proj.weight permuted to (D, row, col, channel).
    (Together about 1.4x faster per step; torch's fused scaled_dot_product_attention was
    slower than the reference attention here, in bfloat16 on 2 cores.)
    check_swift_parity.py, make_demo_fixture.py and the Swift port use the reference as is;
    `python3 Tools/train/model.py` checks the equivalence (max abs difference, fp32)."""

    def dw_forward(self, x):                      # x [B, C, T, H, W]
        w = self.depthwise_conv.weight.reshape(1, -1, 1, 1, 1)
        b = self.depthwise_conv.bias.reshape(1, -1, 1, 1, 1)
        return x * w + b

    def patch_forward(self, x):                   # [B, 3, T, H, W] -> [B, T, L, D]
        B, C, T, H, W = x.shape
        p = self.patch
        if H % p or W % p or H != W:
            raise ValueError(f"input {H}x{W} must be square and divisible by the patch size {p}")
        h = H // p
        u = x.permute(0, 2, 3, 4, 1).reshape(B, T, h, p, h, p, C)
        u = u.permute(0, 1, 2, 4, 3, 5, 6).reshape(B, T, h * h, p * p * C)
        if self.dual_norm:
            u = self.norm_before(u)
        wmat = self.proj.weight.squeeze(2).permute(0, 2, 3, 1).reshape(self.proj.weight.shape[0], -1)
        e = F.linear(u, wmat, self.proj.bias)
        if self.dual_norm:
            e = self.norm(e)
        return e

    fv.DepthwiseConv3D.forward = dw_forward
    fv.PatchEmbed.forward = patch_forward


# ----------------------------------------------------------------------------------------
# Initialisation

def sincos_1d(d: int, pos: np.ndarray) -> np.ndarray:
    omega = 1.0 / 10000 ** (np.arange(d // 2, dtype=np.float64) / (d / 2.0))
    out = np.outer(pos, omega)
    return np.concatenate([np.sin(out), np.cos(out)], axis=1)


def sincos_3d(D: int, T: int, H: int) -> np.ndarray:
    """MODEL_SPEC Appendix C layout: D/4 channels of time, 3D/8 of column, 3D/8 of row;
    rows (t, r, c); class row zero."""
    dt, ds = D // 4, 3 * D // 8
    t, r, c = np.meshgrid(np.arange(T), np.arange(H), np.arange(H), indexing="ij")
    emb = np.concatenate([sincos_1d(dt, t.ravel()), sincos_1d(ds, c.ravel()), sincos_1d(ds, r.ravel())], axis=1)
    return np.concatenate([np.zeros((1, D)), emb], axis=0)


def initialize(model: DemoCLIP, seed: int) -> None:
    """Deterministic initialisation (torch generator seeded with `seed`), in named_parameters order:
    Linear/Conv weights trunc-normal(0.02), biases 0, norm weights 1, LayerScale 0.1,
    GLPE depthwise convs identity (weight 1, bias 0, as upstream), vision pos_embed 3D sin-cos,
    cls token N(0, 0.02), text embeddings N(0, 0.02), text positions N(0, 0.01),
    text projection N(0, width^-1/2), logit scale log(1/0.07)."""
    g = torch.Generator().manual_seed(seed)
    norm_params = set()
    for name, m in model.named_modules():
        if isinstance(m, (fv.RMSNorm, nn.LayerNorm)):
            norm_params.update({f"{name}.weight", f"{name}.bias"})
    vcfg = model.vcfg
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name == "logit_scale":
                p.fill_(math.log(1 / 0.07))
            elif name in norm_params:
                p.fill_(1.0 if name.endswith("weight") else 0.0)
            elif name.endswith("depthwise_conv.weight"):
                p.fill_(1.0)
            elif name.endswith("gamma"):
                p.fill_(0.1)
            elif name == "vision_encoder.pos_embed":
                pe = sincos_3d(vcfg.embed_dim, vcfg.pos_num_frames, vcfg.pos_grid_size)
                p.copy_(torch.from_numpy(pe).float().unsqueeze(0))
            elif name == "vision_encoder.cls_token":
                p.normal_(0, 0.02, generator=g)
            elif name == "text_encoder.embedding_layer.weight":
                p.normal_(0, 0.02, generator=g)
            elif name.endswith("pos_embed.pos_embed"):
                p.normal_(0, 0.01, generator=g)
            elif name == "text_encoder.projection_layer":
                p.normal_(0, p.shape[0] ** -0.5, generator=g)
            elif name.endswith("bias"):
                p.zero_()
            elif p.dim() >= 2:
                t = torch.empty_like(p)
                t.normal_(0, 0.02, generator=g)
                p.copy_(t.clamp_(-0.04, 0.04))
            else:
                p.zero_()


# ----------------------------------------------------------------------------------------
# Export / load of a model directory (config.json + model.safetensors)

def write_model_dir(model: DemoCLIP, out: str, name: str, dtype: str = "f16", extra_files: Dict[str, str] = None) -> Dict:
    """Writes config.json (fluxsearch-model v1) and model.safetensors; returns the config."""
    from safetensors.torch import save_file
    os.makedirs(out, exist_ok=True)
    config = {"format": "fluxsearch-model", "format_version": 1, "name": name, "embed_dim": model.embed_dim,
              "vision": model.vcfg.to_json(), "text": model.tcfg.to_json()}
    torch_dtype = {"f16": torch.float16, "f32": torch.float32}[dtype]
    tensors = {k: v.detach().to(torch_dtype).contiguous() for k, v in sorted(model.export_state().items())}
    tmp = os.path.join(out, "model.safetensors.tmp")
    save_file(tensors, tmp, metadata={"format": "fluxsearch-model", "name": name})
    os.replace(tmp, os.path.join(out, "model.safetensors"))
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")
    for fname, text in (extra_files or {}).items():
        with open(os.path.join(out, fname), "w") as f:
            f.write(text)
    return config


def load_model_dir(path: str) -> DemoCLIP:
    """An exported directory -> DemoCLIP in float32 (weights as stored, e.g. F16-rounded)."""
    from safetensors.torch import load_file
    cfg = fv.load_model_config(path)
    model = DemoCLIP(fv.VisionConfig.from_json(cfg["vision"]), TextConfig.from_json(cfg["text"]), cfg["embed_dim"])
    sd = {k: v.float() for k, v in load_file(os.path.join(path, "model.safetensors")).items()}
    missing, unexpected = model.load_state_dict(sd, strict=False)
    missing = [k for k in missing if k != "logit_scale"]
    if missing or unexpected:
        raise ValueError(f"{path}: missing {missing[:5]}, unexpected {unexpected[:5]}")
    return model.eval()


if __name__ == "__main__":
    # Equivalence check of use_fast_training_kernels() against the reference forwards.
    torch.manual_seed(0)
    vcfg, tcfg, E = demo_configs()
    m = DemoCLIP(vcfg, tcfg, E)
    fv.randomize_parameters(m.vision_encoder, 3)
    x = torch.randn(2, 3, 12, 98, 98)
    with torch.no_grad():
        ref = [m.encode_video(x, budget=b) for b in BUDGETS]
        use_fast_training_kernels()
        fast = m.encode_budgets(x, BUDGETS)
    diff = max(float((a - b).abs().max()) for a, b in zip(ref, fast))
    print(f"fast training kernels vs reference: max abs difference {diff:.2e}")
    sys.exit(0 if diff < 1e-4 else 1)
