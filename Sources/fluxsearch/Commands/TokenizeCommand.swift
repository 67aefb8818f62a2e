import ArgumentParser
import Foundation
import FluxModels

/// `fluxsearch tokenize`: CLIP token ids of a text, as open_clip computes them.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the CLIP token ids of a text (open_clip's ViT-B-16 tokenizer, 77 tokens).",
        discussion: """
        The ids are exactly open_clip's: cleaning (ftfy subset, HTML unescaping, whitespace, \
        lower case), byte-level BPE with the first 48 894 merges, start 49406, end 49407, \
        truncated to the context with the end token kept, padded with 0.

        Examples:
          fluxsearch tokenize "A man is playing a guitar."
          fluxsearch tokenize --pre-text "A cat/dog (cute) jumps." --json
          fluxsearch tokenize --file captions.txt --json      (one caption per line)
          fluxsearch tokenize --file captions.json --json     (a JSON array of strings)
        """)

    @Argument(help: "The text to tokenise (omit with --file).")
    var text: String?

    @Option(help: ArgumentHelp("Tokenise every caption of a file: one per line, or a JSON array of strings if the name ends in .json.", valueName: "path"),
            completion: .file())
    var file: String?

    @Flag(help: "Apply InternVideo2's caption normalisation (pre_text) before tokenising, as the retrieval eval does.")
    var preText = false

    @Option(help: ArgumentHelp("The BPE vocabulary (default: bpe_simple_vocab_16e6.txt.gz in $FLUXSEARCH_CACHE, else ~/.cache/fluxsearch, where Tools/setup installs it).", valueName: "path"),
            completion: .file())
    var vocab: String?

    @Option(help: ArgumentHelp("Context length: ids per text, start and end tokens included.", valueName: "n"))
    var contextLength = BPETokenizer.defaultContextLength

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (text == nil) != (file == nil) else {
            throw ValidationError("Give either a text argument or --file PATH (not both).")
        }
        guard contextLength >= 2 else { throw ValidationError("--context-length must be at least 2 (the start and end tokens).") }
    }

    /// One tokenised text.
    struct Result: Encodable {
        let text: String
        /// The text after pre_text, when --pre-text is given.
        let normalized: String?
        /// The tokenizer's cleaned text (what BPE sees, before splitting into pieces).
        let cleaned: String
        /// `context_length` ids, padded with 0.
        let ids: [Int32]
        /// Ids before the padding (through the end token).
        let length: Int
        /// Each id of `ids[0 ..< length]` decoded (`</w>` shown as a trailing space).
        let tokens: [String]
    }

    func run() throws {
        let tokenizer = try BPETokenizer(vocabularyURL: vocab.map { URL(fileURLWithPath: $0) })
        let texts = try inputs()
        let results = texts.map { raw -> Result in
            let normalized = preText ? CaptionNormalizer.preText(raw) : nil
            let source = normalized ?? raw
            let unpadded = tokenizer.tokenizeUnpadded(source, contextLength: contextLength)
            let ids = unpadded + [Int32](repeating: BPETokenizer.padding, count: contextLength - unpadded.count)
            return Result(text: raw, normalized: normalized, cleaned: TextCleaner.clean(source), ids: ids,
                          length: unpadded.count, tokens: unpadded.map { tokenizer.decode([$0]) })
        }
        if output.json {
            if file != nil { try printJSON(results) } else { try printJSON(results[0]) }
            return
        }
        for r in results {
            if file != nil { out("text:    \(r.text.debugDescription)") }
            if let n = r.normalized { out("pre_text: \(n.debugDescription)") }
            out("cleaned: \(r.cleaned.debugDescription)")
            out("ids (\(r.length) of \(contextLength)): \(r.ids[..<r.length].map(String.init).joined(separator: " "))")
            out("tokens:  \(r.tokens.map { $0.debugDescription }.joined(separator: " "))")
        }
    }

    /// The texts to tokenise. A file is read as bytes; invalid UTF-8 becomes U+FFFD.
    private func inputs() throws -> [String] {
        guard let file else { return [text ?? ""] }
        let url = URL(fileURLWithPath: file)
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ValidationError("\(file): cannot read it (\(error.localizedDescription)).")
        }
        if url.pathExtension.lowercased() == "json" {
            guard let list = try? JSONDecoder().decode([String].self, from: data) else {
                throw ValidationError("\(file): expected a JSON array of strings.")
            }
            return list
        }
        var lines = String(decoding: data, as: UTF8.self).components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}
