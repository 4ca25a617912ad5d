"""Predict, then reveal: with the quiz on, Step first asks the numbers of the step; Check
marks each answer, takes the step and shows the working of the wrong ones; the score
counts; a teacher's session with the quiz on opens in quiz mode."""

from __future__ import annotations

import json
from pathlib import Path

from gui_helpers import click, explanation
from PySide6 import QtCore, QtGui, QtWidgets

from model.session import lecture_session, load_session

Qt = QtCore.Qt
LECTURE_ANSWERS = {
    "s": "1.94",
    "y = f(s)": "0.874352143",
    "E": "0.356465271",
    "new W1": "0.499155648",
    "new W2": "0.197466944",
    "new b": "1.821556479",
}


def quiz_action(window) -> QtGui.QAction:
    action = window.findChild(QtGui.QAction, "quizAction")
    assert action is not None
    return action


def panel(window) -> QtWidgets.QWidget:
    found = window.findChild(QtWidgets.QWidget, "quizPanel")
    assert found is not None
    return found


def answer_fields(window) -> list[QtWidgets.QLineEdit]:
    quiz = panel(window)
    return [quiz.findChild(QtWidgets.QLineEdit, f"quizAnswer_{i}") for i in range(len(quiz.edits))]


def mark_text(window, i: int) -> str:
    return panel(window).findChild(QtWidgets.QLabel, f"quizMark_{i}").text()


def type_answers(qtbot, window, answers: dict[str, str]) -> None:
    """Type each answer into its field, moving on with Tab, as a student does."""
    fields = answer_fields(window)
    fields[0].setFocus()
    for k, field in enumerate(fields):
        assert field.hasFocus(), field.accessibleName()
        qtbot.keyClicks(field, answers.get(field.accessibleName(), ""))
        if k < len(fields) - 1:
            qtbot.keyClick(QtWidgets.QApplication.focusWidget(), Qt.Key.Key_Tab)


def test_the_quiz_is_in_the_run_menu_and_beside_reset(window) -> None:
    action = quiz_action(window)
    assert action.isCheckable() and not action.isChecked()
    run_menu = next(
        a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Run"
    )
    assert action in run_menu.actions()
    assert window.findChild(QtWidgets.QToolButton, "quizButton").defaultAction() is action
    dock = window.findChild(QtWidgets.QDockWidget, "quizDock")
    assert not dock.isVisible()
    action.trigger()
    assert dock.isVisible()
    assert window.lab.quiz.on


def test_a_round_answered_right_and_wrong(qtbot, window) -> None:
    quiz_action(window).trigger()
    # at step 0 the explanation would show the answers: it waits
    assert "0.874352143" not in explanation(window)
    click(qtbot, window, "stepButton")
    assert window.lab.position == 0  # Step asked first
    labels = [f.accessibleName() for f in answer_fields(window)]
    assert labels == list(LECTURE_ANSWERS)
    assert answer_fields(window)[0].hasFocus()
    wrong = dict(LECTURE_ANSWERS, **{"y = f(s)": "0.87", "new b": "1,821556479"})
    type_answers(qtbot, window, wrong)
    qtbot.keyClick(QtWidgets.QApplication.focusWidget(), Qt.Key.Key_Return)  # Enter: Check
    assert window.lab.position == 1  # the reveal: the step was taken
    marks = [mark_text(window, i) for i in range(len(labels))]
    assert "✓ right" in marks[0] and "✓ right" in marks[2]
    assert "✗ wrong" in marks[1] and "0.874352143" in marks[1]
    assert "✓ right" in marks[5]  # a decimal comma is fine
    assert "5 of 6 right" in panel(window).findChild(QtWidgets.QLabel, "quizScore").text()
    results = panel(window).findChild(QtWidgets.QTextBrowser, "quizResults").toPlainText()
    assert "y = f(s): you wrote 0.87; it is 0.874352143" in results
    assert "y = f(s) = 1/(1+e^−1.94) = 0.874352143" in results
    # the explanation shows the step, the wrong answer's working highlighted
    view = window.findChild(QtWidgets.QTextBrowser, "explainView")
    assert "0.874352143" in view.toPlainText()
    assert "#ffd6d6" in view.toHtml().lower()
    # the next round: Step asks again, about step 2; the score adds up
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert window.lab.position == 1
    assert "Step 2" in panel(window).findChild(QtWidgets.QLabel, "quizPrompt").text()
    click(qtbot, panel(window), "quizCheckButton")  # nothing typed: all wrong
    assert window.lab.position == 2
    assert "5 of 12 right" in panel(window).findChild(QtWidgets.QLabel, "quizScore").text()
    assert "no answer" in mark_text(window, 0)


def test_text_that_is_not_a_number_waits_for_a_correction(qtbot, window) -> None:
    quiz_action(window).trigger()
    qtbot.keyClick(window, Qt.Key.Key_Right)
    fields = answer_fields(window)
    qtbot.keyClicks(fields[0], "one point nine")
    qtbot.keyClick(fields[0], Qt.Key.Key_Return)
    assert window.lab.position == 0  # not revealed
    assert "not a number" in mark_text(window, 0)
    assert fields[0].hasFocus()
    fields[0].clear()
    qtbot.keyClicks(fields[0], "1.94")
    qtbot.keyClick(fields[0], Qt.Key.Key_Return)
    assert window.lab.position == 1
    assert "✓ right" in mark_text(window, 0)


