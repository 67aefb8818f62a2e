#!/usr/bin/env bash
# Fuzzes the PyTorch checkpoint reader (zip + restricted unpickler) with libFuzzer and
# AddressSanitizer for SECONDS (default 600), seeded with the committed .pth fixtures.
# Not part of CI. Findings land in .build-fuzz/findings (crash-*, timeout-*, oom-*).
#
#   Tools/fuzz/run.sh 600
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-600}"
# -sanitize=fuzzer instruments every module for coverage and links libFuzzer; SwiftPM links the
# executable's entry point as checkpoint_fuzzer_main, which starts libFuzzer's driver.
swift build --scratch-path .build-fuzz --product checkpoint-fuzzer \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -parse-as-library 2>&1 | tail -3
bin="$(swift build --scratch-path .build-fuzz --show-bin-path)/checkpoint-fuzzer"
mkdir -p .build-fuzz/corpus .build-fuzz/findings
cp Tests/FluxModelsTests/Fixtures/pth/*.pth .build-fuzz/corpus/ 2>/dev/null || true
cp Tests/FluxModelsTests/Fixtures/import/inputs/*.pt* .build-fuzz/corpus/ 2>/dev/null || true
# -detect_leaks=0: ZIPFoundation 0.9.20 leaks the 34-byte C path Foundation's
# fileSystemRepresentation(withPath:) allocates, once per archive opened
# (Archive+BackingConfiguration.swift:48); LeakSanitizer stops at the first input otherwise.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
exec "$bin" .build-fuzz/corpus -max_total_time="$seconds" -max_len=1048576 -rss_limit_mb=2048 \
  -detect_leaks=0 -timeout=10 -artifact_prefix=.build-fuzz/findings/ -print_final_stats=1
