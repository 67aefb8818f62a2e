import Foundation

/// Final Cut Pro XML 1.8 (`.fcpxml`): a library with one event holding one project named
/// after the query, whose sequence lays the clips back to back on the primary storyline.
///
/// - `<resources>`: one `<format>` per distinct rate (`frameDuration="1001/30000s"`) and one
///   `<asset>` per source, with its file as `src="file:///…"` (percent-encoded), `hasVideo`,
///   `format` and, when known, `duration`.
/// - `<spine>`: one `<asset-clip>` per clip. Times are exact rationals of a second. `start`
///   is the clip's in point in its own frames; `offset` and `duration` are whole frames of the
///   sequence's rate (the first clip's), as Final Cut requires timeline edits on frame
///   boundaries, so a clip at another rate lasts ceil(end × fps) − floor(start × fps) frames
///   of the sequence rate.
/// - The query is a `<marker>` (value = query) at the first clip's in point; a clip's note
///   is its `<note>`.
///
/// The document follows the FCPXML DTD, which Final Cut checks before importing anything.
/// Version 1.8 (Final Cut Pro 10.4; later versions import it) because it keeps the source in
/// `asset/@src`: 1.9 moved it into a `<media-rep>` child, which the OpenTimelineIO fcpx_xml
/// adapter (1.0.0) does not read, and an `asset/@src` in a 1.9 file breaks the DTD. So one
/// file serves both Final Cut and OTIO-based tools.
enum FCPXMLWriter {
    static let version = "1.8"

    static func render(_ list: EditList) throws -> String {
        guard let sequenceRate = list.clips.first?.frameRate.reduced else { throw EditListError.noClips(title: list.title) }
        var nextID = 1
        func newID() -> String { defer { nextID += 1 }; return "r\(nextID)" }

        // Resources: formats by rate, assets by (path, rate), both in first-use order.
        var formatIDs: [String: String] = [:]   // by reduced rate text
        var formatLines: [String] = []
        for clip in list.clips where formatIDs[clip.frameRate.reduced.text] == nil {
            let rate = clip.frameRate.reduced
            let id = newID()
            formatIDs[rate.text] = id
            formatLines.append("<format id=\"\(id)\" frameDuration=\"\(time(1, rate))\"/>")
        }
        struct AssetKey: Hashable { var path: String; var rate: String }
        var assetIDs: [AssetKey: String] = [:]
        var assetLines: [String] = []
        for clip in list.clips {
            let rate = clip.frameRate.reduced
            let key = AssetKey(path: clip.path, rate: rate.text)
            guard assetIDs[key] == nil, let format = formatIDs[rate.text] else { continue }
            let id = newID()
            assetIDs[key] = id
            var attributes = "id=\"\(id)\" name=\"\(ExportText.xml(clip.fileName))\" start=\"0s\""
            if let total = clip.sourceFrameCount(at: rate) { attributes += " duration=\"\(time(total, rate))\"" }
            attributes += " hasVideo=\"1\" format=\"\(format)\" src=\"\(ExportText.xml(ExportText.fileURL(clip.path)))\""
            assetLines.append("<asset \(attributes)/>")
        }

        // The spine, in sequence frames.
        var spine: [String] = []
        var offset = 0
        for (index, clip) in list.clips.enumerated() {
            let rate = clip.frameRate.reduced
            guard let asset = assetIDs[AssetKey(path: clip.path, rate: rate.text)], let format = formatIDs[rate.text] else { continue }
            let own = clip.frames
            let length = rate == sequenceRate ? own.count : clip.frames(at: sequenceRate).count
            let attributes = "ref=\"\(asset)\" offset=\"\(time(offset, sequenceRate))\" name=\"\(ExportText.xml(clip.fileName))\""
                + " start=\"\(time(own.inFrame, rate))\" duration=\"\(time(length, sequenceRate))\" format=\"\(format)\" tcFormat=\"NDF\""
            var children: [String] = []
            // The DTD orders an asset-clip's children: note first, markers later.
            if let note = clip.note, !note.isEmpty { children.append("<note>\(ExportText.xml(note))</note>") }
            if index == 0, !list.title.isEmpty {
                children.append("<marker start=\"\(time(own.inFrame, rate))\" duration=\"\(time(1, rate))\" value=\"\(ExportText.xml(list.title))\"/>")
            }
            if children.isEmpty {
                spine.append("<asset-clip \(attributes)/>")
            } else {
                spine.append("<asset-clip \(attributes)>")
                spine += children.map { "    " + $0 }
                spine.append("</asset-clip>")
            }
            offset += length
        }

        let project = ExportText.xml(ExportText.oneLine(list.title))
        func indented(_ lines: [String], _ depth: Int) -> [String] {
            lines.map { String(repeating: "    ", count: depth) + $0 }
        }
        var lines = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "<!DOCTYPE fcpxml>", "<fcpxml version=\"\(version)\">",
                     "    <resources>"]
        lines += indented(formatLines + assetLines, 2)
        lines += ["    </resources>", "    <library>", "        <event name=\"fluxsearch\">",
                  "            <project name=\"\(project)\">",
                  "                <sequence format=\"\(formatIDs[sequenceRate.text] ?? "r1")\" duration=\"\(time(offset, sequenceRate))\" tcStart=\"0s\" tcFormat=\"NDF\">",
                  "                    <spine>"]
        lines += indented(spine, 6)
        lines += ["                    </spine>", "                </sequence>", "            </project>", "        </event>",
                  "    </library>", "</fcpxml>", ""]
        return lines.joined(separator: "\n")
    }

    /// `frames` at `rate` as an FCPXML time: exact seconds as a reduced fraction (`"0s"`,
    /// `"2s"`, `"63/25s"`, `"1001/30000s"`).
    static func time(_ frames: Int, _ rate: FrameRate) -> String {
        guard frames != 0 else { return "0s" }
        let numerator = frames * rate.denominator, denominator = rate.numerator
        let common = FrameRate.gcd(numerator, denominator)
        return denominator / common == 1 ? "\(numerator / common)s" : "\(numerator / common)/\(denominator / common)s"
    }
}
