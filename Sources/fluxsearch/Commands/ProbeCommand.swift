import ArgumentParser
import Foundation
import FluxIngest

/// `fluxsearch probe FILE...`: what the decoder sees in each file.
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Print video metadata: duration, frame rate, frame count, size, codec, rotation.",
        discussion: """
        Each file is opened the way indexing opens it: every packet of the video stream is \
        read once (no decoding), so the frame count is exact and variable frame rate is \
        detected. Sizes are stored pixels; "display" is after the rotation phone videos carry. \
        Files that cannot be decoded are reported on stderr with a hint, and the exit code is 1.

        Examples:
          fluxsearch probe clip.mp4 phone.mov
          fluxsearch probe videos/*.webm --json
        """)

    @Argument(help: ArgumentHelp("Video files.", valueName: "file"), completion: .file())
    var files: [String]

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("Give at least one video file, e.g. fluxsearch probe clip.mp4.") }
    }

    struct Entry: Encodable {
        let path: String
        let metadata: VideoMetadata?
        let error: String?
    }

    func run() throws {
        var entries: [Entry] = []
        if !output.json {
            out(pad("file", 28) + pad("container", 11) + pad("codec", 8) + lpad("size", 11) + lpad("rot", 5)
                  + lpad("display", 11) + lpad("fps", 9) + lpad("frames", 8) + lpad("seconds", 9) + "  notes")
        }
        for file in files {
            do {
                let m = try VideoDecoder.probe(URL(fileURLWithPath: file))
                entries.append(Entry(path: file, metadata: m, error: nil))
                guard !output.json else { continue }
                var notes: [String] = []
                if m.variableFrameRate { notes.append("VFR") }
                if m.bitDepth != 8 { notes.append("\(m.bitDepth)-bit") }
                if m.streamIndex != 0 { notes.append("video is stream \(m.streamIndex)") }
                if m.hasAudio { notes.append("audio") }
                if m.truncated { notes.append("TRUNCATED") }
                out(pad(shortName(file), 28) + pad(m.container.split(separator: ",").first.map(String.init) ?? m.container, 11)
                      + pad(m.codec, 8) + lpad("\(m.width)×\(m.height)", 11) + lpad("\(m.rotation)", 5)
                      + lpad("\(m.displayWidth)×\(m.displayHeight)", 11) + lpad(String(format: "%.3f", m.fps), 9)
                      + lpad("\(m.frameCount)", 8) + lpad(String(format: "%.3f", m.duration), 9)
                      + (notes.isEmpty ? "" : "  " + notes.joined(separator: ", ")))
            } catch let error as DecodeError {
                entries.append(Entry(path: file, metadata: nil, error: error.description))
                writeStandardError("error: \(error.verboseDescription)\n")
            }
        }
        if output.json { try printJSON(entries) }
        if entries.contains(where: { $0.error != nil }) { throw ExitCode.failure }
    }

    private func shortName(_ path: String) -> String {
        let name = (path as NSString).lastPathComponent
        return name.count > 27 ? "…" + name.suffix(26) : name
    }
}
