import Foundation
import XCTest
@testable import FluxStore

/// SIGKILL at random moments while a child process writes videos (and FAISS files): the index
/// reopens consistent and the next run resumes without duplicates or lost work.
///
/// The child is this test binary itself, started with `FLUXSTORE_CRASH_CHILD=<index folder>` and
/// the test filter `FluxStoreTests.IndexStoreCrashTests/testChildWriterOnlyRunsAsTheCrashTestsChild`;
/// in normal runs that method is skipped (XCTSkip), so it never counts as a pass.
final class IndexStoreCrashTests: StoreTestCase {
    static let environmentKey = "FLUXSTORE_CRASH_CHILD"
    static let budgets = [256, 512]
    /// Clips per video: 3 per budget (whole video + 2 segments).
    static let clipsPerVideo = 6

    func testSIGKILLAtRandomMomentsLeavesAConsistentResumableIndex() throws {
        guard ProcessInfo.processInfo.environment[Self.environmentKey] == nil else {
            throw XCTSkip("this process is a crash child; the parent test runs in the parent")
        }
        #if !os(Linux)
        throw XCTSkip("the self-exec child uses the Linux XCTest runner's `Class/method` argument")
        #endif
        let executable = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0])
        let store = try IndexStore.create(at: indexDir, settings: makeSettings(), budgets: Self.budgets)
        var rng = StoreTestRandom(seed: UInt64(Date().timeIntervalSince1970 * 1000))

        for round in 0..<3 {
            let before = try store.counts().videos
            let child = Process()
            child.executableURL = executable
            child.arguments = ["FluxStoreTests.IndexStoreCrashTests/testChildWriterOnlyRunsAsTheCrashTestsChild"]
            var environment = ProcessInfo.processInfo.environment
            environment[Self.environmentKey] = indexDir.path
            child.environment = environment
            child.standardOutput = FileHandle.nullDevice
            child.standardError = FileHandle.nullDevice
            try child.run()
            defer { if child.isRunning { kill(child.processIdentifier, SIGKILL); child.waitUntilExit() } }

            // Let it commit a few videos, then kill it at a random moment.
            let deadline = Date().addingTimeInterval(20)
            while try store.counts().videos < before + 4 {
                XCTAssertTrue(child.isRunning, "child exited early (status \(child.terminationStatus))")
                guard child.isRunning, Date() < deadline else { return XCTFail("child made no progress") }
                usleep(5_000)
            }
            usleep(useconds_t(rng.next(below: 150_000)))
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            XCTAssertEqual(child.terminationReason, .uncaughtSignal)

            try verify(round: round, minimumVideos: before + 4)
            print("crash round \(round): killed after \(try store.counts().videos) videos (\(before) before)")
        }
    }

    /// Reopens the index as a fresh process would and checks every invariant.
    func verify(round: Int, minimumVideos: Int) throws {
        let store = try IndexStore.open(at: indexDir)
        XCTAssertEqual(try store.integrityProblems(), [], "round \(round)")
        let videos = try store.videos()
        let n = videos.count
        XCTAssertGreaterThanOrEqual(n, minimumVideos)
        // No lost work and no duplicates: exactly videos 0..<n, each with all its clips.
        XCTAssertEqual(Set(videos.map(\.path)), Set((0..<n).map { Self.path($0) }), "round \(round)")
        for v in videos {
            XCTAssertEqual(try store.clips(videoId: v.id!).count, Self.clipsPerVideo, "\(v.path), round \(round)")
        }
        let counts = try store.counts()
        XCTAssertEqual(counts.clipsPerBudget, [256: 3 * n, 512: 3 * n])
        // Failures are recorded just before their video; a kill in between leaves one for video n.
        let failed = Set(try store.failures().map(\.path))
        let expected = Set((0..<n).filter { $0 % 5 == 0 }.map { "/crash/bad-\($0).mp4" })
        XCTAssertTrue(failed == expected || failed == expected.union(["/crash/bad-\(n).mp4"]), "\(failed.sorted())")
        // The FAISS files (possibly mid-write when killed) are usable or rebuilt.
        let mirror = VectorMirror(store: store)
        for budget in Self.budgets {
            XCTAssertEqual(try mirror.load(budget: budget).count, 3 * n)
            try mirror.persist(budget: budget)
            XCTAssertTrue(try mirror.status(budget: budget).isFileCurrent)
        }
        XCTAssertEqual(listing(indexDir).filter { $0.contains(".tmp-") }, [], "orphaned temporaries cleaned")
        XCTAssertEqual(try mirror.rebuild(budget: 256).count, 3 * n)
    }

    static func path(_ i: Int) -> String { "/crash/video-\(i).mp4" }

    /// The child's write loop: resumes after the last committed video, re-encodes some earlier
    /// ones, records failures, and writes FAISS files now and then — until killed.
    func testChildWriterOnlyRunsAsTheCrashTestsChild() throws {
        guard let dir = ProcessInfo.processInfo.environment[Self.environmentKey] else {
            throw XCTSkip("runs only as the child process of the SIGKILL test (\(Self.environmentKey) set)")
        }
        let store = try IndexStore.open(at: URL(fileURLWithPath: dir))
        let mirror = VectorMirror(store: store)
        var i = 0
        let stop = Date().addingTimeInterval(60)  // never outlive a parent that died
        while Date() < stop {
            // Resume: skip what a previous child committed.
            let fp = fingerprint(i)
            if case .encode = try store.plan(path: Self.path(i), fingerprint: fp) {
                if i % 5 == 0 { try store.recordFailure(path: "/crash/bad-\(i).mp4", stage: "decode", reason: "test") }
                try store.replaceVideo(Video(path: Self.path(i), fingerprint: fp),
                                       clips: clipDrafts(budgets: Self.budgets, seed: UInt64(i) * 7))
                if i % 3 == 2 {  // re-encode an earlier video (replace under crash)
                    let j = i / 2
                    try store.replaceVideo(Video(path: Self.path(j), fingerprint: fingerprint(j)),
                                           clips: clipDrafts(budgets: Self.budgets, seed: UInt64(i) * 13))
                }
                if i % 4 == 3 { try mirror.persist(budget: Self.budgets[i % 2]) }
            }
            i += 1
        }
        exit(0)
    }
}
