#!/usr/bin/env python3
"""Index a video library on a Ray cluster with `fluxsearch index --shard`, then merge the shards.

    python3 Tools/distributed/fluxsearch_ray.py VIDEOS... --index DIR --shards N \\
        --binary /opt/fluxsearch/bin/fluxsearch --model /models/fluxvit-s \\
        [--tokens B] [--address auto|local|HOST:PORT] [--work DIR] [--ship shared|archive] \\
        [--retries 3] [--json]

Steps:
  1. Lists the files under VIDEOS (recursive, hidden names skipped, sorted, absolute paths, one
     per line) into WORK/files.txt. Every shard reads the same list, so `--shard I/N` picks the
     same files on every node.
  2. Runs one Ray task per shard (one CPU each). The task runs
     `fluxsearch index --files LIST --shard I/N --index-dir SHARD --model M --json`.
     --ship shared (default): SHARD is WORK/shards/shard-I-of-N, so WORK must be on storage
                              every node mounts at the same path.
     --ship archive:          the task indexes into a node-local temporary folder and returns it
                              as a tar.gz; the driver unpacks it under WORK/shards/.
  3. Retries a failed task through Ray (a crashed worker, a lost node or a non-zero exit) up to
     --retries times. In shared mode a retry resumes the shard: files already committed there are
     skipped by fluxsearch.
  4. Prints a line per started and finished shard, with file counts and an ETA.
  5. Runs `fluxsearch merge WORK/shards/shard-*-of-N --into DIR` on the driver's machine.

The driver's machine needs the binary too (for the merge). Re-running the same command after a
failure reuses the shards that finished (WORK/shards/shard-I-of-N.done) and re-runs the merge,
which skips shards it has already merged. WORK/job.json records what the shards are made of
(the list's digest, the model, the index options); a WORK made by another job is refused.

Exit status: 0 when the merged index is complete, 1 when a shard failed after its retries or the
merge failed, 2 on bad arguments, 130 when interrupted.
"""

import argparse
import hashlib
import io
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time

# What `fluxsearch index` prints (exit 1) when another process holds the index folder's lock.
LOCKED_MARKERS = ("another fluxsearch is indexing", "being indexed by another process")


def fnv1a64(data: bytes) -> int:
    """The shard hash fluxsearch uses: FNV-1a 64 of the line's UTF-8 bytes."""
    h = 0xCBF29CE484222325
    for byte in data:
        h ^= byte
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def shard_of(line: str, shards: int) -> int:
    return fnv1a64(line.encode("utf-8")) % shards


# ---------------------------------------------------------------------------------------------
# Listing


def list_files(roots, skip_dirs):
    """Absolute paths of the files under roots: recursive, hidden names skipped, sorted."""
    skip = {os.path.realpath(d) for d in skip_dirs}
    found = set()
    for root in roots:
        root = os.path.abspath(root)
        if os.path.isfile(root):
            found.add(root)
            continue
        if not os.path.isdir(root):
            raise SystemExit(f"fluxsearch_ray: error: {root} is neither a file nor a folder")
        for folder, dirs, files in os.walk(root, followlinks=True):
            dirs[:] = sorted(
                d for d in dirs
                if not d.startswith(".") and os.path.realpath(os.path.join(folder, d)) not in skip
            )
            for name in files:
                if not name.startswith("."):
                    found.add(os.path.join(folder, name))
    paths = []
    for path in sorted(found):
        if "\n" in path or "\r" in path:
            print(f"fluxsearch_ray: skipping a file whose name has a line break: {path!r}",
                  file=sys.stderr)
            continue
        paths.append(path)
    return paths


# ---------------------------------------------------------------------------------------------
# What runs on the workers (plain functions; wrapped with ray.remote in main()).


def _die_with(parent_pid):
    """A preexec_fn: the child gets SIGKILL when the Ray worker that started it dies.

    Without this, a worker killed by itself (out of memory, a raylet that died) leaves
    fluxsearch running, holding the shard's lock, and the retry would find the shard locked."""
    def preexec():
        try:
            import ctypes
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            PR_SET_PDEATHSIG = 1
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except OSError:
            return  # not Linux: no parent-death signal; the lock wait still covers a retry
        if os.getppid() != parent_pid:  # the worker died between fork and prctl
            os._exit(1)
    return preexec


