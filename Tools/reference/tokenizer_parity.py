#!/usr/bin/env python3
"""Token-id parity between open_clip's CLIP tokenizer and the Swift `fluxsearch tokenize`.

The reference is `open_clip.get_tokenizer("ViT-B-16")` (SimpleTokenizer, clean="lower", the
tokenizer MobileCLIP and InternVideo2-CLIP use), context 77. `pre_text` is InternVideo2's
caption normalisation (dataset/utils.py), written out below.

Modes (combine freely):

  python3 Tools/reference/tokenizer_parity.py --list
      print the built-in caption list with open_clip's ids
  python3 Tools/reference/tokenizer_parity.py --swift .build/release/fluxsearch [--fuzz 2000]
      tokenise the built-in list (plus --captions FILE, one caption per line, plus --fuzz N
      seeded random strings) with `fluxsearch tokenize --file … --json` (and --pre-text) and
      report every caption whose ids differ; exit status 1 on any difference
  python3 Tools/reference/tokenizer_parity.py --write Tests/FluxModelsTests/Fixtures/text/captions.json
      write the committed fixture (Tools/fixtures/make_text_fixtures.py calls this)

Fixture format (JSON): {"open_clip": version, "ftfy": version, "context_length": 77,
"captions": [{"text": str, "ids": [int], "pre_text": str, "pre_ids": [int], "group": str}, ...]}
where ids are open_clip's ids with the trailing 0 padding removed (the Swift test pads them
back to 77), and pre_ids are the ids of pre_text(text). For the few captions that only ftfy's
mojibake repair (fix_encoding, which the Swift cleaner leaves out) changes, the entry also has
"ids_without_fix_encoding" / "pre_ids_without_fix_encoding": the ids with
`ftfy.fix_text(..., fix_encoding=False)`, which is what the Swift port must produce.
"""

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile

import ftfy

# ------------------------------------------------------------------------------------------
# Reference functions


def pre_text(text):
    """InternVideo2 `pre_text(text)` without max_l."""
    text = re.sub(r"([,.'!?\"()*#:;~])", "", text.lower())
    text = text.replace("-", " ").replace("/", " ").replace("<person>", "person")
    text = re.sub(r"\s{2,}", " ", text)
    text = text.rstrip("\n").strip(" ")
    return text


_TOKENIZER = None


def tokenizer():
    """open_clip's `SimpleTokenizer()` — what `get_tokenizer("ViT-B-16")` returns (its text_cfg
    names no HF tokenizer and no tokenizer_kwargs; context 77, clean="lower").

    open_clip/tokenizer.py is loaded on its own, so that the package's model code (and its
    torchvision import) is not needed.
    """
    global _TOKENIZER
    if _TOKENIZER is None:
        import importlib.util
        spec = importlib.util.find_spec("open_clip")
        path = os.path.join(os.path.dirname(spec.origin), "tokenizer.py")
        mod_spec = importlib.util.spec_from_file_location("open_clip_tokenizer", path)
        module = importlib.util.module_from_spec(mod_spec)
        mod_spec.loader.exec_module(module)
        _TOKENIZER = module.SimpleTokenizer()
    return _TOKENIZER


def open_clip_version():
    from importlib.metadata import version
    return version("open_clip_torch")


def open_clip_ids(text, context_length=77):
    """open_clip's 77 ids for text (padded)."""
    return [int(i) for i in tokenizer()([text], context_length=context_length)[0]]


def ids_without_fix_encoding(text, context_length=77):
    """The ids open_clip would give if ftfy's fix_encoding step were off."""
    original = ftfy.fix_text   # open_clip.tokenizer calls ftfy.fix_text through the module
    ftfy.fix_text = lambda t, *a, **k: original(t, fix_encoding=False)
    try:
        return open_clip_ids(text, context_length)
    finally:
        ftfy.fix_text = original


def needs_fix_encoding(text):
    """Whether ftfy's mojibake repair changes anything in text (in segment order)."""
    return ftfy.fix_text(text) != ftfy.fix_text(text, fix_encoding=False)


