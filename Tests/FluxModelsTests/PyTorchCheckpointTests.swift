import Foundation
import XCTest
import FluxCore
@testable import FluxModels

/// Reading `torch.save` checkpoints: fixtures written by real torch.save
/// (Tools/fixtures/make_pth_fixtures.py), compared bit for bit with the values torch/numpy
/// stored beside them, and hostile files that must be refused without crashing.
final class PyTorchCheckpointTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/pth")

    static func open(_ name: String) throws -> PyTorchCheckpoint {
        try PyTorchCheckpoint(contentsOf: root.appendingPathComponent(name))
    }

    /// Asserts that `name` of `checkpoint` has the shape and exact bits of `<folder>/<name>.npy`.
    func assertBitExact(_ checkpoint: PyTorchCheckpoint, _ name: String, folder: String,
                        file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = try NPY.read(Self.root.appendingPathComponent("\(folder)/\(name).npy"))
        let actual = try checkpoint.tensor(named: name)
        // FluxCore's NPY reader gives a 0-d array the shape [1]; 0-d shapes are checked by the callers.
        XCTAssertEqual(actual.shape.isEmpty ? [1] : actual.shape, expected.shape, "\(name) shape", file: file, line: line)
        let want: [Float]
        switch expected {
        case .float32(_, let v): want = v
        case .int64(_, let v): want = v.map { Float($0) }
        }
        XCTAssertEqual(actual.scalars.map(\.bitPattern), want.map(\.bitPattern), "\(name) bits", file: file, line: line)
        XCTAssertFalse(want.isEmpty, file: file, line: line)
    }

    func expectError(_ name: String, file: StaticString = #filePath, line: UInt = #line,
                     _ check: (PyTorchCheckpointError) -> Bool) {
        do {
            _ = try Self.open(name)
            XCTFail("\(name) opened, but must be rejected", file: file, line: line)
        } catch let error as PyTorchCheckpointError {
            XCTAssertTrue(check(error), "\(name): unexpected error \(error)", file: file, line: line)
            XCTAssertTrue(error.description.contains(name), "the message names the file: \(error)", file: file, line: line)
        } catch {
            XCTFail("\(name): not a PyTorchCheckpointError: \(error)", file: file, line: line)
        }
    }

    // MARK: - valid checkpoints

    func testNestedStateDictIsUnwrappedAndPrefixesStripped() throws {
        let ckpt = try Self.open("nested.pth")
        XCTAssertEqual(ckpt.containerPath, ["model"])
        XCTAssertEqual(ckpt.tensorNames, ["blocks.0.attn.qkv.weight", "norm.bias", "pos_embed", "cls_token", "scale"])
        XCTAssertEqual(ckpt.ignoredKeys, [])
        XCTAssertEqual(try ckpt.info(named: "blocks.0.attn.qkv.weight").key, "module.backbone.blocks.0.attn.qkv.weight")
        XCTAssertEqual(try ckpt.shape(of: "pos_embed"), [1, 5, 4])
        XCTAssertEqual(try ckpt.shape(of: "scale"), [])
        for name in ckpt.tensorNames { try assertBitExact(ckpt, name, folder: "nested") }
        XCTAssertEqual(try ckpt.tensor(named: "scale").scalars, [0.5])
        let all = try ckpt.stateDict()
        XCTAssertEqual(all.keys.sorted(), ckpt.tensorNames.sorted())
        XCTAssertEqual(all["norm.bias"]?.scalars, try ckpt.tensor(named: "norm.bias").scalars)
    }

    func testUsableAsWeightSource() throws {
        let source: WeightSource = try Self.open("nested.pth")
        XCTAssertTrue(source.sourcePath.hasSuffix("nested.pth"))
        XCTAssertEqual(try source.shape(of: "blocks.0.attn.qkv.weight"), [6, 4])
        XCTAssertEqual(try source.tensor(named: "cls_token").shape, [1, 1, 4])
        XCTAssertThrowsError(try source.tensor(named: "module.pos_embed")) { error in
            XCTAssertEqual(error as? WeightFileError, .tensorNotFound(path: source.sourcePath, tensor: "module.pos_embed"))
        }
    }

    func testPrefixStrippingMatchesTheConverter() {
        XCTAssertEqual(PyTorchCheckpoint.strip("module.backbone.encoder.blocks.0.w"), "blocks.0.w")
        XCTAssertEqual(PyTorchCheckpoint.strip("encoder.module.x"), "x")
        XCTAssertEqual(PyTorchCheckpoint.strip("blocks.module.x"), "blocks.module.x")
        XCTAssertEqual(PyTorchCheckpoint.strip("text_encoder.x"), "text_encoder.x")
    }

    func testDuplicateNamesAfterStrippingAreAnError() {
        expectError("duplicate.pth") {
            if case .duplicateName(_, "w", let keys) = $0 { return Set(keys) == ["module.w", "w"] }
            return false
        }
    }

    func testHalfBFloat16AndDoubleConvertLikeNumPy() throws {
        let ckpt = try Self.open("half.pth")
        XCTAssertEqual(try ckpt.info(named: "h").dtype, .float16)
        XCTAssertEqual(try ckpt.info(named: "bf").dtype, .bfloat16)
        XCTAssertEqual(try ckpt.info(named: "d").dtype, .float64)
        for name in ["h", "bf", "bf_specials", "d"] { try assertBitExact(ckpt, name, folder: "half") }
        let h = try ckpt.tensor(named: "h").scalars
        XCTAssertEqual(h[4], 65504)
        XCTAssertEqual(h[8], .infinity)
        XCTAssertEqual(h[1].bitPattern, (-Float(0)).bitPattern)
    }

    func testViewsOfOneStorageTransposeOffsetsAndSlices() throws {
        let ckpt = try Self.open("views.pth")
        let names = ["base", "transposed", "offset_a", "offset_b", "slice", "permuted"]
        XCTAssertEqual(ckpt.tensorNames, names)
        let infos = try names.map { try ckpt.info(named: $0) }
        XCTAssertEqual(Set(infos.map(\.storageKey)).count, 1, "all views share one storage")
        XCTAssertEqual(infos[0].storageElementCount, 48)
        XCTAssertEqual(infos[1].strides, [1, 8])
        XCTAssertFalse(infos[1].isContiguous)
        XCTAssertEqual(infos[2].storageOffset, 5)
        XCTAssertEqual(infos[3].storageOffset, 20)
        XCTAssertEqual(infos[4].storageOffset, 9)
        XCTAssertEqual(infos[4].strides, [8, 3])
        XCTAssertTrue(infos[2].isContiguous)
        for name in names { try assertBitExact(ckpt, name, folder: "views") }
        // base[r][c] = (8r + c)/4 − 3, so transposed[c][r] is the same number.
        let t = try ckpt.tensor(named: "transposed").scalars
        XCTAssertEqual(t[1], 8 * 0.25 - 3)  // transposed[0][1] = base[1][0]
    }

    func testIntegerAndBoolTensors() throws {
        let ckpt = try Self.open("ints.pth")
        XCTAssertEqual(try ckpt.info(named: "i64").dtype, .int64)
        XCTAssertEqual(try ckpt.info(named: "mask").dtype, .bool)
        for name in ["i64", "i32", "u8", "mask"] {
            guard case .int64(let shape, let want) = try NPY.read(Self.root.appendingPathComponent("ints/\(name).npy")) else {
                return XCTFail("ints/\(name).npy is not int64")
            }
            let got = try ckpt.int64Tensor(named: name)
            XCTAssertEqual(got.shape, shape, name)
            XCTAssertEqual(got.values, want, name)
        }
        XCTAssertEqual(try ckpt.int64Tensor(named: "i64").values[4], (1 << 40) + 3)
        XCTAssertEqual(try ckpt.tensor(named: "mask").scalars, [1, 0, 1, 0, 0, 1])
        XCTAssertThrowsError(try Self.open("nested.pth").int64Tensor(named: "norm.bias")) { error in
            guard case .wrongDType(_, "norm.bias", "float32", _)? = error as? PyTorchCheckpointError else {
                return XCTFail("\(error)")
            }
        }
    }

    func testPickleProtocol4() throws {
        let ckpt = try Self.open("proto4.pth")
        XCTAssertEqual(ckpt.tensorNames, ["w", "b"])
        for name in ckpt.tensorNames { try assertBitExact(ckpt, name, folder: "proto4") }
    }

    // MARK: - hostile files

    func testForbiddenGlobalIsRefusedAndNothingRuns() throws {
        let marker = "/tmp/fluxsearch-pth-fixture-was-executed"
        try? FileManager.default.removeItem(atPath: marker)
        expectError("forbidden.pth") {
            guard case .refusedGlobal(_, _, "os.system") = $0 else { return false }
            return $0.description.contains("refused: the checkpoint calls os.system")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "the pickle's command ran")
    }

    func testTruncatedArchive() {
        expectError("truncated.pth") {
            if case .notAZipArchive = $0 { return true }
            return false
        }
    }

    func testEntryDeclaringMoreThanTheArchiveHolds() {
        expectError("oversize.pth") {
            if case .entrySizeOutOfRange(_, let entry, let declared, _) = $0 {
                return entry.hasSuffix("/data/0") && declared == 0x7FFF_0000
            }
            return false
        }
    }

    func testRandomBytesAsDataPkl() {
        expectError("garbage.pth") {
            switch $0 {
            case .malformedPickle, .refusedOpcode, .refusedGlobal: return true
            default: return false
            }
        }
    }

    func testMissingFile() {
        expectError("no-such-file.pth") {
            if case .fileNotFound = $0 { return true }
            return false
        }
    }

    // MARK: - the unpickler on crafted bytes

    func unpickle(_ bytes: [UInt8]) throws -> String {
        try RestrictedUnpickler.load(bytes, path: "<test>") { $0.typeName }
    }

    func assertMalformed(_ bytes: [UInt8], containing text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try unpickle(bytes), file: file, line: line) { error in
            guard case .malformedPickle(_, _, let reason)? = error as? PyTorchCheckpointError else {
                return XCTFail("\(error)", file: file, line: line)
            }
            XCTAssertTrue(reason.contains(text), reason, file: file, line: line)
        }
    }

    func testMinimalPicklesParse() throws {
        XCTAssertEqual(try unpickle([0x80, 2, 0x7d, 0x2e]), "dict")
        XCTAssertEqual(try unpickle([0x80, 2] + Array("ccollections\nOrderedDict\n".utf8) + [0x29, 0x52, 0x2e]), "dict")
        XCTAssertEqual(try unpickle([0x80, 2, 0x4b, 5, 0x4a, 0xff, 0xff, 0xff, 0xff, 0x86, 0x2e]), "tuple")
    }

    func testRefusedGlobalsAndOpcodes() {
        // builtins.eval through STACK_GLOBAL (protocol 4)
        let eval: [UInt8] = [0x80, 4, 0x8c, 8] + Array("builtins".utf8) + [0x8c, 4] + Array("eval".utf8) + [0x93, 0x2e]
        XCTAssertThrowsError(try unpickle(eval)) { error in
            XCTAssertEqual(error as? PyTorchCheckpointError, .refusedGlobal(path: "<test>", offset: 18, global: "builtins.eval"))
        }
        // INST (0x69) and NEWOBJ (0x81) are never written by torch.save
        XCTAssertThrowsError(try unpickle([0x80, 2, 0x28, 0x69] + Array("os\nsystem\n".utf8) + [0x2e])) { error in
            guard case .refusedOpcode(_, 3, let op)? = error as? PyTorchCheckpointError else { return XCTFail("\(error)") }
            XCTAssertEqual(op, "INST (0x69)")
        }
        XCTAssertThrowsError(try unpickle([0x80, 2, 0x29, 0x29, 0x81, 0x2e])) { error in
            guard case .refusedOpcode(_, _, "NEWOBJ (0x81)")? = error as? PyTorchCheckpointError else { return XCTFail("\(error)") }
        }
        // a typed storage may only appear in a persistent id, not be called
        XCTAssertThrowsError(try unpickle([0x80, 2] + Array("ctorch\nFloatStorage\n".utf8) + [0x29, 0x52, 0x2e])) { error in
            guard case .refusedGlobal? = error as? PyTorchCheckpointError else { return XCTFail("\(error)") }
        }
    }

    func testLengthsAreCheckedBeforeAllocating() {
        assertMalformed([0x80, 2, 0x58, 0xff, 0xff, 0xff, 0x7f, 0x61], containing: "declares 2147483647 bytes")
        assertMalformed([0x80, 4, 0x8d] + [UInt8](repeating: 0xff, count: 8), containing: "declares")
        assertMalformed([0x80, 4, 0x95] + [UInt8](repeating: 0xff, count: 8), containing: "FRAME")
        assertMalformed([0x80, 2, 0x8a, 200, 1, 2], containing: "64 bits")
    }

    func testDeepNestingAndValueCountAreBounded() {
        let deep: [UInt8] = [0x80, 2, 0x29] + [UInt8](repeating: 0x85, count: 100_000) + [0x2e]
        assertMalformed(deep, containing: "nested deeper")
        let many: [UInt8] = [0x80, 2] + [UInt8](repeating: 0x4e, count: RestrictedUnpickler.maximumValues + 10) + [0x2e]
        assertMalformed(many, containing: "more than")
    }

    func testCyclesAndMemoChainsAreReleasedWithoutCrashing() throws {
        // l = []; l.append(l)
        XCTAssertEqual(try unpickle([0x80, 2, 0x5d, 0x71, 0, 0x68, 0, 0x61, 0x2e]), "list")
        // a chain of 200 000 lists built root-first through the memo: L[i-1].append(L[i])
        var chain: [UInt8] = [0x80, 2, 0x5d, 0x72, 0, 0, 0, 0]
        func le(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        for i in 1...200_000 {
            chain.append(0x6a)
            chain += le(i - 1)
            chain += [0x5d, 0x72]
            chain += le(i)
            chain.append(0x61)
        }
        chain.append(0x2e)
        XCTAssertEqual(try unpickle(chain), "list")
    }

    func testRandomAndMutatedPicklesNeverCrash() throws {
        let zip = try CheckpointZipReader(url: Self.root.appendingPathComponent("nested.pth"))
        let name = try XCTUnwrap(zip.entryNames.first { $0.hasSuffix("/data.pkl") })
        let valid = [UInt8](try zip.read(name))
        XCTAssertEqual(try unpickle(valid), "dict", "the unmutated pickle must parse")
        var rng = SystemRandomNumberGenerator()
        var failures = 0
        for trial in 0..<3000 {
            var bytes: [UInt8]
            if trial % 3 == 0 {
                bytes = (0..<Int.random(in: 0..<512, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                bytes = valid
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
                if trial % 3 == 2 { bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng))) }
            }
            do { _ = try unpickle(bytes) } catch is PyTorchCheckpointError { failures += 1 }
        }
        XCTAssertGreaterThan(failures, 1000, "random bytes are rejected")
    }
}

