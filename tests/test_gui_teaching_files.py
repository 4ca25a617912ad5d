"""The File menu's teaching files, driven through their actions and dialogs: the step as
a handout (HTML and PDF), exercise sheets, the history with its gradients, the run as a
numpy or PyTorch script."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from gui_helpers import click
from PySide6 import QtCore, QtGui, QtWidgets

from model.exercises import make_exercises
from model.gradients_export import gradient_table
from model.history import read_csv
from model.script_export import numpy_script, torch_script

LECTURE_NUMBERS = (
    "1.94",
    "0.874352143",
    "0.356465271",
    "1.821556479",
    "0.499155648",
    "0.197466944",
)


def trigger(window, name: str) -> None:
    action = window.findChild(QtGui.QAction, name)
    assert action is not None, name
    action.trigger()


def dialog_named(window, name: str) -> QtWidgets.QDialog:
    dialog = window.findChild(QtWidgets.QDialog, name)
    assert dialog is not None and dialog.isVisible(), name
    return dialog


def save_as(monkeypatch: pytest.MonkeyPatch, path: Path, chosen: str = "") -> list[str]:
    """QFileDialog.getSaveFileName answers `path`; returns the titles it was asked with."""
    titles: list[str] = []

    def answer(_parent, title, *_args, **_kwargs):
        titles.append(title)
        return str(path), chosen

    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", answer)
    return titles


def test_the_file_menu_offers_them(window) -> None:
    file_menu = next(
        a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "File"
    )
    names = [a.objectName() for a in file_menu.actions()]
    for name in (
        "exportHandoutAction",
        "exportHistoryGradientsAction",
        "exportNumpyScriptAction",
        "exportTorchScriptAction",
        "exerciseSheetsAction",
    ):
        assert name in names


@pytest.mark.parametrize("fmt", ["html", "pdf"])
def test_export_step_as_handout(qtbot, window, tmp_path: Path, fmt: str) -> None:
    click(qtbot, window, "stepButton")
    trigger(window, "exportHandoutAction")
    dialog = dialog_named(window, "handoutDialog")
    assert dialog.findChild(QtWidgets.QSpinBox, "handoutFromSpin").value() == 1
    combo = dialog.findChild(QtWidgets.QComboBox, "handoutFormatCombo")
    combo.setCurrentIndex(combo.findData(fmt))
    path = dialog.findChild(QtWidgets.QLineEdit, "handoutPathEdit")
    assert path.text().endswith(f"handout.{fmt}")
    path.setText(str(tmp_path / "lecture"))
    click(qtbot, dialog, "handoutWriteButton")
    assert not dialog.isVisible()
    written = tmp_path / f"lecture.{fmt}"
    assert "Wrote the handout of step 1" in window.statusBar().currentMessage()
    if fmt == "html":
        page = written.read_text(encoding="utf-8")
        for number in LECTURE_NUMBERS:
            assert number in page
        assert len(re.findall(r'src="data:image/png;base64,', page)) == 3
    else:
        assert written.read_bytes().startswith(b"%PDF")
        if shutil.which("pdftotext"):
            text = subprocess.run(
                ["pdftotext", str(written), "-"], capture_output=True, text=True, check=True
            ).stdout
            for number in LECTURE_NUMBERS:
                assert number in text
    assert window.lab.position == 1  # the window's own state is as it was


def test_a_handout_of_a_range_and_a_problem_said_in_the_dialog(
    qtbot, window, tmp_path: Path
) -> None:
    window.lab.run_steps(4)
    trigger(window, "exportHandoutAction")
    dialog = dialog_named(window, "handoutDialog")
    assert dialog.findChild(QtWidgets.QSpinBox, "handoutToSpin").maximum() == 4
    dialog.findChild(QtWidgets.QSpinBox, "handoutFromSpin").setValue(3)
    dialog.findChild(QtWidgets.QSpinBox, "handoutToSpin").setValue(2)
    path = dialog.findChild(QtWidgets.QLineEdit, "handoutPathEdit")
    path.setText(str(tmp_path / "r.html"))
    click(qtbot, dialog, "handoutWriteButton")
    assert dialog.isVisible()
    assert "Nothing was written" in dialog.findChild(QtWidgets.QLabel, "handoutMessage").text()
    dialog.findChild(QtWidgets.QSpinBox, "handoutToSpin").setValue(4)
    path.setText(str(tmp_path / "missing" / "r.html"))
    click(qtbot, dialog, "handoutWriteButton")
    assert "Nothing was written" in dialog.findChild(QtWidgets.QLabel, "handoutMessage").text()
    path.setText(str(tmp_path / "r.html"))
    click(qtbot, dialog, "handoutWriteButton")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Step 3: state 2 → 3" in page and "Step 4: state 3 → 4" in page
    assert "Step 2:" not in page


def test_no_handout_before_the_first_step(window) -> None:
    trigger(window, "exportHandoutAction")
    assert window.findChild(QtWidgets.QDialog, "handoutDialog") is None
    assert "No step to put on a handout" in window.statusBar().currentMessage()


def test_exercise_sheets_from_the_window(qtbot, window, tmp_path: Path, monkeypatch) -> None:
    trigger(window, "exerciseSheetsAction")
    dialog = dialog_named(window, "exerciseSheetsDialog")
    dialog.findChild(QtWidgets.QSpinBox, "exerciseCountSpin").setValue(2)
    dialog.findChild(QtWidgets.QSpinBox, "exerciseSeedSpin").setValue(9)
    monkeypatch.setattr(
        QtWidgets.QFileDialog, "getExistingDirectory", lambda *_a, **_k: str(tmp_path / "s")
    )
    dialog.findChild(QtWidgets.QLineEdit, "exerciseFolderEdit").setText("")
    buttons = [b for b in dialog.findChildren(QtWidgets.QPushButton) if b.text() == "Browse…"]
    buttons[0].click()
    assert dialog.findChild(QtWidgets.QLineEdit, "exerciseFolderEdit").text().endswith("s")
    click(qtbot, dialog, "exerciseSheetsWriteButton")
    assert not dialog.isVisible()
    names = sorted(p.name for p in (tmp_path / "s").iterdir())
    assert names == [
        "answers.html",
        "answers.pdf",
        "exercise-01.json",
        "exercise-02.json",
        "exercises.html",
        "exercises.pdf",
    ]
    expected = make_exercises(window.lab.trainer, 2, seed=9)
    answers = (tmp_path / "s" / "answers.html").read_text(encoding="utf-8")
    assert all(e.answer_html in answers for e in expected)
    assert "Wrote 2 exercises" in window.statusBar().currentMessage()


def test_history_with_gradients(window, tmp_path: Path, monkeypatch) -> None:
    window.lab.run_steps(3)
    path = tmp_path / "h.csv"
    titles = save_as(monkeypatch, path)
    trigger(window, "exportHistoryGradientsAction")
    assert titles == ["Export history with gradients"]
    columns, rows = read_csv(path)
    assert columns == [
        "step",
        "W1",
        "W2",
        "b",
        "error",
        "grad.W1",
        "grad.W2",
        "grad.b",
    ]
    assert len(rows) == 4
    assert np.array_equal(rows[:, 5:], gradient_table(window.lab.trainer))
    # the same columns as the command line's --gradients
    assert rows[0, 5] == pytest.approx(0.009276093, abs=1e-9)


def test_history_with_gradients_refused_for_the_step_activation(
    window, dialogs, tmp_path: Path, monkeypatch
) -> None:
    window.lab.set_activation(1, "step")
    titles = save_as(monkeypatch, tmp_path / "h.csv")
    trigger(window, "exportHistoryGradientsAction")
    assert titles == []
    assert dialogs.warnings and "Cannot export gradients" in dialogs.warnings[0]
    assert not (tmp_path / "h.csv").exists()


@pytest.mark.parametrize(
    ("action", "make"),
    [("exportNumpyScriptAction", numpy_script), ("exportTorchScriptAction", torch_script)],
)
def test_the_run_as_code(window, tmp_path: Path, monkeypatch, action: str, make) -> None:
    window.lab.run_steps(2)
    save_as(monkeypatch, tmp_path / "run")
    trigger(window, action)
    written = tmp_path / "run.py"
    assert written.read_text(encoding="utf-8") == make(window.lab.trainer)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.py"]
    assert "trains the same steps" in window.statusBar().currentMessage()


def test_a_script_that_cannot_be_written_is_said(
    window, dialogs, tmp_path: Path, monkeypatch
) -> None:
    save_as(monkeypatch, tmp_path / "missing" / "run.py")
    trigger(window, "exportNumpyScriptAction")
    assert dialogs.warnings and "Cannot export the script" in dialogs.warnings[0]


def test_handout_keys_reach_the_dialog(qtbot, window, tmp_path: Path) -> None:
    """Keyboard only: the dialog's Export is its default button (Enter)."""
    click(qtbot, window, "stepButton")
    trigger(window, "exportHandoutAction")
    dialog = dialog_named(window, "handoutDialog")
    path = dialog.findChild(QtWidgets.QLineEdit, "handoutPathEdit")
    path.setText(str(tmp_path / "k.html"))
    path.setFocus()
    qtbot.keyClick(path, QtCore.Qt.Key.Key_Return)
    assert (tmp_path / "k.html").exists()
