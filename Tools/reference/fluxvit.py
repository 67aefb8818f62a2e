#!/usr/bin/env python3
"""PyTorch reference of the fluxsearch vision tower (FluxViT and the InternVideo2-CLIP tower).

Written from ../shared/spec/MODEL_SPEC.md (§2 vision tower, §2.3 position table, §2.4 token
selection, §2.6 projector, §3 vision_align), not copied from upstream code. It is the oracle
for the Swift port: fp32, CPU, batch >= 2, a *stable* descending sort in the token selector.
It also works in float64 (`model.double()`), which the fixture generator uses as a cross-check.

Module and parameter names reproduce the official state-dict keys exactly (MODEL_SPEC
Appendix B), so `load_state_dict(strict=True)` accepts an official checkpoint once the
`module.` / `backbone.` / `encoder.` prefixes are gone:

    VisionTower (arch "fluxvit")        cls_token, pos_embed, gpe_proj.depthwise_conv.*,
                                        patch_embed.{proj,norm,norm_before}.*, blocks.{i}.*
                                        (incl. attn.lpe.depthwise_conv.*), clip_projector.{j}.*,
                                        and with training_heads=True: head.{j}.*, fc_norm.*,
                                        final_clip_decoder_for_projs.{k}.{head,norm}.*
    VisionTower (arch "internvideo2")   cls_token, pos_embed, patch_embed.proj.*, blocks.{i}.*
                                        (no LPE), clip_projector.* (a single projector)
    VisionModel                         vision_encoder.<tower key>, vision_align.{0,1}.*

Forward (`VisionTower.trace`), input x [B, 3, T, H, W], H = W = patch·h, L = h²:
  1. patch embedding X [B, T, L, D] (FluxViT: Dual Patch Norm, RMSNorm over the 588-vector in
     (row-in-patch, col-in-patch, channel) order, Conv3d, RMSNorm over D);
  2. token selection (FluxViT, only when a budget N is given and T·L > N): §2.4 with contiguous
     frame groups, the duplicated first distance row, k = int((1 - r)·T'·L) per group and a
     stable descending sort (ties -> lower flat index);
  3. runtime position table [1 + T·L, D]: gpe_proj (1x1x1 depthwise conv) on the grid rows,
     then linear time resampling T0 -> T and bicubic space resampling H0 -> h with
     torch.nn.functional.interpolate (align_corners=False, A = -0.75, no antialias), decided
     by comparing (T, h) with (T0, H0), never by token count; InternVideo2 has a fixed table
     (T must equal T0, or be 1: time-averaged table, h must equal H0);
  4. z = [cls + pos[0]; X + pos[1:]], then only the class token and the kept tokens, in their
     original order (position added before dropping);
  5. pre-norm blocks: RMSNorm (eps 1e-6), qkv without bias, qk-norm RMSNorm over the full D,
     softmax attention, LPE (per-channel affine of V) added before attn.proj, LayerScale,
     tanh-GELU MLP, LayerScale; no final norm;
  6. projector j: mean query over all tokens incl. the class token, LayerNorms eps 1e-5,
     projector_heads heads, -> f [B, projector_out_dim];
  7. (VisionModel) vision_align: LayerNorm eps 1e-5 -> Linear to embed_dim -> L2-normalised.

Projector choice (`choose_projector`): n = T·L, or min(budget, T·L) when a budget is given
(the number of tokens the selector lets through, before the int() truncation); the projector
j minimising |projector_budgets[j] - n| is used; ties go to the LARGER budget (then the lower
j). With the official budgets [3072, 2048, 1024]: 3072 -> 0, 2048 -> 1, 1024 -> 2, 2560 -> 0,
1536 -> 1. MODEL_SPEC §2.7 says "use the nearest head" and nothing about ties.

Also here: `VisionConfig` (the "vision" section of a model directory's config.json),
`hash_v1_input` (the deterministic test input shared with the Swift tests) and
`randomize_parameters` (non-trivial random weights for tiny test models).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# ----------------------------------------------------------------------------------------
# Configuration (field names = the Swift CodingKeys of VisionConfiguration)

ARCH_FLUXVIT = "fluxvit"
ARCH_INTERNVIDEO2 = "internvideo2"


@dataclass
class VisionConfig:
    """The "vision" section of config.json (Sources/FluxModels/Configuration/VisionConfiguration.swift)."""
    arch: str
    embed_dim: int
    depth: int
    num_heads: int
    mlp_hidden_dim: int
    patch_size: int = 14
    pos_num_frames: int = 8
    pos_grid_size: int = 16
    num_projectors: int = 1
    projector_budgets: List[int] = field(default_factory=lambda: [2048])
    projector_heads: int = 16
    projector_out_dim: int = 768
    norm_eps: float = 1e-6
    projector_norm_eps: float = 1e-5
    mlp_activation: str = "gelu_tanh"

    def __post_init__(self):
        if self.arch not in (ARCH_FLUXVIT, ARCH_INTERNVIDEO2):
            raise ValueError(f"unknown vision arch '{self.arch}' (expected fluxvit or internvideo2)")
        if self.embed_dim % self.num_heads or self.embed_dim % self.projector_heads:
            raise ValueError("embed_dim must be a multiple of num_heads and projector_heads")
        if len(self.projector_budgets) != self.num_projectors:
            raise ValueError("projector_budgets needs one entry per projector")
        if self.arch == ARCH_INTERNVIDEO2 and self.num_projectors != 1:
            raise ValueError("the internvideo2 tower has exactly one projector")
        if self.mlp_activation not in ("gelu_tanh", "gelu"):
            raise ValueError(f"unknown mlp_activation '{self.mlp_activation}'")

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict) -> "VisionConfig":
        names = cls.__dataclass_fields__.keys()
        return cls(**{k: d[k] for k in names if k in d})


def load_model_config(model_dir: str) -> dict:
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    if cfg.get("format") != "fluxsearch-model" or cfg.get("format_version") != 1:
        raise ValueError(f"{model_dir}/config.json is not a fluxsearch-model v1 config")
    return cfg


# ----------------------------------------------------------------------------------------
# Layers (names mirror the official modules so that state-dict keys match)

class RMSNorm(nn.Module):
    """x / sqrt(mean(x²) + eps) · weight over the last axis; weight only (no bias)."""

    def __init__(self, dim: int, eps: float = 1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class DepthwiseConv3D(nn.Module):
    """Depthwise Conv3d with a 1x1x1 kernel and bias, i.e. a per-channel affine.

    weight [C, 1, 1, 1, 1], bias [C]. Applied through the real Conv3d so the reference keeps
    the official semantics rather than our reading of them.
    """

    def __init__(self, dim: int):
        super().__init__()
        self.depthwise_conv = nn.Conv3d(dim, dim, kernel_size=(1, 1, 1), groups=dim, bias=True)

    def forward(self, x):          # x [B, C, T, H, W]
        return self.depthwise_conv(x)


class PatchEmbed(nn.Module):
    """Conv3d patch projection (kernel = stride = (1, p, p)); FluxViT adds Dual Patch Norm."""

    def __init__(self, dim: int, patch: int, dual_norm: bool, eps: float):
        super().__init__()
        self.patch = patch
        self.dual_norm = dual_norm
        self.proj = nn.Conv3d(3, dim, kernel_size=(1, patch, patch), stride=(1, patch, patch))
        if dual_norm:
            self.norm = RMSNorm(dim, eps)
            self.norm_before = RMSNorm(3 * patch * patch, eps)

    def forward(self, x):          # x [B, 3, T, H, W] -> [B, T, L, D]
        B, C, T, H, W = x.shape
        p = self.patch
        if H % p or W % p or H != W:
            raise ValueError(f"input {H}x{W} must be square and divisible by the patch size {p}")
        h = H // p
        if self.dual_norm:
            # (B, C, T, h·p, h·p) -> per patch a vector in (row i, col j, channel) order
            u = x.permute(0, 2, 3, 4, 1).reshape(B, T, h, p, h, p, C)
            u = u.permute(0, 1, 2, 4, 3, 5, 6).reshape(B, T, h, h, p * p * C)
            u = self.norm_before(u)
            u = u.reshape(B, T, h, h, p, p, C).permute(0, 6, 1, 2, 4, 3, 5)
            x = u.reshape(B, C, T, H, W)
        e = self.proj(x)                                   # [B, D, T, h, h]
        e = e.flatten(3).permute(0, 2, 3, 1)               # [B, T, L, D]
        if self.dual_norm:
            e = self.norm(e)
        return e


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int, eps: float, lpe: bool):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim, bias=False)
        self.proj = nn.Linear(dim, dim)
        if lpe:
            self.lpe = DepthwiseConv3D(dim)
        else:
            self.lpe = None
        self.q_norm = RMSNorm(dim, eps)
        self.k_norm = RMSNorm(dim, eps)

    def forward(self, x):          # x [B, N, D]
        B, N, D = x.shape
        H, Dh = self.heads, D // self.heads
        q, k, v = self.qkv(x).split(D, dim=-1)             # rows 0..D-1 q, D..2D-1 k, 2D.. v
        q = self.q_norm(q)                                 # qk-norm over the full D
        k = self.k_norm(k)
        qh = q.view(B, N, H, Dh).transpose(1, 2)
        kh = k.view(B, N, H, Dh).transpose(1, 2)
        vh = v.view(B, N, H, Dh).transpose(1, 2)
        attn = torch.softmax((qh * Dh ** -0.5) @ kh.transpose(-2, -1), dim=-1)
        o = (attn @ vh).transpose(1, 2).reshape(B, N, D)
        if self.lpe is not None:
            # v laid out as (B, D, 1, N, 1) through the 1x1x1 depthwise conv
            lpe = self.lpe(v.transpose(1, 2).reshape(B, D, 1, N, 1)).reshape(B, D, N).transpose(1, 2)
            o = o + lpe
        return self.proj(o)


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int, activation: str):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)
        self.approximate = "tanh" if activation == "gelu_tanh" else "none"

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x), approximate=self.approximate))


class LayerScale(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * self.gamma


class Block(nn.Module):
    def __init__(self, cfg: VisionConfig):
        super().__init__()
        D = cfg.embed_dim
        self.norm1 = RMSNorm(D, cfg.norm_eps)
        self.attn = Attention(D, cfg.num_heads, cfg.norm_eps, lpe=cfg.arch == ARCH_FLUXVIT)
        self.ls1 = LayerScale(D)
        self.norm2 = RMSNorm(D, cfg.norm_eps)
        self.mlp = Mlp(D, cfg.mlp_hidden_dim, cfg.mlp_activation)
        self.ls2 = LayerScale(D)

    def forward(self, z):
        z = z + self.ls1(self.attn(self.norm1(z)))
        return z + self.ls2(self.mlp(self.norm2(z)))


class CrossAttention(nn.Module):
    """Single-query attention pooling; q/k/v Linears without bias, separate bias vectors."""

    def __init__(self, dim: int, heads: int, out_dim: int):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(dim, dim, bias=False)
        self.k = nn.Linear(dim, dim, bias=False)
        self.v = nn.Linear(dim, dim, bias=False)
        self.q_bias = nn.Parameter(torch.zeros(dim))
        self.k_bias = nn.Parameter(torch.zeros(dim))
        self.v_bias = nn.Parameter(torch.zeros(dim))
        self.proj = nn.Linear(dim, out_dim)

    def forward(self, xq, xk, xv):   # xq [B, 1, D], xk/xv [B, N, D]
        B, N, D = xk.shape
        H, Dh = self.heads, D // self.heads
        q = F.linear(xq, self.q.weight, self.q_bias).view(B, 1, H, Dh).transpose(1, 2)
        k = F.linear(xk, self.k.weight, self.k_bias).view(B, N, H, Dh).transpose(1, 2)
        v = F.linear(xv, self.v.weight, self.v_bias).view(B, N, H, Dh).transpose(1, 2)
        attn = torch.softmax((q * Dh ** -0.5) @ k.transpose(-2, -1), dim=-1)
        o = (attn @ v).transpose(1, 2).reshape(B, 1, D)
        return self.proj(o)


class AttentionPoolingBlock(nn.Module):
    def __init__(self, cfg: VisionConfig):
        super().__init__()
        D, eps = cfg.embed_dim, cfg.projector_norm_eps
        self.norm1_q = nn.LayerNorm(D, eps=eps)
        self.norm1_k = nn.LayerNorm(D, eps=eps)
        self.norm1_v = nn.LayerNorm(D, eps=eps)
        self.cross_attn = CrossAttention(D, cfg.projector_heads, cfg.projector_out_dim)

    def forward(self, z):            # z [B, N, D] -> f [B, out]
        q = z.mean(1, keepdim=True)  # mean over all tokens incl. the class token
        return self.cross_attn(self.norm1_q(q), self.norm1_k(z), self.norm1_v(z)).squeeze(1)


class LinearDecoder(nn.Module):
    """final_clip_decoder_for_projs.{k}: training-only alignment head (kept for key fidelity)."""

    def __init__(self, dim: int):
        super().__init__()
        self.head = nn.Linear(dim, dim)
        self.norm = nn.LayerNorm(dim, eps=1e-5)


# ----------------------------------------------------------------------------------------
# Token selection and projector choice (pure functions, shared with the fixture generator)

def group_count(T: int) -> int:
    """G of §2.4: 4 if T % 4 == 0, 1 if T == 2, else 2 (T must be even)."""
    if T % 2:
        raise ValueError(f"token selection needs an even frame count, got T = {T}")
    if T % 4 == 0:
        return 4
    return 1 if T == 2 else 2


def selection_plan(T: int, L: int, budget: Optional[int]):
    """(G, k per group) or None when no selection happens (no budget, or T·L <= budget)."""
    if budget is None or T * L <= budget:
        return None
    r = 1.0 - budget / (T * L)                 # masking ratio, Python double
    G = group_count(T)
    Tg = T // G
    if Tg < 2:
        # T = 4 gives G = 4 groups of one frame: no frame differences exist (upstream fails
        # with an index error). Not a usable setting; refuse it explicitly.
        raise ValueError(f"token selection with T = {T} makes groups of a single frame; use T = 2 or T >= 6")
    k = int((1 - r) * (Tg * L))                # truncation: G·k can be below the budget
    return G, k


def group_importance(X: torch.Tensor, G: int) -> torch.Tensor:
    """Importance [B·G, T'·L]: frame 0 reuses ‖X1 − X0‖, frame t >= 1 gets ‖Xt − Xt−1‖."""
    B, T, L, D = X.shape
    Tg = T // G
    Xg = X.reshape(B * G, Tg, L, D)
    dist = torch.linalg.vector_norm(Xg[:, :-1] - Xg[:, 1:], ord=2, dim=3)   # [B·G, T'-1, L]
    return torch.cat([dist[:, 0], dist.flatten(1)], dim=1)


def select_tokens(X: torch.Tensor, budget: Optional[int]) -> Optional[torch.Tensor]:
    """Kept flat indices t·L + p, int64 [B, G·k], ascending; None when no selection."""
    B, T, L, D = X.shape
    plan = selection_plan(T, L, budget)
    if plan is None:
        return None
    G, k = plan
    Tg = T // G
    imp = group_importance(X, G)
    order = torch.sort(imp, dim=1, descending=True, stable=True).indices     # ties: lower index first
    keep = torch.sort(order[:, :k], dim=1).values                            # back to (t, p) order
    keep = keep.view(B, G, k) + (torch.arange(G, dtype=torch.int64) * (Tg * L)).view(1, G, 1)
    return keep.reshape(B, G * k)


def choose_projector(budgets: Sequence[int], num_tokens: int, budget: Optional[int]) -> int:
    """Nearest projector budget to n = min(budget, T·L) (or T·L); ties -> larger budget, then lower j."""
    n = num_tokens if budget is None else min(budget, num_tokens)
    return min(range(len(budgets)), key=lambda j: (abs(budgets[j] - n), -budgets[j], j))


# ----------------------------------------------------------------------------------------
# Position table resampling (torch.nn.functional.interpolate, as the official code does)

def resample_grid(grid: torch.Tensor, T: int, h: int) -> torch.Tensor:
    """grid [T0, H0, H0, D] -> [T, h, h, D]: linear in time first, then bicubic in space.

    Each step runs only when its size differs ((T, h) comparison, not token counts).
    """
    T0, H0, _, D = grid.shape
    if T != T0:
        g = grid.permute(1, 2, 3, 0).reshape(H0 * H0, D, T0)               # [H0², D, T0]
        g = F.interpolate(g, size=T, mode="linear", align_corners=False)
        grid = g.reshape(H0, H0, D, T).permute(3, 0, 1, 2)                  # [T, H0, H0, D]
    if h != H0:
        g = grid.permute(0, 3, 1, 2)                                        # [T, D, H0, H0]
        g = F.interpolate(g, size=(h, h), mode="bicubic", align_corners=False)
        grid = g.permute(0, 2, 3, 1)                                        # [T, h, h, D]
    return grid.contiguous()


# ----------------------------------------------------------------------------------------
# Towers

class VisionTower(nn.Module):
    """FluxViT (arch "fluxvit") or the InternVideo2-CLIP vision tower (arch "internvideo2")."""

    def __init__(self, cfg: VisionConfig, training_heads: bool = False, num_classes: int = 400):
        super().__init__()
        self.cfg = cfg
        D = cfg.embed_dim
        flux = cfg.arch == ARCH_FLUXVIT
        T0, H0 = cfg.pos_num_frames, cfg.pos_grid_size
        self.cls_token = nn.Parameter(torch.zeros(1, 1, D))
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + T0 * H0 * H0, D))
        if flux:
            self.gpe_proj = DepthwiseConv3D(D)
        self.patch_embed = PatchEmbed(D, cfg.patch_size, dual_norm=flux, eps=cfg.norm_eps)
        self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg.depth)])
        if flux:
            self.clip_projector = nn.ModuleList([AttentionPoolingBlock(cfg) for _ in range(cfg.num_projectors)])
        else:
            self.clip_projector = AttentionPoolingBlock(cfg)
        if flux and training_heads:
            # Unused at inference; present so that an official state dict loads strictly.
            out = cfg.projector_out_dim
            self.head = nn.ModuleList([nn.Linear(out, num_classes) for _ in range(cfg.num_projectors)])
            self.fc_norm = nn.LayerNorm(out, eps=1e-5)
            self.final_clip_decoder_for_projs = nn.ModuleList([LinearDecoder(out) for _ in range(cfg.num_projectors - 1)])

    # -- pieces ------------------------------------------------------------------------

    def position_table(self, T: int, h: int) -> torch.Tensor:
        """Runtime position table [1 + T·h², D] (row 0 = class token)."""
        cfg = self.cfg
        T0, H0, D = cfg.pos_num_frames, cfg.pos_grid_size, cfg.embed_dim
        cls_pos = self.pos_embed[0, :1]
        grid = self.pos_embed[0, 1:].reshape(T0, H0, H0, D)
        if cfg.arch == ARCH_FLUXVIT:
            g = self.gpe_proj(grid.permute(3, 0, 1, 2).unsqueeze(0))           # [1, D, T0, H0, H0]
            grid = g.squeeze(0).permute(1, 2, 3, 0)
            grid = resample_grid(grid, T, h)
        else:
            if h != H0 or T not in (T0, 1):
                raise ValueError(f"the internvideo2 tower has a fixed {T0}x{H0}x{H0} table; "
                                 f"input must have T = {T0} (or 1) and h = {H0}, got T = {T}, h = {h}")
            if T == 1 and T0 != 1:
                grid = grid.mean(dim=0, keepdim=True)                           # image input
        return torch.cat([cls_pos, grid.reshape(-1, D)], dim=0)

    def projector(self, j: int) -> AttentionPoolingBlock:
        if isinstance(self.clip_projector, nn.ModuleList):
            return self.clip_projector[j]
        if j != 0:
            raise ValueError("the internvideo2 tower has a single projector (index 0)")
        return self.clip_projector

    def trace(self, x: torch.Tensor, budget: Optional[int] = None, projector: Optional[int] = None) -> Dict:
        """Forward with intermediates: patch [B,T,L,D], pos [1+TL,D], kept [B,K] or None,
        tokens (sequence length incl. class token), projector j, feature [B, out]."""
        cfg = self.cfg
        X = self.patch_embed(x.to(self.pos_embed.dtype))
        B, T, L, D = X.shape
        h = math.isqrt(L)
        if B < 2:
            raise ValueError("use batch >= 2 (MODEL_SPEC §2.8)")
        if cfg.arch == ARCH_FLUXVIT:
            kept = select_tokens(X, budget)
        else:
            if budget is not None and T * L > budget:
                raise ValueError("the internvideo2 tower has no token selection")
            kept = None
        pos = self.position_table(T, h)
        z = torch.cat([self.cls_token.expand(B, -1, -1), X.reshape(B, T * L, D)], dim=1) + pos
        if kept is not None:
            idx = kept.unsqueeze(-1).expand(-1, -1, D)
            z = torch.cat([z[:, :1], torch.gather(z[:, 1:], 1, idx)], dim=1)
        for blk in self.blocks:
            z = blk(z)
        if projector is None:
            projector = choose_projector(cfg.projector_budgets, T * L, budget)
        f = self.projector(projector)(z)
        return {"patch": X, "pos": pos, "kept": kept, "tokens": z.shape[1], "projector": projector, "feature": f}

    def forward(self, x, budget=None, projector=None):
        return self.trace(x, budget, projector)["feature"]