def count_index(index_dir):
    """Videos, clips and failures in a shard's index.sqlite (read-only)."""
    path = os.path.join(index_dir, "index.sqlite")
    if not os.path.exists(path):
        return {"videos": 0, "clips": 0, "failures": 0}
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        out = {}
        for key, table in (("videos", "video"), ("clips", "clip"), ("failures", "indexingFailure")):
            try:
                out[key] = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            except sqlite3.Error:
                out[key] = None
        return out
    finally:
        db.close()


def run_shard(spec, list_ref_text, reporter):
    """One shard: run `fluxsearch index --shard` to completion; return counts (and the archive)."""
    import ray  # on the worker

    shard, shards = spec["shard"], spec["shards"]
    node_id = ray.get_runtime_context().get_node_id()
    host = socket.gethostname()
    if reporter is not None:
        try:
            reporter.started.remote(shard, node_id, host, os.getpid())
        except Exception:  # progress is best-effort
            pass
    for what in ("binary", "model"):
        if os.sep in spec[what] and not os.path.exists(spec[what]):
            raise RuntimeError(f"shard {shard}: the {what} {spec[what]} is missing on node {host} "
                               f"({node_id[:8]}); every node needs it at the same path")

    tmp = None
    if spec["ship"] == "archive":
        tmp = tempfile.mkdtemp(prefix=f"fluxsearch-shard-{shard}-of-{shards}-")
        list_path = os.path.join(tmp, "files.txt")
        with open(list_path, "w", encoding="utf-8") as f:
            f.write(list_ref_text)
        index_dir = os.path.join(tmp, "shard")
    else:
        list_path = spec["list"]
        index_dir = spec["shard_dir"]
        if not os.path.exists(list_path):
            raise RuntimeError(f"shard {shard}: {list_path} is not visible on node {host}; "
                               f"--ship shared needs --work on storage every node mounts "
                               f"(or use --ship archive)")
    cmd = [spec["binary"], "index", "--files", list_path, "--shard", f"{shard}/{shards}",
           "--index-dir", index_dir, "--model", spec["model"], *spec["index_args"], "--json"]
    started = time.monotonic()
    try:
        deadline = started + spec["lock_wait"]
        waited = False
        while True:
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, preexec_fn=_die_with(os.getpid()))
            if proc.returncode == 0:
                break
            locked = any(marker in proc.stderr for marker in LOCKED_MARKERS)
            if proc.returncode == 1 and locked and time.monotonic() < deadline:
                if not waited:
                    print(f"shard {shard}: {index_dir} is locked by an earlier attempt; waiting "
                          f"up to {spec['lock_wait']:g} s for it to go", flush=True)
                    waited = True
                # A predecessor of this task (on a node that just died, say) still holds the
                # shard's lock; it goes away when that process does.
                time.sleep(1.0)
                continue
            tail = "\n".join(proc.stderr.strip().splitlines()[-15:]) or "(it printed nothing)"
            raise RuntimeError(f"shard {shard}: fluxsearch index exited with {proc.returncode} "
                               f"on {host} ({node_id[:8]}):\n{tail}")
        try:
            summary = json.loads(proc.stdout)
        except ValueError:
            summary = proc.stdout.strip()
        result = {"shard": shard, "node": node_id, "host": host,
                  "seconds": round(time.monotonic() - started, 3),
                  "counts": count_index(index_dir), "summary": summary}
        if tmp is not None:
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
                for name in sorted(os.listdir(index_dir)):
                    if name not in ("index.lock", ".lock"):  # the writer's lock file
                        tar.add(os.path.join(index_dir, name), arcname=name)
            result["archive"] = buffer.getvalue()
        return result
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


class ProgressBoard:
    """A tiny actor the tasks tell when they start (which node, which process)."""

    def __init__(self):
        self.events = []

    def started(self, shard, node_id, host, pid):
        self.events.append({"shard": shard, "node": node_id, "host": host, "pid": pid,
                            "time": time.time()})

    def drain(self):
        events, self.events = self.events, []
        return events


# ---------------------------------------------------------------------------------------------
# Driver


def log(message):
    print(f"fluxsearch_ray: {message}", file=sys.stderr, flush=True)