extension PyTorchCheckpointTests {
    /// A real `nn.Module.state_dict()`: an OrderedDict whose `_metadata` arrives through BUILD.
    func testModuleStateDictWithMetadata() throws {
        let ckpt = try Self.open("module.pth")
        XCTAssertEqual(ckpt.tensorNames, ["0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias",
                                          "2.running_mean", "2.running_var", "2.num_batches_tracked"])
        XCTAssertEqual(try ckpt.info(named: "2.num_batches_tracked").dtype, .int64)
        XCTAssertEqual(try ckpt.shape(of: "2.num_batches_tracked"), [])
        for name in ckpt.tensorNames { try assertBitExact(ckpt, name, folder: "module") }
    }
}

extension PyTorchCheckpointTests {
    /// 100 tensors (memo indices past 255) under "state_dict", next to "optimizer" and "epoch";
    /// the int entry inside the state dict is ignored, as the Python converter does.
    func testManyTensorsUnderStateDictBesideOptimizer() throws {
        let ckpt = try Self.open("many.pth")
        XCTAssertEqual(ckpt.containerPath, ["state_dict"])
        XCTAssertEqual(ckpt.tensorNames, (0..<100).map { "blocks.\($0).w" })
        XCTAssertEqual(ckpt.ignoredKeys, ["backbone.step"])
        for name in ckpt.tensorNames { try assertBitExact(ckpt, name, folder: "many") }
    }