class VisionModel(nn.Module):
    """vision_encoder + vision_align (LayerNorm(out, 1e-5) -> Linear(out -> embed_dim))."""

    def __init__(self, cfg: VisionConfig, embed_dim: int, training_heads: bool = False):
        super().__init__()
        self.vision_encoder = VisionTower(cfg, training_heads=training_heads)
        self.vision_align = nn.Sequential(nn.LayerNorm(cfg.projector_out_dim, eps=cfg.projector_norm_eps),
                                          nn.Linear(cfg.projector_out_dim, embed_dim))

    def trace(self, x, budget=None, projector=None) -> Dict:
        out = self.vision_encoder.trace(x, budget, projector)
        out["embedding"] = F.normalize(self.vision_align(out["feature"]), dim=-1, eps=1e-12)
        return out

    def forward(self, x, budget=None, projector=None):
        return self.trace(x, budget, projector)["embedding"]

    @classmethod
    def from_model_dir(cls, model_dir: str, dtype=torch.float32) -> "VisionModel":
        """Builds the model of a converted model directory and loads its weights strictly."""
        from safetensors.numpy import load_file
        cfg = load_model_config(model_dir)
        model = cls(VisionConfig.from_json(cfg["vision"]), cfg["embed_dim"])
        arrays = load_file(os.path.join(model_dir, "model.safetensors"))
        sd = {k: torch.from_numpy(v.astype(np.float32)) for k, v in arrays.items()
              if k.startswith(("vision_encoder.", "vision_align."))}
        model.load_state_dict(sd, strict=True)
        return model.to(dtype).eval()


