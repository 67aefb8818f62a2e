#!/usr/bin/env python3
"""Train the offline demo's small FluxViT-CLIP on the synthetic corpus (CPU, 2 threads) and export it.

Reproduce the committed model (Corpus/models/demo, fluxsearch-demo-v3) exactly, from the
repository root:

    python3 Tools/synth/generate.py                 # corpus: 4,500 clips, ~11 min
    python3 Tools/train/cache_frames.py             # decode once into uint8 caches (2.4 GB), ~9 min
    # stage 1 (TRAINING below): 47.8 min; the v2 model and its fp32 checkpoint
    python3 Tools/train/train.py --out Corpus/generated/train/v2/model --run-dir Corpus/generated/train/v2
    # stage 2 (SELECTION FINE-TUNE below): 10.5 min
    python3 Tools/train/train.py --init-from Corpus/generated/train/v2/last.pt --cheap-epochs 0 \
        --epochs 3 --small-weight 2 --lr 2e-4 --select-distill 1 --select-temperature 4 \
        --prefit-steps 250 --prefit-anchor 0.3 --out Corpus/models/demo --run-dir Corpus/generated/train/v3
    # the 1/4 budget's pool, chosen on val (writes the 128 row of sampling.json: 6 x 112)
    python3 Tools/train/choose_pool.py Corpus/models/demo --budget 128 --write

Same seed, same corpus, same torch version (2.5.1 CPU), thread count (2) and CPU type (the
bfloat16 autocast uses AVX512-BF16 kernels where the CPU has them) give the same weights: the
batches, the per-sub-batch flexi shapes, the frame draws and the captions all come from one
seeded torch.Generator, initialisation from another, and deterministic algorithms are
enforced. `--max-minutes` (60) is a safety stop only; when it fires the log and training.json
say the run was cut short (and so is not the reproducible recipe); a larger value changes
nothing when it does not fire. Stage 1: 40 epochs of 93 steps (28 cheap + 12 main, see
TRAINING); 47.8 min on the reference machine (2 vCPUs, AMD EPYC with AVX512-BF16,
otherwise quiet): about 55 s per cheap epoch and 2 min per main epoch. Stage 2: 10.5 min, so
58.3 min in all. Validation only reads the model (the first --val-clips 150 val clips, the
whole val split when stage 1 ran), so the later, larger val split changes no weight.

Model (Tools/train/model.py): the project's reference towers at small size. FluxViT vision
tower (Dual Patch Norm, GLPE: gpe_proj + per-block LPE, qk-norm, LayerScale, tanh-GELU,
group-dynamic token selection, three attention-pooling projectors for 512/256/128 tokens),
vision_align, and a causal MobileCLIP-style text tower with the real CLIP BPE tokenizer
(vocabulary 49,408, context 32, InternVideo2 `pre_text` normalisation first).

TRAINING (Flux style), per step of --batch clips (a slice of a seeded epoch permutation),
split into sub-batches of --sub-batch:
  1. flexi-sampling: each sub-batch draws its own (frames T, size S): from FLEXI_CHEAP (2x112,
     6x84, 6x98, 8x84: pools of 128-294 tokens) in the first --cheap-epochs (28), from FLEXI
     (T up to 16, S in 84/98/112, most often the 8x112 eval input) after; for each clip one
     random frame per segment of the T-segment `middle` grid (taken from the 16-frame cache,
     resized to S exactly as the Swift ingestion resizes);
  2. the pool of T·(S/14)² patch tokens is cut by the group-dynamic selector (MODEL_SPEC §2.4)
     to each of the three budgets 512/256/128, each budget using the projector inference
     would pick (fluxvit.choose_projector);
  3. loss = CLIP(full) + 1.0·(CLIP(1/2) + CLIP(1/4))   (--small-weight)       contrastive
          + 1.0·[(1 − cos(e½, sg(e_full))) + (1 − cos(e¼, sg(e_full)))]   self-distillation
          + 1.0·[AUX(full) + 0.5·(AUX(1/2) + AUX(1/4))]                   auxiliary (--aux)
     CLIP is the symmetric InfoNCE with a learnable temperature (logit scale capped at 100);
     on its video->text side each clip also meets --negatives (6) counterfactual captions,
     its own caption with exactly one attribute changed ("two" -> "three", "star" ->
     "square", "left" -> "up", ...), written by the corpus caption generator. AUX is the mean
     cross-entropy of six training-only linear heads (count, size, colour, shape, motion,
     background; not exported) on 16 x the unit video embedding (--aux-scale), fed with the
     generator's labels of the train clips;
  4. AdamW (lr 7e-4, betas 0.9/0.98, weight decay --wd on matrices only); the cheap phase
     warms up linearly (5 % of its steps) and then stays at the peak rate, the main phase
     warms up again (5 %) and decays by a cosine to zero; forward under bfloat16 autocast
     (fp32 master weights, fp32 losses, token importance in fp32); gradient norm clipped at 1;
     two reference forwards (1x1x1 depthwise convs, patch Conv3d) replaced by equivalent
     cheaper ones (model.use_fast_training_kernels).
  5. --hard-batches P (default 0): that fraction of the steps takes its batch from
     near_neighbour_batches (clips sharing their leading attributes in a random priority
     order); --hard-from E starts them at epoch E. Epochs without them draw no extra random
     numbers. Off: in the v1 recipe it did not help (from scratch, P = 0.5, val R@1 stayed at
     chance for 3 epochs; from epoch 11, P = 0.3, val after epochs 11-13 was 43.3 / 44.0 /
     49.3 against 44.7 / 53.3 / 53.3 without).

SELECTION FINE-TUNE (stage 2; fresh optimiser and generator, from stage 1's fp32 checkpoint):
  1. --prefit-steps (250) of prefit_patch_embedding: the patch embedding alone (DPN norms and
     projection) learns that the group-dynamic selector's importance (frame-to-frame distance
     of each patch token, MODEL_SPEC §2.4) ranks tokens as the full-budget attention pooling
     of the incoming model does (selection_distill_loss, temperature 4), anchored to its own
     starting output (mean squared difference, weight 0.3); batches of 8 x 112 clips;
  2. 3 epochs of the main recipe on FLEXI (warmup + cosine from lr 2e-4, --small-weight 2)
     with selection_distill_loss (weight 1) added on every sub-batch whose full budget sees
     the whole pool (teacher: the model's own full-budget attention).
  Why: a top-k has no gradient, so no loss trains the selector. With the stage-1 (v2) patch
  embedding it keeps about 81 % of the object tokens of unpanned clips but 39 % of panned
  clips' (the moving texture outranks the object) and 4 % of a still object's (its flat
  interior changes less than the grain of a flat background), measured on 330 val clips with
  a colour-match object mask; after two of the fine-tunes below, 63 % and 65 %.
  Measured on val (1,200 queries, galleries of 300; Tools/train/evaluate.py and
  choose_pool.py), v2 -> v3: full 64.1 -> 63.6; 1/2 selected from 8 x 112 58.7 -> 61.0; 1/4
  selected from 8 x 112 56.4 -> 57.2, from 6 x 112 (the pool choose_pool.py picks for v3)
  57.8 -> 60.7; 1/4 on 2 frames 60.9 -> 59.0. 1/4 selected (6 x 112) minus 2 frames for v3:
  +1.7 +- 1.6 (paired standard error): +4.5 +- 1.8 on unpanned clips, -7.2 +- 3.5 on panned
  ones. Four fine-tune variants were tried (3-4 epochs, 250-400 prefit steps, anchor
  0.1-0.3, selection weight 1-3); from 8 x 112 their 1/4 selected minus 2 frames was -0.1,
  -0.3, -1.8 (this one) and -3.2, each about +- 1.6, so the run-to-run spread is as large as
  the effect; this one was kept because it fits the 60 minutes with stage 1 (4 epochs: 60.4).

Why two phases (measured on this machine): the v1 recipe (FLEXI only, 20 epochs, 41 min)
underfit: a linear probe of its embeddings found count, shape and motion at chance, and its
test T2V R@1 was 31 %. A sub-batch of FLEXI costs a 512-token pass almost always, about 8x a
2x112 one; with only 2x112 inputs and the attribute heads alone, a fresh tower reached 89 %
count and 79 % motion accuracy in 4 minutes. So the tower first learns the attributes on
cheap pools, and the projectors of the larger budgets are then fitted on FLEXI. (Shape stays
the hardest: a small CNN learns it from single frames in 400 steps, this ViT with 14-pixel
patches much more slowly.)

Validation every --val-every epochs (val split, exact 8-frame eval inputs at 112 px): T2V R@1 at the
full budget (8 x 112² = 512 tokens, no selection), at 128 tokens selected from that pool, and at
128 tokens as 2 frames without selection.

Outputs:
  <out>/config.json, model.safetensors (F16), sampling.json, bank.txt, training.json
        (recipe, command, seeds, versions, corpus manifest hashes, metrics per epoch, final
        PyTorch test metrics of the exported weights)
  <run-dir>/metrics.jsonl (one line per logged step / epoch), <run-dir>/last.pt (fp32 state)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
sys.path.insert(0, os.path.join(HERE, "..", "synth"))
import captions as capgen  # noqa: E402
import frames as fr  # noqa: E402
import scenes  # noqa: E402
import model as mdl  # noqa: E402
import fluxvit as fv  # noqa: E402
from tokenizer_parity import open_clip_ids, pre_text  # noqa: E402

# (frames, size, weight): per-sub-batch flexi shapes. T must be 2 or an even number >= 6 for
# the selector (T = 4 would make groups of one frame). 8 x 112 is the full-budget eval input.
FLEXI = ((8, 112, 4), (16, 112, 2), (12, 112, 2), (6, 112, 1), (2, 112, 1),
         (8, 98, 1), (12, 98, 1), (16, 84, 1), (8, 84, 1))
# The first --cheap-epochs draw from these small pools instead (128-294 tokens; several times
# cheaper a step than FLEXI, where every sub-batch with T*L >= 512 runs a 512-token pass).
FLEXI_CHEAP = ((2, 112, 3), (6, 84, 1), (6, 98, 1), (8, 84, 1))
POOL_FRAMES = 16
EVAL_GALLERY = 300       # clips per gallery in evaluate(): the test split's size
MODEL_NAME = "fluxsearch-demo-v3"
# The committed model's whole recipe (the module docstring explains each step).
REPRODUCE = [
    "python3 Tools/synth/generate.py",
    "python3 Tools/train/cache_frames.py",
    "python3 Tools/train/train.py --out Corpus/generated/train/v2/model --run-dir Corpus/generated/train/v2",
    "python3 Tools/train/train.py --init-from Corpus/generated/train/v2/last.pt --cheap-epochs 0 --epochs 3"
    " --small-weight 2 --lr 2e-4 --select-distill 1 --select-temperature 4 --prefit-steps 250 --prefit-anchor 0.3"
    " --out Corpus/models/demo --run-dir Corpus/generated/train/v3",
    "python3 Tools/train/choose_pool.py Corpus/models/demo --budget 128 --write",
]


def log(msg):
    print(time.strftime("%H:%M:%S"), msg, flush=True)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def tokenize_all(texts, context):
    return torch.tensor([open_clip_ids(pre_text(t), context) for t in texts], dtype=torch.long)


def load_split(cache, manifests, split, kinds):
    entries = json.load(open(os.path.join(manifests, f"{split}.json")))
    meta = json.load(open(os.path.join(cache, f"{split}_meta.json")))
    if meta["videos"] != [e["video"] for e in entries]:
        sys.exit(f"{cache}/{split}_meta.json does not match {manifests}/{split}.json; re-run Tools/train/cache_frames.py")
    arrays = {k: torch.from_numpy(np.load(os.path.join(cache, f"{split}_{k}.npy"))) for k in kinds}
    caps = [e["caption"] if isinstance(e["caption"], list) else [e["caption"]] for e in entries]
    return entries, arrays, caps


def draw_frames(pool: torch.Tensor, T: int, g: torch.Generator) -> torch.Tensor:
    """pool uint8 [B, 16, S, S, 3] -> [B, T, S, S, 3]: per clip and segment of the T-segment
    grid, one random cached frame whose position falls in that segment."""
    B = pool.shape[0]
    seg = [[j for j in range(POOL_FRAMES) if int((j + 0.5) * T / POOL_FRAMES) == i] for i in range(T)]
    idx = torch.empty(B, T, dtype=torch.long)
    for i, cands in enumerate(seg):
        pick = torch.randint(len(cands), (B,), generator=g)
        idx[:, i] = torch.tensor(cands)[pick]
    return torch.gather(pool, 1, idx.view(B, T, 1, 1, 1).expand(-1, -1, *pool.shape[2:]))


def to_input(frames_u8: torch.Tensor, size: int) -> torch.Tensor:
    """uint8 [B, T, 112, 112, 3] -> normalised float [B, 3, T, size, size]."""
    B, T = frames_u8.shape[:2]
    if size != frames_u8.shape[2]:
        x = frames_u8.reshape(B * T, *frames_u8.shape[2:]).permute(0, 3, 1, 2).float()
        x = F.interpolate(x, size=(size, size), mode="bicubic", align_corners=False)
        frames_u8 = torch.round(x.clamp(0, 255)).to(torch.uint8).permute(0, 2, 3, 1).reshape(B, T, size, size, 3)
    return fr.normalize(frames_u8)


def clip_loss(v, t, scale, neg=None):
    """Symmetric InfoNCE over the batch; neg [B, K, E] (counterfactual captions of each clip)
    join the video->text side only: clip i must prefer its caption to the batch's other
    captions and to its own K almost-right ones."""
    logits = scale * v @ t.t()
    target = torch.arange(v.shape[0])
    v2t = logits if neg is None else torch.cat([logits, scale * torch.einsum("be,bke->bk", v, neg)], dim=1)
    return 0.5 * (F.cross_entropy(v2t, target) + F.cross_entropy(logits.t(), target))


def selection_distill_loss(X, attention, temperature):
    """Teach the selector's importance where the full-budget teacher looks (training only).

    X [B, T, L, D] patch embedding (with gradient), attention [B, 1 + T·L] the full-budget
    attention pooling weights over all tokens (class token first; no selection happened).
    Per selection group of T' frames (fluxvit.group_count), the importance vector of the
    selector (fluxvit.group_importance: frame distances of X, MODEL_SPEC §2.4) is trained by
    cross-entropy of softmax(importance / temperature) against the teacher's attention
    renormalised within the group. The selector itself is unchanged: this only moves the
    patch embedding so that the tokens the model reads most rank high when a budget cuts."""
    B, T, L, D = X.shape
    G = fv.group_count(T)
    imp = fv.group_importance(X.float(), G)                        # [B·G, T'·L]
    target = attention[:, 1:].float().reshape(B * G, -1)
    target = target / target.sum(1, keepdim=True).clamp_min(1e-12)
    return -(target * F.log_softmax(imp / temperature, dim=1)).sum(1).mean()


def prefit_patch_embedding(model, pool, args, g, log_every=50):
    """Before fine-tuning with selection_distill_loss: fit the patch embedding alone for
    --prefit-steps steps so that the selector ranks tokens as the full-budget attention of the
    model as it came in (a frozen copy, the teacher) does, while staying close to its own
    starting output (mean squared difference, weight --prefit-anchor). Batches of --batch
    clips as 8 x 112 (the eval input, no selection at the full budget), drawn with `g`."""
    import copy
    teacher = copy.deepcopy(model).eval()
    start = copy.deepcopy(model.vision_encoder.patch_embed).eval()
    pe = model.vision_encoder.patch_embed
    opt = torch.optim.Adam(pe.parameters(), lr=args.prefit_lr)
    for step in range(args.prefit_steps):
        idx = torch.randint(pool.shape[0], (args.batch,), generator=g)
        x = to_input(draw_frames(pool[idx], mdl.FULL_FRAMES, g), mdl.FRAME_SIZE)
        with torch.no_grad():
            aux = {}
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
                teacher.encode_budgets(x, mdl.BUDGETS[:1], aux)
            X0 = start(x)
        X = pe(x)
        l_sel = selection_distill_loss(X, aux["attention"], args.select_temperature)
        l_anchor = ((X - X0) ** 2).mean()
        loss = l_sel + args.prefit_anchor * l_anchor
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if (step + 1) % log_every == 0 or step == 0:
            log(f"prefit step {step + 1}/{args.prefit_steps}: selection {l_sel.item():.4f}, anchor {l_anchor.item():.4f}")
    del teacher


def gallery_hits(v, t, gallery=None):
    """Per-query rank-1 hits (bool [N] each, T2V and V2T) for one caption per video, diagonal
    ground truth, raw cosine. With `gallery`, the clips are cut into consecutive galleries of
    that many (the last one may be smaller) and each query is ranked within its own, so that
    splits of different sizes give comparable rates (R@1 falls as the gallery grows)."""
    g = gallery or v.shape[0]
    t2v, v2t = [], []
    for g0 in range(0, v.shape[0], g):
        s = v[g0:g0 + g] @ t[g0:g0 + g].t()
        gt = torch.arange(s.shape[0])
        t2v.append(s.t().argmax(1) == gt)
        v2t.append(s.argmax(1) == gt)
    return torch.cat(t2v), torch.cat(v2t)


def r_at_1(v, t, gallery=None):
    """T2V and V2T R@1 (%) of gallery_hits."""
    t2v, v2t = gallery_hits(v, t, gallery)
    return 100 * t2v.float().mean().item(), 100 * v2t.float().mean().item()


@torch.no_grad()
def evaluate(model, arrays, ids, chunk=25, gallery=EVAL_GALLERY):
    """Val/test metrics on the exact eval inputs (8 and 2 middle frames at 112 px), T2V/V2T
    R@1 in galleries of `gallery` clips (the test split's size)."""
    model.eval()
    t = model.encode_text(ids)
    out = {}
    for name, kind, budget in (("full_512", "mid8", 512), ("sel_128_of_8x112", "mid8", 128),
                               ("sel_256_of_8x112", "mid8", 256), ("nosel_128_2x112", "mid2", 128)):
        vs = []
        for i in range(0, arrays[kind].shape[0], chunk):
            x = fr.normalize(arrays[kind][i:i + chunk])
            vs.append(model.encode_video(x, budget=budget))
        v = torch.cat(vs)
        t2v, v2t = r_at_1(v, t, gallery)
        out[name] = {"t2v_r1": round(t2v, 2), "v2t_r1": round(v2t, 2)}
    model.train()
    return out


ATTRIBUTES = ("count", "size", "colour", "shape", "motion", "background")
VALUES = {"count": scenes.COUNTS, "size": scenes.SIZES, "colour": tuple(scenes.COLOURS), "shape": scenes.SHAPES,
          "motion": scenes.MOTIONS, "background": scenes.BACKGROUNDS}


def counterfactual_captions(attrs, per_attribute, seed):
    """For every clip, 6 x per_attribute captions that are false for it: its key with exactly one
    attribute changed (a random other value), phrased by the corpus caption generator
    (Tools/synth/captions.py). A clip without a size (grow/shrink) gets motion swaps instead."""
    out = []
    for i, a in enumerate(attrs):
        key = {k: a[k] for k in ATTRIBUTES}
        texts = []
        for j, k in enumerate(ATTRIBUTES):
            kk = "motion" if (k == "size" and key["size"] is None) else k
            for m in range(per_attribute):
                rng = np.random.default_rng([seed, i, j, m])
                alts = [v for v in VALUES[kk] if v != key[kk]]
                b = dict(key)
                b[kk] = alts[int(rng.integers(len(alts)))]
                if kk == "motion" and b["size"] is None and b["motion"] not in scenes.SIZELESS_MOTIONS:
                    b["size"] = scenes.SIZES[int(rng.integers(2))]
                texts.append(capgen.caption(scenes.Key(**b), rng))
        out.append(texts)
    return out


class AttributeHeads(torch.nn.Module):
    """Training-only linear classifiers of the six key attributes on the joint-space video
    embedding (not exported). Size has a third class for grow/shrink (no size)."""

    def __init__(self, dim):
        super().__init__()
        self.heads = torch.nn.ModuleDict({k: torch.nn.Linear(dim, len(VALUES[k]) + (k == "size")) for k in ATTRIBUTES})

    def loss(self, v, labels):
        return sum(F.cross_entropy(self.heads[k](v), labels[:, j]) for j, k in enumerate(ATTRIBUTES)) / len(ATTRIBUTES)


def attribute_labels(attrs):
    rows = []
    for a in attrs:
        rows.append([VALUES[k].index(a[k]) if a[k] is not None else len(VALUES[k]) for k in ATTRIBUTES])
    return torch.tensor(rows, dtype=torch.long)


def near_neighbour_batches(labels: torch.Tensor, batch: int, g: torch.Generator):
    """Batches of clips that share their leading attributes: the clips sorted by the six
    attribute labels in a random priority order (random tie order), cut into consecutive
    chunks of `batch`, the chunks shuffled. In such a batch the other clips differ from each
    clip in one or a few attributes, so the text->video side of the contrastive loss must
    tell near-identical videos apart (in a random batch they almost never meet)."""
    n = labels.shape[0]
    priority = torch.randperm(labels.shape[1], generator=g).tolist()
    idx = torch.randperm(n, generator=g)
    for a in reversed(priority):
        idx = idx[torch.sort(labels[idx, a], stable=True).indices]
    chunks = [idx[i:i + batch] for i in range(0, n - batch + 1, batch)]
    return [chunks[int(i)] for i in torch.randperm(len(chunks), generator=g)]


def param_groups(model, wd):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if p.dim() >= 2 and "pos_embed" not in name and "embedding_layer" not in name and "cls_token" not in name:
            decay.append(p)
        else:
            no_decay.append(p)
    return [{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}]


def init_record(path):
    """What a run started from: the checkpoint's hash, epoch and step, and the training.json
    of the run that wrote it (looked for beside it, or in its model/ folder), if there is one."""
    ck = torch.load(path, weights_only=True)
    rec = {"path": path, "sha256": sha256(path), "epoch": ck.get("epoch"), "step": ck.get("step")}
    for cand in (os.path.join(os.path.dirname(path), "training.json"),
                 os.path.join(os.path.dirname(path), "model", "training.json")):
        if os.path.exists(cand):
            rec["training"] = json.load(open(cand))
            break
    return rec


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="Corpus/models/demo", help="model directory to export to")
    ap.add_argument("--run-dir", default="Corpus/generated/train/demo", help="logs and fp32 checkpoint")
    ap.add_argument("--manifests", default="Corpus/synth")
    ap.add_argument("--cache", default="Corpus/generated/synth/cache")
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--sub-batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=7e-4)
    ap.add_argument("--wd", type=float, default=0.05)
    ap.add_argument("--warmup", type=float, default=0.05, help="fraction of the steps")
    ap.add_argument("--small-weight", type=float, default=1.0, help="weight of the contrastive loss at 1/2 and 1/4")
    ap.add_argument("--distill", type=float, default=1.0, help="weight of the self-distillation terms")
    ap.add_argument("--aux", type=float, default=1.0,
                    help="weight of the auxiliary attribute classification on the video embedding (0: off)")
    ap.add_argument("--negatives", type=int, default=6,
                    help="counterfactual captions per clip and step, added to its video->text softmax (0: off)")
    ap.add_argument("--hard-batches", type=float, default=0.0,
                    help="fraction of steps whose batch is a chunk of near-neighbour clips (near_neighbour_batches)")
    ap.add_argument("--hard-from", type=int, default=1, help="first epoch (1-based) with near-neighbour batches")
    ap.add_argument("--cheap-epochs", type=int, default=28,
                    help="the first N epochs sample their flexi shapes from FLEXI_CHEAP (small pools)")
    ap.add_argument("--aux-scale", type=float, default=16.0, help="logit scale of the attribute heads on the unit embedding")
    ap.add_argument("--val-clips", type=int, default=150,
                    help="validate during training on the first N val clips (Tools/train/evaluate.py scores all)")
    ap.add_argument("--val-every", type=int, default=4, help="validate every N epochs (and after the last)")
    ap.add_argument("--select-distill", type=float, default=0.0,
                    help="weight of selection_distill_loss on sub-batches whose full budget sees the whole pool (0: off)")
    ap.add_argument("--select-temperature", type=float, default=1.0, help="temperature of selection_distill_loss")
    ap.add_argument("--prefit-steps", type=int, default=0,
                    help="steps of prefit_patch_embedding before the epochs (0: none)")
    ap.add_argument("--prefit-lr", type=float, default=2e-3)
    ap.add_argument("--prefit-anchor", type=float, default=0.3)
    ap.add_argument("--init-from", help="start from this run's last.pt (stage 2 of the recipe: the selection fine-tune)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=True,
                    help="bfloat16 autocast for the forward (about 2x faster on AVX512-BF16 CPUs; fp32 master weights)")
    ap.add_argument("--limit-train", type=int, help="use only the first N train clips (smoke runs)")
    ap.add_argument("--max-minutes", type=float, default=60.0, help="safety stop (breaks reproducibility when it fires)")
    ap.add_argument("--log-every", type=int, default=20)
    args = ap.parse_args(argv)

    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(args.seed)
    os.makedirs(args.run_dir, exist_ok=True)
    metrics_path = os.path.join(args.run_dir, "metrics.jsonl")
    mlog = open(metrics_path, "w")

    def record(**kw):
        mlog.write(json.dumps(kw) + "\n")
        mlog.flush()

    t_start = time.time()
    mdl.use_fast_training_kernels()
    vcfg, tcfg, E = mdl.demo_configs()
    model = mdl.DemoCLIP(vcfg, tcfg, E)
    mdl.initialize(model, args.seed)
    if args.init_from:
        model.load_state_dict(torch.load(args.init_from, weights_only=True)["model"])
    n_params = sum(p.numel() for p in model.parameters())

    train_entries, train_arr, train_caps = load_split(args.cache, args.manifests, "train", ["pool16"])
    val_entries, val_arr, val_caps = load_split(args.cache, args.manifests, "val", ["mid8", "mid2"])
    val_entries, val_caps = val_entries[: args.val_clips], val_caps[: args.val_clips]
    val_arr = {k: v[: args.val_clips] for k, v in val_arr.items()}
    pool = train_arr["pool16"]
    train_attrs = [e["attributes"] for e in train_entries]
    if args.limit_train:
        pool, train_caps, train_attrs = pool[: args.limit_train], train_caps[: args.limit_train], train_attrs[: args.limit_train]
    N = pool.shape[0]
    ncap = max(len(c) for c in train_caps)
    train_ids = torch.stack([tokenize_all([c[i % len(c)] for i in range(ncap)], tcfg.context_length) for c in train_caps])
    val_ids = tokenize_all([c[0] for c in val_caps], tcfg.context_length)
    neg_ids = None
    if args.negatives:
        cf = counterfactual_captions(train_attrs, 2, args.seed)
        neg_ids = torch.stack([tokenize_all(c, tcfg.context_length) for c in cf])      # [N, 12, C]
    labels = attribute_labels(train_attrs)
    torch.manual_seed(args.seed + 2)
    heads = AttributeHeads(E)
    log(f"model {n_params / 1e6:.2f} M parameters; train {N} clips x {ncap} captions, val {len(val_caps)}; "
        f"{time.time() - t_start:.0f} s to load")

    g = torch.Generator().manual_seed(args.seed + 1)
    if args.prefit_steps:
        prefit_patch_embedding(model, pool, args, g)
    steps_per_epoch = N // args.batch
    total = steps_per_epoch * args.epochs
    cheap = steps_per_epoch * min(args.cheap_epochs, args.epochs)

    def lr_factor(s):
        """Cheap phase: linear warmup, then the peak rate. Main phase (or the whole run when
        there is no cheap phase): linear warmup again, then cosine to zero."""
        start, n = (0, cheap) if s < cheap else (cheap, total - cheap)
        warm = max(1, int(n * args.warmup))
        u = s - start
        if u < warm:
            return (u + 1) / warm
        return 1.0 if s < cheap else 0.5 * (1 + math.cos(math.pi * (u - warm) / max(1, n - warm)))

    opt = torch.optim.AdamW(param_groups(model, args.wd) + [{"params": list(heads.parameters()), "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.98), eps=1e-6)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_factor)
    shapes = torch.tensor([w for _, _, w in FLEXI], dtype=torch.float)
    shapes_cheap = torch.tensor([w for _, _, w in FLEXI_CHEAP], dtype=torch.float)

    history = []
    cut_short = False
    step = 0
    model.train()
    for epoch in range(args.epochs):
        perm = torch.randperm(N, generator=g)
        hard_now = args.hard_batches > 0 and epoch + 1 >= args.hard_from
        if hard_now:  # drawn only then, so that epochs without them keep the plain recipe's random stream
            hard = near_neighbour_batches(labels, args.batch, g)
            use_hard = (torch.rand(steps_per_epoch, generator=g) < args.hard_batches).tolist()
        t_epoch = time.time()
        for s in range(steps_per_epoch):
            idx = perm[s * args.batch:(s + 1) * args.batch]
            if hard_now and use_hard[s]:
                idx = hard[s % len(hard)]
            cap_pick = torch.randint(ncap, (len(idx),), generator=g)
            ids = train_ids[idx, cap_pick]
            levels = [[], [], []]
            l_sel = torch.zeros(())
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
                for b0 in range(0, len(idx), args.sub_batch):
                    sub = idx[b0:b0 + args.sub_batch]
                    if epoch < args.cheap_epochs:
                        T, S, _ = FLEXI_CHEAP[int(torch.multinomial(shapes_cheap, 1, generator=g))]
                    else:
                        T, S, _ = FLEXI[int(torch.multinomial(shapes, 1, generator=g))]
                    x = to_input(draw_frames(pool[sub], T, g), S)
                    aux = {} if args.select_distill else None
                    for lvl, e in enumerate(model.encode_budgets(x, mdl.BUDGETS, aux)):
                        levels[lvl].append(e)
                    L = (S // mdl.PATCH) ** 2
                    if aux and aux["kept"] is None and T * L > min(mdl.BUDGETS):
                        w = len(sub) / len(idx)
                        l_sel = l_sel + w * selection_distill_loss(aux["X"], aux["attention"], args.select_temperature)
                if neg_ids is not None:
                    pick = torch.randperm(neg_ids.shape[1], generator=g)[: args.negatives]
                    nids = neg_ids[idx][:, pick].reshape(-1, neg_ids.shape[-1])
                    t_all = model.encode_text(torch.cat([ids, nids]))
                else:
                    t_all = model.encode_text(ids)
            v = [F.normalize(torch.cat(l).float(), dim=-1) for l in levels]
            t_all = F.normalize(t_all.float(), dim=-1)
            t = t_all[: len(idx)]
            neg = t_all[len(idx):].reshape(len(idx), -1, t.shape[-1]) if neg_ids is not None else None
            scale = model.logit_scale.exp().clamp(max=100)
            l_full = clip_loss(v[0], t, scale, neg)
            l_small = clip_loss(v[1], t, scale, neg) + clip_loss(v[2], t, scale, neg)
            teacher = v[0].detach()
            l_dist = (1 - (v[1] * teacher).sum(-1)).mean() + (1 - (v[2] * teacher).sum(-1)).mean()
            loss = l_full + args.small_weight * l_small + args.distill * l_dist + args.select_distill * l_sel
            l_aux = torch.zeros(())
            if args.aux:
                y = labels[idx]
                a_s = args.aux_scale
                l_aux = heads.loss(a_s * v[0], y) + 0.5 * (heads.loss(a_s * v[1], y) + heads.loss(a_s * v[2], y))
                loss = loss + args.aux * l_aux
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(list(model.parameters()) + list(heads.parameters()), 1.0)
            opt.step()
            sched.step()
            with torch.no_grad():
                model.logit_scale.clamp_(0, math.log(100))
            step += 1
            if step % args.log_every == 0 or step == 1:
                el = time.time() - t_start
                log(f"epoch {epoch + 1} step {step}/{total} loss {loss.item():.3f} (clip {l_full.item():.3f}, "
                    f"small {l_small.item():.3f}, distill {l_dist.item():.3f}, sel {l_sel.item():.3f}, aux {l_aux.item():.3f}) scale {scale.item():.1f} "
                    f"lr {sched.get_last_lr()[0]:.2e} {el / 60:.1f} min")
                record(kind="step", epoch=epoch + 1, step=step, loss=loss.item(), clip=l_full.item(),
                       clip_small=l_small.item(), distill=l_dist.item(), sel=l_sel.item(), aux=l_aux.item(), scale=scale.item(),
                       minutes=el / 60)
            if (time.time() - t_start) / 60 > args.max_minutes:
                cut_short = True
                break
        t_train = time.time() - t_epoch
        if (epoch + 1) % args.val_every == 0 or epoch + 1 == args.epochs or cut_short:
            val = evaluate(model, val_arr, val_ids)
            el = time.time() - t_start
            log(f"epoch {epoch + 1} done in {t_train:.0f} s; val T2V R@1 full {val['full_512']['t2v_r1']:.1f}, "
                f"256 sel {val['sel_256_of_8x112']['t2v_r1']:.1f}, "
                f"128 sel {val['sel_128_of_8x112']['t2v_r1']:.1f}, 128 2fr {val['nosel_128_2x112']['t2v_r1']:.1f} "
                f"(chance {100 / min(EVAL_GALLERY, len(val_caps)):.2f}); {el / 60:.1f} min")
            history.append({"epoch": epoch + 1, "step": step, "minutes": round(el / 60, 2), "val": val})
            record(kind="epoch", epoch=epoch + 1, step=step, minutes=el / 60, val=val)
        else:
            log(f"epoch {epoch + 1} done in {t_train:.0f} s; {(time.time() - t_start) / 60:.1f} min")
        torch.save({"model": model.state_dict(), "epoch": epoch + 1, "step": step}, os.path.join(args.run_dir, "last.pt"))
        if cut_short:
            log(f"STOPPED by --max-minutes {args.max_minutes} after {step}/{total} steps: NOT the reproducible recipe")
            break
    train_minutes = (time.time() - t_start) / 60

    # ---- export -------------------------------------------------------------------------
    sampling = {"patch_size": mdl.PATCH,
                "entries": [{"budget": b, "frames": mdl.FULL_FRAMES, "size": mdl.FRAME_SIZE} for b in sorted(mdl.BUDGETS)]}
    # query bank for the dual softmax: the first caption of every third train clip (1,000)
    bank = [c[0] for c in train_caps[::3]]
    mdl.write_model_dir(model, args.out, MODEL_NAME, "f16", {
        "sampling.json": json.dumps(sampling, indent=2, sort_keys=True) + "\n",
        "bank.txt": "\n".join(bank) + "\n",
    })
    exported = mdl.load_model_dir(args.out)
    test_entries, test_arr, test_caps = load_split(args.cache, args.manifests, "test", ["mid8", "mid2"])
    test = evaluate(exported, test_arr, tokenize_all([c[0] for c in test_caps], tcfg.context_length))
    log(f"exported to {args.out}; PyTorch test T2V R@1 (F16 weights, raw cosine): full {test['full_512']['t2v_r1']:.1f}, "
        f"128 selected from 8x112 {test['sel_128_of_8x112']['t2v_r1']:.1f}, 128 as 2x112 {test['nosel_128_2x112']['t2v_r1']:.1f} "
        f"(chance {100 / len(test_caps):.2f})")
    record(kind="test", test=test)
    info = {
        "name": MODEL_NAME,
        "command": "python3 Tools/train/train.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "reproduce": REPRODUCE,
        "args": vars(args), "cut_short": cut_short, "steps": step, "planned_steps": total,
        "train_minutes": round(train_minutes, 1), "parameters": n_params,
        "flexi": [list(f) for f in FLEXI], "budgets": list(mdl.BUDGETS),
        "versions": {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__},
        "corpus": {s: sha256(os.path.join(args.manifests, f"{s}.json")) for s in ("train", "val", "test")},
        "history": history, "test_pytorch": test,
    }
    if args.init_from:
        info["init_from"] = init_record(args.init_from)
    with open(os.path.join(args.out, "training.json"), "w") as f:
        json.dump(info, f, indent=1)
        f.write("\n")
    log(f"done in {(time.time() - t_start) / 60:.1f} min")


if __name__ == "__main__":
    main()
