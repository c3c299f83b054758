"""The cluster package: merging shard answers, the router's retries and time limits, and
the service on Ray Serve end to end (marked ``cluster``).

The end-to-end tests run Ray inside network namespaces they create and
remove: Ray's servers listen on every interface of their namespace, so none
of them is reachable from the machine's network. One test runs a single
node on 127.0.0.1 (``serve --ray``), the other two nodes joined by a veth
pair (``serve --ray ADDRESS``), killing a search replica under load.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import http.client
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema
import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from conftest import stop_server
from newssearch.budget import Deadline
from newssearch.cli import main, sample_paths
from newssearch.cluster import ClusterUnavailable, require_ray
from newssearch.cluster.merge import PartialResult, merge_search, search_shards, shard_request
from newssearch.config import Settings
from newssearch.errors import BadRequest, IndexUnavailable, NotFound
from newssearch.indexer import IndexStore
from newssearch.ingest import read_paths
from newssearch.models import SearchRequest
from newssearch.search import Engine
from newssearch.store import shard_of
from newssearch.web import create_app
from newssearch.web.openapi import openapi_spec
from newssearch.web.views import search_data

BIN = Path(sys.executable).parent
HAS_RAY = importlib.util.find_spec("ray") is not None


# ---------------------------------------------------------------------------
# Without Ray: the extra is named, shard answers merge
# ---------------------------------------------------------------------------


def test_missing_extra_is_named(monkeypatch: pytest.MonkeyPatch, sample_index: Path) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name, *a))
    with pytest.raises(ClusterUnavailable) as caught:
        require_ray()
    assert caught.value.message == "serving on Ray needs the cluster extra (ray is missing): pip install 'newssearch[cluster]'"
    result = CliRunner().invoke(main, ["serve", "--index-dir", str(sample_index), "--ray"])
    assert result.exit_code == 2
    assert "pip install 'newssearch[cluster]'" in result.output
    assert "Traceback" not in result.output
    paths = [str(p) for p in sample_paths()]
    result = CliRunner().invoke(main, ["index", *paths, "--index-dir", str(sample_index), "--ray", "--shards", "2"])
    assert (result.exit_code, result.output) == (
        2, "error: building on Ray needs the cluster extra (ray is missing): pip install 'newssearch[cluster]'\n"
    )


def test_the_default_install_never_imports_ray() -> None:
    code = (
        "import sys, newssearch.cli, newssearch.server, newssearch.web, newssearch.cluster, "
        "newssearch.cluster.merge; print(sorted(m for m in sys.modules if m.split('.')[0] == 'ray'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.fixture(scope="module")
def halves(tmp_path_factory: pytest.TempPathFactory) -> list[Engine]:
    """The sample as an index of two shards, an engine on each (as its deployment holds)."""
    root = tmp_path_factory.mktemp("halves")
    IndexStore(root).write(read_paths(sample_paths()), shards=2)
    return [Engine(root, shard=n) for n in (0, 1)]


def answered(result: Any) -> dict[str, Any]:
    return result.to_dict() | {"took_ms": 0}


@pytest.mark.parametrize(
    "params",
    [
        {"q": ["hà nội"]},
        {"q": ["nhà phố"], "type": ["listing"]},
        {"q": [""], "sort": ["newest"], "per_page": ["7"], "page": ["2"]},
        {"q": [""], "type": ["listing"], "sort": ["price_asc"]},
        {"q": ["nha phoo ha long"]},  # a typo: the shards agree on the correction
        {"q": ["cho thuê căn hộ 2 tỷ"]},  # a listing filter read from the words
    ],
)
def test_two_shards_merge_to_the_single_index(params: dict[str, list[str]], halves: list[Engine], engine: Engine) -> None:
    req = SearchRequest.from_params(params, Settings())
    merged = search_shards(req, 2, lambda r, plan, to: [halves[n].search_shard(r, plan) for n in to])
    assert answered(merged) == answered(engine.search(req))


def test_shards_that_read_a_query_differently_are_asked_again(halves: list[Engine], engine: Engine) -> None:
    """A word of one document: the shard without it would relax the query on
    its own (typo neighbours, a correction); asked again with the whole
    index's reading, it finds nothing there, as the one index does."""
    word, holder = next(
        (w, doc_id)
        for doc_id in ("qn-0034", "qn-0001", "bds-0001", "bds-0002")
        for w in engine.get(doc_id)["title"].split()
        if w.isalpha() and len(w) > 4 and [h.id for h in engine.search(SearchRequest(q=w)).hits] == [doc_id]
    )
    req = SearchRequest(q=word)
    rounds: list[list[int]] = []

    def ask(r: SearchRequest, plan: Any, to: list[int]) -> list[Any]:
        rounds.append(list(to))
        return [halves[n].search_shard(r, plan) for n in to]

    assert answered(search_shards(req, 2, ask)) == answered(engine.search(req))
    other = 1 - shard_of(holder, 2)
    assert rounds == [[0, 1], [other]]
    assert halves[other].search_shard(req, {})[1].found[word].step != 0  # on its own it read the word otherwise