    /// The same checkpoint as nested.pth with ZIP64 end-of-directory and extra fields.
    func testZip64Records() throws {
        let ckpt = try Self.open("zip64.pth")
        XCTAssertEqual(ckpt.archivePrefix, "zip64")
        XCTAssertEqual(ckpt.tensorNames, ["blocks.0.attn.qkv.weight", "norm.bias", "pos_embed", "cls_token", "scale"])
        for name in ckpt.tensorNames { try assertBitExact(ckpt, name, folder: "nested") }
    }
}

extension PyTorchCheckpointTests {
    /// A tower's loader reads a checkpoint like any other WeightSource: declared shapes checked,
    /// values as stored, a mis-shaped declaration reported as a tensor mismatch.
    func testParameterLoaderReadsFromACheckpoint() throws {
        let ckpt = try Self.open("nested.pth")
        var table = ParameterTable()
        table.declare("blocks.0.attn.qkv.weight", [6, 4])
        table.declare("norm.bias", [4])
        table.declare("pos_embed", [1, 5, 4])
        table.declare("cls_token", [1, 1, 4])
        table.declare("scale", [])
        let loaded = try ParameterLoader.load(table, from: ckpt, tower: "test", prefixes: [""])
        XCTAssertEqual(loaded["pos_embed"].scalars, try ckpt.tensor(named: "pos_embed").scalars)

        var wrong = ParameterTable()
        wrong.declare("norm.bias", [5])
        XCTAssertThrowsError(try ParameterLoader.load(wrong, from: ckpt, tower: "test", prefixes: [""])) { error in
            guard case .tensorMismatch(_, "test", _, _, let shapes)? = error as? ModelLoadingError else { return XCTFail("\(error)") }
            XCTAssertEqual(shapes.map(\.key), ["norm.bias"])
        }
    }
}

