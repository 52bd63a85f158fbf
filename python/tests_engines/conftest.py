"""Fixtures of the engine tests: the CLI to compare with, the test dumps, and a real
multi-process cluster on 127.0.0.1 (a Spark standalone master with two workers, each
its own JVM), started for the session and torn down after. Nothing here skips: a
missing Java, engine or CLI binary fails the tests."""

import gzip
import json
import os
import pathlib
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
REUTERS = SHARED / "reuters21578.jsonl.gz"
#: Reuters articles the engine tests take (the first ones of the dump): the full
#: 19,043 take minutes per engine on two cores.
REUTERS_DOCS = 3000


@pytest.fixture(scope="session")
def cli_bin():
    path = os.environ.get("REPRINT_BIN")
    if not path or not os.access(path, os.X_OK):
        pytest.fail(
            "REPRINT_BIN must name the reprint binary built from this tree "
            f"(got {path!r}); e.g. REPRINT_BIN=target/debug/reprint"
        )
    return path


@pytest.fixture(scope="session")
def cli_clusters(cli_bin, tmp_path_factory):
    """``reprint dedup INPUT... --clusters FILE`` run in the repository root; returns
    the clusters file's text."""

    def run(*inputs, flags=()):
        out = tmp_path_factory.mktemp("cli") / "clusters.jsonl"
        subprocess.run(
            [cli_bin, "--quiet", "dedup", *map(str, inputs), *flags, "--clusters", str(out)],
            cwd=REPO,
            check=True,
        )
        return out.read_text(encoding="utf-8")

    return run


@pytest.fixture(scope="session")
def cli_dedup_files(cli_bin, tmp_path_factory):
    """``reprint dedup INPUT... --clusters --pairs -o --summary-json`` run in the
    repository root; returns the folder of ``clusters.jsonl``, ``pairs.jsonl``,
    ``dedup.jsonl`` and ``summary.json``."""

    def run(*inputs, flags=()):
        out = tmp_path_factory.mktemp("cli")
        subprocess.run(
            [cli_bin, "--quiet", "dedup", *map(str, inputs), *flags,
             "--clusters", str(out / "clusters.jsonl"), "--pairs", str(out / "pairs.jsonl"),
             "-o", str(out / "dedup.jsonl"), "--summary-json", str(out / "summary.json")],
            cwd=REPO,
            check=True,
        )
        return out

    return run


def assert_the_files_of_the_cli(got, want):
    """The files of an engine's ``dedup`` command line (folder ``got``) against the
    CLI's (``want``, of :func:`cli_dedup_files`): every file byte for byte but the
    summary, whose counts are the CLI's and whose settings are the CLI's."""
    for name in ("clusters.jsonl", "pairs.jsonl", "dedup.jsonl"):
        assert (got / name).read_bytes() == (want / name).read_bytes(), name
    summary = json.loads((got / "summary.json").read_text(encoding="utf-8"))
    cli = json.loads((want / "summary.json").read_text(encoding="utf-8"))
    assert summary["stats"] == {k: cli["stats"][k] for k in summary["stats"]}
    assert set(summary["stats"]) >= {"documents", "skipped", "candidate_pairs", "verified_pairs", "clusters"}
    assert summary["stats"]["skipped"] == len(BAD_LINES)
    assert summary["config"] == cli["config"]


@pytest.fixture(scope="session")
def cli_scan(cli_bin, tmp_path_factory):
    """``reprint scan INPUT... --format json`` run in the repository root; returns the
    report's text."""

    def run(*inputs, flags=()):
        out = tmp_path_factory.mktemp("cli") / "scan.json"
        subprocess.run(
            [cli_bin, "--quiet", "scan", *map(str, inputs), *flags, "--format", "json",
             "-o", str(out)],
            cwd=REPO,
            check=True,
        )
        return out.read_text(encoding="utf-8")

    return run


