"""Notebook 11's recipe for real machines, run across two hosts.

Two Linux network namespaces joined by a veth pair stand in for two machines, each
with its own address (10.77.0.1 and 10.77.0.2, which exist only inside the namespaces
this test creates; each namespace has its own loopback, so 127.0.0.1 is no shortcut).
As the notebook's section 7 tells readers: the scheduler, the server and one worker
run on the first host, the other worker on the second, each started with the
environment `role_environment` gives its role and host, and each running the
notebook's own `train_dist.py` (taken from the notebook's text, with one line added
that prints a digest of the trained weights). Both workers must finish with identical
results. Needs root and iproute2 (`ip netns`): skipped elsewhere, with the reason.
The namespaces are deleted whatever happens.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from utils.dist import role_environment

pytestmark = [pytest.mark.cluster, pytest.mark.root]

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "11_training_on_several_machines.ipynb"
HOSTS = ["10.77.0.1", "10.77.0.2"]
PORT = 9091
DIGEST = """
import hashlib
digest = hashlib.sha256()
for name in sorted(result["params"]):
    digest.update(name.encode() + result["params"][name].tobytes())
print("weights", digest.hexdigest())
"""


def _recipe() -> str:
    """The train_dist.py that notebook 11 shows readers, from its markdown."""
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        text = "".join(cell["source"])
        found = re.search(r"```python\n(# train_dist\.py.*?)```", text, re.DOTALL)
        if cell["cell_type"] == "markdown" and found:
            return found.group(1)
    raise AssertionError("notebook 11 no longer shows a train_dist.py")


def _can_make_namespaces() -> str | None:
    if not sys.platform.startswith("linux"):
        return "network namespaces are Linux only"
    if os.geteuid() != 0:
        return "needs root to create network namespaces (ip netns add)"
    if shutil.which("ip") is None:
        return "needs iproute2's ip command"
    return None


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=30)


@pytest.fixture
def two_hosts():
    """Namespaces gcb-a-PID (10.77.0.1) and gcb-b-PID (10.77.0.2) joined by a veth pair."""
    reason = _can_make_namespaces()
    if reason:
        pytest.skip(reason)
    tag = os.getpid() % 100000
    names = [f"gcb-a-{tag}", f"gcb-b-{tag}"]
    try:
        for name in names:
            _ip("netns", "add", name)
        _ip("link", "add", f"gcba{tag}", "type", "veth", "peer", "name", f"gcbb{tag}")
        for name, dev, host in zip(names, (f"gcba{tag}", f"gcbb{tag}"), HOSTS, strict=True):
            _ip("link", "set", dev, "netns", name)
            _ip("-n", name, "addr", "add", f"{host}/24", "dev", dev)
            _ip("-n", name, "link", "set", dev, "up")
            _ip("-n", name, "link", "set", "lo", "up")
        yield names
    finally:
        for name in names:  # deleting a namespace deletes its end of the veth pair too
            subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=30)
        left = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        assert not any(name in left for name in names), left


def test_the_real_machines_recipe_across_two_namespaces(two_hosts, tmp_path) -> None:
    script = tmp_path / "train_dist.py"
    script.write_text(_recipe() + DIGEST)
    plan = [("scheduler", 0), ("server", 0), ("worker", 0), ("worker", 1)]
    processes = []
    try:
        for role, host in plan:
            env = {**os.environ, **role_environment(
                role, num_workers=2, num_servers=1, root_uri=HOSTS[0], root_port=PORT,
                node_host=HOSTS[host])}
            processes.append(subprocess.Popen(
                ["ip", "netns", "exec", two_hosts[host], sys.executable, str(script)],
                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            ))
        outputs = [p.communicate(timeout=180)[0] for p in processes]
    finally:
        for p in processes:
            p.kill()
            p.wait()
    workers = [out for (role, _), out in zip(plan, outputs, strict=True) if role == "worker"]
    for (role, _), p, out in zip(plan, processes, outputs, strict=True):
        assert p.returncode == 0, f"{role} exited with {p.returncode}:\n{out[-3000:]}"
    lines = [re.findall(r"^(rank \d+ test accuracy .*|weights \w+)$", out, re.MULTILINE)
             for out in workers]
    assert sorted(line[0].split()[1] for line in lines) == ["0", "1"], workers
    accuracies = {line[0].split("test accuracy ")[1] for line in lines}
    digests = {line[1] for line in lines}
    assert len(accuracies) == 1 and len(digests) == 1, lines
    print("both hosts:", lines[0][0].split(" ", 2)[2], "|", lines[0][1][:20], "...")


def test_the_digest_line_reads_the_recipes_result() -> None:
    """The recipe binds `result`, which the added digest lines read."""
    recipe = _recipe()
    assert re.search(r"^result = train_digits_worker\(", recipe, re.MULTILINE), recipe
