import XCTest
import FluxIngest
import FluxModels
import FluxTestSupport
@testable import FluxIndex

/// The one file → vector road: the pipeline run and a single clip agree bit for bit, failures
/// arrive on their job, and recipes cut what they say.
final class VideoEmbedderTests: XCTestCase {
    var fixtures: TestFixtures!
    var embedder: VideoEmbedder!
    let plan = SamplingPlan(frames: 6, size: 56, budget: 32)

    override func setUpWithError() throws {
        fixtures = try TestFixtures()
        embedder = VideoEmbedder(tower: try fixtures.tinyModel().visionTower())
    }

    override func tearDown() { fixtures.remove() }

    typealias Event = (job: Int, what: String, clip: VideoEmbedder.EmbeddedClip?)

    func run(_ urls: [URL], recipe: ClipRecipe) -> [Event] {
        var events: [Event] = []
        embedder.run(urls.map { VideoEmbedder.Job(url: $0, recipe: recipe, tag: ()) }) { i, _, event in
            switch event {
            case .started: break
            case .clip(let c): events.append((i, "clip \(c.kind.rawValue) \(c.budget)", c))
            case .finished: events.append((i, "finished", nil))
            case .failed(let stage, _): events.append((i, "failed \(stage.rawValue)", nil))
            }
        }
        return events
    }

    func testRunReportsEachJobInOrderAndGoesOnPastABadFile() throws {
        let good = try fixtures.clip("a.mp4", colour: "red")
        let bad = try fixtures.garbage("b.mp4")
        let other = try fixtures.clip("c.webm", colour: "blue", codec: "libvpx-vp9")
        let events = run([good, bad, other], recipe: .whole(plan))
        XCTAssertEqual(events.map { "\($0.job) \($0.what)" },
                       ["0 clip video 32", "0 finished", "1 failed decode", "2 clip video 32", "2 finished"])
        for clip in events.compactMap(\.clip) {
            XCTAssertEqual(clip.vector.count, 32)
            XCTAssertEqual(clip.vector.map { $0 * $0 }.reduce(0, +), 1, accuracy: 1e-4, "unit length")
        }
    }

    /// What indexing stores for a clip is exactly what query by example and refine compute.
    func testSingleClipEqualsThePipelinesVectorBitForBit() throws {
        let url = try fixtures.clip("a.mp4", colour: "green", seconds: 3)
        let segments = SegmentPolicy(always: SegmentWindows(length: 1, stride: 1))
        let events = run([url], recipe: ClipRecipe(plans: [plan], span: .whole(firstSeconds: nil, segments: segments)))
        let clips = events.compactMap(\.clip)
        XCTAssertEqual(clips.map(\.kind), [.video, .segment, .segment, .segment])
        let duration = clips[0].window.end
        XCTAssertEqual(duration, 3, accuracy: 0.05)
        XCTAssertEqual(clips.dropFirst().map(\.window), segments.windows(duration: duration))
        XCTAssertEqual(try embedder.embed(url, plan: plan), clips[0].vector)
        for clip in clips.dropFirst() {
            XCTAssertEqual(try embedder.embed(url, plan: plan, window: clip.window), clip.vector, "\(clip.window)")
        }
        XCTAssertNotEqual(clips[1].vector, clips[2].vector, "different seconds, different vectors")
    }

    func testEveryPlanOfARecipeIsEncodedAtItsBudget() throws {
        let url = try fixtures.clip("a.mp4")
        let small = SamplingPlan(frames: 2, size: 56, budget: 16)
        let events = run([url], recipe: ClipRecipe(plans: [small, plan], span: .whole(firstSeconds: nil, segments: nil)))
        XCTAssertEqual(events.map(\.what), ["clip video 16", "clip video 32", "finished"])
        XCTAssertEqual(events[0].clip?.vector, try embedder.embed(url, plan: small))
    }

    func testAnEncoderFailureIsReportedOnceAsEncode() throws {
        let url = try fixtures.clip("a.mp4")
        // 3 frames with selection (pool 48 > 32): the tower refuses an odd frame count.
        let odd = SamplingPlan(frames: 3, size: 56, budget: 32)
        let events = run([url, url], recipe: ClipRecipe(plans: [odd, odd], span: .whole(firstSeconds: nil, segments: nil)))
        XCTAssertEqual(events.map { "\($0.job) \($0.what)" }, ["0 failed encode", "1 failed encode"])
        XCTAssertThrowsError(try embedder.embed(url, plan: odd)) { error in
            guard case .invalidFrames(3, _)? = error as? SamplingError else { return XCTFail("\(error)") }
        }
    }

    func testCancelBeforeARunEncodesNothing() throws {
        let url = try fixtures.clip("a.mp4")
        embedder.cancel()
        XCTAssertTrue(run([url], recipe: .whole(plan)).isEmpty)
    }

    func testSegmentPolicy() {
        let auto = SegmentPolicy()
        XCTAssertEqual(auto.windows(duration: 60), [], "60 s is not longer than 60 s")
        XCTAssertEqual(auto.windows(duration: 61).count, 7, "10 s windows, the last one ends with the video")
        let always = SegmentPolicy(always: SegmentWindows(length: 5, stride: 2.5))
        XCTAssertEqual(always.windows(duration: 10), SegmentWindows(length: 5, stride: 2.5).windows(duration: 10))
    }
}
