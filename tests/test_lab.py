"""The notebooks in JupyterLab as a reader meets them, in headless Chromium.

JupyterLab is started as `make lab` starts it (the notebooks trusted with `jupyter trust`,
127.0.0.1, a token), on copies of the notebooks in a temporary folder, so that its
autosave cannot touch the stored ones. Then:
- notebook 06 opened fresh, not run: its animation plays (the stored script runs
  because the notebook is trusted), and "next" steps to another frame;
- notebook 03, of which only the import cell and the explorer's cell are run (the rest
  would take minutes on a loaded machine): moving the explorer's stride slider changes
  the printed shape and the drawing.
Marked `browser`; skipped without Chromium (CI must have it: see booktools).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.browser
TIMEOUT_MS = 180_000  # the 2-core CI machine runs other notebooks meanwhile


def _chromium() -> str | None:
    for path in (os.environ.get("CHROMIUM"), "/usr/lib/chromium/chromium",
                 shutil.which("chromium"), shutil.which("chromium-browser")):
        if path and Path(path).exists():
            return path
    return None


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """(base URL, token) of a JupyterLab serving trusted copies of the notebooks."""
    if _chromium() is None:
        pytest.skip("no Chromium found (set CHROMIUM=/path/to/chromium)")
    folder = tmp_path_factory.mktemp("lab") / "notebooks"
    shutil.copytree(ROOT / "notebooks", folder)
    notebooks = sorted(str(p) for p in folder.rglob("*.ipynb"))
    subprocess.run([str(BIN / "jupyter"), "trust", *notebooks], check=True,
                   capture_output=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(16)
    # A workspace folder of its own: the user's (~/.jupyter/lab/workspaces) would reopen
    # the tabs of an earlier run beside the notebook under test.
    workspaces = folder.parent / "workspaces"
    args = [str(BIN / "jupyter"), "lab", f"--notebook-dir={folder}", "--ip=127.0.0.1",
            "--no-browser", f"--port={port}", f"--IdentityProvider.token={token}",
            f"--LabApp.workspaces_dir={workspaces}"]
    if os.getuid() == 0:
        args.append("--allow-root")
    server = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                time.sleep(1)
        else:
            pytest.fail("JupyterLab did not start within 120 s")
        yield base, token
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def page(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.set_default_timeout(TIMEOUT_MS)
        yield pg
        browser.close()


def _open(page, lab, name: str) -> None:
    base, token = lab
    # reset: only this notebook open, whatever the tests before it opened
    page.goto(f"{base}/lab/tree/{name}?reset&token={token}")
    try:
        page.locator(".jp-Notebook:visible").first.wait_for()
    except Exception:
        page.screenshot(path=str(Path(os.environ.get("LAB_SHOTS", "/tmp")) / "lab-open.png"))
        raise


def test_animation_steps_in_a_fresh_notebook(page, lab):
    _open(page, lab, "06_pooling.ipynb")
    player = page.locator(".gcb-animation").first
    player.scroll_into_view_if_needed()
    controls = player.locator(".gcb-controls")
    controls.wait_for(state="visible")  # hidden unless the stored script ran
    counter = player.locator(".gcb-counter")
    assert counter.inner_text() == "frame 1 of 4"
    shown = player.locator("img.gcb-frame:not([hidden])")
    first = shown.get_attribute("data-caption")
    player.locator("button[data-action=next]").click()
    assert counter.inner_text() == "frame 2 of 4"
    assert shown.count() == 1
    second = shown.get_attribute("data-caption")
    assert second != first and second == "window (0, 1): max(2, 3, 6, 7) = 7, mean = 4.5"
    assert player.locator(".gcb-caption").inner_text() == second
    player.locator("button[data-action=back]").click()
    assert counter.inner_text() == "frame 1 of 4"


def _run_cells(page, *starts: str) -> None:
    """Run the code cells whose sources start with `starts`, in this order, one at a time
    (select, Ctrl+Enter, as a reader runs a cell), in a kernel that has run nothing yet:
    each is done when its prompt shows its count in this kernel (the stored prompts show
    the counts of the stored run)."""
    for count, start in enumerate(starts, 1):
        cell = page.locator(".jp-CodeCell", has=page.locator(
            ".jp-InputArea-editor", has_text=start)).first
        cell.scroll_into_view_if_needed()
        cell.locator(".jp-InputPrompt").first.click()
        page.keyboard.press("Control+Enter")
        page.wait_for_function(
            "([el, n]) => el.innerText.trim() === `[${n}]:`",
            arg=[cell.locator(".jp-InputPrompt").first.element_handle(), count])


def test_explorer_follows_the_stride_slider(page, lab):
    from playwright.sync_api import expect

    _open(page, lab, "03_padding_and_stride.ipynb")
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(
        state="attached")  # the kernel has started
    live = page.locator(".widget-output").first
    # locators, not element handles: each redraw replaces the output's elements
    text, image = live.locator("pre").first, live.locator("img").first
    try:
        # only what the explorer needs: the import cell, then the explorer's cell
        _run_cells(page, "import itertools", "shape_explorer()")
        expect(text).to_contain_text("stride 2", timeout=TIMEOUT_MS)
    except Exception:
        page.screenshot(path=str(Path(os.environ.get("LAB_SHOTS", "/tmp")) / "lab-03.png"))
        raise
    before = text.inner_text()
    assert "utils.output_shape: (4, 4)   Gluon nn.Conv2D: (4, 4)" in before
    drawing = image.get_attribute("src")
    stride = page.locator(".widget-slider", has=page.get_by_text("stride", exact=True)).first
    stride.locator(".noUi-handle").first.focus()
    page.keyboard.press("ArrowRight")  # stride 2 -> 3
    expect(text).to_contain_text("stride 3", timeout=TIMEOUT_MS)
    after = text.inner_text()
    assert "utils.output_shape: (3, 3)   Gluon nn.Conv2D: (3, 3)" in after
    assert re.search(r"floor\(\(8 \+ 2 - 3\) / 3\) \+ 1 = 3", after)
    expect(image).not_to_have_attribute("src", drawing, timeout=TIMEOUT_MS)