@pytest.fixture(scope="session")
def dumps(cli_bin, tmp_path_factory):
    """The test inputs, as paths relative to the repository root or absolute:
    ``seeds`` (corpus/seeds, a folder of .txt), ``reuters`` (the first
    :data:`REUTERS_DOCS` Reuters articles) and ``synth`` (a small ``reprint synth``
    dump with planted near-duplicates)."""
    if not REUTERS.exists():
        pytest.fail(f"{REUTERS} is missing: the engine tests read the Reuters dump from ../shared")
    tmp = tmp_path_factory.mktemp("dumps")
    reuters = tmp / "reuters.jsonl"
    with gzip.open(REUTERS, "rt", encoding="utf-8") as src, open(reuters, "w", encoding="utf-8") as out:
        for n, line in enumerate(src):
            if n == REUTERS_DOCS:
                break
            out.write(line)
    synth = tmp / "synth.jsonl"
    subprocess.run(
        [cli_bin, "--quiet", "synth", "corpus/seeds", "--docs", "400", "--seed", "7",
         "-o", str(synth), "--truth", str(tmp / "truth.jsonl")],
        cwd=REPO,
        check=True,
    )
    # The synth dump with unusable lines between its records.
    messy = tmp / "messy.jsonl"
    lines = synth.read_text(encoding="utf-8").splitlines()
    for n, bad in enumerate(BAD_LINES):
        lines.insert(7 + 50 * n, bad)
    messy.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"seeds": "corpus/seeds", "reuters": str(reuters), "synth": str(synth), "messy": str(messy)}


