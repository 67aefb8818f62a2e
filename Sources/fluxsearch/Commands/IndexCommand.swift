import ArgumentParser
import Foundation
import FluxIndex
import FluxIngest
import FluxStore

/// `fluxsearch index PATH... --tokens N[,M]`
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Add video files and folders to an index.",
        discussion: """
        Every video gets one vector per token budget for the whole video, plus segment clips \
        with --segment (videos over 60 s are cut into 10 s segments by default). Unchanged \
        files are skipped by their fingerprint, changed ones re-encoded; --prune drops files \
        that no longer exist. Files that fail (corrupt, not a video, unreadable) are recorded \
        with the reason (see `fluxsearch info --errors`) and never stop the run.

        The token budget is the speed/quality dial: each clip is sampled with more frames \
        than the budget holds and the most dynamic tokens are kept (FluxViT's group-dynamic \
        selection). 1024 is a good default; 512 is about twice as fast.

        Transcripts: the text said in a video is indexed for `query` too (searched with \
        SQLite FTS5, fused with the picture). It comes from files beside the video with the \
        same name — NAME.srt, NAME.vtt, NAME.LANG.srt (e.g. NAME.en.srt), or NAME.json with \
        {"segments": [{"start": s, "end": s, "text": "…"}]} as speech recognisers such as \
        whisper write it — and from text subtitle streams inside the file (SubRip, WebVTT, \
        ASS/SSA, mov_text). A changed or new sidecar is read again on the next run without \
        re-encoding the video; a sidecar that cannot be read is recorded as failed. \
        --no-transcripts skips all of this.

        Distributed jobs: --files LIST names the files in a text file (one path per line, \
        relative to the list), and --shard I/N indexes only the files whose line hashes into \
        shard I of N (FNV-1a 64 of the line, modulo N), into its own --index-dir. Every worker \
        reads the same list; run `fluxsearch merge` on the shard folders at the end \
        (Tools/distributed runs this on a Ray cluster). A shard records its number and the \
        list's digest, and re-running its command resumes it.

        Exit status: 0 when the run finished (even if some files failed: a warning is \
        printed), 1 when nothing could be indexed; with --shard, 0 whenever the run finished.

        Examples:
          fluxsearch index ~/Videos --tokens 1024
          fluxsearch index clips/ --tokens 512,2048 --segment 5:2.5 --index holiday
          fluxsearch index --files all.txt --shard 2/8 --index-dir shards/2
        """)

    @OptionGroup var indexOptions: IndexOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var runtime: RuntimeOptions

    @Argument(help: ArgumentHelp("Video files or folders.", valueName: "path"), completion: .file())
    var paths: [String] = []

    @Option(help: ArgumentHelp("Index the files listed in this text file instead (one path per line; relative paths are relative to the list).", valueName: "list"),
            completion: .file())
    var files: String?

    @Option(help: ArgumentHelp("Index only shard I of N (0-based) of the --files list, for distributed jobs; merge the shards with `fluxsearch merge`.", valueName: "I/N"))
    var shard: String?

    @Option(help: ArgumentHelp("Comma-separated token budgets, one vector per clip per budget (default: the index's budgets; for a new index 1024, or the largest budget below it that the model's sampling can honour).", valueName: "n[,m...]"),
            transform: BudgetList.parse)
    var tokens: BudgetList?

    @Option(help: ArgumentHelp("Also cut segment clips: length in seconds, optionally ':' stride (default stride = length).", valueName: "s[:stride]"))
    var segment: String?

    @Flag(inversion: .prefixedNo, help: "Descend into subfolders.")
    var recursive = true

    @Flag(help: "Also make each clip's thumbnail and each video's hover-preview sprite now (for `fluxsearch serve`; otherwise made on first view).")
    var thumbnails = false

    @Flag(help: "Drop indexed files that no longer exist.")
    var prune = false

    @Flag(inversion: .prefixedNo, help: "Read transcripts: sidecar .srt/.vtt/.json files and text subtitle streams.")
    var transcripts = true

    @Option(help: ArgumentHelp("Frames per clip, overriding the budget's sampling table.", valueName: "t"))
    var frames: Int?

    @Option(help: ArgumentHelp("Frame side in pixels (multiple of 14), overriding the sampling table.", valueName: "px"))
    var size: Int?

    @Option(help: ArgumentHelp("FAISS index type: Flat (exact, default) or e.g. IVF256,SQ8 or IVF4096,PQ64 (trained on a sample once enough vectors exist; compressed types re-score each query's candidates exactly).", valueName: "factory"))
    var faiss: String?

    @Option(help: ArgumentHelp("IVF lists scanned per query, stored with the index (default: an eighth of the lists, at least 8).", valueName: "n"))
    var nprobe: Int?

    @Flag(help: "Print the summary as JSON on stdout.")
    var json = false

    func validate() throws {
        if paths.isEmpty && files == nil { throw ValidationError("Name at least one video file or folder to index, or a list of them with --files.") }
        if !paths.isEmpty && files != nil { throw ValidationError("Name files either as arguments or with --files LIST, not both.") }
        if let shard {
            guard files != nil else { throw ValidationError("--shard needs --files LIST: every shard of a job must read the same list.") }
            guard IndexShard.parse(shard) != nil else {
                throw ValidationError("--shard takes I/N with 0 ≤ I < N ≤ \(IndexShard.maximumCount), e.g. 0/4 … 3/4 (got '\(shard)').")
            }
            if prune { throw ValidationError("--prune cannot be used with --shard: a shard does not know which files the others hold.") }
        }
        if let segment, parseSegment(segment) == nil {
            throw ValidationError("--segment takes seconds, optionally with a stride: 10 or 10:5 (got '\(segment)').")
        }
        if let size, size % 14 != 0 || size <= 0 { throw ValidationError("--size must be a positive multiple of 14 (got \(size)).") }
        if let frames, frames < 1 { throw ValidationError("--frames must be at least 1.") }
    }

    func parseSegment(_ text: String) -> SegmentWindows? {
        let parts = text.split(separator: ":").map { Double($0) }
        guard (1...2).contains(parts.count), let length = parts[0], length > 0 else { return nil }
        let stride = parts.count == 2 ? parts[1] : length
        guard let stride, stride > 0 else { return nil }
        return SegmentWindows(length: length, stride: stride)
    }

    func run() throws {
        runtime.apply()
        var request = Indexer.Request(budgets: tokens?.values)
        request.frames = frames; request.size = size; request.recursive = recursive; request.transcripts = transcripts
        request.segments = segment.flatMap(parseSegment)
        request.faiss = Indexer.FaissOptions(factory: faiss, nprobe: nprobe)
        let list = try files.map { try FileList(url: URL(fileURLWithPath: $0)) }
        if let list, list.paths.isEmpty { throw CommandFailure("the file list \(list.url.path) names no files; write one video path per line") }
        let selection = list.flatMap { list in shard.flatMap(IndexShard.parse).map { list.selection(shard: $0.index, of: $0.count) } }
        request.shard = selection?.shard
        let paths = list?.paths ?? self.paths
        let indexer = try Indexer.open(index: indexOptions.url, modelURL: try modelOptions.url(forIndex: indexOptions.url), request: request)
        let store = indexer.store
        // Ctrl-C: stop after the clip being encoded and report what is stored. If that clip
        // takes longer than a second, report and leave anyway: every committed clip is safe
        // (one SQLite transaction each group), the next run resumes after it.
        let state = InterruptState()
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        interrupt.setEventHandler {
            guard state.interrupt() else { return }
            indexer.cancel()
            note("\ninterrupted: stopping after the clip being encoded…")
            DispatchQueue.global().asyncAfter(deadline: .now() + 1) {
                guard state.takeOverReport() else { return }
                out(Self.summaryLine(indexer.committed, index: store.directory.path))
                note("interrupted; run the same command again to resume")
                fflush(stdout)
                _exit(130)
            }
        }
        interrupt.resume()

        let bar = ProgressLine()
        let summary = try indexer.run(paths: paths, prune: prune, shard: selection) { p in
            let rate = p.elapsed > 0 ? Double(p.clipsEncoded) / p.elapsed : 0
            let remaining = p.filesTotal - p.filesDone
            let eta: Double? = p.filesDone > 0 && p.clipsEncoded > 0 ? p.elapsed / Double(p.filesDone) * Double(remaining) : nil
            bar.update(done: p.filesDone, total: p.filesTotal, unitsPerSecond: rate, unit: "clips", eta: eta, label: p.currentFile)
        }
        guard state.takeOverReport() else { while true { pause() } }  // the watchdog is reporting and exiting
        bar.finish()
        interrupt.cancel()
        signal(SIGINT, SIG_DFL)

        if json {
            struct Report: Encodable {
                let index: String, model: String, model_hash: String, budgets: [Int], interrupted: Bool
                let summary: Indexer.Summary
            }
            let settings = try store.settings()
            try printJSON(Report(index: store.directory.path, model: settings.modelName, model_hash: settings.modelWeightHash,
                                 budgets: indexer.options.budgets, interrupted: state.wasInterrupted, summary: summary))
        } else {
            out(Self.summaryLine(summary, index: store.directory.path))
            for f in summary.failed { out("  failed: \(displayLine(f.path)): \(f.reason)") }
            for f in summary.warnings { out("  damaged: \(displayLine(f.path)): \(f.reason)") }
        }
        if thumbnails, !state.wasInterrupted {
            let maker = try IndexThumbnails(index: store.directory)
            let thumbBar = ProgressLine()
            let made = try maker.makeAll(store: store, paths: summary.indexed + summary.skipped) { done, total in
                thumbBar.update(done: done, total: total, unitsPerSecond: 0, unit: "videos", eta: nil, label: "thumbnails")
            }
            thumbBar.finish()
            if !json { note("thumbnails: \(made.images) image(s) in \(maker.cache.directory.path)") }
            for f in made.failed { warn("thumbnail: \(f)") }
        }
        for m in summary.missing { warn("\(m): no such file or folder") }
        if !summary.failed.isEmpty { warn("\(summary.failed.count) file(s) could not be indexed; see `fluxsearch info --errors`") }
        if !summary.warnings.isEmpty { warn("\(summary.warnings.count) damaged file(s) were indexed from what decodes; see `fluxsearch info --errors`") }
        if state.wasInterrupted {
            warn("interrupted; run the same command again to resume")
            throw ExitCode(130)
        }
        // A shard's run finished: its failures are recorded for `merge`, and a shard may hold
        // no file at all; only errors above fail it (so a Ray retry is for real trouble).
        if let selection {
            if summary.indexed.isEmpty && summary.skipped.isEmpty && summary.failed.isEmpty && summary.notVideo.isEmpty && !json {
                note("shard \(selection.shard) holds none of the \(paths.count) listed file(s)")
            }
            return
        }
        if summary.indexed.isEmpty && summary.skipped.isEmpty && summary.failed.isEmpty && summary.missing.isEmpty
            && summary.notVideo.isEmpty {
            throw CommandFailure("no files found in \(paths.joined(separator: ", ")) (hidden and system files are skipped); name video files or folders that hold them")
        }
        if summary.indexed.isEmpty && summary.skipped.isEmpty {
            if summary.failed.isEmpty && !summary.notVideo.isEmpty {
                warn("no videos found: \(summary.notVideo.count) file(s) in \(paths.joined(separator: ", ")) are not videos (see `fluxsearch info --errors`)")
            }
            throw ExitCode.failure
        }
    }

    /// "indexed N, skipped N unchanged, failed N — N clip vector(s) in S s → INDEX".
    static func summaryLine(_ summary: Indexer.Summary, index: String) -> String {
        "indexed \(summary.indexed.count), skipped \(summary.skipped.count) unchanged, \(summary.notVideo.count) not video, failed \(summary.failed.count)"
            + (summary.pruned.isEmpty ? "" : ", pruned \(summary.pruned.count)")
            + (summary.transcripts > 0 ? ", \(summary.transcripts) transcript(s) with \(summary.cues) cue(s)" : "")
            + " — \(summary.clips) clip vector(s) in \(String(format: "%.1f", summary.seconds)) s → \(index)"
    }
}

/// Who reports an interrupted run: the main thread when the run returns in time, else the
/// watchdog that exits — never both.
final class InterruptState: @unchecked Sendable {
    private let lock = NSLock()
    private var interrupted = false
    private var reporter = false

    /// Marks the run interrupted; false when it already was.
    func interrupt() -> Bool {
        lock.lock(); defer { lock.unlock() }
        if interrupted { return false }
        interrupted = true
        return true
    }

    var wasInterrupted: Bool {
        lock.lock(); defer { lock.unlock() }
        return interrupted
    }

    /// True for the first caller only.
    func takeOverReport() -> Bool {
        lock.lock(); defer { lock.unlock() }
        if reporter { return false }
        reporter = true
        return true
    }
}
