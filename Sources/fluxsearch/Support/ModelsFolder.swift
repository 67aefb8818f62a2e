import Foundation
import FluxModels

/// The models folder (interim: beside the tokenizer vocabulary in the cache folder).
enum ModelsFolder {
    static func url() -> URL {
        BPETokenizer.defaultVocabularyURL().deletingLastPathComponent().appendingPathComponent("models", isDirectory: true)
    }
}