def strip_padding(ids):
    ids = list(ids)
    while ids and ids[-1] == 0:
        ids.pop()
    return ids


# ------------------------------------------------------------------------------------------
# The committed caption list: (group, text)

LONG_PARAGRAPH = (
    "A young woman in a red jacket walks her dog along a snowy mountain trail at sunrise, "
    "stopping now and then to photograph the valley below. The dog, a golden retriever, chases "
    "a squirrel up a pine tree and barks until she calls it back. Later they meet a group of "
    "hikers who share hot tea from a thermos; everyone laughs when the dog steals a sandwich. "
    "The video ends with a wide shot of the peaks glowing orange as the clouds drift past.")

CAPTIONS = [
    # ASCII and the spec's anchors
    ("ascii", "A man is playing a guitar."),
    ("ascii", "a cat/dog (cute) jumps on the sofa"),
    ("ascii", "a man is playing a guitar"),
    ("ascii", "People are dancing at a wedding reception"),
    ("ascii", "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG"),
    ("ascii", "cooking pasta in a small kitchen while the radio plays"),
    ("ascii", "supercalifragilisticexpialidocious antidisestablishmentarianism"),
    ("ascii", "untreated bong aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa zzzzzzz qwxzv"),
    ("ascii", "a"),
    ("ascii", "I"),
    ("ascii", "x y z"),
    # empty and whitespace
    ("empty", ""),
    ("empty", " "),
    ("empty", "\t\n  \r\n "),
    ("empty", "\u00a0\u2003\u3000"),
    ("whitespace", "  leading and trailing  "),
    ("whitespace", "tabs\tand\nnewlines\r\nand\u2028separators\u2029here"),
    ("whitespace", "no\u00a0break\u202fspaces\u2009thin\u200bzero width"),
    ("whitespace", "file\x1cgroup\x1drecord\x1eunit\x1fseparators"),
    # punctuation
    ("punctuation", "Wait... what?! No way!!!"),
    ("punctuation", "hello, world; goodbye: moon."),
    ("punctuation", "(parentheses) [brackets] {braces} <angles>"),
    ("punctuation", "email me at someone@example.com or visit https://example.org/path?q=1&r=2"),
    ("punctuation", "#hashtag @mention $100 50% a*b ~tilde `code` ^caret | pipe \\ backslash"),
    ("punctuation", "--- *** ___ === +++ ..."),
    ("punctuation", "well-known state-of-the-art e-mail"),
    ("punctuation", "\u2014 em dash \u2013 en dash \u2026 ellipsis \u2022 bullet"),
    ("punctuation", "\u00bfQu\u00e9? \u00a1S\u00ed! \u00abguillemets\u00bb"),
    # digits
    ("digits", "1234567890"),
    ("digits", "the year 2024 and 3.14159 and 1,000,000 people"),
    ("digits", "room 101, 2nd floor, 10:30am, 4K 60fps"),
    ("digits", "\u00bd cup \u00b2 squared \u2167 roman \u2460 circled \u0661\u0662\u0663 arabic-indic"),
    ("digits", "\u00b9\u00b2\u00b3 superscripts and \u2080\u2081 subscripts"),
    # apostrophes and contractions
    ("apostrophe", "it's a dog's life, isn't it? we're, they've, I'm, you'll, he'd"),
    ("apostrophe", "IT'S THE DOG'S BALL"),
    ("apostrophe", "rock 'n' roll and the '90s"),
    ("apostrophe", "'''s'' ''t 'x 'S 'Re"),
    ("apostrophe", "o'clock, o'brien, y'all, ma'am"),
    # accented Latin
    ("accented", "caf\u00e9 na\u00efve r\u00e9sum\u00e9 fa\u00e7ade co\u00f6perate"),
    ("accented", "Stra\u00dfe \u00fcber M\u00fcller G\u00f6the"),
    ("accented", "\u00c9L\u00c8VE \u00c0 PARIS, \u00c7A VA"),
    ("accented", "Dvo\u0159\u00e1k \u0141\u00f3d\u017a \u0218tefan \u0150rs"),
    ("accented", "cafe\u0301 decomposed e\u0301 and n\u0303"),
    ("accented", "\u1ea0\u1ea1 vi\u1ec7t nam ph\u1edf"),
    # curly quotes
    ("quotes", "\u201cHello,\u201d she said. \u2018It\u2019s fine.\u2019"),
    ("quotes", "the dog\u2019s bone and the cats\u2019 toys"),
    ("quotes", "\u201ehigh-low\u201c \u201fdouble reversed\u201d \u201bsingle reversed\u2019 \u02bcmodifier"),
    ("quotes", "\u00abFrench\u00bb \u2039single\u203a \"straight\" 'straight'"),
    # ligatures
    ("ligatures", "\ufb01nd the \ufb02ower \ufb00ect o\ufb03ce wa\ufb04e"),
    ("ligatures", "\ufb05 \ufb06 \u0133sselmeer \u0132JSSELMEER \u01c6 \u01c9 \u01cc \u01f3 \u0149"),
    ("ligatures", "\u0153uvre \u00e6sthetic \ua733 (not in ftfy's table)"),
    # full-width and half-width
    ("fullwidth", "\uff21\uff22\uff23 \uff41\uff42\uff43 \uff11\uff12\uff13"),
    ("fullwidth", "\uff2c\uff2f\uff35\uff24\u3000\uff2e\uff2f\uff29\uff33\uff25\uff33\uff01"),
    ("fullwidth", "\uff35\uff80\uff70\uff9d half-width katakana \uff76\uff9e\uff77\uff9e"),
    ("fullwidth", "\uffe0\uffe1\uffe5\uffe6 \uff5e\uff08\uff09\uff3b\uff3d"),
    # CJK
    ("cjk", "\u4e00\u53ea\u732b\u5728\u6c99\u53d1\u4e0a\u7761\u89c9"),
    ("cjk", "\u72ac\u304c\u516c\u5712\u3067\u8d70\u3063\u3066\u3044\u307e\u3059\u3002"),
    ("cjk", "\u30ab\u30bf\u30ab\u30ca \u3072\u3089\u304c\u306a \u6f22\u5b57"),
    ("cjk", "\ud55c\uad6d\uc5b4 \ubb38\uc7a5\uc785\ub2c8\ub2e4"),
    ("cjk", "\u1100\u1161\u11a8 jamo and \uac00\u11a8 LV+T"),
    ("cjk", "mixed \u4e2d\u6587 and English \u65e5\u672c\u8a9e text 123"),
    # emoji
    ("emoji", "a dog \U0001f415 and a cat \U0001f408 \U0001f602\U0001f602"),
    ("emoji", "\U0001f468\u200d\U0001f469\u200d\U0001f467 family \U0001f1fa\U0001f1f8 flag \u2764\ufe0f heart"),
    ("emoji", "\U0001f44d\U0001f3fd thumbs \u263a \u2600 \u2b50 \U0001f525\U0001f525\U0001f525"),
    ("emoji", "\U0001f3f4\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f wales"),
    # HTML entities
    ("html", "Tom &amp; Jerry &lt;3 &quot;cartoon&quot; &#39;classic&#39;"),
    ("html", "caf&eacute; &copy; 2024 &mdash; &hellip; &nbsp;spaces&nbsp;"),
    ("html", "&amp;amp;lt;nested&amp;amp;gt; &amp;amp;amp;amp;"),
    ("html", "&#x27;hex&#X27; &#8217;curly&#8217; &#128512; &#0; &#1; &#128; &#xD800; &#1114112;"),
    ("html", "&amp &lt &copy2024 &notit; &AMP; &EACUTE; P&EACUTE;REZ &nTILDE; &SZLIG;"),
    ("html", "a < b &amp;&amp; c > d &lt; e"),
    ("html", "first line &amp;\nsecond <line> &amp;\nthird &amp;"),
    ("html", "&thisisaverylongentitynamethatgoesonandon; &#99999999999999999999;"),
    ("html", "&Jscr;ohn &HilbertSpace;ancock &checkmark; &NotNestedGreaterGreater;"),
    # special tokens and tags in text
    ("special", "<start_of_text>hello<end_of_text>"),
    ("special", "<START_OF_TEXT> shouting <End_Of_Text>"),
    ("special", "!!<end_of_text> and <\u017ftart_of_text> long s"),
    ("special", "<person> is riding a bike with <person>"),
    ("special", "</w> end of word marker"),
    # control characters, terminal escapes, C1
    ("control", "bell\x07 null\x00 escape\x1b[31mred\x1b[0m text"),
    ("control", "c1 \x80 euro \x92 quote \x85 ellipsis \x9f Y \x81 hole"),
    ("control", "bom\ufeff zwj\u200d zwnj\u200c rtl\u200f\u202e deprecated\u206a\ufffc"),
    ("control", "soft\u00adhyphen and\u0345ypogegrammeni"),
    # casing corner cases
    ("casing", "\u0130stanbul \u0049\u0307 D\u0130YARBAKIR"),
    ("casing", "\u039f\u0394\u039f\u03a3 \u03a3\u039f\u03a6\u039f\u03a3 \u03a3 \u0391\u03a3.\u03a3"),
    ("casing", "\u1e9e GROSS \u212a kelvin \u212b angstrom \u2126 ohm"),
    ("casing", "\U00010400\U00010401 deseret \u13a0\u13a1 cherokee"),
    # other scripts
    ("scripts", "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440! \u0413\u043e\u0440\u043e\u0434"),
    ("scripts", "\u0393\u03b5\u03b9\u03ac \u03c3\u03bf\u03c5 \u03ba\u03cc\u03c3\u03bc\u03b5"),
    ("scripts", "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645 \u05e9\u05dc\u05d5\u05dd"),
    ("scripts", "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e \u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35"),
    ("scripts", "\U0001d400\U0001d401\U0001d402 math bold \u2102\u2115 double-struck"),
    # long
    ("long", LONG_PARAGRAPH),
    ("long", " ".join(["word%d" % i for i in range(120)])),
    ("long", "a " * 200),
    ("long", "\U0001f600" * 100),
    ("long", "x" * 500),
    ("long", "\u4e00\u4e8c\u4e09\u56db\u4e94" * 40),
    # mojibake (ftfy's fix_encoding, which the Swift cleaner leaves out)
    ("mojibake", "caf\u00c3\u00a9 au lait"),
    ("mojibake", "\u00e2\u20ac\u0153quoted\u00e2\u20ac\u009d text"),
    ("mojibake", "\u00c3 la mode"),
]