def test_three_decimals_for_a_calculation_by_hand(qtbot, window) -> None:
    quiz_action(window).trigger()
    spin = panel(window).findChild(QtWidgets.QSpinBox, "quizDecimalsSpin")
    spin.setValue(3)
    assert window.lab.quiz.decimals == 3
    qtbot.keyClick(window, Qt.Key.Key_Right)
    type_answers(qtbot, window, {"s": "1.94", "y = f(s)": "0.874", "E": "0.357"})
    qtbot.keyClick(QtWidgets.QApplication.focusWidget(), Qt.Key.Key_Return)
    assert [mark_text(window, i).startswith("<span") for i in range(3)] == [True] * 3
    assert all("✓ right" in mark_text(window, i) for i in range(2))
    assert "✗ wrong" in mark_text(window, 2)  # 0.356465271 is 0.356 to three decimals


def test_a_quiz_session_saved_and_reopened_starts_in_quiz_mode(
    qtbot, window, tmp_path: Path, monkeypatch
) -> None:
    quiz_action(window).trigger()
    quiz = panel(window)
    quiz.findChild(QtWidgets.QCheckBox, "quizAsk_delta").setChecked(True)
    quiz.findChild(QtWidgets.QCheckBox, "quizAsk_new").setChecked(False)
    quiz.findChild(QtWidgets.QSpinBox, "quizDecimalsSpin").setValue(4)
    path = tmp_path / "quiz.json"
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(path), ""))
    window.findChild(QtGui.QAction, "saveSessionAsAction").trigger()
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["quiz"] == {"on": True, "questions": ["s", "y", "E", "delta"], "decimals": 4}
    # a student opens it in another window
    window.load(lecture_session())
    assert not window.lab.quiz.on and not quiz_action(window).isChecked()
    window.load(load_session(path), str(path))
    assert quiz_action(window).isChecked()
    assert window.findChild(QtWidgets.QDockWidget, "quizDock").isVisible()
    assert quiz.findChild(QtWidgets.QSpinBox, "quizDecimalsSpin").value() == 4
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert window.lab.position == 0
    names = [f.accessibleName() for f in answer_fields(window)]
    assert names == ["s", "y = f(s)", "E", "δ = d − Y"]


def test_a_new_window_on_a_quiz_file_is_in_quiz_mode(qtbot, dialogs, tmp_path: Path) -> None:
    from gui.main_window import MainWindow
    from model.quiz_settings import QuizSettings
    from model.session import save_session

    path = tmp_path / "teacher.json"
    save_session(lecture_session().to_trainer(), path, "Quiz", quiz=QuizSettings(on=True))
    win = MainWindow(load_session(path), str(path))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    assert win.findChild(QtGui.QAction, "quizAction").isChecked()
    assert win.findChild(QtWidgets.QDockWidget, "quizDock").isVisible()
    assert "0.874352143" not in explanation(win)
    win.runner.stop()


def test_turning_the_quiz_off_shows_the_explanation_again(qtbot, window) -> None:
    quiz_action(window).trigger()
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert answer_fields(window)
    quiz_action(window).trigger()
    assert not window.lab.quiz.on
    assert "0.874352143" in explanation(window)
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert window.lab.position == 1  # Step steps again


def test_an_edit_during_a_round_withdraws_its_questions(qtbot, window) -> None:
    quiz_action(window).trigger()
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert answer_fields(window)
    window.lab.set_parameter(1, "W", 0, 0, 0.25)
    assert not panel(window).edits
    assert "withdrawn" in panel(window).findChild(QtWidgets.QLabel, "quizPrompt").text()


def test_one_neuron_then_a_new_architecture(qtbot, window) -> None:
    window.open_example("xor")
    quiz_action(window).trigger()
    combo = panel(window).findChild(QtWidgets.QComboBox, "quizNeuronCombo")
    assert [combo.itemText(i) for i in range(combo.count())] == ["All", "h1", "h2", "y"]
    combo.setCurrentIndex(combo.findData("h2"))
    assert window.lab.quiz.neuron == "h2"
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert [f.accessibleName() for f in answer_fields(window)] == [
        "s of h2",
        "h2 = f(s)",
        "E_1 (sample 1)",
        "new L1.W2_1",
        "new L1.W2_2",
        "new L1.b2",
    ]
    assert window.lab.set_architecture([2, 3, 1], ["tanh", "sigmoid"], "uniform", 1)
    assert not panel(window).edits  # withdrawn
    assert window.lab.quiz.neuron == "h2"  # the new network has an h2 as well
    assert window.lab.set_architecture([2, 1], ["sigmoid"], "uniform", 1)
    assert window.lab.quiz.neuron is None
    assert combo.currentText() == "All"


def test_the_network_view_hides_the_answers_while_the_quiz_is_on(qtbot, window) -> None:
    tabs = window.findChild(QtWidgets.QTabWidget, "viewTabs")
    tabs.setCurrentIndex([tabs.tabText(i) for i in range(tabs.count())].index("Network"))
    diagram = window.findChild(QtWidgets.QWidget, "networkDiagram")

    def shown() -> str:
        items = diagram.scene.items()
        return "\n".join(
            i.text() for i in items if isinstance(i, QtWidgets.QGraphicsSimpleTextItem)
        )

    assert "s = 1.94" in shown()
    quiz_action(window).trigger()
    assert "s = ?" in shown() and "f(s) = ?" in shown()
    assert "1.94" not in shown() and "0.874352143" not in shown()
    assert "quiz is on" in diagram.findChild(QtWidgets.QLabel, "diagramNote").text()
    quiz_action(window).trigger()
    assert "s = 1.94" in shown()
