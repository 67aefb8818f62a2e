import XCTest
@testable import FluxEval

/// The annotation readers on small inline files, and on the real files in
/// `<repo>/../shared/eval-data` when that folder is present.
final class AnnotationParsingTests: XCTestCase {
    // MARK: - MSRVTT

    func testJSFusionCSVWithQuotesAndCRLF() throws {
        let csv = "key,vid_key,video_id,sentence\r\nret0,msr9770,video9770,a person is connecting something to system\r\n"
            + "ret1,msr9771,video9771,\"a girl, \"\"smiling\"\", does gymnastics\"\r\nret2,msr7020,video7020,a woman\r\n"
        let d = try MSRVTTAnnotations.parse(Data(csv.utf8), path: "t.csv")
        XCTAssertEqual(d.format, .jsfusionCSV)
        XCTAssertEqual(d.videos, ["video9770", "video9771", "video7020"])
        XCTAssertEqual(d.texts, ["a person is connecting something to system", "a girl, \"smiling\", does gymnastics", "a woman"])
        XCTAssertEqual(d.textVideo, [0, 1, 2])
    }

    func testSemicolonCSVAndRepeatedVideosGroup() throws {
        let csv = "key;vid_key;video_id;sentence\nret0;m1;video1;one\nret1;m2;video2;two\nret2;m1;video1;uno\n"
        let d = try MSRVTTAnnotations.parse(Data(csv.utf8), path: "t.csv")
        XCTAssertEqual(d.videos, ["video1", "video2"])
        XCTAssertEqual(d.textVideo, [0, 1, 0])
        XCTAssertEqual(d.videoTexts, [[0, 2], [1]])
    }

    func testVINDLUJSONWithCaptionLists() throws {
        let json = #"[{"video": "video1.mp4", "caption": "a cat", "duration": 10.8}, {"video": "video2.mp4", "caption": ["a dog", "a puppy"]}]"#
        let d = try MSRVTTAnnotations.parse(Data(json.utf8), path: "t.json")
        XCTAssertEqual(d.format, .vindluJSON)
        XCTAssertEqual(d.videos, ["video1.mp4", "video2.mp4"])
        XCTAssertEqual(d.texts, ["a cat", "a dog", "a puppy"])
        XCTAssertEqual(d.textVideo, [0, 1, 1])
        XCTAssertEqual(d.sentenceCount, 3)
    }