# ------------------------------------------------------------------------------------------
# Random captions (seeded) for --fuzz

POOLS = [
    "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", " " * 10,
    "'\"!?.,;:-/()[]{}<>#*~@&%$^_|\\`+=", "&amp;&lt;&gt;&#39;&quot;&nbsp;&eacute;&#x2019;",
    "\u00e9\u00e8\u00ea\u00eb\u00e0\u00e2\u00e4\u00f4\u00f6\u00fb\u00fc\u00e7\u00f1\u00df\u00c9\u00c0\u00c7",
    "\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u02bc", "\ufb00\ufb01\ufb02\ufb03\ufb04\ufb05\ufb06\u0133\u01c6",
    "\uff21\uff41\uff10\uff01\uff08\u3000\uff76\uff9e", "\u4e00\u732b\u72ac\u3042\u30a2\ud55c\uac00",
    "\U0001f600\U0001f415\u2764\ufe0f\u200d\U0001f3fd", "\u0301\u0308\u0327\u0345\u093f\u094d",
    "\u03a3\u03c3\u03c2\u0130\u0131\u017f\u212a", "\t\n\r\u00a0\u2028\u0085\x0b\x0c",
    "\x00\x07\x1b[0m\x7f\u200b\ufeff", "\u0410\u0431\u0432\u0393\u03b1\u05d0\u0627\u0928\u0e01",
    "\u00bd\u00b2\u2167\u2460\u0661\U0001d7d8", "<start_of_text><end_of_text><person>",
]


