import CFluxZlib
import Foundation

/// The CLIP byte-level BPE vocabulary: 49 408 tokens built from `bpe_simple_vocab_16e6.txt.gz`.
///
/// Layout of the token ids (open_clip `SimpleTokenizer.__init__`):
///
/// | ids           | tokens                                                         |
/// |---------------|----------------------------------------------------------------|
/// | 0 ..< 256     | the 256 bytes, in the order of GPT-2's `bytes_to_unicode` table |
/// | 256 ..< 512   | the same bytes at the end of a word (`</w>` appended)          |
/// | 512 ..< 49406 | the first 48 894 merges of the file (lines 2 … 48 895), in order |
/// | 49406, 49407  | `<start_of_text>`, `<end_of_text>`                             |
///
/// The file holds 262 145 merges after a `#version` line; CLIP uses only the first 48 894.
/// A merge `a b` creates the token `ab` with id 512 + its rank.
struct BPEVocabulary {
    /// Token id of each byte (not at a word end); add 256 for the `</w>` form.
    let byteToken: [Int32]
    /// (left id, right id) → (rank, merged id). Lower rank merges first.
    let merges: [UInt64: (rank: Int32, merged: Int32)]
    /// The raw bytes of each token and whether it ends a word; for ``BPETokenizer/decode(_:)``.
    let tokenBytes: [[UInt8]]
    let tokenEndsWord: [Bool]

    static let byteTokens = 256
    static let mergeCount = 48_894
    static let size = 49_408

    /// GPT-2's `bytes_to_unicode`: the printable bytes map to themselves, the other 68 to
    /// U+0100 + n in byte order. Index i of the result is the byte of token i.
    static let byteOrder: [UInt8] = {
        var printable = Array(UInt8(ascii: "!")...UInt8(ascii: "~")) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        let rest = (0...255).map(UInt8.init).filter { !printable.contains($0) }
        printable += rest
        return printable
    }()

    /// The Unicode character `bytes_to_unicode` assigns to each byte.
    static let byteCharacter: [Unicode.Scalar] = {
        var chars = [Unicode.Scalar](repeating: " ", count: 256)
        var n: UInt32 = 0
        for b in 0...255 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable { chars[b] = Unicode.Scalar(UInt32(b))! } else { chars[b] = Unicode.Scalar(0x100 + n)!; n += 1 }
        }
        return chars
    }()

    /// Parses the decompressed vocabulary file.
    init(fileText: String, path: String) throws {
        func corrupt(_ reason: String) -> TextError { .vocabularyCorrupt(path: path, reason: reason) }
        // Only the header and the first 48 894 merges are used: split no further (the file
        // holds 262 145 merges, and splitting them all is most of the loading time).
        let lines = fileText.split(separator: "\n", maxSplits: Self.mergeCount + 1, omittingEmptySubsequences: false)
        guard lines.count > Self.mergeCount else {
            throw corrupt("it has \(lines.count) lines; at least \(Self.mergeCount + 1) are needed")
        }

        // Byte-level symbols, as strings of bytes_to_unicode characters.
        var charToByte: [Unicode.Scalar: UInt8] = [:]
        for b in 0...255 { charToByte[Self.byteCharacter[b]] = UInt8(b) }

        var byteToken = [Int32](repeating: 0, count: 256)
        var tokenBytes: [[UInt8]] = []
        var tokenEndsWord: [Bool] = []
        tokenBytes.reserveCapacity(Self.size)
        for (i, b) in Self.byteOrder.enumerated() { byteToken[Int(b)] = Int32(i) }
        for endsWord in [false, true] {
            for b in Self.byteOrder { tokenBytes.append([b]); tokenEndsWord.append(endsWord) }
        }

        // A token string → id map, with Python dict semantics (a later duplicate wins).
        struct Key: Hashable { let bytes: [UInt8]; let endsWord: Bool }
        var ids: [Key: Int32] = [:]
        ids.reserveCapacity(Self.size)
        for (i, bytes) in tokenBytes.enumerated() { ids[Key(bytes: bytes, endsWord: tokenEndsWord[i])] = Int32(i) }

        func decodeSymbol(_ s: Substring) throws -> Key {
            var bytes: [UInt8] = []
            var scalars = Array(s.unicodeScalars)
            var endsWord = false
            if scalars.count >= 4, String(String.UnicodeScalarView(scalars.suffix(4))) == "</w>" {
                endsWord = true
                scalars.removeLast(4)
            }
            for c in scalars {
                guard let b = charToByte[c] else { throw corrupt("merge symbol '\(s)' has a character outside the byte alphabet") }
                bytes.append(b)
            }
            guard !bytes.isEmpty else { throw corrupt("empty merge symbol in '\(s)'") }
            return Key(bytes: bytes, endsWord: endsWord)
        }

        var merges: [UInt64: (rank: Int32, merged: Int32)] = [:]
        merges.reserveCapacity(Self.mergeCount)
        var pairs: [(Key, Key)] = []
        pairs.reserveCapacity(Self.mergeCount)
        for rank in 0..<Self.mergeCount {
            let line = lines[rank + 1]
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard parts.count == 2 else { throw corrupt("line \(rank + 2) ('\(line.prefix(40))') is not a pair of symbols") }
            let a = try decodeSymbol(parts[0]), b = try decodeSymbol(parts[1])
            // Only the last symbol of a word carries </w>.
            guard !a.endsWord else { throw corrupt("line \(rank + 2): '</w>' inside a merge's first symbol") }
            let merged = Key(bytes: a.bytes + b.bytes, endsWord: b.endsWord)
            tokenBytes.append(merged.bytes)
            tokenEndsWord.append(merged.endsWord)
            ids[merged] = Int32(512 + rank)
            pairs.append((a, b))
        }
        for (rank, (a, b)) in pairs.enumerated() {
            guard let left = ids[a], let right = ids[b] else {
                throw corrupt("line \(rank + 2): a symbol of the merge is not in the vocabulary")
            }
            let merged = ids[Key(bytes: a.bytes + b.bytes, endsWord: b.endsWord)]!
            merges[UInt64(UInt32(left)) << 32 | UInt64(UInt32(right))] = (Int32(rank), merged)
        }
        // The two special tokens; their bytes are only used by decode.
        tokenBytes.append(Array("<start_of_text>".utf8)); tokenEndsWord.append(false)
        tokenBytes.append(Array("<end_of_text>".utf8)); tokenEndsWord.append(false)
        precondition(tokenBytes.count == Self.size)

        self.byteToken = byteToken
        self.merges = merges
        self.tokenBytes = tokenBytes
        self.tokenEndsWord = tokenEndsWord
    }

    /// Reads and decompresses a gzip file (or reads a plain one) with zlib.
    static func readGzip(at url: URL) throws -> String {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw TextError.vocabularyMissing(path: path)
        }
        guard let file = gzopen(path, "rb") else {
            throw TextError.vocabularyCorrupt(path: path, reason: "cannot open it")
        }
        defer { gzclose(file) }
        var data = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
            if n < 0 {
                var code: Int32 = 0
                let message = gzerror(file, &code).map { String(cString: $0) } ?? "error \(code)"
                throw TextError.vocabularyCorrupt(path: path, reason: "gzip: \(message)")
            }
            if n == 0 { break }
            data.append(contentsOf: chunk[0..<Int(n)])
        }
        guard let text = String(bytes: data, encoding: .utf8) else {
            throw TextError.vocabularyCorrupt(path: path, reason: "it is not UTF-8 text")
        }
        return text
    }
}