#: Lines that cannot be used, one of each kind the ingest names, in the messy dump.
BAD_LINES = ['{"id": "broken", "text": ', "[1, 2, 3]", '{"id": "notext"}', '{"id": [1], "text": "t"}']


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, what, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def child_pids(pid):
    """Every descendant of ``pid`` (from /proc)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def stop_groups(procs, timeout):
    """Stops the process groups of ``procs`` (last started first): SIGTERM, then
    SIGKILL for a group still running after ``timeout`` seconds."""
    for proc in reversed(procs):
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for proc in procs:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

class SparkCluster:
    """A standalone master and two workers, each its own JVM, on 127.0.0.1."""

    def __init__(self, root):
        if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
            pytest.fail("Java is missing: the Spark tests need a JDK 17 (apt-get install openjdk-17-jre-headless)")
        import pyspark

        home = pathlib.Path(pyspark.__file__).parent
        self.spark_class = str(home / "bin" / "spark-class")
        self.root = root
        self.env = dict(
            os.environ,
            SPARK_HOME=str(home),
            SPARK_LOCAL_IP="127.0.0.1",
            SPARK_LOCAL_HOSTNAME="localhost",
            PYSPARK_PYTHON=sys.executable,
            PYSPARK_DRIVER_PYTHON=sys.executable,
        )
        self.port = free_port()
        self.url = f"spark://127.0.0.1:{self.port}"
        self.procs = []
        self.logs = []
        self.master = self._start(
            "master",
            ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
             "--port", str(self.port), "--webui-port", str(free_port())],
        )
        wait_for(lambda: "Starting Spark master" in self.log(0) or "I have been elected leader" in self.log(0),
                 "the Spark master")
        self.workers = []
        for n in range(2):
            work = root / f"worker-{n}"
            work.mkdir()
            self.workers.append(self._start(
                f"worker-{n}",
                ["org.apache.spark.deploy.worker.Worker", self.url, "--host", "127.0.0.1",
                 "--cores", "2", "--memory", "2g", "--work-dir", str(work),
                 "--webui-port", str(free_port())],
            ))
        for n in range(2):
            wait_for(lambda n=n: "Successfully registered with master" in self.log(n + 1),
                     f"Spark worker {n}")

    def _start(self, name, args):
        log = self.root / f"{name}.log"
        self.logs.append(log)
        proc = subprocess.Popen(
            [self.spark_class, *args], env=self.env, stdout=open(log, "w"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def log(self, n):
        try:
            return self.logs[n].read_text(errors="replace")
        except OSError:
            return ""

    def executor_pids(self, app_id):
        """The executor JVMs the workers launched for application ``app_id``."""
        return [p for w in self.workers for p in child_pids(w.pid)
                if "CoarseGrainedExecutorBackend" in cmdline(p) and app_id in cmdline(p)]

    def stop(self):
        stop_groups(self.procs, timeout=30)


@pytest.fixture(scope="session")
def spark_cluster(tmp_path_factory):
    cluster = SparkCluster(tmp_path_factory.mktemp("spark"))
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def spark(spark_cluster):
    from pyspark.sql import SparkSession

    os.environ.update({k: spark_cluster.env[k] for k in ("SPARK_LOCAL_IP", "PYSPARK_PYTHON", "SPARK_HOME")})
    session = (
        SparkSession.builder.master(spark_cluster.url)
        .appName("reprint engine tests")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.executor.memory", "768m")
        # One single-core executor on each worker: the other core of each is left for
        # the command-line test's application.
        .config("spark.cores.max", "2")
        .config("spark.executor.cores", "1")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.task.maxFailures", "4")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    wait_for(lambda: session.sparkContext._jsc.sc().getExecutorMemoryStatus().size() >= 3,
             "two Spark executors")
    yield session
    session.stop()


def started(run):
    """``run()`` started in a thread; returns the thread and the dict that gets its
    result (``"got"``) or the exception it raised (``"error"``)."""
    result = {}

    def body():
        try:
            result["got"] = run()
        except BaseException as e:  # reported by finished()
            result["error"] = e

    job = threading.Thread(target=body)
    job.start()
    return job, result


def finished(job, result, timeout):
    """The result of a job of :func:`started`, failing the test if it did not finish
    within ``timeout`` seconds or raised."""
    job.join(timeout=timeout)
    assert not job.is_alive(), f"the job did not finish within {timeout} s of the kill"
    assert "error" not in result, f"the job failed after the kill: {result.get('error')!r}"
    return result["got"]


def with_an_executor_killed(spark, cluster, run):
    """Runs ``run()`` on ``spark`` and SIGKILLs one executor JVM once the first stage
    is active; returns ``run()``'s result, after checking that the worker launched a
    new executor."""
    app = spark.sparkContext.applicationId
    before = set(cluster.executor_pids(app))
    assert len(before) == 2, f"expected two executor JVMs, found {before}"
    job, result = started(run)
    tracker = spark.sparkContext.statusTracker()
    deadline = time.monotonic() + 120
    while not tracker.getActiveStageIds() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert tracker.getActiveStageIds(), "the job never started a stage"
    victim = sorted(before)[0]
    os.kill(victim, signal.SIGKILL)
    got = finished(job, result, timeout=600)
    after = set(cluster.executor_pids(app))
    assert victim not in after and after - before, "the worker did not launch a new executor"
    return got


def with_a_task_killed(cluster, run, task_name):
    """Runs ``run()`` on the Ray cluster and SIGKILLs the first worker process of the
    worker node running a task whose process title holds ``task_name``; returns
    ``run()``'s result (Ray retried the task)."""
    job, result = started(run)
    killed = None
    deadline = time.monotonic() + 300
    while killed is None and job.is_alive() and time.monotonic() < deadline:
        for pid in cluster.task_pids(cluster.worker):
            if task_name in cmdline(pid):
                os.kill(pid, signal.SIGKILL)
                killed = pid
                break
        time.sleep(0.01)
    got = finished(job, result, timeout=300)
    assert killed is not None, "no task ran on the worker node to kill"
    return got


def read_json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


#: Python run before Ray's own code in every Ray process the tests start (the nodes'
#: ``ray start``, the drivers): Ray replaces 127.0.0.1 in a node's or a cluster's
#: address by the address of the machine's network interface (so that other machines
#: could reach it); these tests keep every node and connection on the loopback.
RAY_ON_LOOPBACK = (
    "import ray._private.services as _s; _s.resolve_ip_for_localhost = lambda host: host\n"
)
#: ``ray start`` itself (the entry point of the ``ray`` command).
RAY_START = "import sys; from ray.scripts.scripts import main; sys.argv[0] = 'ray'; main()\n"


