#!/usr/bin/env python3
"""Acceptance test for the Ray driver: a real two-node Ray cluster on 127.0.0.1.

    python3 Tools/distributed/test_two_node.py --fluxsearch .build/debug/fluxsearch [--keep]

1. Writes the tiny random-weight model and a folder of generated clips (ffmpeg), with a corrupt
   .mp4, a file that is not a video and an .srt sidecar, so failures and transcripts are compared
   too; then indexes the folder's file list in one process (the reference).
2. Starts a head node and a worker node on 127.0.0.1 (`ray start --head` and
   `ray start --address`, 2 CPUs each, each `--block` in its own process group).
3. Run 1: the driver with 4 shards, --ship archive. The merged index must equal the reference:
   the same (path, kind, start, end, budget, embedding bytes) clips, the same videos, the same
   (path, stage, reason) failures, the same transcripts.
4. Run 2, into fresh folders, --ship shared: as soon as a shard running on the worker node has
   committed a file, the worker node is killed (SIGKILL to `ray start` and every process below
   it, except the fluxsearch processes, which must then die with their Ray workers). The job
   must still finish (Ray retries the lost shards on the head node; they resume their shared
   shard folders) and the result must still equal the reference.
5. Stops every process it started (the process groups, then anything still running from its
   Ray temp folder), also when it fails or is interrupted.

How the test knows a shard runs on the worker node: the driver prints a line when a shard task
starts, with its Ray worker's pid; that pid descends from the worker node's `ray start --block`
process (Ray's worker processes are in process groups of their own, so the test walks the
process tree rather than the group). Every shard gets at least two clips (the temporary folder's
name is picked so that the path hashes spread that way), so a shard is still running after its
first commit.

It does not run `ray stop --force`, which would also stop any other Ray on the machine.
Prints PASS/FAIL lines; exit 0 when everything passed, 1 on a failure, 77 when Ray (or ffmpeg)
is not installed (skipped).
"""

import argparse
import atexit
import json
import os
import queue
import random
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.path.join(HERE, "fluxsearch_ray.py")
SHARDS = 4
CPUS_PER_NODE = 2
SKIP = 77

# Things to stop at exit: process groups we created, and our Ray temp folder (any process whose
# command line names it is one of ours).
_groups = []
_ray_temp = []
_cleaned = False


def say(message=""):
    print(message, flush=True)


def skip(reason):
    """Exit status 77: skipped. The reason goes to stdout and stderr."""
    say(f"SKIP: {reason}")
    print(f"SKIP: {reason}", file=sys.stderr, flush=True)
    return SKIP


def fail_exit(message, code=1):
    say(f"FAIL: {message}")
    sys.exit(code)


# ---------------------------------------------------------------------------------------------
# Processes


def _kill_group(pgid, sig):
    try:
        os.killpg(pgid, sig)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return False


def _group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def _our_leftovers():
    """Pids of processes whose command line mentions our Ray temp folder."""
    if not _ray_temp:
        return []
    marker = _ray_temp[0].encode()
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if marker in f.read():
                    pids.append(int(entry))
        except OSError:
            pass
    return pids


def cleanup():
    global _cleaned
    if _cleaned:
        return
    _cleaned = True
    for pgid in _groups:
        _kill_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline and any(_group_alive(g) for g in _groups):
        time.sleep(0.2)
    for pgid in _groups:
        _kill_group(pgid, signal.SIGKILL)
    # Ray processes that left the groups (daemonized) but still run from our temp folder.
    for attempt in range(3):
        pids = _our_leftovers()
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.5)


def _on_signal(signum, frame):
    raise SystemExit(128 + signum)


def _parent(pid):
    with open(f"/proc/{pid}/stat", "rb") as f:
        stat = f.read()
    return int(stat[stat.rindex(b")") + 2:].split()[1])


def runs_under(pid, ancestor):
    """Whether pid is ancestor or one of its descendants (or in its process group)."""
    try:
        if os.getpgid(pid) == ancestor:
            return True
        while pid > 1:
            if pid == ancestor:
                return True
            pid = _parent(pid)
    except (OSError, ValueError, IndexError):
        pass
    return False