def fuzz_captions(n, seed=20261121):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        k = rng.randint(0, 40)
        pools = rng.sample(POOLS, rng.randint(1, 4))
        s = "".join(rng.choice(rng.choice(pools)) for _ in range(k))
        # Occasionally splice in whole words so that BPE merges across longer pieces.
        if rng.random() < 0.5:
            words = ["the", "video", "shows", "people", "running", "it's", "dog's", "caf\u00e9", "\ufb01sh"]
            s = " ".join(rng.choice(words) for _ in range(rng.randint(1, 6))) + " " + s
        out.append(s)
    return out


# ------------------------------------------------------------------------------------------


def entry(group, text):
    ids = open_clip_ids(text)
    pt = pre_text(text)
    e = {"group": group, "text": text, "ids": strip_padding(ids), "pre_text": pt,
         "pre_ids": strip_padding(open_clip_ids(pt))}
    if needs_fix_encoding(text):
        e["ids_without_fix_encoding"] = strip_padding(ids_without_fix_encoding(text))
    if needs_fix_encoding(pt):
        e["pre_ids_without_fix_encoding"] = strip_padding(ids_without_fix_encoding(pt))
    return e


def fixture(captions):
    return {"open_clip": open_clip_version(), "ftfy": ftfy.__version__, "context_length": 77,
            "captions": [entry(g, t) for g, t in captions]}


