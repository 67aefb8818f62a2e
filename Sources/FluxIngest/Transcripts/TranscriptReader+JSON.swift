import Foundation

// Speech-recogniser output (.json): whisper-style {"segments": [{"start", "end", "text"}]}.
extension TranscriptReader {
    /// The cues of a JSON transcript: an object whose `segments` array holds objects with
    /// `start` and `end` (numbers, seconds) and `text` (a string), as whisper and its ports
    /// write; a top-level array of such segments is accepted too. Other fields are ignored.
    /// Text is trimmed (whisper starts every segment with a space); a segment with empty
    /// text is dropped.
    ///
    /// - Throws: ``TranscriptError/malformed(path:line:reason:)`` (line nil) for text that is
    ///   not JSON or has no segments array, ``TranscriptError/invalidSegment(path:index:reason:)``
    ///   for a segment with a missing or invalid field, and ``TranscriptError/noCues(path:)``
    ///   when no segment has text.
    public static func parseJSON(_ text: String, path: String) throws -> [TranscriptCue] {
        let expected = "expected {\"segments\": [{\"start\": seconds, \"end\": seconds, \"text\": \"…\"}, …]}"
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: Data(text.utf8))
        } catch {
            throw TranscriptError.malformed(path: path, line: nil, reason: "not valid JSON (\(error.localizedDescription)); \(expected)")
        }
        let segments: [Any]
        if let object = root as? [String: Any] {
            guard let list = object["segments"] as? [Any] else {
                throw TranscriptError.malformed(path: path, line: nil, reason: "a JSON object without a 'segments' array; \(expected)")
            }
            segments = list
        } else if let list = root as? [Any] {
            segments = list
        } else {
            throw TranscriptError.malformed(path: path, line: nil, reason: "the JSON is neither an object nor an array; \(expected)")
        }

        var cues: [TranscriptCue] = []
        for (index, item) in segments.enumerated() {
            guard let segment = item as? [String: Any] else {
                throw TranscriptError.invalidSegment(path: path, index: index, reason: "not an object; \(expected)")
            }
            let start = try seconds(segment, "start", index: index, path: path)
            let end = try seconds(segment, "end", index: index, path: path)
            guard end >= start else {
                throw TranscriptError.invalidSegment(path: path, index: index, reason: "it ends (\(end) s) before it starts (\(start) s)")
            }
            guard let raw = segment["text"] as? String else {
                throw TranscriptError.invalidSegment(path: path, index: index, reason: "'text' is missing or not a string")
            }
            let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty { cues.append(TranscriptCue(start: start, end: end, text: text)) }
        }
        guard !cues.isEmpty else { throw TranscriptError.noCues(path: path) }
        return cues
    }

    /// A segment's time field: a finite, non-negative JSON number (not a boolean, which
    /// Foundation would otherwise hand over as 0 or 1).
    static func seconds(_ segment: [String: Any], _ key: String, index: Int, path: String) throws -> Double {
        guard let value = segment[key] else {
            throw TranscriptError.invalidSegment(path: path, index: index, reason: "'\(key)' is missing; expected a number of seconds")
        }
        guard let number = value as? NSNumber, !isBoolean(value), number.doubleValue.isFinite, number.doubleValue >= 0 else {
            throw TranscriptError.invalidSegment(path: path, index: index,
                                                 reason: "'\(key)' is \(value), not a number of seconds ≥ 0")
        }
        return number.doubleValue
    }

    /// JSON true/false arrive as NSNumbers that also cast to Double; they are the ones
    /// whose ObjC type is "c" (char), which JSON numbers never are.
    static func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }
}
