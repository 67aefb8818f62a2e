#!/usr/bin/env bash
# Load, robustness and schema checks of `fluxsearch serve` on a 10k-clip index (not part of CI;
# its numbers go into session notes). Needs a release build, wrk (Debian) and schemathesis (PyPI).
#
#   Tools/serve/loadtest.sh [BINARY]        default .build-release/release/fluxsearch
#
# 1. indexes 16 synthetic test clips with the demo model, then grows the index to 10,000 clips
#    with synthetic rows (Tools/serve/grow_index.py);
# 2. wrk: 10 connections for 60 s on /api/search (latency percentiles, error responses);
# 3. 1,000 concurrent connections each sending a search, then a check that the server still
#    answers;
# 4. schemathesis against /api/openapi.json for a bounded number of examples.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-.build-release/release/fluxsearch}
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
python3 Tools/synth/generate.py --splits test >/dev/null
mkdir -p "$WORK/clips"
ls Corpus/generated/synth/test | grep '^synth-test-' | sort | head -16 | while read -r f; do cp "Corpus/generated/synth/test/$f" "$WORK/clips/"; done
"$BIN" index "$WORK/clips" --model Corpus/models/demo --tokens 256 --segment 1.5:0.75 --index-dir "$WORK/index" --json >/dev/null
python3 Tools/serve/grow_index.py "$WORK/index" --clips 10000
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --index-dir "$WORK/index" --model Corpus/models/demo --port "$PORT" 2>"$WORK/serve.log" &
SERVER=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/api/index" >/dev/null && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$PORT/api/search?q=warm" >/dev/null
echo "== wrk: 10 connections, 60 s, /api/search"
wrk -t2 -c10 -d60s --latency "http://127.0.0.1:$PORT/api/search?q=two+tiny+blue+triangles+bounce&k=20" | tee "$WORK/wrk.txt"
grep -q "Non-2xx" "$WORK/wrk.txt" && { echo "loadtest: error responses under load"; exit 1; }
echo "== 1000 concurrent connections"
python3 - "$PORT" <<'PY'
import asyncio, sys
port = int(sys.argv[1])
async def one(i):
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 30)
        w.write(f"GET /api/search?q=box+{i} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        await w.drain()
        head = await asyncio.wait_for(r.readline(), 120)
        w.close()
        return head.split(b" ")[1].decode() if head else "closed"
    except Exception as e:
        return type(e).__name__
async def main():
    results = await asyncio.gather(*(one(i) for i in range(1000)))
    counts = {}
    for s in results: counts[s] = counts.get(s, 0) + 1
    print("status counts:", dict(sorted(counts.items())))
    bad = {k: v for k, v in counts.items() if k not in ("200", "503")}
    sys.exit(1 if bad else 0)
asyncio.run(main())
PY
curl -fs "http://127.0.0.1:$PORT/api/index" >/dev/null && echo "server still answers"
echo "== schemathesis"
schemathesis run "http://127.0.0.1:$PORT/api/openapi.json" --max-examples 25 --checks not_a_server_error,response_schema_conformance \
    --exclude-path-regex '/api/jobs' --request-timeout 60 2>&1 | tail -25