def descendants(root):
    """root and every process below it (by parent pid), from one scan of /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                children.setdefault(_parent(int(entry)), []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return []


def kill_node(node_pid, binary):
    """SIGKILL a Ray node: its process group and every process below `ray start --block`
    (Ray's worker processes have process groups of their own) except the fluxsearch processes,
    which must then die by themselves: the driver starts them with a parent-death signal.
    Returns the fluxsearch pids that were running."""
    tree = descendants(node_pid)
    ours = [p for p in tree if binary.encode() in cmdline(p)]
    _kill_group(node_pid, signal.SIGKILL)
    for pid in tree:
        if pid not in ours:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    return ours


def _alive(pid):
    """Running (not a zombie, not gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        return stat[stat.rindex(b")") + 2:stat.rindex(b")") + 3] not in (b"Z", b"X")
    except OSError:
        return False


def committed_files(shard_dir):
    """Files a shard run has committed so far (videos and failures), 0 when unreadable."""
    path = os.path.join(shard_dir, "index.sqlite")
    if not os.path.exists(path):
        return 0
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.2)
        try:
            return sum(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                       for t in ("video", "indexingFailure"))
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def _skipped(summary):
    """How many files a shard run skipped as already indexed, from its --json output."""
    if isinstance(summary, dict):
        if "skipped" in summary:
            value = summary["skipped"]
            return len(value) if isinstance(value, list) else int(value)
        return _skipped(summary.get("summary"))
    return None


def check_resumed(shards_dir, committed_at_kill):
    """A retried shard must skip the files its killed predecessor committed."""
    ok = True
    for shard, committed in sorted(committed_at_kill.items()):
        if not committed:
            continue
        with open(os.path.join(shards_dir, f"shard-{shard}-of-{SHARDS}.done"), encoding="utf-8") as f:
            skipped = _skipped(json.load(f).get("summary"))
        if skipped is None:
            say(f"note: run 2: shard {shard}'s summary does not say what it skipped")
        elif skipped >= committed:
            say(f"PASS: run 2: the retry of shard {shard} resumed it ({skipped} file(s) "
                f"committed before the kill were skipped)")
        else:
            say(f"FAIL: run 2: the retry of shard {shard} skipped {skipped} file(s), but "
                f"{committed} were committed before the kill")
            ok = False
    return ok


def check_orphans(pids):
    """The fluxsearch processes of a killed worker must exit by themselves within seconds."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    alive = [p for p in pids if _alive(p)]
    if alive:
        say(f"FAIL: run 2: fluxsearch process(es) {alive} outlived their killed worker "
            f"(no parent-death signal?)")
        for p in alive:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        return False
    if pids:
        say(f"PASS: run 2: the {len(pids)} fluxsearch process(es) of the killed node died with "
            f"their worker (parent-death signal)")
    return True


def start_group(cmd, log_path, env=None):
    """Start cmd in a new session (its own process group), output to log_path."""
    log = open(log_path, "ab")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env=env, start_new_session=True)
    log.close()
    _groups.append(proc.pid)
    return proc


def wait_for_log(proc, log_path, needle, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(log_path, errors="replace") as f:
            if needle in f.read():
                return
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    with open(log_path, errors="replace") as f:
        tail = "".join(f.readlines()[-30:])
    fail_exit(f"{what} did not start (exit {proc.poll()}):\n{tail}")


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def run(cmd, what, timeout=600, **kw):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout, **kw)
    if proc.returncode != 0:
        fail_exit(f"{what} exited with {proc.returncode}:\n{proc.stdout[-4000:]}")
    return proc.stdout


# ---------------------------------------------------------------------------------------------
# Fixtures


def fixture_names(count):
    """The files make_clips writes (the hidden one aside), in listing order."""
    return sorted([f"clip{i:02d}.mp4" for i in range(count)] +
                  ["clip03.srt", "corrupt.mp4", "notes.txt"])


def make_root(count):
    """A temporary folder whose fixture paths give every shard at least two clips to encode.

    The shard of a file is the hash of its absolute path, so it depends on this folder's random
    name; with two or more files in each shard, a shard on the worker node is still running
    after its first file is committed, which is when run 2 kills the node. The path is short:
    Ray's Unix sockets live under it (socket paths are limited to about 107 bytes)."""
    sys.path.insert(0, HERE)
    import fluxsearch_ray
    for _ in range(500):
        root = tempfile.mkdtemp(prefix="fsray-", dir="/tmp")
        per_shard = [0] * SHARDS
        for name in fixture_names(count):
            if name.startswith("clip") and name.endswith(".mp4"):  # the ones that take time
                per_shard[fluxsearch_ray.shard_of(os.path.join(root, "videos", name), SHARDS)] += 1
        if min(per_shard) >= 2:
            return root
        os.rmdir(root)
    fail_exit("could not find a temporary folder name that balances the shards")


def make_clips(folder, count):
    os.makedirs(folder)
    colors = ["red", "green", "blue", "yellow", "cyan", "magenta", "white", "orange",
              "purple", "pink", "brown", "gray", "navy", "olive", "teal", "maroon"]
    procs = []
    for i in range(count):
        color = colors[i % len(colors)]
        x, y = 10 + (i * 17) % 100, 10 + (i * 29) % 70
        out = os.path.join(folder, f"clip{i:02d}.mp4")
        cmd = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi",
               "-i", f"testsrc2=size=160x120:rate=10:duration=2,"
                     f"drawbox=x={x}:y={y}:w=50:h=40:color={color}:t=fill",
               "-c:v", "libx264", "-pix_fmt", "yuv420p", "-threads", "1", out]
        procs.append((subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT), out))
        if len(procs) >= 4:
            _finish_ffmpeg(procs.pop(0))
    for p in procs:
        _finish_ffmpeg(p)
    with open(os.path.join(folder, "clip03.srt"), "w", encoding="utf-8") as f:
        f.write("1\n00:00:00,000 --> 00:00:01,000\na red square\n\n"
                "2\n00:00:01,000 --> 00:00:02,000\nmoving on\n")
    rng = random.Random(20)
    with open(os.path.join(folder, "corrupt.mp4"), "wb") as f:
        f.write(bytes(rng.getrandbits(8) for _ in range(4096)))
    with open(os.path.join(folder, "notes.txt"), "w", encoding="utf-8") as f:
        f.write("not a video\n")
    with open(os.path.join(folder, ".hidden.mp4"), "wb") as f:
        f.write(b"listing must skip hidden files")


