"""Captions of the synthetic corpus: paraphrase templates and synonyms over a clip's key.

Library of Tools/synth/generate.py. Every caption names all six key attributes (count, size
unless the motion is grow/shrink, colour, shape, motion, background), so a caption is true of
exactly the clips with that key. A clip with a camera pan may also say so ("as the camera
pans"); that is extra, true information and does not change which key the caption names.
"""

from __future__ import annotations

from typing import List

import numpy as np

from scenes import Key

COUNT_WORDS = {1: ("a", "one", "a single"), 2: ("two", "a pair of"), 3: ("three",)}
SIZE_WORDS = {"small": ("small", "tiny", "little"), "large": ("large", "big")}
COLOUR_WORDS = {"red": ("red",), "green": ("green",), "blue": ("blue",), "yellow": ("yellow",),
                "purple": ("purple", "violet"), "white": ("white",)}
SHAPE_WORDS = {  # (singular, plural)
    "circle": (("circle", "circles"), ("ball", "balls"), ("disc", "discs")),
    "square": (("square", "squares"), ("box", "boxes"), ("block", "blocks")),
    "triangle": (("triangle", "triangles"),),
    "star": (("star", "stars"),),
}
MOTION_WORDS = {  # (plural verb, singular verb, -ing form)
    "left": (("move left", "moves left", "moving left"), ("slide to the left", "slides to the left", "sliding to the left"),
             ("travel leftward", "travels leftward", "traveling leftward"), ("go left", "goes left", "going left")),
    "right": (("move right", "moves right", "moving right"), ("slide to the right", "slides to the right", "sliding to the right"),
              ("travel rightward", "travels rightward", "traveling rightward"), ("go right", "goes right", "going right")),
    "up": (("move up", "moves up", "moving up"), ("rise", "rises", "rising"), ("float upward", "floats upward", "floating upward"),
           ("go up", "goes up", "going up")),
    "down": (("move down", "moves down", "moving down"), ("fall", "falls", "falling"), ("sink", "sinks", "sinking"),
             ("drop down", "drops down", "dropping down")),
    "bounce": (("bounce", "bounces", "bouncing"), ("bounce up and down", "bounces up and down", "bouncing up and down"),
               ("hop", "hops", "hopping")),
    "spin": (("spin", "spins", "spinning"), ("rotate", "rotates", "rotating"), ("turn around", "turns around", "turning around")),
    "grow": (("grow", "grows", "growing"), ("get bigger", "gets bigger", "getting bigger"), ("expand", "expands", "expanding")),
    "shrink": (("shrink", "shrinks", "shrinking"), ("get smaller", "gets smaller", "getting smaller"),
               ("become smaller", "becomes smaller", "becoming smaller")),
    "blink": (("blink", "blinks", "blinking"), ("flash", "flashes", "flashing"),
              ("flicker on and off", "flickers on and off", "flickering on and off")),
    "still": (("stay still", "stays still", "staying still"), ("do not move", "does not move", "not moving"),
              ("remain motionless", "remains motionless", "remaining motionless"), ("sit still", "sits still", "sitting still")),
}
BACKGROUND_WORDS = {
    "black": ("on a black background", "against a black backdrop", "on a plain black background"),
    "gray": ("on a gray background", "on a grey background", "against a plain gray backdrop"),
    "checkered": ("on a checkered background", "on a checkerboard background", "over a checkerboard"),
    "striped": ("on a striped background", "against a striped backdrop", "over stripes"),
}
PAN_WORDS = ("as the camera pans", "while the camera pans")

# {np} noun phrase, {vp} finite verb phrase, {ing} -ing phrase, {bg} background phrase,
# {be} is/are, {bgc} background phrase with a capital-free lead-in.
TEMPLATES = (
    "{np} {vp} {bg}",
    "{bg}, {np} {vp}",
    "{np} {ing} {bg}",
    "there {be} {np} {ing} {bg}",
    "a video of {np} {ing} {bg}",
    "{bg} {np} can be seen {ing}",
)


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def caption(key: Key, rng: np.random.Generator, pan: bool = False, template: int = None) -> str:
    plural = key.count > 1
    count = _pick(rng, COUNT_WORDS[key.count])
    words = [count]
    if key.size is not None:
        words.append(_pick(rng, SIZE_WORDS[key.size]))
    words.append(_pick(rng, COLOUR_WORDS[key.colour]))
    noun = _pick(rng, SHAPE_WORDS[key.shape])
    words.append(noun[1] if plural else noun[0])
    np_ = " ".join(words)
    verb = _pick(rng, MOTION_WORDS[key.motion])
    vp = verb[0] if plural else verb[1]
    ing = verb[2]
    bg = _pick(rng, BACKGROUND_WORDS[key.background])
    t = TEMPLATES[int(rng.integers(len(TEMPLATES)))] if template is None else TEMPLATES[template]
    text = t.format(np=np_, vp=vp, ing=ing, bg=bg, be="are" if plural else "is")
    if pan and rng.random() < 0.5:
        text += " " + _pick(rng, PAN_WORDS)
    return text


def captions(key: Key, rng: np.random.Generator, n: int, pan: bool = False) -> List[str]:
    """n distinct captions (different templates where possible)."""
    out: List[str] = []
    order = rng.permutation(len(TEMPLATES))
    tries = 0
    while len(out) < n and tries < 50:
        c = caption(key, rng, pan, template=int(order[len(out) % len(order)]) if tries < len(order) else None)
        tries += 1
        if c not in out:
            out.append(c)
    return out
