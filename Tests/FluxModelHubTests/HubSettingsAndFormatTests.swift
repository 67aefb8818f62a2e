import XCTest
@testable import FluxModelHub

final class HubSettingsAndFormatTests: XCTestCase {
    func testEnvironmentEndpointsAndTokenScope() throws {
        let env = try HubEnvironment(environment: ["HF_ENDPOINT": "http://127.0.0.1:8080/", "HF_TOKEN": " hf_abc \n",
                                                   "FLUXSEARCH_DOWNLOAD_MIRROR": "http://10.0.0.5:9000"])
        XCTAssertEqual(env.huggingFaceToken, "hf_abc")
        let hf = try env.initialURL(for: .huggingFace(repo: "OpenGVLab/InternVideo2_distillation_models", revision: "main", path: "clip/S14/pytorch_model.bin"))
        XCTAssertEqual(hf.absoluteString, "http://127.0.0.1:8080/OpenGVLab/InternVideo2_distillation_models/resolve/main/clip/S14/pytorch_model.bin")
        let plain = try env.initialURL(for: .url(ModelRegistry.mobileCLIPText.source.plainURL!))
        XCTAssertEqual(plain.absoluteString, "http://10.0.0.5:9000/ml-research/datasets/mobileclip/mobileclip_blt.pt")
        XCTAssertTrue(env.mayReceiveToken(hf))
        XCTAssertFalse(env.mayReceiveToken(URL(string: "http://localhost:8080/cdn/x")!))
        XCTAssertFalse(env.mayReceiveToken(URL(string: "https://127.0.0.1:8080/x")!))
        XCTAssertFalse(env.mayReceiveToken(plain))

        let defaults = try HubEnvironment(environment: [:])
        XCTAssertEqual(defaults.huggingFaceEndpoint.absoluteString, "https://huggingface.co")
        XCTAssertNil(defaults.huggingFaceToken)
        XCTAssertEqual(try defaults.initialURL(for: ModelRegistry.mobileCLIPText.source).absoluteString,
                       "https://docs-assets.developer.apple.com/ml-research/datasets/mobileclip/mobileclip_blt.pt")
        XCTAssertTrue(defaults.mayReceiveToken(URL(string: "https://huggingface.co/a/b/resolve/main/c")!))
        XCTAssertFalse(defaults.mayReceiveToken(URL(string: "https://cdn-lfs.hf.co/a")!))

        XCTAssertThrowsError(try HubEnvironment(environment: ["HF_ENDPOINT": "huggingface.co"])) { error in
            guard case .invalidSetting(let variable, _, _)? = error as? ModelDownloadError else { return XCTFail("\(error)") }
            XCTAssertEqual(variable, "HF_ENDPOINT")
        }
    }

    func testHeaderParsing() {
        XCTAssertEqual(HTTPHeaderParsing.contentRange("bytes 100-199/1000"), .init(first: 100, last: 199, completeLength: 1000))
        XCTAssertEqual(HTTPHeaderParsing.contentRange("bytes */1000"), .init(first: nil, last: nil, completeLength: 1000))
        XCTAssertEqual(HTTPHeaderParsing.contentRange("bytes 0-9/*"), .init(first: 0, last: 9, completeLength: nil))
        XCTAssertNil(HTTPHeaderParsing.contentRange("bytes 9-0/10"))
        XCTAssertNil(HTTPHeaderParsing.contentRange("items 0-9/10"))
        XCTAssertNil(HTTPHeaderParsing.contentRange(nil))
        let sha = String(repeating: "a1", count: 32)
        XCTAssertEqual(HTTPHeaderParsing.sha256ETag("\"\(sha.uppercased())\""), sha)
        XCTAssertEqual(HTTPHeaderParsing.sha256ETag("W/\"\(sha)\""), sha)
        XCTAssertNil(HTTPHeaderParsing.sha256ETag("\"3f786850e387550fdab836ed7e6dc881de23001b\""), "a git blob SHA-1 is not a SHA-256")
    }

