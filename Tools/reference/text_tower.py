#!/usr/bin/env python3
"""PyTorch reference of the fluxsearch text tower (MobileCLIP `base` TextTransformer).

Written from ../shared/spec/MODEL_SPEC.md §5 (not copied from apple/ml-mobileclip). It is the
oracle for the Swift port (Sources/FluxModels/Text/TextTower.swift): fp32 or fp64, CPU, always
fed the full padded context as upstream does.

Module and parameter names reproduce the official state-dict keys (MODEL_SPEC Appendix B),
so `load_state_dict(strict=True)` accepts the `text_encoder.*` part of a MobileCLIP or
InternVideo2-CLIP checkpoint once the prefix is removed:

    embedding_layer.weight                          [V, C]
    positional_embedding.pos_embed.pos_embed        [1, 1, N, C]
    transformer.{i}.pre_norm_mha.0.{weight,bias}    LayerNorm(C)
    transformer.{i}.pre_norm_mha.1.qkv_proj.*       Linear(C, 3C)  rows q | k | v
    transformer.{i}.pre_norm_mha.1.out_proj.*       Linear(C, C)
    transformer.{i}.pre_norm_ffn.0.{weight,bias}    LayerNorm(C)
    transformer.{i}.pre_norm_ffn.1.*                Linear(C, F)
    transformer.{i}.pre_norm_ffn.4.*                Linear(F, C)   (2 = GELU, 3/5 = dropout)
    final_layer_norm.{weight,bias}                  LayerNorm(C)
    projection_layer                                [C, P], used as x @ P

Forward for ids t [B, N]: x = E[t] + pos (no embedding scale); per block
x += out_proj(MHA(LN(x))) with a causal additive mask (-inf above the diagonal), q scaled by
D^-1/2, softmax in fp32; x += W2 GELU_erf(W1 LN(x) + b1) + b2; then LN, take row argmax(t),
multiply by projection_layer. Not normalised.

Command line (needs a model directory: config.json + model.safetensors):

    python3 Tools/reference/text_tower.py --model DIR --text "a dog runs" [--pre-text] [--json]
    python3 Tools/reference/text_tower.py --model DIR --ids 49406 320 1929 49407

prints the projected feature (and, with --normalize, its L2-normalised form) so the Swift
`fluxsearch embed` output can be compared by eye or by script.
"""

import argparse
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class TextConfig:
    """The `text` section of a fluxsearch config.json."""

    def __init__(self, vocab_size=49408, context_length=77, width=512, layers=12, heads=8,
                 ffn_dim=2048, causal=True, projection_dim=512, norm_eps=1e-5):
        self.vocab_size, self.context_length, self.width = vocab_size, context_length, width
        self.layers, self.heads, self.ffn_dim, self.causal = layers, heads, ffn_dim, causal
        self.projection_dim, self.norm_eps = projection_dim, norm_eps

    @classmethod
    def from_json(cls, d):
        return cls(**{k: d[k] for k in ("vocab_size", "context_length", "width", "layers", "heads",
                                        "ffn_dim", "causal", "projection_dim", "norm_eps")})

    def to_json(self):
        return {"vocab_size": self.vocab_size, "context_length": self.context_length, "width": self.width,
                "layers": self.layers, "heads": self.heads, "ffn_dim": self.ffn_dim, "causal": self.causal,
                "projection_dim": self.projection_dim, "norm_eps": self.norm_eps}


class _PosEmbedInner(nn.Module):
    def __init__(self, n, c):
        super().__init__()
        self.pos_embed = nn.Parameter(torch.zeros(1, 1, n, c))


class _PosEmbed(nn.Module):
    """Holds `pos_embed.pos_embed` [1, 1, N, C] (two nested modules, as the checkpoint)."""

    def __init__(self, n, c):
        super().__init__()
        self.pos_embed = _PosEmbedInner(n, c)


class _Attention(nn.Module):
    def __init__(self, c, heads):
        super().__init__()
        self.qkv_proj = nn.Linear(c, 3 * c)
        self.out_proj = nn.Linear(c, c)
        self.heads = heads

    def forward(self, x, mask):
        b, n, c = x.shape
        h, d = self.heads, c // self.heads
        qkv = self.qkv_proj(x).reshape(b, n, 3, h, d).permute(2, 0, 3, 1, 4)   # [3, B, H, N, D]
        q, k, v = qkv[0] * d ** -0.5, qkv[1], qkv[2]
        logits = q @ k.transpose(-1, -2)
        if mask is not None:
            logits = logits + mask
        w = torch.softmax(logits.to(torch.float32) if logits.dtype != torch.float64 else logits, dim=-1)
        o = (w.to(v.dtype) @ v).transpose(1, 2).reshape(b, n, c)
        return self.out_proj(o)