def test_one_shard_is_the_answer_itself_and_a_missing_one_is_partial(engine: Engine) -> None:
    req = SearchRequest(q="hà nội")
    result = engine.search(req)
    assert merge_search(req, [result]) == result
    assert shard_request(req, 1) is req
    partial = merge_search(req, [result, None])
    assert isinstance(partial, PartialResult)
    data = partial.to_dict()
    assert (data["partial"], data["partial_shards"], data["timed_out"], data["total"]) == (True, [1], True, result.total)
    spec = openapi_spec(Settings(), max_url_bytes=8000, max_body_bytes=16384)
    schema = {"$ref": "#/components/schemas/SearchResult", "components": spec["components"]}
    jsonschema.validate(search_data(req, partial, "/api/search", Settings()), schema)  # raises when invalid
    nothing = merge_search(req, [None]).to_dict()
    assert (nothing["partial"], nothing["partial_shards"], nothing["total"], nothing["hits"]) == (True, [0], 0, [])


def test_a_cluster_too_small_for_every_shard_replica_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Serve would wait for ever for replicas it cannot place: say what is missing instead."""
    pytest.importorskip("ray", reason="needs Ray (pip install 'newssearch[cluster]')")
    from newssearch.cluster import serving

    IndexStore(tmp_path).write(read_paths(sample_paths()), shards=3)
    monkeypatch.setattr(serving.ray, "cluster_resources", lambda: {"CPU": 4.0})
    started: list[str] = []
    monkeypatch.setattr(serving.serve, "start", lambda **_: started.append("serve"))
    settings = Settings(index_dir=tmp_path, ray_replicas=2, ray_replica_cpus=1.0)
    with pytest.raises(ClusterUnavailable, match=r"3 shards × 2 replicas × 1 CPU need 6 CPUs, the cluster has 4"):
        serving.start(settings, "127.0.0.1", 8000)
    assert started == []
    assert serving.needed_cpus(dataclasses.replace(settings, ray_replica_cpus=0.5), 3) == 3.0


def test_a_shard_server_refuses_an_index_rebuilt_with_other_shards(tmp_path: Path) -> None:
    """The deployments are made for the index's shard count at start: after a
    rebuild with another, a shard answers 503 (restart), not a silent part."""
    from newssearch.cluster.shard import IndexShard

    IndexStore(tmp_path).write(read_paths(sample_paths()), shards=2)
    replica = IndexShard(str(tmp_path), Settings(index_dir=tmp_path), shard=0, shards=2)
    result, _trace = replica.search_shard(SearchRequest(q="hà nội"), {})
    assert result.total > 0
    IndexStore(tmp_path).write(read_paths(sample_paths()), rebuild=True, shards=3)
    with pytest.raises(IndexUnavailable, match=r"the index now has 3 shards, this service was started for 2: restart"):
        replica.search_shard(SearchRequest(q="hà nội"), {})


# ---------------------------------------------------------------------------
# The router, over shard handles that answer, die or stay silent
# ---------------------------------------------------------------------------


class Call:
    """One call of a shard double: answers, times out, or fails as it was told."""

    def __init__(self, outcome: Callable[[], Any], delay: float) -> None:
        self.outcome, self.delay, self.cancelled = outcome, delay, False

    def result(self, timeout_s: float | None = None) -> Any:
        if timeout_s is not None and self.delay > timeout_s:
            time.sleep(timeout_s)
            raise TimeoutError("no answer")
        time.sleep(self.delay)
        return self.outcome()

    def cancel(self) -> None:
        self.cancelled = True


class Shard:
    """A deployment handle's double over a real engine: ``fail`` first calls fail with ``error``."""

    def __init__(self, engine: Engine, delay: float = 0.0, fail: int = 0, error: type[Exception] | None = None) -> None:
        self.engine, self.delay, self.fail, self.error = engine, delay, fail, error
        self.calls: list[Call] = []

    def __getattr__(self, method: str) -> Any:
        shard = self

        class Method:
            def remote(self, *args: Any) -> Call:
                def outcome() -> Any:
                    if shard.fail > 0:
                        shard.fail -= 1
                        assert shard.error is not None
                        raise shard.error()
                    if method == "completions":
                        deadline = Deadline(shard.engine.settings.search_budget)
                        return shard.engine.completions(args[0], args[1], deadline), deadline.timed_out
                    return getattr(shard.engine, method)(*args)

                call = Call(outcome, shard.delay)
                shard.calls.append(call)
                return call

        return Method()