def _finish_ffmpeg(item):
    proc, out = item
    output = proc.communicate()[0]
    if proc.returncode != 0:
        fail_exit(f"ffmpeg could not make {out}: {output.decode(errors='replace')[-2000:]}")


# ---------------------------------------------------------------------------------------------
# Comparison


def snapshot(index_dir):
    path = os.path.join(index_dir, "index.sqlite")
    if not os.path.exists(path):
        fail_exit(f"{path} does not exist")
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        snap = {
            "clips": sorted(db.execute(
                'SELECT v.path, c.kind, c.start, c."end", c.budget, c.embedding '
                'FROM clip c JOIN video v ON v.id = c.videoId')),
            "videos": sorted(db.execute(
                "SELECT path, size, contentHash, duration, fps FROM video")),
            "failures": sorted(db.execute("SELECT path, stage, reason FROM indexingFailure")),
        }
        if "transcript" in tables:
            snap["transcripts"] = sorted(db.execute(
                "SELECT v.path, t.source, t.kind, t.format, t.language "
                "FROM transcript t JOIN video v ON v.id = t.videoId"), key=repr)
        return snap
    finally:
        db.close()


def describe(row):
    return tuple(f"<{len(x)} bytes>" if isinstance(x, bytes) else x for x in row)


def compare(name, got, want):
    """PASS/FAIL lines for each part of the snapshot; returns True when all equal."""
    ok = True
    for part in want:
        a, b = got.get(part, []), want[part]
        if a == b:
            say(f"PASS: {name}: {part} equal ({len(b)})")
            continue
        ok = False
        missing = [r for r in b if r not in a][:3]
        extra = [r for r in a if r not in b][:3]
        say(f"FAIL: {name}: {part} differ: merged has {len(a)}, single-process has {len(b)}")
        for r in missing:
            say(f"        only in single-process: {describe(r)}")
        for r in extra:
            say(f"        only in merged:         {describe(r)}")
        if not missing and not extra:
            say("        same rows, different multiplicities")
    return ok