def ray_on_loopback():
    """Keeps this process's Ray connections on the loopback (see RAY_ON_LOOPBACK)."""
    exec(RAY_ON_LOOPBACK, {})


class RayCluster:
    """A Ray head and a worker node (``ray start --block``, each its own raylet with
    one CPU) on 127.0.0.1; stopped by signalling the two processes the fixture
    started, whose process groups hold every process of their node."""

    def __init__(self, root):
        ray_bin = shutil.which("ray", path=os.path.dirname(sys.executable)) or shutil.which("ray")
        if ray_bin is None:
            pytest.fail("the ray command is missing: pip install -r python/tests_engines/requirements.txt")
        self.root = root
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        # Ray's token authentication, with a token of this cluster's own that the
        # nodes and the drivers (the tests' process, the command-line test) share.
        self.auth = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}
        self.env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0", RAY_DEDUP_LOGS="0", **self.auth)
        common = ["--num-cpus", "1", "--object-store-memory", str(300 * 1024 * 1024),
                  "--node-ip-address", "127.0.0.1", "--block", "--disable-usage-stats"]
        self.temp = pathlib.Path("/tmp") / f"reprint-ray-{os.getpid()}"
        self.procs = []
        try:
            self._start_nodes(common, ray_bin)
        except BaseException:
            self.stop()
            raise

    def _start_nodes(self, common, ray_bin):
        self.head = self._start(
            "head",
            ["start", "--head", "--port", str(self.port), "--include-dashboard=false",
             "--temp-dir", str(self.temp), *common],
            ray_bin,
        )
        wait_for(self._nodes_up(1), "the Ray head", timeout=180)
        self.worker = self._start("worker", ["start", "--address", self.address, *common], ray_bin)
        wait_for(self._nodes_up(2), "the Ray worker node", timeout=180)

    def _start(self, name, args, ray_bin, env=None):
        log = open(self.root / f"{name}.log", "w")
        proc = subprocess.Popen([sys.executable, "-c", RAY_ON_LOOPBACK + RAY_START, *args],
                                env=dict(self.env, **(env or {})), stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc

    def _nodes_up(self, n):
        def check():
            for proc in self.procs:
                if proc.poll() is not None:
                    raise AssertionError(f"a ray node exited early; see {self.root}")
            try:
                done = subprocess.run(
                    [sys.executable, "-c", RAY_ON_LOOPBACK +
                     "import ray,sys; ray.init(address=sys.argv[1], log_to_driver=False);"
                     "print(sum(1 for n in ray.nodes() if n['Alive']))", self.address],
                    env=self.env, capture_output=True, text=True, timeout=120,
                )
            except subprocess.TimeoutExpired:  # a loaded machine: ask again
                return False
            return done.returncode == 0 and done.stdout.strip().splitlines()[-1:] == [str(n)]
        return check

    def task_pids(self, node):
        """Ray worker processes of ``node`` (``self.head`` or ``self.worker``) that run
        a Ray Data task."""
        return [p for p in child_pids(node.pid) if cmdline(p).startswith("ray::")]

    def stop(self):
        stop_groups(self.procs, timeout=60)
        shutil.rmtree(self.temp, ignore_errors=True)


@pytest.fixture(scope="session")
def ray_cluster(tmp_path_factory):
    cluster = RayCluster(tmp_path_factory.mktemp("ray"))
    kept = {k: os.environ.get(k) for k in cluster.auth}
    os.environ.update(cluster.auth)  # for the drivers the tests start
    yield cluster
    for k, v in kept.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    cluster.stop()


@pytest.fixture(scope="session")
def ray_session(ray_cluster):
    import ray

    ray_on_loopback()
    ray.init(address=ray_cluster.address, log_to_driver=False)
    yield ray
    ray.shutdown()