def router(*shards: Shard, timeout: float = 1.0, retries: int = 2) -> Any:
    pytest.importorskip("ray", reason="the router needs Ray's error classes (pip install 'newssearch[cluster]')")
    from newssearch.cluster.router import ClusterEngine

    return ClusterEngine(list(shards), Settings(ray_shard_timeout=timeout, ray_retries=retries))


def test_router_answers_as_the_engine(engine: Engine) -> None:
    cluster = router(Shard(engine))
    req = SearchRequest(q="nhà phố hạ long")
    assert answered(cluster.search(req)) == answered(engine.search(req))
    assert cluster.suggest("ha", 5) == engine.suggest("ha", 5)
    assert cluster.get("qn-0034") == engine.get("qn-0034")
    assert cluster.related("bds-0001") == engine.related("bds-0001")
    assert cluster.version() == engine.version()
    with pytest.raises(NotFound):
        cluster.get("no-such-id")


def test_two_shards_answer_every_read_as_the_single_index(halves: list[Engine], engine: Engine) -> None:
    cluster = router(Shard(halves[0]), Shard(halves[1]))
    ids = ["qn-0034", "bds-0001", "bds-0002", "qn-0001"]
    assert [cluster.get(i) for i in ids] == [engine.get(i) for i in ids]
    assert [cluster.related(i) for i in ids] == [engine.related(i) for i in ids]
    for prefix in ("ha", "nha pho", "quảng ni", "chung cu "):
        assert cluster.suggest(prefix, 8) == engine.suggest(prefix, 8)
    with pytest.raises(NotFound):
        cluster.get("no-such-id")
    whole, merged = engine.stats(), cluster.stats()
    assert (merged["documents"], merged["by_type"]) == (whole["documents"], whole["by_type"])
    assert cluster.version() == halves[0].version() == halves[1].version()


def test_a_dead_replica_is_retried_and_a_silent_shard_is_partial(engine: Engine) -> None:
    pytest.importorskip("ray", reason="needs Ray's error classes")
    from ray.exceptions import ActorDiedError

    req = SearchRequest(q="hà nội")
    dying = Shard(engine, fail=2, error=ActorDiedError)
    assert router(dying, retries=2).search(req).total == engine.search(req).total
    assert len(dying.calls) == 3

    lost = Shard(engine, fail=3, error=ActorDiedError)
    assert router(lost, retries=2).search(req).to_dict()["partial_shards"] == [0]

    silent = Shard(engine, delay=0.5)
    started = time.monotonic()
    answer = router(Shard(engine), silent, timeout=0.2).search(req).to_dict()
    assert time.monotonic() - started < 0.45
    assert (answer["partial"], answer["partial_shards"], answer["timed_out"]) == (True, [1], True)
    assert silent.calls[0].cancelled
    assert router(silent, timeout=0.2).version() == "unknown"
    deadline = Deadline(1.0)
    router(silent, timeout=0.2).suggest("ha", 5, deadline)
    assert deadline.timed_out
    with pytest.raises(ClusterUnavailable, match=r"index shard 0 did not answer within 0\.2 s"):
        router(silent, timeout=0.2).get("qn-0034")


