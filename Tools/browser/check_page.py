#!/usr/bin/env python3
"""Drives the `fluxsearch serve` page in headless Chromium (Debian's /usr/bin/chromium through
Playwright's driver; no browser download): searches, checks the expected clip comes first with
its thumbnail, opens the player and checks it plays from the span's start, uses a filter and
"similar", and writes screenshots.

    python3 Tools/browser/check_page.py --url http://127.0.0.1:8765/ --query "…" \
        --expect synth-test-0004.mp4 --artifacts /tmp/shots

Exit status 0 when every check holds; 1 with the failed check on stderr.
"""
import argparse
import os
import sys

from playwright.sync_api import sync_playwright


def fail(message):
    print(f"check_page: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def search_again(page):
    """Enter in the search box, then wait for the new results (not the ones on screen)."""
    page.evaluate("document.body.dataset.state = 'stale'")
    page.press("#q", "Enter")
    page.wait_for_function("() => ['results', 'error'].includes(document.body.dataset.state)", timeout=60_000)
    if page.evaluate("document.body.dataset.state") == "error":
        fail("the search failed: " + page.inner_text("#error-message"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--query", required=True)
    ap.add_argument("--expect", required=True, help="file name of the video that must rank first")
    ap.add_argument("--artifacts", required=True)
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args()
    os.makedirs(args.artifacts, exist_ok=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium,
                                    args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"])
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(args.url)

        # 1. Search: the expected clip is first, with its thumbnail loaded.
        page.fill("#q", args.query)
        page.press("#q", "Enter")
        page.wait_for_selector("body[data-state=results]", timeout=60_000)
        first = page.locator("#results li.result").first
        title = first.evaluate("el => el.textContent + ' ' + (el.querySelector('[title]')?.title ?? '')")
        if args.expect not in title:
            fail(f"the first result is not {args.expect}: {title.strip()[:200]}")
        thumb = first.locator("img.thumb")
        thumb.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle(), timeout=30_000)
        took = page.inner_text("#took")
        print(f"check_page: first result {args.expect}, thumbnail {thumb.evaluate('i => i.naturalWidth')} px wide, query took {took}")
        page.screenshot(path=os.path.join(args.artifacts, "results.png"))

        # 2. The player starts at the span (best moment) and plays.
        start = float(first.get_attribute("data-start"))
        thumb.click()
        page.wait_for_selector("dialog#player[open]", timeout=10_000)
        video = page.locator("video#player-video").element_handle()
        page.wait_for_function("v => !v.paused && v.readyState >= 2 && v.currentTime > 0", arg=video, timeout=30_000)
        now = video.evaluate("v => v.currentTime")
        print(f"check_page: player at {now:.3f} s, span starts at {start:.3f} s")
        if abs(now - start) > 0.5:
            fail(f"the player is at {now:.3f} s, not within 0.5 s of the span start {start:.3f} s")
        page.wait_for_timeout(400)
        page.screenshot(path=os.path.join(args.artifacts, "player.png"))
        page.keyboard.press("Escape")
        page.wait_for_selector("dialog#player:not([open])", state="attached", timeout=5_000)

        # 3. A filter: only the expected video's clips.
        video_id = first.get_attribute("data-video-id")
        page.click("#options summary")
        page.fill("#path-filter", "*/" + args.expect)
        search_again(page)
        ids = page.eval_on_selector_all("#results li.result", "els => els.map(e => e.dataset.videoId)")
        if not ids or any(i != video_id for i in ids):
            fail(f"the path filter */{args.expect} returned videos {ids}, expected only {video_id}")
        page.fill("#path-filter", "")

        # 4. Similar: the results of another video, never the source one.
        search_again(page)
        page.locator("#results li.result").first.locator("button.similar").click()
        page.wait_for_function("() => document.body.dataset.state === 'results' && !document.querySelector('#back').hidden",
                               timeout=60_000)
        similar = page.eval_on_selector_all("#results li.result", "els => els.map(e => e.dataset.videoId)")
        if not similar or video_id in similar:
            fail(f"similar returned {similar}; it must list other videos than {video_id}")
        page.screenshot(path=os.path.join(args.artifacts, "similar.png"))
        if errors:
            fail(f"JavaScript errors on the page: {errors}")
        print(f"check_page: filter and similar passed; screenshots in {args.artifacts}")
        browser.close()


if __name__ == "__main__":
    main()