# ----------------------------------------------------------------------------------------
# Test helpers

HASH_V1 = "hash-v1"


def hash_v1_input(shape: Sequence[int], seed: int) -> np.ndarray:
    """The deterministic test input ("hash-v1") shared by the fixtures and the Swift tests.

    For the flattened C-order index i (0-based) of a tensor of `shape` ([B, 3, T, H, W]):
        u = (i * 2654435761 + seed * 40503) mod 2**32
        x = float32((u >> 8) * 2**-23 - 1.0)        # in [-1, 1), exact in float32
    """
    n = int(np.prod(shape))
    i = np.arange(n, dtype=np.uint64)
    u = (i * np.uint64(2654435761) + np.uint64(seed * 40503)) & np.uint64(0xFFFFFFFF)
    x = (u >> np.uint64(8)).astype(np.float64) * 2.0 ** -23 - 1.0
    return x.astype(np.float32).reshape(shape)


def randomize_parameters(model: nn.Module, seed: int) -> None:
    """Non-trivial random weights so that no bug hides behind an identity initialisation.

    Uses numpy's legacy RandomState (stable across numpy versions), in named_parameters order:
    norm weights (RMSNorm, LayerNorm) ~ N(1, 0.2); depthwise-conv (gpe/lpe) weights ~ N(1, 0.3);
    LayerScale gammas ~ N(0, 0.5); matrices ~ N(0, 1/fan_in); every bias, bias vector,
    cls_token and pos_embed ~ N(0, 0.5).
    """
    rs = np.random.RandomState(seed)
    norm_weights = set()
    for mname, m in model.named_modules():
        if isinstance(m, (RMSNorm, nn.LayerNorm)):
            norm_weights.add(f"{mname}.weight" if mname else "weight")
    with torch.no_grad():
        for name, p in model.named_parameters():
            shape = tuple(p.shape)
            if name in norm_weights:
                v = rs.normal(1.0, 0.2, shape)
            elif name.endswith("depthwise_conv.weight"):
                v = rs.normal(1.0, 0.3, shape)
            elif name.endswith("gamma"):
                v = rs.normal(0.0, 0.5, shape)
            elif p.dim() >= 2 and not name.endswith(("cls_token", "pos_embed")):
                fan_in = int(np.prod(shape[1:]))
                v = rs.normal(0.0, 1.0 / math.sqrt(fan_in), shape)
            else:
                v = rs.normal(0.0, 0.5, shape)
            p.copy_(torch.from_numpy(v.astype(np.float32)))