def test_the_api_says_partial_and_stays_up(sample_index: Path, engine: Engine) -> None:
    app = create_app({"index_dir": sample_index, "query_log": False})
    app.extensions["newssearch"] = router(Shard(engine), Shard(engine, delay=0.5), timeout=0.2)
    client = app.test_client()
    response = client.get("/api/search?q=" + quote("hà nội"))
    data = response.get_json()
    assert (response.status_code, data["partial"], data["partial_shards"], data["timed_out"]) == (200, True, [1], True)
    assert response.headers["Cache-Control"] == "no-store"
    assert data["total"] == engine.search(SearchRequest(q="hà nội")).total
    assert client.get("/?q=" + quote("hà nội")).status_code == 200
    unavailable = client.get("/api/stats")  # needs every shard
    assert (unavailable.status_code, unavailable.get_json()["error"]["status"]) == (503, 503)


# ---------------------------------------------------------------------------
# On Ray: network namespaces made and removed by the tests
# ---------------------------------------------------------------------------

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


def _netns_unavailable() -> str | None:
    if not HAS_RAY:
        return "Ray is not installed (pip install 'newssearch[cluster]')"
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None or subprocess.run(["ip", "netns", "list"], capture_output=True).returncode:
        return "`ip netns` is not available"
    return None