def swift_ids(binary, texts, pre):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump(texts, f)
        path = f.name
    try:
        cmd = [binary, "tokenize", "--file", path, "--json"] + (["--pre-text"] if pre else [])
        out = subprocess.run(cmd, check=True, capture_output=True).stdout
    finally:
        os.unlink(path)
    return [r["ids"] for r in json.loads(out)]


def compare(binary, captions):
    texts = [t for _, t in captions]
    bad = 0
    for pre in (False, True):
        got = swift_ids(binary, texts, pre)
        for (group, text), ids in zip(captions, got):
            source = pre_text(text) if pre else text
            expected = open_clip_ids(source)
            if ids != expected and needs_fix_encoding(source) and ids == ids_without_fix_encoding(source):
                continue   # only the mojibake repair differs (documented)
            if ids != expected:
                bad += 1
                print("MISMATCH %s%s %r\n  open_clip %s\n  swift     %s" % (
                    group, " (pre_text)" if pre else "", text, strip_padding(expected), strip_padding(ids)))
    n = 2 * len(captions)
    print("%d of %d tokenisations identical (mojibake-only differences excluded)" % (n - bad, n))
    return bad == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--list", action="store_true", help="print the built-in captions and their ids")
    ap.add_argument("--write", metavar="PATH", help="write the fixture JSON")
    ap.add_argument("--swift", metavar="BIN", help="compare against `BIN tokenize`")
    ap.add_argument("--captions", metavar="FILE", help="extra captions, one per line")
    ap.add_argument("--fuzz", type=int, default=0, metavar="N", help="add N seeded random captions")
    ap.add_argument("--seed", type=int, default=20261121)
    args = ap.parse_args()

    captions = list(CAPTIONS)
    if args.captions:
        with open(args.captions, encoding="utf-8") as f:
            captions += [("file", line.rstrip("\n")) for line in f]
    captions += [("fuzz", t) for t in fuzz_captions(args.fuzz, args.seed)]

    if args.list:
        for g, t in captions:
            print("%-12s %r\n             %s" % (g, t, strip_padding(open_clip_ids(t))))
    if args.write:
        with open(args.write, "w", encoding="utf-8") as f:
            json.dump(fixture(captions), f, ensure_ascii=True, indent=0, separators=(",", ":"))
            f.write("\n")
        print("wrote", args.write, "(%d captions)" % len(captions))
    if args.swift:
        sys.exit(0 if compare(args.swift, captions) else 1)


if __name__ == "__main__":
    main()