def plural(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


def fmt_seconds(s):
    s = int(round(s))
    return f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"


def describe_merge(summary):
    """One line from `fluxsearch merge --json` (or its text, as it came)."""
    if not isinstance(summary, dict):
        return str(summary)
    shards = summary.get("shards")
    if not isinstance(shards, list):
        return json.dumps(summary)
    now = sum(1 for s in shards if isinstance(s, dict) and s.get("merged_now"))
    parts = [f"{len(shards)} shard(s), {now} merged now, {len(shards) - now} merged before"]
    for key in ("videos", "clips", "failures"):
        if key in summary:
            parts.append(f"{summary[key]} {key}")
    if summary.get("missing_shards"):
        parts.append(f"missing shards: {summary['missing_shards']}")
    return ", ".join(parts)


def unpack_archive(data, target):
    """Replace target with the shard folder in the tar.gz bytes (unpacked beside it, then renamed)."""
    parent = os.path.dirname(target)
    staging = tempfile.mkdtemp(prefix=".unpack-", dir=parent)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(staging, filter="data")
        else:
            tar.extractall(staging)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)  # mkdtemp made it 0700
    if os.path.exists(target):
        shutil.rmtree(target)
    os.rename(staging, target)


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="fluxsearch_ray.py",
        description="Index videos on a Ray cluster in N shards with fluxsearch, then merge.")
    p.add_argument("videos", nargs="+", metavar="VIDEOS", help="files or folders to index")
    p.add_argument("--index", required=True, metavar="DIR", help="the merged index folder")
    p.add_argument("--shards", required=True, type=int, metavar="N")
    p.add_argument("--binary", required=True, metavar="PATH",
                   help="fluxsearch executable, at this path on every node")
    p.add_argument("--model", required=True, metavar="PATH",
                   help="model folder, at this path on every node (or the name of a model "
                        "installed on every node)")
    p.add_argument("--tokens", metavar="B", help="token budget(s), passed to fluxsearch index")
    p.add_argument("--index-arg", action="append", default=[], metavar="ARG",
                   help="one more argument for `fluxsearch index` (repeatable), "
                        "e.g. --index-arg=--faiss --index-arg=Flat")
    p.add_argument("--address", default=None,
                   help="Ray cluster: auto (default; $RAY_ADDRESS when set), HOST:PORT, "
                        "or local to start a throwaway single-node Ray")
    p.add_argument("--work", metavar="DIR",
                   help="list and shard folders (default: DIR.work beside --index); "
                        "with --ship shared it must be on storage every node sees")
    p.add_argument("--ship", choices=("shared", "archive"), default="shared")
    p.add_argument("--retries", type=int, default=3, help="Ray retries per shard (default 3)")
    p.add_argument("--lock-wait", type=float, default=60.0, metavar="SECONDS",
                   help="how long a task waits for a shard locked by a dying predecessor")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    args = p.parse_args(argv)
    if args.shards < 1:
        p.error("--shards must be at least 1")
    if args.retries < 0:
        p.error("--retries must be 0 or more")
    return args


