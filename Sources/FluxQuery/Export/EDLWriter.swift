import Foundation

/// CMX 3600 EDL (`.edl`): one cut event per clip on track V, reel `AX` (an auxiliary source
/// that is not a tape), the record side back to back from 01:00:00:00.
///
/// **One rate per file.** An EDL has a single timecode rate and does not say which it is.
/// We use the first clip's rate for the whole file when it is a SMPTE timecode rate (23.976,
/// 24, 25, 29.97, 30, 48, 50, 59.94, 60; ``edlRate(for:)``), else 30 (screen recordings and
/// phone clips at 10, 15 or 20 fps have no SMPTE timecode, and editors refuse one):
/// timecode base = that fps rounded (30 for 30000/1001), non-drop frame. Every clip's source in/out is computed from its seconds at
/// that rate (in = floor(start × fps), out = ceil(end × fps), clamped to the source), so a
/// clip whose source runs at another rate is listed in frames of the first clip's rate.
/// Whoever reads the file must be told that rate (OpenTimelineIO's cmx_3600 adapter:
/// `rate=`).
///
/// After each event, comment lines that OpenTimelineIO's cmx_3600 adapter (and Avid/Resolve
/// conventions) read:
/// - `* FROM CLIP NAME: <file name>`: the clip's name;
/// - `* FROM CLIP: file:///…`: the source as a percent-encoded file URL (the adapter's
///   `ExternalReference.target_url`; ASCII, whatever the path holds);
/// - `* SOURCE FILE: <absolute path>`: the path as is, for people (the adapter keeps it in
///   the clip's `cmx_3600.comments` metadata);
/// - `* LOC: <source in> GREEN <query>` on the first event: a locator the adapter turns
///   into a marker named after the query, at the clip's source in (as the adapter places it);
/// - `* FLUXSEARCH: rank …, score …[, note: …]`: the hit, kept as a comment.
///
/// `TITLE:` is the query on one line in ASCII (accents dropped), at most 70 characters as
/// CMX 3600 allows. Throws ``EditListError/tooManyEvents(count:)`` past 999 clips and
/// ``EditListError/timecodeOutOfRange(rank:path:)`` past 24 hours.
enum EDLWriter {
    /// Where the record side starts, in seconds (01:00:00:00, the broadcast convention).
    static let recordStartSeconds = 3600
    static let maximumEvents = 999
    static let titleLength = 70

    /// The rates SMPTE timecode (and so an EDL) can count in.
    static let timecodeRates: [FrameRate] = [FrameRate(numerator: 24000, denominator: 1001), FrameRate(numerator: 24, denominator: 1),
                                             FrameRate(numerator: 25, denominator: 1), FrameRate(numerator: 30000, denominator: 1001),
                                             FrameRate(numerator: 30, denominator: 1), FrameRate(numerator: 48, denominator: 1),
                                             FrameRate(numerator: 50, denominator: 1), FrameRate(numerator: 60000, denominator: 1001),
                                             FrameRate(numerator: 60, denominator: 1)]

    /// The rate an EDL of clips starting with one at `rate` counts in: `rate` itself when it is
    /// a timecode rate, else 30 fps.
    static func edlRate(for rate: FrameRate) -> FrameRate {
        let reduced = rate.reduced
        return timecodeRates.contains(reduced) ? reduced : FrameRate(numerator: 30, denominator: 1)
    }

    static func render(_ list: EditList) throws -> String {
        guard list.clips.count <= maximumEvents else { throw EditListError.tooManyEvents(count: list.clips.count) }
        guard let first = list.clips.first?.frameRate else { throw EditListError.noClips(title: list.title) }
        let rate = edlRate(for: first)
        let base = rate.timecodeBase
        let title = String(ExportText.asciiLine(list.title).prefix(titleLength))

        var lines = ["TITLE: \(title)", "FCM: NON-DROP FRAME", ""]
        var record = recordStartSeconds * base
        for (index, clip) in list.clips.enumerated() {
            let frames = clip.frames(at: rate)
            // Out points are exclusive but still written as timecode, so they too must stay under 24 h.
            let times = try [frames.inFrame, frames.outFrame, record, record + frames.count].map { frame in
                guard let text = Timecode.nonDrop(frame, base: base) else {
                    throw EditListError.timecodeOutOfRange(rank: clip.rank, path: clip.path)
                }
                return text
            }
            let number = String(index + 1).leftPadded(to: 3, with: "0")
            lines.append("\(number)  \("AX".rightPadded(to: 9))\("V".rightPadded(to: 6))\("C".rightPadded(to: 9))"
                         + times.joined(separator: " "))
            lines.append("* FROM CLIP NAME: \(ExportText.oneLine(clip.fileName))")
            lines.append("* FROM CLIP: \(ExportText.fileURL(clip.path))")
            lines.append("* SOURCE FILE: \(ExportText.printable(clip.path))")
            if index == 0, !title.isEmpty {
                lines.append("* LOC: \(times[0]) \("GREEN".rightPadded(to: 7)) \(title)")
            }
            var hit = "* FLUXSEARCH: rank \(clip.rank), score \(clip.score)"
            if let note = clip.note.map(ExportText.oneLine), !note.isEmpty { hit += ", note: \(note)" }
            lines.append(hit)
            lines.append("")
            record += frames.count
        }
        return lines.joined(separator: "\n")
    }
}