extension PyTorchCheckpointTests {
    /// A pickle written by hand (torch.load reads it as {'w': tensor([1., 2., 3.])}), and the
    /// same with a view past its storage and with a storage size that disagrees with its entry.
    func testHandWrittenPickleAndStorageBounds() throws {
        let ckpt = try Self.open("handmade.pth")
        XCTAssertEqual(ckpt.archivePrefix, "archive")
        XCTAssertEqual(try ckpt.info(named: "w").storageOffset, 1)
        XCTAssertEqual(try ckpt.tensor(named: "w").scalars, [1, 2, 3])
        expectError("outside.pth") {
            if case .invalidTensor(_, "w", let reason) = $0 { return reason.contains("reach element 4") }
            return false
        }
        expectError("numel.pth") {
            if case .corruptEntry(_, "archive/data/0", let reason) = $0 { return reason.contains("5 × float32") }
            return false
        }
    }

    /// One flipped byte in a storage: opening succeeds (data is read on demand), reading fails.
    func testCorruptStorageIsDetectedByCRC() throws {
        let ckpt = try Self.open("crc.pth")
        XCTAssertNoThrow(try ckpt.tensor(named: "norm.bias"))
        XCTAssertThrowsError(try ckpt.tensor(named: "blocks.0.attn.qkv.weight")) { error in
            guard case .corruptEntry(_, let entry, let reason)? = error as? PyTorchCheckpointError else { return XCTFail("\(error)") }
            XCTAssertTrue(entry.hasSuffix("/data/0"))
            XCTAssertTrue(reason.contains("CRC-32"), reason)
        }
    }
}