class _Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        c = cfg.width
        self.pre_norm_mha = nn.ModuleList([nn.LayerNorm(c, eps=cfg.norm_eps), _Attention(c, cfg.heads)])
        self.pre_norm_ffn = nn.Sequential(nn.LayerNorm(c, eps=cfg.norm_eps), nn.Linear(c, cfg.ffn_dim),
                                          nn.GELU(), nn.Dropout(0.0), nn.Linear(cfg.ffn_dim, c), nn.Dropout(0.0))

    def forward(self, x, mask):
        x = x + self.pre_norm_mha[1](self.pre_norm_mha[0](x), mask)
        return x + self.pre_norm_ffn(x)


class TextTower(nn.Module):
    def __init__(self, cfg: TextConfig):
        super().__init__()
        self.cfg = cfg
        self.embedding_layer = nn.Embedding(cfg.vocab_size, cfg.width)
        self.positional_embedding = _PosEmbed(cfg.context_length, cfg.width)
        self.transformer = nn.ModuleList([_Block(cfg) for _ in range(cfg.layers)])
        self.final_layer_norm = nn.LayerNorm(cfg.width, eps=cfg.norm_eps)
        self.projection_layer = nn.Parameter(torch.zeros(cfg.width, cfg.projection_dim))

    def trace(self, ids):
        """ids: int64 [B, N] with N == context_length. Returns a dict of intermediates:
        embed [B, N, C], block.{i} [B, N, C], final [B, N, C], pooled [B, C], out [B, P]."""
        b, n = ids.shape
        assert n == self.cfg.context_length, "upstream always feeds the whole context"
        t = {}
        x = self.embedding_layer(ids) + self.positional_embedding.pos_embed.pos_embed.reshape(1, n, -1)
        t["embed"] = x
        mask = None
        if self.cfg.causal:
            mask = torch.full((n, n), float("-inf"), dtype=x.dtype).triu(1)
        for i, blk in enumerate(self.transformer):
            x = blk(x, mask)
            t["block.%d" % i] = x
        x = self.final_layer_norm(x)
        t["final"] = x
        pooled = x[torch.arange(b), ids.argmax(dim=-1)]
        t["pooled"] = pooled
        t["out"] = pooled @ self.projection_layer
        return t

    def forward(self, ids):
        return self.trace(ids)["out"]


def randomize(model: TextTower, seed: int):
    """Seeded weights with realistic scales: N(0, 0.02) embeddings, N(0, 1/in) linears,
    LayerNorm weights around 1 and biases around 0 (so the norms are exercised)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("pos_embed") or name == "embedding_layer.weight":
                p.copy_(torch.randn(p.shape, generator=g) * 0.3)
            elif ".0.weight" in name or name == "final_layer_norm.weight":
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            elif name.endswith(".bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            elif name == "projection_layer":
                p.copy_(torch.randn(p.shape, generator=g) / math.sqrt(p.shape[0]))
            else:   # Linear weight [out, in]
                p.copy_(torch.randn(p.shape, generator=g) / math.sqrt(p.shape[1]))


def load_model_dir(path, dtype=torch.float32):
    """A fluxsearch model directory -> (TextTower, full config dict)."""
    from safetensors.torch import load_file
    with open(os.path.join(path, "config.json")) as f:
        config = json.load(f)
    cfg = TextConfig.from_json(config["text"])
    sd = load_file(os.path.join(path, "model.safetensors"))
    prefix = "text_encoder." if any(k.startswith("text_encoder.") for k in sd) else ""
    text = {k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix) and
            not k.startswith(("vision_encoder.", "vision_align.", "temp"))}
    model = TextTower(cfg)
    model.load_state_dict({k: v.to(torch.float32) for k, v in text.items()}, strict=True)
    return model.to(dtype).eval(), config


def pad(ids, n):
    ids = list(ids)[:n]
    return ids + [0] * (n - len(ids))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="model directory (config.json + model.safetensors)")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--text", help="text to tokenise with open_clip's ViT-B-16 tokenizer")
    src.add_argument("--ids", type=int, nargs="+", help="token ids (padded with 0 to the context)")
    ap.add_argument("--pre-text", action="store_true", help="apply InternVideo2's pre_text first")
    ap.add_argument("--normalize", action="store_true", help="also print the L2-normalised feature")
    ap.add_argument("--json", action="store_true", help="print JSON")
    args = ap.parse_args()

    model, _ = load_model_dir(args.model)
    if args.text is not None:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from tokenizer_parity import open_clip_ids, pre_text
        text = pre_text(args.text) if args.pre_text else args.text
        ids = open_clip_ids(text, model.cfg.context_length)
    else:
        ids = pad(args.ids, model.cfg.context_length)
    with torch.no_grad():
        out = model(torch.tensor([ids], dtype=torch.long))[0]
    result = {"ids": [i for i in ids], "feature": out.tolist()}
    if args.normalize:
        result["embedding"] = F.normalize(out, dim=0).tolist()
    if args.json:
        print(json.dumps(result))
    else:
        print("ids:", " ".join(str(i) for i in ids if i))
        print("feature:", " ".join("%.6f" % v for v in result["feature"]))
        if args.normalize:
            print("embedding:", " ".join("%.6f" % v for v in result["embedding"]))


if __name__ == "__main__":
    main()