def main(argv=None):
    args = parse_args(argv)
    binary = os.path.abspath(args.binary)
    # A folder (made absolute), or a bare name that fluxsearch looks up in each node's models.
    is_name = not os.path.exists(args.model) and os.sep not in args.model
    model = args.model if is_name else os.path.abspath(args.model)
    index = os.path.abspath(args.index)
    work = os.path.abspath(args.work or index.rstrip("/") + ".work")
    shards_dir = os.path.join(work, "shards")
    for what, path in (("binary", binary), ("model", None if is_name else model)):
        if path and not os.path.exists(path):
            log(f"error: the {what} {path} does not exist here (the driver runs the merge)")
            return 2

    # 1. The list.
    paths = list_files(args.videos, skip_dirs=[work, index])
    text = "".join(p + "\n" for p in paths)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    os.makedirs(shards_dir, exist_ok=True)
    list_path = os.path.join(work, "files.txt")
    if os.path.exists(list_path):
        with open(list_path, encoding="utf-8") as f:
            if f.read() != text:
                log(f"error: {list_path} is from a run over different files; "
                    f"use another --work folder or delete {work}")
                return 1
    else:
        with open(list_path + ".part", "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(list_path + ".part", list_path)
    files_per_shard = [0] * args.shards
    for p in paths:
        if not p.lower().endswith((".srt", ".vtt")):
            files_per_shard[shard_of(p, args.shards)] += 1
    total_files = sum(files_per_shard)
    log(f"{len(paths)} files listed in {list_path} ({total_files} to index, sidecars aside), "
        f"{args.shards} shard(s): " + ", ".join(str(n) for n in files_per_shard))

    index_args = list(args.index_arg)
    if args.tokens:
        index_args = ["--tokens", str(args.tokens)] + index_args
    # What the shards of WORK are made from. Shard folders of another job must not be resumed
    # (an index run with other budgets would add them to the shard, and merge would refuse it).
    job_key = {"list_sha256": digest, "model": model, "index_args": index_args}
    job_path = os.path.join(work, "job.json")
    if os.path.exists(job_path):
        with open(job_path, encoding="utf-8") as f:
            previous_job = json.load(f)
        if previous_job != job_key:
            log(f"error: {work} holds shards of a run with other options "
                f"({json.dumps(previous_job)}); use another --work folder (and --index) "
                f"or delete {work}")
            return 1
    else:
        with open(job_path + ".part", "w", encoding="utf-8") as f:
            json.dump(job_key, f)
        os.replace(job_path + ".part", job_path)

    # 2. Shards finished by an earlier run of the same job are reused.
    results, failures, todo = {}, {}, []
    done_files = 0
    for shard in range(args.shards):
        shard_dir = os.path.join(shards_dir, f"shard-{shard}-of-{args.shards}")
        marker = shard_dir + ".done"
        if os.path.exists(marker):
            try:
                with open(marker, encoding="utf-8") as f:
                    previous = json.load(f)
            except ValueError:
                previous = {}
            if previous.get("job") == job_key and \
                    os.path.exists(os.path.join(shard_dir, "index.sqlite")):
                results[shard] = previous
                done_files += files_per_shard[shard]
                log(f"shard {shard}/{args.shards}: already done in an earlier run, reused")
                continue
            os.remove(marker)
        todo.append({"shard": shard, "shards": args.shards, "binary": binary, "model": model,
                     "list": list_path, "shard_dir": shard_dir, "ship": args.ship,
                     "index_args": index_args, "lock_wait": args.lock_wait})

    # 3. Ray: one task per shard left.
    attempts = [0] * args.shards
    pending = {}
    board = None
    if todo:
        import logging
        import ray
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        address = args.address or os.environ.get("RAY_ADDRESS") or "auto"
        init = {"logging_level": logging.WARNING, "configure_logging": True}
        if address == "local":
            ray.init(**init)
        else:
            ray.init(address=address, **init)
        nodes = [n for n in ray.nodes() if n.get("Alive")]
        cpus = sum(n.get("Resources", {}).get("CPU", 0) for n in nodes)
        log(f"Ray: {len(nodes)} node(s), {cpus:g} CPU(s); shards run one CPU each, "
            f"{args.retries} retries, ship={args.ship}; driver on node "
            f"{ray.get_runtime_context().get_node_id()[:8]}")
        try:
            # The board lives on the head node, the one node a job cannot lose (with a soft
            # affinity Ray may put it on a worker node, and it would die with that node).
            heads = [n["NodeID"] for n in nodes
                     if "node:__internal_head__" in n.get("Resources", {})]
            home = heads[0] if heads else ray.get_runtime_context().get_node_id()
            board = ray.remote(num_cpus=0, max_restarts=-1, max_task_retries=-1)(
                ProgressBoard).options(
                scheduling_strategy=NodeAffinitySchedulingStrategy(home, soft=False)).remote()
        except Exception as error:  # e.g. Ray Client: no start events, only finish lines
            log(f"(no start events: {error})")
        task = ray.remote(run_shard).options(num_cpus=1, max_retries=args.retries,
                                             retry_exceptions=True, scheduling_strategy="SPREAD")
        list_arg = ray.put(text) if args.ship == "archive" else None
    started_at = time.monotonic()
    if todo:
        for spec in todo:
            pending[task.remote(spec, list_arg, board)] = spec["shard"]

    board_errors = []

    def show_started():
        if board is None:
            return
        try:
            events = ray.get(board.drain.remote(), timeout=10)
        except Exception as error:
            if not board_errors:
                log(f"(start events unavailable: {type(error).__name__}: "
                    f"{str(error).splitlines()[0][:200]})")
            board_errors.append(error)
            return
        for e in events:
            s = e["shard"]
            attempts[s] += 1
            what = "started" if attempts[s] == 1 else f"retry {attempts[s] - 1} started"
            log(f"shard {s}/{args.shards}: {what} on {e['host']} node {e['node'][:8]} "
                f"(worker pid {e['pid']}, {files_per_shard[s]} files)")

    interrupted = False
    ran_files = 0  # files of the shards finished in this run (for the ETA)
    try:
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=0.25)
            show_started()
            for ref in ready:
                shard = pending.pop(ref)
                shard_dir = os.path.join(shards_dir, f"shard-{shard}-of-{args.shards}")
                try:
                    result = ray.get(ref)
                except Exception as error:  # RayTaskError, WorkerCrashedError, NodeDiedError...
                    cause = getattr(error, "cause", None) or error  # our RuntimeError, unwrapped
                    failures[shard] = f"{type(cause).__name__}: {cause}".strip()
                    log(f"shard {shard}/{args.shards}: FAILED after {args.retries} retries: "
                        + failures[shard][:2000])
                    continue
                archive = result.pop("archive", None)
                if archive is not None:
                    unpack_archive(archive, shard_dir)
                result["job"] = job_key
                result["attempts"] = max(attempts[shard], 1)
                with open(shard_dir + ".done.part", "w", encoding="utf-8") as f:
                    json.dump(result, f)
                os.replace(shard_dir + ".done.part", shard_dir + ".done")
                results[shard] = result
                done_files += files_per_shard[shard]
                ran_files += files_per_shard[shard]
                elapsed = time.monotonic() - started_at
                left = total_files - done_files
                eta = "" if not ran_files or not left else \
                    f", ETA {fmt_seconds(elapsed / ran_files * left)}"
                c = result["counts"]
                log(f"[{len(results)}/{args.shards} shards, {done_files}/{total_files} files, "
                    f"{fmt_seconds(elapsed)}{eta}] shard {shard}/{args.shards} done on "
                    f"{result['host']} node {result['node'][:8]} in {result['seconds']:.1f}s: "
                    f"{plural(c['videos'], 'video')}, {plural(c['clips'], 'clip')}, "
                    f"{plural(c['failures'], 'failure')}")
    except KeyboardInterrupt:
        interrupted = True
        log("interrupted; cancelling the shard tasks (re-run the same command to resume)")
        for ref in pending:
            ray.cancel(ref, force=True)
    show_started()

    if interrupted:
        return 130
    if failures:
        log(f"error: {len(failures)} shard(s) failed after retries: "
            f"{', '.join(str(s) for s in sorted(failures))}; nothing merged. "
            f"Fix the cause and re-run the same command: finished shards are reused.")
        if args.json:
            print(json.dumps({"ok": False, "failed_shards": {str(k): v for k, v in failures.items()}},
                             indent=2))
        return 1

    # 4. Merge, here.
    shard_dirs = [os.path.join(shards_dir, f"shard-{s}-of-{args.shards}") for s in range(args.shards)]
    log(f"merging {args.shards} shard(s) into {index}")
    proc = subprocess.run([binary, "merge", *shard_dirs, "--into", index, "--json"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        log(f"error: fluxsearch merge exited with {proc.returncode}:\n{proc.stderr.strip()}")
        return 1
    try:
        merge_summary = json.loads(proc.stdout)
    except ValueError:
        merge_summary = proc.stdout.strip()
    elapsed = time.monotonic() - started_at
    counts = count_index(index)
    if args.json:
        print(json.dumps({
            "ok": True, "index": index, "work": work, "files": len(paths), "shards": args.shards,
            "seconds": round(elapsed, 3), "counts": counts, "merge": merge_summary,
            "shard_results": [results[s] for s in range(args.shards)],
        }, indent=2))
    else:
        retried = sum(max(a - 1, 0) for a in attempts)
        print(f"indexed {len(paths)} files in {args.shards} shards in {fmt_seconds(elapsed)}"
              f"{f' ({retried} retried)' if retried else ''}: {plural(counts['videos'], 'video')}, "
              f"{plural(counts['clips'], 'clip')}, {plural(counts['failures'], 'failure')} "
              f"-> {index}")
        if merge_summary:
            print(f"merge: {describe_merge(merge_summary)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
