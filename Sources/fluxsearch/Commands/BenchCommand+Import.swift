import ArgumentParser
import Foundation
import FluxModels

extension BenchCommand {
    /// `fluxsearch bench import FILE`: import time against reading the file, peak memory against its size.
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Time a checkpoint import against reading the same file, and its peak memory against the file's size.",
            discussion: "Random official-size checkpoints: python3 Tools/reference/check_swift_importer.py --keep DIR writes them (needs torch).")

        @Argument(help: ArgumentHelp("A PyTorch checkpoint (.pth, .pt, .bin).", valueName: "file"), completion: .file())
        var file: String

        @Option(help: "Official size, s or b (as for models import).")
        var size: String?

        @Option(help: ArgumentHelp("Frames of the checkpoint's own pos_embed grid (as for models import).", valueName: "frames"))
        var origTSize: Int?

        @OptionGroup var output: OutputOptions

        func run() throws {
            var o = CheckpointImportOptions()
            o.size = size.flatMap(CheckpointImportOptions.Size.init(rawValue:))
            o.origTSize = origTSize
            let r = try ImportBenchmark(checkpoint: URL(fileURLWithPath: file), options: o).run()
            if output.json { try printJSON(r); return }
            let mb = { (b: Int) in String(format: "%.1f MB", Double(b) / 1e6) }
            out("fluxsearch bench import — \(file) (\(mb(r.fileBytes)), \(r.tensors) tensors)")
            out(String(format: "  read the file (4 MiB chunks, warm cache, best): %.2f s", r.rawReadSeconds))
            out(String(format: "  read every tensor through the checkpoint reader: %.2f s", r.readerSeconds))
            out(String(format: "  import (read, convert, write, hash):             %.2f s  = %.2f× the reader pass, %.2f× the raw read",
                        r.importSeconds, r.importSeconds / r.readerSeconds, r.importSeconds / r.rawReadSeconds))
            out(String(format: "  the disk's share: writing %@ and fsync:         %.2f s (the reader pass + this = %.2f s; import / that = %.2f×)",
                        mb(r.fileBytes), r.durableWriteSeconds, r.readerSeconds + r.durableWriteSeconds,
                        r.importSeconds / (r.readerSeconds + r.durableWriteSeconds)))
            out("  resident memory: \(mb(r.baselineRSSBytes)) before, peak \(mb(r.peakRSSBytes))"
                + String(format: " = %.2f× the file", Double(r.peakRSSBytes) / Double(r.fileBytes)))
        }
    }
}