    func testMSRVTTErrorsNameTheProblem() {
        XCTAssertThrowsError(try MSRVTTAnnotations.parse(Data("id,text\n1,a\n".utf8), path: "bad.csv")) { error in
            XCTAssertEqual("\(error)", "bad.csv: not an annotation file this command reads — expected a CSV with the header key,vid_key,video_id,sentence (CLIP4Clip's MSRVTT_JSFUSION_test.csv) or a JSON list of {\"video\": …, \"caption\": …} (the header is: id,text)")
        }
        XCTAssertThrowsError(try MSRVTTAnnotations.parse(Data(#"[{"video": "a.mp4", "caption": 3}]"#.utf8), path: "bad.json")) { error in
            XCTAssertEqual("\(error)", "bad.json: entry 0: \"caption\" of a.mp4 is neither a string nor a list of strings")
        }
        XCTAssertThrowsError(try MSRVTTAnnotations.parse(Data("key,vid_key,video_id,sentence\n".utf8), path: "empty.csv")) { error in
            XCTAssertEqual("\(error)", "empty.csv: no usable entries — the file has no captions")
        }
        XCTAssertThrowsError(try MSRVTTAnnotations.load(URL(fileURLWithPath: "/nonexistent/a.csv"))) { error in
            XCTAssertTrue("\(error)".hasPrefix("/nonexistent/a.csv: cannot read — "), "\(error)")
        }
    }

    // MARK: - DiDeMo

    /// Sentences join in annotation order even when the videos' entries interleave; the split
    /// list picks and orders videos, matching names by stem (a bare dot, another extension).
    func testLocalizingMomentsParagraphsAndSplitList() throws {
        let json = """
        [{"description": "A man walks.", "video": "u1_a.mov", "annotation_id": 1, "times": [[0, 0]]},
         {"description": "the dog runs\\n", "video": "u2_b.", "annotation_id": 2, "times": [[1, 1]]},
         {"description": "He stops. ", "video": "u1_a.mov", "annotation_id": 3, "times": [[2, 2]]},
         {"description": "cat", "video": "u3_c.avi", "annotation_id": 4, "times": [[2, 2]]}]
        """
        let all = try DiDeMoAnnotations.parse(Data(json.utf8), path: "t.json")
        XCTAssertEqual(all.format, .localizingMoments)
        XCTAssertEqual(all.videos, ["u1_a.mov", "u2_b.", "u3_c.avi"])
        XCTAssertEqual(all.texts, ["A man walks. He stops. ", "the dog runs\n", "cat"])
        XCTAssertEqual(all.textVideo, [0, 1, 2])
        XCTAssertEqual(all.sentenceCount, 4)
        XCTAssertEqual(all.sentencesPerVideo, [2, 1, 1])
        // pre_text: lower case, punctuation deleted, whitespace runs collapsed, stripped.
        XCTAssertEqual(all.preTextTexts, ["a man walks he stops", "the dog runs", "cat"])

        let split = try DiDeMoAnnotations.parse(Data(json.utf8), path: "t.json", splitList: ["u2_b.mp4", "u1_a.", "zz.mov"])
        XCTAssertEqual(split.videos, ["u2_b.", "u1_a.mov"])
        XCTAssertEqual(split.texts, ["the dog runs\n", "A man walks. He stops. "])
        XCTAssertEqual(split.sentenceCount, 3)
        XCTAssertEqual(split.notes, ["1 split-list name(s) have no annotation and are left out: zz.mov"])

        XCTAssertThrowsError(try DiDeMoAnnotations.parse(Data(json.utf8), path: "t.json", splitList: ["nope.mov"], splitListPath: "list.txt")) { error in
            XCTAssertEqual("\(error)", "t.json: no usable entries — none of the split list's names (list.txt) is annotated")
        }
    }

    /// The same Flickr video annotated twice under two extensions: exact names decide, and
    /// VINDLU entries are never merged (their `orig_video` keeps them apart).
    func testTwinVideosWithOneStemStayApart() throws {
        let lm = """
        [{"description": "one", "video": "x.mov"}, {"description": "two", "video": "x.mp4"}, {"description": "three", "video": "x.mov"}]
        """
        let d = try DiDeMoAnnotations.parse(Data(lm.utf8), path: "t.json", splitList: ["x.mp4", "x.mov"])
        XCTAssertEqual(d.videos, ["x.mp4", "x.mov"])
        XCTAssertEqual(d.texts, ["two", "one three"])
        let byStem = try DiDeMoAnnotations.parse(Data(lm.utf8), path: "t.json", splitList: ["x.", "x.avi"])
        XCTAssertEqual(byStem.videos, ["x.mov", "x.mp4"])

        let vindlu = #"[{"video": "x.mp4", "orig_video": "x.mov", "caption": ["one", "three"]}, {"video": "x.mp4", "orig_video": "x.mp4", "caption": ["two"]}]"#
        let v = try DiDeMoAnnotations.parse(Data(vindlu.utf8), path: "v.json")
        XCTAssertEqual(v.videos, ["x.mov", "x.mp4"])
        XCTAssertEqual(v.texts, ["one three", "two"])
        XCTAssertEqual(try DiDeMoAnnotations.parse(Data(vindlu.utf8), path: "v.json", splitList: ["x.mp4"]).texts, ["two"])
    }

    func testDiDeMoVINDLUParagraphs() throws {
        let json = #"[{"video": "u1_a.mp4", "orig_video": "u1_a.mov", "caption": ["one.", "two"]}, {"video": "u2_b.mp4", "caption": ["three"]}]"#
        let d = try DiDeMoAnnotations.parse(Data(json.utf8), path: "t.json")
        XCTAssertEqual(d.format, .vindluJSON)
        XCTAssertEqual(d.texts, ["one. two", "three"])
        XCTAssertEqual(d.sentenceCount, 3)
    }

    func testVideoNameStems() {
        XCTAssertEqual(VideoName.stem("video7020.mp4"), "video7020")
        XCTAssertEqual(VideoName.stem("video7020"), "video7020")
        XCTAssertEqual(VideoName.stem("10052357@N03_7585070382_5762149bfc."), "10052357@N03_7585070382_5762149bfc")
        XCTAssertEqual(VideoName.stem("all/clip.v2.MOV"), "clip.v2")
        XCTAssertEqual(VideoName.stem("notes.txt"), "notes.txt")
        XCTAssertEqual(VideoName.stem("x.3gp"), "x")
    }

    func testRestrictedKeepsTextsAndSentenceCounts() {
        let d = EvalDataset(name: "t", format: .vindluJSON, videos: ["a", "b", "c"], texts: ["a1", "b1", "a2", "c1"],
                            textVideo: [0, 1, 0, 2], sentencesPerVideo: [5, 1, 2])
        let r = d.restricted(toVideos: [2, 0])
        XCTAssertEqual(r.videos, ["c", "a"])
        XCTAssertEqual(r.texts, ["a1", "a2", "c1"])
        XCTAssertEqual(r.textVideo, [1, 1, 0])
        XCTAssertEqual(r.sentencesPerVideo, [2, 5])
        XCTAssertEqual(r.sentenceCount, 7)
    }

    // MARK: - Real files

    /// `<repo>/../shared/eval-data`, or a skip that says so.
    func evalData() throws -> URL {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = repo.deletingLastPathComponent().appendingPathComponent("shared/eval-data").standardizedFileURL
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw XCTSkip("SKIPPED: the annotation files are not present at \(dir.path) (shared/eval-data beside the checkout); real-file parser counts not checked")
        }
        return dir
    }

    func testRealMSRVTTFilesGiveOneThousandPairs() throws {
        let dir = try evalData()
        let csv = try MSRVTTAnnotations.load(dir.appendingPathComponent("MSRVTT_JSFUSION_test.csv"))
        XCTAssertEqual(csv.videos.count, 1000)
        XCTAssertEqual(csv.texts.count, 1000)
        XCTAssertEqual(csv.textVideo, Array(0..<1000))
        XCTAssertEqual(csv.videos.first, "video9770")
        XCTAssertEqual(csv.texts.first, "a person is connecting something to system")
        // Same 1000 ids as collaborative-experts' list.
        let list = try String(contentsOf: dir.appendingPathComponent("msrvtt_val_list_jsfusion.txt"), encoding: .utf8)
            .split(whereSeparator: \.isNewline).map(String.init)
        XCTAssertEqual(Set(csv.videos), Set(list))
        // No caption is changed by pre_text (EVAL_PROTOCOL §1).
        XCTAssertEqual(csv.preTextTexts, csv.texts)

        let json = try MSRVTTAnnotations.load(dir.appendingPathComponent("msrvtt_test1k.derived.json"))
        XCTAssertEqual(json.texts, csv.texts)
        XCTAssertEqual(json.videos.map(VideoName.stem), csv.videos)
    }

    func testRealDiDeMoFilesGive1004ParagraphsOf3932Sentences() throws {
        let dir = try evalData()
        let lm = try DiDeMoAnnotations.load(dir.appendingPathComponent("didemo_test_data.json"),
                                            splitList: dir.appendingPathComponent("didemo_test_list.txt"))
        XCTAssertEqual(lm.format, .localizingMoments)
        XCTAssertEqual(lm.videos.count, 1004)
        XCTAssertEqual(lm.texts.count, 1004)
        XCTAssertEqual(lm.sentenceCount, 3932)
        XCTAssertEqual(lm.notes, [])
        XCTAssertEqual(lm.videos.filter { $0.hasSuffix(".") }.count, 27)
        XCTAssertEqual(lm.videos[1], "10052357@N03_7585070382_5762149bfc.")
        XCTAssertEqual(lm.preTextTexts[0], "the lighter chick runs quickly left off frame camera zooms out the white bird runs off camera "
                       + "chick in the back races out of the frame white chicken leaves screen")

        let vindlu = try DiDeMoAnnotations.load(dir.appendingPathComponent("didemo_ret_test_1004.derived.json"))
        XCTAssertEqual(vindlu.videos.count, 1004)
        XCTAssertEqual(vindlu.sentenceCount, 3932)
        XCTAssertEqual(vindlu.videos.map(VideoName.stem), lm.videos.map(VideoName.stem))
        XCTAssertEqual(vindlu.texts, lm.texts)

        let every = try DiDeMoAnnotations.load(dir.appendingPathComponent("didemo_test_data.json"))
        XCTAssertEqual(every.videos.count, 1037)
        XCTAssertEqual(every.sentenceCount, 4021)
        let every1037 = try DiDeMoAnnotations.load(dir.appendingPathComponent("didemo_ret_test_1037.derived.json"))
        XCTAssertEqual(every1037.videos.count, 1037)
        XCTAssertEqual(every1037.sentenceCount, 4021)
        XCTAssertEqual(every1037.videos, every.videos)
        XCTAssertEqual(every1037.texts, every.texts)
        // 33 videos share a stem with another (.mov and .mp4 versions annotated separately).
        XCTAssertEqual(every.videos.count - Set(every.videos.map(VideoName.stem)).count, 33)
    }
}