    func testProgressTextAndThrottling() {
        XCTAssertEqual(ByteCountText.format(950), "950 B")
        XCTAssertEqual(ByteCountText.format(12_345_678), "12.3 MB")
        XCTAssertEqual(ByteCountText.format(350_000_000), "350 MB")
        XCTAssertEqual(DurationText.format(seconds: 6.2), "0:07")
        XCTAssertEqual(DurationText.format(seconds: 3723), "1:02:03")
        let p = DownloadProgress(file: "f", bytesDone: 12_300_000, totalBytes: 350_000_000, bytesPerSecond: 45_600_000, etaSeconds: 7, isFinal: false)
        XCTAssertEqual(p.summary, "12.3 MB of 350 MB, 45.6 MB/s, ETA 0:07")

        // 1000 updates 1 ms apart (1 s of a 10 MB/s transfer) → 10 throttled reports + the final one.
        var clock = 0.0
        let log = ProgressLog()
        let meter = ProgressMeter(file: "f", totalBytes: 20_000_000, handler: { log.append($0) }, now: { clock })
        meter.start(at: 0)
        for i in 1...1000 {
            clock = Double(i) / 1000
            meter.update(bytesDone: Int64(i) * 10_000)
        }
        meter.finish(bytesDone: 10_000_000)
        let reports = log.all
        XCTAssertEqual(reports.count, 11)
        XCTAssertEqual(reports.last?.isFinal, true)
        let middle = reports[5]
        XCTAssertEqual(middle.bytesPerSecond, 10_000_000, accuracy: 1)
        XCTAssertEqual(middle.etaSeconds ?? -1, Double(20_000_000 - middle.bytesDone) / 10_000_000, accuracy: 1e-6)
    }

    func testRegistryTable() throws {
        XCTAssertEqual(ModelRegistry.entries.map(\.name), ["iv2-clip-s14", "iv2-clip-b14", "fluxvit-s14", "fluxvit-b14"])
        let s14 = try XCTUnwrap(ModelRegistry.entry(named: "iv2-clip-s14"))
        XCTAssertTrue(s14.textAligned && s14.isPullable)
        XCTAssertEqual(s14.size, .s)
        XCTAssertEqual(s14.file(.main)?.source, .huggingFace(repo: "OpenGVLab/InternVideo2_distillation_models", revision: ModelRegistry.internVideo2Revision, path: "clip/S14/pytorch_model.bin"))
        XCTAssertEqual(s14.file(.visionBase)?.source, .huggingFace(repo: "OpenGVLab/InternVideo2_distillation_models", revision: ModelRegistry.internVideo2Revision, path: "stage1/S14/S14_dist_1B_stage2/pytorch_model.bin"))
        XCTAssertEqual(s14.file(.text), ModelRegistry.mobileCLIPText)
        let b14 = try XCTUnwrap(ModelRegistry.entry(named: "iv2-clip-b14"))
        XCTAssertEqual(b14.file(.visionBase)?.fileName, "pytorch_model.bin")
        XCTAssertNotEqual(b14.file(.main)?.downloadName, b14.file(.visionBase)?.downloadName)
        XCTAssertEqual(b14.file(.text)?.downloadName, s14.file(.text)?.downloadName, "the shared text file is downloaded once")
        for entry in ModelRegistry.entries {
            for file in entry.files {
                if let sha = file.sha256 { XCTAssertTrue(sha.count == 64 && sha.allSatisfy(\.isHexDigit), sha) }
                XCTAssertFalse(file.downloadName.contains("/"))
            }
        }
        let flux = try XCTUnwrap(ModelRegistry.entry(named: "fluxvit-b14"))
        XCTAssertFalse(flux.textAligned || flux.isPullable)
        XCTAssertEqual(flux.importCommand(), "fluxsearch models import FILE --name fluxvit-b14 --size b")
        XCTAssertThrowsError(try ModelRegistry.pullableEntry(named: "nope")) { error in
            XCTAssertEqual(error as? ModelDownloadError, .unknownModel("nope", known: ["iv2-clip-s14", "iv2-clip-b14", "fluxvit-s14", "fluxvit-b14"]))
        }
    }
}

extension ModelFileSource {
    var plainURL: URL? {
        if case .url(let url) = self { return url }
        return nil
    }
}

import NIOCore

extension HubSettingsAndFormatTests {
    func testTransportErrorsAreSortedIntoOfflineAndInterrupted() {
        func kind(_ error: Error) -> String {
            switch NetworkFailure.classify(error) {
            case .unreachable?: return "unreachable"
            case .dropped?: return "dropped"
            case nil: return "other"
            }
        }
        XCTAssertEqual(kind(IOError(errnoCode: ECONNREFUSED, reason: "connect")), "unreachable")
        XCTAssertEqual(kind(IOError(errnoCode: ENETUNREACH, reason: "connect")), "unreachable")
        XCTAssertEqual(kind(IOError(errnoCode: ECONNRESET, reason: "read")), "dropped")
        XCTAssertEqual(kind(ChannelError.connectTimeout(.seconds(10))), "unreachable")
        XCTAssertEqual(kind(ChannelError.eof), "dropped")
        XCTAssertEqual(kind(SocketAddressError.unsupported), "unreachable")
        XCTAssertEqual(kind(CancellationError()), "other")
        XCTAssertEqual(kind(ModelDownloadError.partInUse(path: "/x")), "other")
    }
}
