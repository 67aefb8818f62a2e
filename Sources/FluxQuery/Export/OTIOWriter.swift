import Foundation

/// OpenTimelineIO JSON (`.otio`), written directly (no Python at run time) in the schema
/// versions opentimelineio 0.18 writes: a `Timeline.1` named after the query whose
/// `Stack.1` holds one video `Track.1` of `Clip.2`s, back to back.
///
/// Each clip's `source_range` is in frames at its own rate (`RationalTime.1` values are
/// frame counts, `rate` the fps as a double, 29.97002997… for 30000/1001); its media is an
/// `ExternalReference.1` with a percent-encoded `file:///…` `target_url` and, when the
/// source duration is known, an `available_range` of the whole file. The first clip carries a
/// `Marker.2` named after the query at its in point; every clip carries
/// `metadata.fluxsearch` = {rank, score, note}.
enum OTIOWriter {
    static func render(_ list: EditList) -> String {
        let clips = list.clips.enumerated().map { index, clip in
            self.clip(clip, marker: index == 0 && !list.title.isEmpty ? list.title : nil)
        }
        let track = item("Track.1", name: "V1", extra: [("children", .array(clips)), ("kind", .string("Video"))])
        let stack = item("Stack.1", name: "tracks", extra: [("children", .array([track]))])
        let timeline = JSONText.object([
            ("OTIO_SCHEMA", .string("Timeline.1")),
            ("metadata", .object([])),
            ("name", .string(list.title)),
            ("global_start_time", .null),
            ("tracks", stack),
        ])
        return timeline.rendered() + "\n"
    }

    /// The members every composable item has, in the library's order, then `extra`.
    private static func item(_ schema: String, name: String, metadata: JSONText = .object([]),
                             sourceRange: JSONText = .null, markers: [JSONText] = [],
                             extra: [(String, JSONText)]) -> JSONText {
        .object([
            ("OTIO_SCHEMA", .string(schema)),
            ("metadata", metadata),
            ("name", .string(name)),
            ("source_range", sourceRange),
            ("effects", .array([])),
            ("markers", .array(markers)),
            ("enabled", .bool(true)),
            ("color", .null),
        ] + extra)
    }

    private static func clip(_ clip: EditListClip, marker: String?) -> JSONText {
        let rate = clip.frameRate, frames = clip.frames
        var reference: [(String, JSONText)] = [
            ("OTIO_SCHEMA", .string("ExternalReference.1")),
            ("metadata", .object([])),
            ("name", .string("")),
            ("available_range", clip.sourceFrameCount(at: rate).map { range(start: 0, duration: $0, rate) } ?? .null),
            ("available_image_bounds", .null),
        ]
        reference.append(("target_url", .string(ExportText.fileURL(clip.path))))
        let markers: [JSONText] = marker.map { name in
            [.object([
                ("OTIO_SCHEMA", .string("Marker.2")),
                ("metadata", .object([])),
                ("name", .string(name)),
                ("color", .string("GREEN")),
                ("marked_range", range(start: frames.inFrame, duration: 0, rate)),
                ("comment", .string("")),
            ])]
        } ?? []
        let metadata = JSONText.object([("fluxsearch", .object([
            ("rank", .integer(clip.rank)),
            ("score", .float(clip.score)),
            ("note", clip.note.map(JSONText.string) ?? .null),
        ]))])
        return item("Clip.2", name: clip.fileName, metadata: metadata,
                    sourceRange: range(start: frames.inFrame, duration: frames.count, rate), markers: markers,
                    extra: [("media_references", .object([("DEFAULT_MEDIA", .object(reference))])),
                            ("active_media_reference_key", .string("DEFAULT_MEDIA"))])
    }

    private static func range(start: Int, duration: Int, _ rate: FrameRate) -> JSONText {
        .object([
            ("OTIO_SCHEMA", .string("TimeRange.1")),
            ("duration", time(duration, rate)),
            ("start_time", time(start, rate)),
        ])
    }

    private static func time(_ frames: Int, _ rate: FrameRate) -> JSONText {
        .object([
            ("OTIO_SCHEMA", .string("RationalTime.1")),
            ("rate", .number(rate.fps)),
            ("value", .number(Double(frames))),
        ])
    }
}