extension PyTorchCheckpointTests {
    /// The rest of the malformed-checkpoint corpus: absurd shapes are refused before anything is
    /// allocated for them; files that are not zip archives get the re-save advice.
    func testAbsurdShapesAreRefusedBeforeAllocating() {
        expectError("absurd.pth") {
            if case .invalidTensor(_, "w", let reason) = $0 { return reason.contains("too many elements") }
            return false
        }
        expectError("huge.pth") {
            if case .invalidTensor(_, "w", let reason) = $0 { return reason.contains("more than its storage") }
            return false
        }
    }

    func testFilesThatAreNotZipArchives() {
        for name in ["legacy.pth", "zeros.pth"] {
            expectError(name) {
                if case .notAZipArchive = $0 { return $0.description.contains("re-save") }
                return false
            }
        }
    }
}

extension PyTorchCheckpointTests {
    /// Found by Tools/fuzz/run.sh: a ZIP64 offset beyond 2⁶³ made ZIPFoundation trap on an
    /// integer conversion. The preflight refuses it as a broken archive instead.
    func testFuzzFindingZIP64OffsetIsRefused() {
        expectError("fuzz-zip64-offset.pth") {
            if case .notAZipArchive(_, let reason) = $0 { return reason.contains("beyond") || reason.contains("past the end") }
            return false
        }
    }
}
