"""The real window on a real X display (xcb), not the offscreen platform the other GUI tests
use: a platform plugin, a font or a system library that is missing shows up only here.

tests/xcb_smoke.py drives the window in a subprocess (this process is offscreen, see
conftest.py): Step, Run for a second, Pause, a screenshot. The display is $DISPLAY if set,
or an Xvfb started here. Without either the test is skipped — unless
BACKPROP_LAB_REQUIRE_DISPLAY=1 (CI sets it), when a missing display is a failure.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6 import QtGui

DRIVER = Path(__file__).with_name("xcb_smoke.py")
ROOT = DRIVER.parents[1]
DRIVER_TIMEOUT_S = 60
XVFB_START_TIMEOUT_S = 20
SIZE = (1280, 800)
GRID = 8  # sample every 8th pixel in both directions: 16,000 samples
MIN_COLOURS = 60  # a blank or flat window has a handful; the real one ~250
DARK_GRAY = 80  # qGray below this: text (or a plot line), not a background
MIN_DARK_SAMPLES = 150  # the real window: ~450


def _missing_display(reason: str) -> None:
    if os.environ.get("BACKPROP_LAB_REQUIRE_DISPLAY") == "1":
        pytest.fail(f"{reason}, and BACKPROP_LAB_REQUIRE_DISPLAY=1 requires one")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def x_display(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """$DISPLAY, or a private Xvfb on a free display number (stopped afterwards)."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        _missing_display("no DISPLAY and no Xvfb to start one")
    server, number = _start_xvfb(xvfb, tmp_path_factory.mktemp("xvfb") / "xvfb.log")
    try:
        yield f":{number}"
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _start_xvfb(xvfb: str, log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Xvfb picks the first free display itself and writes its number to -displayfd once
    it accepts connections, so there is no race for a number and no polling."""
    read_end, write_end = os.pipe()
    # Its messages go to a file: a pipe nobody reads could fill up and stall the server.
    with log_path.open("w+b") as log:
        try:
            server = subprocess.Popen(
                [
                    xvfb,
                    "-displayfd",
                    str(write_end),
                    "-screen",
                    "0",
                    "1280x1024x24",
                    "-nolisten",
                    "tcp",
                ],
                pass_fds=(write_end,),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        finally:
            os.close(write_end)  # now only Xvfb holds it: its exit ends the read below
        try:
            number = _read_line(read_end, XVFB_START_TIMEOUT_S)
        finally:
            os.close(read_end)
        if not number.isdigit():
            server.kill()
            server.wait()
            log.seek(0)
            pytest.fail(f"Xvfb did not start: {log.read().decode(errors='replace')[-2000:]}")
    return server, number


def _read_line(fd: int, timeout: float) -> str:
    """Up to the newline: Xvfb writes the number and the newline separately, and dies
    ("Cannot write display number") if the pipe is closed in between."""
    data = b""
    deadline = time.monotonic() + timeout
    while not data.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(fd, 64) if ready else b""
        if not chunk:  # timed out, or Xvfb exited
            break
        data += chunk
    return data.decode(errors="replace").strip() if data.endswith(b"\n") else ""


def _run_driver(display: str, screenshot: Path, folder: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", DISPLAY=display)
    # A scale factor from the caller's desktop would change the screenshot's size.
    for name in ("QT_SCALE_FACTOR", "QT_SCREEN_SCALE_FACTORS"):
        env.pop(name, None)
    # Its own session, so that a timeout ends the driver and its worker process together.
    with subprocess.Popen(
        [sys.executable, str(DRIVER), str(screenshot), str(folder)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as driver:
        try:
            out, err = driver.communicate(timeout=DRIVER_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(driver.pid, signal.SIGKILL)
            out, err = driver.communicate()
            pytest.fail(f"the driver did not finish in {DRIVER_TIMEOUT_S} s\n{out}\n{err}")
    return subprocess.CompletedProcess(driver.args, driver.returncode, out, err)


def _colour_samples(image: QtGui.QImage) -> list[int]:
    return [
        image.pixel(x, y)
        for y in range(0, image.height(), GRID)
        for x in range(0, image.width(), GRID)
    ]


def test_the_real_window_steps_runs_and_paints_on_xcb(x_display: str, tmp_path: Path) -> None:
    screenshot = tmp_path / "xcb_smoke.png"
    folder = tmp_path / "user-folders"  # the app's settings and autosaves
    folder.mkdir()
    done = _run_driver(x_display, screenshot, folder)
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["platform"] == "xcb"
    assert report["steps"] > 1, "Run made no steps"
    assert tuple(report["screenshot"]) == SIZE

    image = QtGui.QImage(str(screenshot))
    assert not image.isNull(), "the screenshot is not a readable PNG"
    assert (image.width(), image.height()) == SIZE
    samples = _colour_samples(image)
    assert len(set(samples)) >= MIN_COLOURS, f"only {len(set(samples))} colours: blank?"
    dark = sum(QtGui.qGray(pixel) < DARK_GRAY for pixel in samples)
    assert dark >= MIN_DARK_SAMPLES, f"only {dark} dark samples: no text drawn?"