# ---------------------------------------------------------------------------------------------
# Driver runs


class DriverRun:
    """The driver as a child; its output lines are echoed and queued for the test to watch."""

    def __init__(self, args, env, log_path):
        self.lines = queue.Queue()
        self.all = []
        self.log = open(log_path, "w", encoding="utf-8")
        self.proc = subprocess.Popen([sys.executable, DRIVER, *args], env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, bufsize=1,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        _groups.append(self.proc.pid)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            self.all.append(line)
            self.log.write(line + "\n")
            self.log.flush()
            say(f"  | {line}")
            self.lines.put(line)
        self.lines.put(None)

    def wait(self, timeout):
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            fail_exit(f"the driver did not finish within {timeout} s")
        self.reader.join(timeout=10)
        return code


STARTED = re.compile(r"shard (\d+)/\d+: (?:started|retry (\d+) started) on \S+ node (\w+) "
                     r"\(worker pid (\d+), (\d+) files\)")
DONE = re.compile(r"shard (\d+)/\d+ done on")


def check_cluster_line(lines):
    for line in lines:
        m = re.search(r"Ray: (\d+) node\(s\), ([\d.]+) CPU", line)
        if m:
            nodes, cpus = int(m.group(1)), float(m.group(2))
            if nodes == 2 and cpus == 2 * CPUS_PER_NODE:
                say(f"PASS: the driver sees 2 nodes and {cpus:g} CPUs")
                return True
            say(f"FAIL: the driver sees {nodes} node(s) and {cpus:g} CPUs, expected 2 and "
                f"{2 * CPUS_PER_NODE}")
            return False
    say("FAIL: the driver did not report the cluster")
    return False


# ---------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fluxsearch", required=True, metavar="BIN")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--clips", type=int, default=12, help="generated clips (default 12)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per driver run")
    args = parser.parse_args()

    try:
        import ray  # noqa: F401
    except ImportError:
        return skip("Ray is not installed (Tools/setup --tests installs ray, pinned)")
    if shutil.which("ffmpeg") is None:
        return skip("ffmpeg is not installed (Tools/setup installs it)")
    binary = os.path.abspath(args.fluxsearch)
    if not os.access(binary, os.X_OK):
        fail_exit(f"{binary} is not an executable")

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    atexit.register(cleanup)
    root = make_root(args.clips)
    ray_temp = os.path.join(root, "r")
    _ray_temp.append(ray_temp)
    started = time.monotonic()
    ok = False
    try:
        ok = scenario(binary, root, ray_temp, args)
    finally:
        cleanup()
        leftovers = _our_leftovers()
        if leftovers:
            say(f"FAIL: processes still running from {ray_temp}: {leftovers}")
            ok = False
        else:
            say("PASS: every Ray process of the test is stopped")
        if args.keep:
            say(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
        say(f"{'PASS' if ok else 'FAIL'}: two-node Ray test, {time.monotonic() - started:.0f} s")
    return 0 if ok else 1


def scenario(binary, root, ray_temp, args):
    sys.path.insert(0, HERE)
    import fluxsearch_ray

    ok = True
    model = os.path.join(root, "model")
    videos = os.path.join(root, "videos")
    t0 = time.monotonic()
    run([binary, "dev", "random-model", "--output", model, "--seed", "1"], "dev random-model")
    make_clips(videos, args.clips)
    paths = fluxsearch_ray.list_files([videos], skip_dirs=[])
    list_text = "".join(p + "\n" for p in paths)
    list_path = os.path.join(root, "files.txt")
    with open(list_path, "w", encoding="utf-8") as f:
        f.write(list_text)
    say(f"fixtures: {len(paths)} files, model, in {time.monotonic() - t0:.1f} s ({root})")

    # The single-process reference, while the cluster starts.
    single_dir = os.path.join(root, "single")
    single = subprocess.Popen([binary, "index", "--files", list_path, "--index-dir", single_dir,
                               "--model", model, "--json"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, start_new_session=True)
    _groups.append(single.pid)

    # The cluster.
    env = dict(os.environ)
    env.update({
        "RAY_USAGE_STATS_ENABLED": "0",
        # Notice a dead node in about 3 s instead of about 15 s.
        "RAY_health_check_initial_delay_ms": "1000",
        "RAY_health_check_period_ms": "1000",
        "RAY_health_check_timeout_ms": "1000",
        "RAY_health_check_failure_threshold": "3",
        # A token of our own for this cluster (nodes and driver), so neither an existing
        # ~/.ray/auth_token nor its absence changes how the nodes authenticate.
        "RAY_AUTH_MODE": "token",
        "RAY_AUTH_TOKEN": secrets.token_hex(32),
    })
    env.pop("RAY_AUTH_TOKEN_PATH", None)
    env.pop("RAY_ADDRESS", None)
    ray_cli = [sys.executable, "-m", "ray.scripts.scripts", "start"]
    gcs, dashboard = free_ports(2)
    common = ["--node-ip-address", "127.0.0.1", "--num-cpus", str(CPUS_PER_NODE), "--num-gpus", "0",
              "--object-store-memory", str(200 * 1024 * 1024), "--disable-usage-stats", "--block"]

    def node_ports():
        nm, om, agent, agent_grpc, runtime_env, metrics = free_ports(6)
        return ["--node-manager-port", str(nm), "--object-manager-port", str(om),
                "--dashboard-agent-listen-port", str(agent),
                "--dashboard-agent-grpc-port", str(agent_grpc),
                "--runtime-env-agent-port", str(runtime_env), "--metrics-export-port", str(metrics)]

    t0 = time.monotonic()
    head_log = os.path.join(root, "head.log")
    head = start_group(ray_cli + ["--head", "--port", str(gcs), "--temp-dir", ray_temp,
                                  "--include-dashboard=false", "--dashboard-port", str(dashboard),
                                  *common, *node_ports()], head_log, env)
    wait_for_log(head, head_log, "Ray runtime started", 120, "the head node")
    worker_log = os.path.join(root, "worker.log")
    worker = start_group(ray_cli + ["--address", f"127.0.0.1:{gcs}", *common, *node_ports()],
                         worker_log, env)
    wait_for_log(worker, worker_log, "Ray runtime started", 120, "the worker node")
    say(f"PASS: two Ray nodes on 127.0.0.1:{gcs} in {time.monotonic() - t0:.1f} s "
        f"(head pgid {head.pid}, worker pgid {worker.pid})")

    out = single.communicate(timeout=args.timeout)[0]
    if single.returncode != 0:
        fail_exit(f"the single-process index exited with {single.returncode}:\n{out[-4000:]}")
    reference = snapshot(single_dir)
    if not reference["clips"] or not reference["failures"]:
        fail_exit(f"the reference index should have clips and failures: "
                  f"{len(reference['clips'])} clips, {len(reference['failures'])} failures")
    if not any(p.endswith("corrupt.mp4") for p, _, _ in reference["failures"]):
        fail_exit("the reference index has no failure for corrupt.mp4")
    say(f"reference: {len(reference['videos'])} videos, {len(reference['clips'])} clips, "
        f"{len(reference['failures'])} failures")

    def driver_args(name, ship):
        return [videos, "--index", os.path.join(root, name, "index"), "--shards", str(SHARDS),
                "--binary", binary, "--model", model, "--address", f"127.0.0.1:{gcs}",
                "--work", os.path.join(root, name, "work"), "--ship", ship, "--retries", "3"]

    def check_list(name):
        with open(os.path.join(root, name, "work", "files.txt"), encoding="utf-8") as f:
            if f.read() == list_text:
                say(f"PASS: {name}: the driver's file list equals the reference list")
                return True
        say(f"FAIL: {name}: the driver's file list differs from the reference list")
        return False

    # Run 1: both nodes, shards shipped back as archives.
    say(f"run 1: {SHARDS} shards on two nodes, --ship archive")
    t0 = time.monotonic()
    d = DriverRun(driver_args("run1", "archive"), env, os.path.join(root, "run1.log"))
    code = d.wait(args.timeout)
    say(f"run 1: driver exited with {code} in {time.monotonic() - t0:.1f} s")
    if code != 0:
        say("FAIL: run 1: the driver failed")
        return False
    ok &= check_cluster_line(d.all)
    nodes_used = {m.group(3) for m in map(STARTED.search, d.all) if m}
    if len(nodes_used) == 2:
        say("PASS: run 1: shards ran on both nodes")
    else:
        say(f"FAIL: run 1: shards ran on {len(nodes_used)} node(s), expected both")
        ok = False
    ok &= check_list("run1")
    ok &= compare("run 1", snapshot(os.path.join(root, "run1", "index")), reference)

    # Run 2: kill the worker node while one of its shards runs.
    say(f"run 2: {SHARDS} shards, --ship shared, the worker node is killed mid-job")
    t0 = time.monotonic()
    d = DriverRun(driver_args("run2", "shared"), env, os.path.join(root, "run2.log"))
    killed_at, killed_shards, running, orphans = None, set(), {}, []
    committed_at_kill = {}
    fallback = None
    while True:
        try:
            line = d.lines.get(timeout=0.05)
        except queue.Empty:
            line = ""
        if line is None:
            break
        m = STARTED.search(line)
        if m and killed_at is None and runs_under(int(m.group(4)), worker.pid):
            running[int(m.group(1))] = int(m.group(4))
            fallback = fallback or time.monotonic() + 10
        m = DONE.search(line)
        if m:
            running.pop(int(m.group(1)), None)
        if killed_at is not None or not running:
            continue
        # Kill once a shard on the worker node has committed a file (so its retry must resume
        # a half-done shard folder), or after 10 s whatever it did.
        committed = {s: committed_files(os.path.join(root, "run2", "work", "shards",
                                                     f"shard-{s}-of-{SHARDS}")) for s in running}
        if any(committed.values()) or time.monotonic() > fallback:
            killed_shards, committed_at_kill = set(running), committed
            orphans = kill_node(worker.pid, binary)
            killed_at = time.monotonic()
            say(f"  >> killed the worker node (SIGKILL to `ray start` pid {worker.pid} and "
                f"everything below it) {killed_at - t0:.1f} s into run 2, while it ran shard(s) "
                f"{sorted(killed_shards)} with {committed} file(s) committed; "
                f"{len(orphans)} fluxsearch process(es) left to die with their worker")
            ok &= check_orphans(orphans)
    code = d.wait(args.timeout)
    say(f"run 2: driver exited with {code} in {time.monotonic() - t0:.1f} s")
    if killed_at is None:
        say("FAIL: run 2: no shard with files to index was seen running on the worker node, "
            "so the node was not killed mid-job")
        return False
    if code != 0:
        say("FAIL: run 2: the driver failed after the worker node was killed")
        return False
    say("PASS: run 2: the job finished after the worker node was killed")
    retried = {int(m.group(1)) for m in map(STARTED.search, d.all) if m and m.group(2)}
    if killed_shards & retried:
        say(f"PASS: run 2: Ray retried shard(s) {sorted(killed_shards & retried)} "
            f"from the killed node")
    else:
        say(f"FAIL: run 2: no retry of shard(s) {sorted(killed_shards)} was reported")
        ok = False
    ok &= check_resumed(os.path.join(root, "run2", "work", "shards"), committed_at_kill)
    ok &= check_list("run2")
    ok &= compare("run 2", snapshot(os.path.join(root, "run2", "index")), reference)
    return ok


if __name__ == "__main__":
    sys.exit(main())
