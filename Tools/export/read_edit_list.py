#!/usr/bin/env python3
"""Reads an edit list with OpenTimelineIO and prints what it found, as JSON.

    read_edit_list.py FILE [--rate FPS]

The adapter follows the extension: .otio → otio_json, .edl → cmx_3600 (an EDL does not say
its rate: pass --rate, default 25), .fcpxml/.xml → fcpx_xml. Prints
{"name", "clips": [{name, target_url, start_frame, duration_frames, rate}], "markers": [names]}
for the clips of the first video track (target_url is null for a MissingReference) and the
markers on the stack, that track and its clips. The export tests (Tests/FluxQueryTests/
EditListExportTests.swift) compare it with what fluxsearch wrote.
"""
import argparse
import json
import os

import opentimelineio as otio

ADAPTERS = {".otio": "otio_json", ".edl": "cmx_3600", ".fcpxml": "fcpx_xml", ".xml": "fcpx_xml"}


def first_timeline(obj):
    # The fcpx_xml adapter returns a SerializableCollection (library → event → projects).
    if isinstance(obj, otio.schema.Timeline):
        return obj
    for child in obj if isinstance(obj, otio.schema.SerializableCollection) else []:
        found = first_timeline(child)
        if found is not None:
            return found
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--rate", type=float, default=25.0, help="the EDL's frame rate")
    args = parser.parse_args()
    adapter = ADAPTERS[os.path.splitext(args.file)[1].lower()]
    options = {"rate": args.rate} if adapter == "cmx_3600" else {}
    timeline = first_timeline(otio.adapters.read_from_file(args.file, adapter_name=adapter, **options))
    if timeline is None:
        raise SystemExit(f"{args.file}: no timeline")
    track = next(t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video)
    clips = [c for c in track if isinstance(c, otio.schema.Clip)]
    markers = list(timeline.tracks.markers) + list(track.markers) + [m for c in clips for m in c.markers]
    print(json.dumps({
        "name": timeline.name,
        "clips": [{
            "name": c.name,
            "target_url": getattr(c.media_reference, "target_url", None),
            "start_frame": c.source_range.start_time.value,
            "duration_frames": c.source_range.duration.value,
            "rate": c.source_range.start_time.rate,
        } for c in clips],
        "markers": [m.name for m in markers],
    }, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