class Namespaces:
    """Network namespaces (and veth pairs) this test made; :meth:`remove` ends
    every process inside them and deletes them, the veth pairs with them."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.tag = f"{os.getpid() % 100000}{secrets.token_hex(1)}"

    def add(self, suffix: str) -> str:
        name = f"nsearch-{self.tag}-{suffix}"
        _ip("netns", "add", name)
        self.names.append(name)
        _ip("-n", name, "link", "set", "lo", "up")
        return name

    def link(self, a: str, address_a: str, b: str, address_b: str) -> None:
        """A veth pair from ``a`` to ``b`` with these addresses (``10.231.0.1/24``...)."""
        end_a, end_b = f"vs{self.tag}a", f"vs{self.tag}b"
        _ip("link", "add", end_a, "type", "veth", "peer", "name", end_b)
        for ns, end, address in ((a, end_a, address_a), (b, end_b, address_b)):
            _ip("link", "set", end, "netns", ns)
            _ip("-n", ns, "addr", "add", address, "dev", end)
            _ip("-n", ns, "link", "set", end, "up")

    def pids(self, name: str) -> list[int]:
        out = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def remove(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for name in self.names:
                for pid in self.pids(name):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, sig)
            end = time.monotonic() + 5
            while any(self.pids(n) for n in self.names) and time.monotonic() < end:
                time.sleep(0.3)
        for name in self.names:
            subprocess.run(["ip", "netns", "del", name], capture_output=True)


@pytest.fixture
def namespaces() -> Iterator[Namespaces]:
    reason = _netns_unavailable()
    if reason:
        pytest.skip(reason)
    made = Namespaces()
    try:
        yield made
    finally:
        made.remove()


@pytest.fixture
def ray_env() -> Iterator[dict[str, str]]:
    """Environment of the Ray processes a test starts: their own temporary
    folder (short: Ray's socket paths must fit 107 bytes) and token."""
    folder = tempfile.mkdtemp(prefix="nsr")
    env = {
        **os.environ,
        "RAY_TMPDIR": folder,
        "RAY_AUTH_MODE": "token",
        "RAY_AUTH_TOKEN": secrets.token_hex(32),
        "RAY_USAGE_STATS_ENABLED": "0",
        "NEWSSEARCH_QUERY_LOG": "false",
    }
    yield env
    shutil.rmtree(folder, ignore_errors=True)


class NetnsHttp:
    """HTTP from threads that entered a network namespace (the test process stays outside)."""

    def __init__(self, namespace: str, port: int, threads: int = 8) -> None:
        self.port = port
        self.pool = ThreadPoolExecutor(threads, initializer=self._enter, initargs=(namespace,))

    @staticmethod
    def _enter(namespace: str) -> None:
        fd = os.open(f"/run/netns/{namespace}", os.O_RDONLY)
        try:
            if _libc.setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), f"cannot enter {namespace}")
        finally:
            os.close(fd)

    def _get(self, path: str) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def get(self, path: str) -> tuple[int, bytes]:
        return self.pool.submit(self._get, path).result()

    def wait_ready(self, proc: subprocess.Popen[bytes], seconds: float = 150) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            assert proc.poll() is None, "the server stopped before it was ready"
            try:
                if self.get("/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(1)
        raise AssertionError(f"not ready within {seconds} s")

    def close(self) -> None:
        self.pool.shutdown()


def free_port() -> int:
    return 20000 + secrets.randbelow(20000)


def serve_in(namespace: str, index: Path, port: int, env: dict[str, str], *ray: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["ip", "netns", "exec", namespace, str(BIN / "newssearch"), "serve", "--index-dir", str(index),
         "--port", str(port), "--ray", *ray],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def without_took(page: str) -> str:
    """The search page without its timing ("(0,05 giây)")."""
    return re.sub(r'<span class="took">[^<]*</span>', "", page)


def without_timings(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: without_timings(v) for k, v in data.items() if k != "took_ms"}
    if isinstance(data, list):
        return [without_timings(v) for v in data]
    return data


SAME_AS_FLASK = [
    "/api/search?q=h%C3%A0+n%E1%BB%99i",
    "/api/search?q=nha+pho+ha+long&type=listing&per_page=5&page=2",
    "/api/search?q=c%C4%83n+h%E1%BB%99+d%C6%B0%E1%BB%9Bi+3+t%E1%BB%B7",
    "/api/search?q=&sort=price_desc&type=listing",
    "/api/search?q=du+lich&facets=0",
    "/api/search?q=halong+nha+phoo",
    "/api/search?page=0",
    "/api/suggest?q=ha&limit=5",
    "/api/documents/qn-0034",
    "/api/documents/qn-0034/related?limit=3",
    "/api/documents/no-such-id",
    "/api/stats",
    "/healthz",
]


def assert_answers_like(http: NetnsHttp, flask: FlaskClient) -> None:
    """Every path of SAME_AS_FLASK: the same status and JSON (timings aside) over Ray as in-process."""
    for path in SAME_AS_FLASK:
        status, body = http.get(path)
        expected = flask.get(path)
        assert (path, status) == (path, expected.status_code)
        assert without_timings(json.loads(body)) == without_timings(expected.get_json()), path


@pytest.mark.cluster
def test_serve_on_ray_answers_like_the_flask_app(
    namespaces: Namespaces, ray_env: dict[str, str], sample_index: Path
) -> None:
    ns = namespaces.add("one")
    port = free_port()
    proc = serve_in(ns, sample_index, port, {**ray_env, "NEWSSEARCH_RAY_REPLICAS": "1"})
    http = NetnsHttp(ns, port)
    try:
        http.wait_ready(proc)
        flask: FlaskClient = create_app({"index_dir": sample_index, "query_log": False}).test_client()
        assert_answers_like(http, flask)
        export = "/api/export?format=jsonl&q=" + quote("nhà phố")
        assert http.get(export) == (200, flask.get(export).data)
        status, page = http.get("/?q=" + quote("hà nội"))
        expected_page = flask.get("/?q=" + quote("hà nội"), base_url=f"http://127.0.0.1:{port}")
        assert (status, without_took(page.decode())) == (200, without_took(expected_page.text))
    finally:
        http.close()
        stop_server(proc)
    # SIGTERM took the local Ray instance down with the service.
    assert proc.returncode == 0
    assert namespaces.pids(ns) == []


def ray_pids(title: str, *spaces: str) -> list[int]:
    """Ray processes whose title starts with ``title``, inside the network
    namespaces ``spaces`` only: tests running at the same time (another test
    worker) have clusters of their own, with the same process titles."""
    import psutil

    inodes = {netns_id(name) for name in spaces}
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if cmdline and cmdline[0].startswith(title):
            with contextlib.suppress(OSError):  # it ended meanwhile
                if netns_of(proc.info["pid"]) in inodes:
                    found.append(int(proc.info["pid"]))
    return found


def replica_pids(deployment: str, *spaces: str) -> list[int]:
    """Processes of a deployment's replicas (Ray names them ``ray::ServeReplica:APP:DEPLOYMENT``)."""
    return ray_pids(f"ray::ServeReplica:newssearch:{deployment}", *spaces)


def netns_of(pid: int) -> int:
    return os.stat(f"/proc/{pid}/ns/net").st_ino


def netns_id(name: str) -> int:
    return os.stat(f"/run/netns/{name}").st_ino


def two_nodes(namespaces: Namespaces, env: dict[str, str], prefix: str, subnet: str, port: int) -> tuple[str, str, str]:
    """A Ray cluster of two nodes of one CPU each, in two namespaces joined by a
    veth pair (``subnet``.1 and .2): the head's and the worker's namespace, and
    the head's address."""
    head, worker = namespaces.add(f"{prefix}head"), namespaces.add(f"{prefix}worker")
    namespaces.link(head, f"{subnet}.1/24", worker, f"{subnet}.2/24")
    ray, address = str(BIN / "ray"), f"{subnet}.1:{port}"
    subprocess.run(
        ["ip", "netns", "exec", head, ray, "start", "--head", "--node-ip-address", f"{subnet}.1", "--port", str(port),
         "--num-cpus", "1", "--include-dashboard=false", "--disable-usage-stats"],
        env=env, check=True, capture_output=True,
    )
    subprocess.run(
        ["ip", "netns", "exec", worker, ray, "start", "--address", address, "--node-ip-address", f"{subnet}.2",
         "--num-cpus", "1", "--disable-usage-stats"],
        env=env, check=True, capture_output=True,
    )
    return head, worker, address


@pytest.mark.cluster
def test_two_nodes_lose_no_request_when_a_replica_dies(
    namespaces: Namespaces, ray_env: dict[str, str], sample_index: Path
) -> None:
    # One CPU a node and one per replica: the two search replicas land on different nodes.
    head, worker, address = two_nodes(namespaces, ray_env, "", "10.231.0", 6380)
    port = free_port()
    env = {**ray_env, "NEWSSEARCH_RAY_REPLICAS": "2", "NEWSSEARCH_RAY_SHARD_TIMEOUT": "10"}
    proc = serve_in(head, sample_index, port, env, address)
    http = NetnsHttp(head, port)
    try:
        http.wait_ready(proc)
        before = replica_pids("shard0", head, worker)
        assert len(before) == 2
        assert {netns_of(pid) for pid in before} == {netns_id(head), netns_id(worker)}

        failures: list[str] = []
        answered = [0]
        stop = threading.Event()
        queries = ["hà nội", "nhà phố hạ long", "du lịch", "căn hộ", "bán đất", "quảng ninh", "halong"]

        def load(n: int) -> None:
            while not stop.is_set():
                path = "/api/search?q=" + quote(queries[n % len(queries)]) + f"&page={1 + n % 3}"
                n += 1
                try:
                    status, body = http._get(path)
                    data = json.loads(body)
                    if status != 200 or data.get("partial"):
                        failures.append(f"{path}: {status} {body[:200]!r}")
                    answered[0] += 1
                except Exception as exc:
                    failures.append(f"{path}: {exc!r}")

        workers = [http.pool.submit(load, n) for n in range(6)]
        time.sleep(3)
        victim = next(pid for pid in before if netns_of(pid) == netns_id(worker))
        os.kill(victim, signal.SIGKILL)
        at_kill = answered[0]
        end = time.monotonic() + 60
        while time.monotonic() < end:  # Serve starts a replacement
            now = replica_pids("shard0", head, worker)
            if len(now) == 2 and victim not in now:
                break
            time.sleep(0.5)
        time.sleep(2)
        stop.set()
        for w in workers:
            w.result()
        assert failures == []
        assert at_kill > 0 and answered[0] > at_kill
        after = replica_pids("shard0", head, worker)
        assert len(after) == 2 and victim not in after
    finally:
        http.close()
        stop_server(proc)
    assert proc.returncode == 0
    # The application left the cluster with the service; the fixture ends the nodes.
    end = time.monotonic() + 20
    while (replica_pids("shard0", head, worker) or replica_pids("ingress", head, worker)) and time.monotonic() < end:
        time.sleep(0.5)
    assert replica_pids("shard0", head, worker) == [] and replica_pids("ingress", head, worker) == []



# ---------------------------------------------------------------------------
# Building on Ray: one task per shard, published on the driver
# ---------------------------------------------------------------------------

SHARDED_REQUESTS: list[dict[str, list[str]]] = [
    {"q": ["hà nội"]},
    {"q": ["nhà phố hạ long"], "type": ["listing"], "per_page": ["5"], "page": ["2"]},
    {"q": ["căn hộ dưới 3 tỷ"]},
    {"q": [""], "sort": ["newest"], "per_page": ["7"], "page": ["3"]},
    {"q": [""], "type": ["listing"], "sort": ["price_desc"]},
    {"q": ["du lịch"], "type": ["article"]},
    {"q": ["halong nha phoo"]},
]


@pytest.mark.parametrize(
    ("shards", "paths", "message"),
    [
        (None, ["articles"], "a build on Ray writes one task per shard: give --shards N (2 or more)"),
        (1, ["articles"], "a build on Ray writes one task per shard: give --shards N (2 or more)"),
        (3, ["articles", "-"], "a build on Ray reads its input in every task: give files, not standard input"),
    ],
)
def test_a_build_on_ray_refuses_what_its_tasks_cannot_do(
    shards: int | None, paths: list[str], message: str, tmp_path: Path
) -> None:
    pytest.importorskip("ray", reason="the build needs Ray (pip install 'newssearch[cluster]')")
    from newssearch.cluster.build import build_on_ray

    inputs = [str(sample_paths()[0]) if p == "articles" else p for p in paths]
    with pytest.raises(BadRequest) as caught:
        build_on_ray(Settings(index_dir=tmp_path / "index"), inputs, shards, None)
    assert caught.value.message == message
    assert not (tmp_path / "index").exists()


def index_in(namespace: str, index: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        ["ip", "netns", "exec", namespace, str(BIN / "newssearch"), "index", "--index-dir", str(index), *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def task_pid(title: str, proc: subprocess.Popen[str], space: str, seconds: float = 120) -> int:
    """The worker running the Ray task whose process title is ``title``, once it runs."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        assert proc.poll() is None, "the build ended before its task ran"
        found = ray_pids(title, space)
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"no process {title} within {seconds} s")


def sample_copies(path: Path, copies: int) -> Path:
    """The sample ``copies`` times under new ids: an input whose shard tasks run for seconds."""
    records = [json.loads(line) for p in sample_paths() for line in p.read_text("utf-8").splitlines() if line.strip()]
    with path.open("w", encoding="utf-8") as out:
        for n in range(copies):
            for record in records:
                out.write(json.dumps({**record, "id": f"{record['id']}-{n}"}, ensure_ascii=False) + "\n")
    return path


@pytest.mark.cluster
def test_a_build_on_ray_answers_as_one_index_and_a_lost_task_publishes_nothing(
    namespaces: Namespaces, ray_env: dict[str, str], tmp_path: Path, sample_index: Path
) -> None:
    ns = namespaces.add("build")
    index = tmp_path / "index"
    build = index_in(ns, index, ray_env, *map(str, sample_paths()), "--ray", "--shards", "3")
    out, err = build.communicate(timeout=300)
    assert build.returncode == 0, err
    assert out.startswith("indexed 50 articles, 72 listings (122 new, 0 replaced, 0 unchanged), deleted 0, skipped 0")
    assert namespaces.pids(ns) == []  # the local Ray instance stopped with the build
    # Engines of the same age: the recency factor is computed at an engine's first search of the hour.
    sharded, engine = Engine(index), Engine(sample_index)
    assert sharded.stats()["shards"] == 3
    for params in SHARDED_REQUESTS:
        req = SearchRequest.from_params(params, Settings())
        assert without_timings(sharded.search(req).to_dict()) == without_timings(engine.search(req).to_dict()), params
    assert sharded.suggest("ha", 5) == engine.suggest("ha", 5)
    sharded.close()

    live, folders = IndexStore(index).current_dir(), sorted(p.name for p in index.iterdir())
    more = sample_copies(tmp_path / "more.jsonl", 30)
    build = index_in(ns, index, ray_env, str(more), "--ray", "--shards", "3")
    os.kill(task_pid("ray::newssearch-build-shard1", build, ns), signal.SIGKILL)
    out, err = build.communicate(timeout=300)
    assert build.returncode == 2, err
    assert "Traceback" not in err
    assert re.search(
        r"^error: building shard 1 of 3 on Ray failed \(WorkerCrashedError: [^\n]+\); "
        r"nothing was published, the live index is unchanged$",
        err, re.MULTILINE,
    ), err
    assert (IndexStore(index).current_dir(), sorted(p.name for p in index.iterdir())) == (live, folders)
    assert Engine(index).search(SearchRequest(q="hà nội")).total == engine.search(SearchRequest(q="hà nội")).total


@pytest.mark.cluster
def test_serve_on_ray_answers_a_sharded_index_like_the_engine(
    namespaces: Namespaces, ray_env: dict[str, str], tmp_path: Path
) -> None:
    index = tmp_path / "index"
    IndexStore(index).write(read_paths(sample_paths()), shards=3)
    ns = namespaces.add("sharded")
    port = free_port()
    proc = serve_in(ns, index, port, {**ray_env, "NEWSSEARCH_RAY_REPLICAS": "1"})
    http = NetnsHttp(ns, port)
    try:
        http.wait_ready(proc)
        # A deployment per shard, each replica searching its own shard.
        assert [len(replica_pids(f"shard{n}", ns)) for n in range(4)] == [1, 1, 1, 0]
        flask: FlaskClient = create_app({"index_dir": index, "query_log": False}).test_client()
        assert_answers_like(http, flask)
    finally:
        http.close()
        stop_server(proc)
    assert proc.returncode == 0


@pytest.mark.cluster
def test_a_build_on_two_nodes_answers_as_one_index(
    namespaces: Namespaces, ray_env: dict[str, str], tmp_path: Path
) -> None:
    # One CPU a node and one per task: two shards are written at once, one on each node.
    head, worker, address = two_nodes(namespaces, ray_env, "b", "10.232.0", 6381)
    more = sample_copies(tmp_path / "more.jsonl", 3)
    index = tmp_path / "index"
    build = index_in(head, index, ray_env, str(more), "--ray", address, "--shards", "3")
    ran_in: set[int] = set()
    while build.poll() is None:  # where the shard tasks run
        for pid in ray_pids("ray::newssearch-build-shard", head, worker):
            with contextlib.suppress(FileNotFoundError):
                ran_in.add(netns_of(pid))
        time.sleep(0.05)
    out, err = build.communicate()
    assert build.returncode == 0, err
    assert out.startswith("indexed 150 articles, 216 listings (366 new,")
    assert ran_in == {netns_id(head), netns_id(worker)}

    single = tmp_path / "single"
    IndexStore(single).write(read_paths([more]))
    one, sharded = Engine(single), Engine(index)
    for params in SHARDED_REQUESTS:
        req = SearchRequest.from_params(params, Settings())
        assert without_timings(sharded.search(req).to_dict()) == without_timings(one.search(req).to_dict()), params
