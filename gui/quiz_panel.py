"""Predict, then reveal: the quiz panel beside the explanation.

With the quiz on (Run → Quiz, `quizAction`), Step first asks: the panel lists the
quantities the teacher chose (model/quiz.py picks them from the explanation of the step
about to be taken) with a field for each. Check (Enter in any field) marks every answer,
takes the step — the reveal — and lists each wrong answer with its value and the line
of the explanation that computes it, which the explanation shows highlighted. The score
counts right answers out of those asked in this session.

A text that is not a number is marked "not a number" and the step waits until it is
corrected (an empty field counts as a wrong answer). While the quiz is on, the
explanation of a step not taken yet (at state 0) is hidden: it would give the answers
away. Keyboard: Tab moves between the fields, Enter checks, → (Step) asks the next step.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6 import QtCore, QtWidgets

from gui.lab import Lab
from gui.panels import ExplanationPanel
from model.explain import explain_step
from model.numbers import format_number
from model.quiz import (
    NOT_A_NUMBER,
    RIGHT,
    Mark,
    Question,
    Score,
    check_answer,
    marked_html,
    pick_questions,
    results_html,
)
from model.quiz_settings import MAX_DECIMALS, QUESTION_KINDS, QuizSettings, neuron_names

RIGHT_COLOUR, WRONG_COLOUR, PROBLEM_COLOUR = "#1b7a1b", "#b22222", "#a35200"
HIDDEN_HTML = (
    "<h3>Quiz</h3><p>The arithmetic of the next step appears here once you have "
    "answered its questions: press <b>Step (→)</b>, work out the numbers, then "
    "<b>Check</b>.</p>"
)
IDLE_PROMPT = "Press Step (→): first you work out the numbers of the next step."
SHORT_LABELS = {
    "s": "s",
    "y": "y = f(s)",
    "E": "E",
    "delta": "δ",
    "gradient": "∂E/∂w",
    "new": "new w, b",
}


class QuizPanel(QtWidgets.QWidget):
    """See the module's docstring.

    Signals
    -------
    onChanged(bool) : the quiz was turned on or off (also by opening a session)
    checked : a round was checked and revealed
    """

    onChanged = QtCore.Signal(bool)
    checked = QtCore.Signal()

    def __init__(
        self, lab: Lab, explanation: ExplanationPanel, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("quizPanel")
        self.lab = lab
        self.explanation = explanation
        self.score = Score()
        self.questions: list[Question] = []
        self.marks: list[Mark] = []
        self.edits: list[QtWidgets.QLineEdit] = []
        self._mark_labels: list[QtWidgets.QLabel] = []
        self._open = False  # questions asked, not checked yet
        self._revealing = False
        self._trainer = lab.trainer
        self._build()
        lab.step_gate = self._before_step
        lab.positionChanged.connect(self._on_state_changed)
        lab.configChanged.connect(self._on_state_changed)
        lab.structureChanged.connect(self._on_structure_changed)
        self._sync_settings()
        self._hide_pending_explanation()

    # -- construction ---------------------------------------------------------------------
    def _build(self) -> None:
        self._build_rest(self._build_settings())

    def _build_settings(self) -> QtWidgets.QGroupBox:
        """What to ask: the kinds of question, one neuron or all, the decimals."""
        self.kind_checks: dict[str, QtWidgets.QCheckBox] = {}
        ask = QtWidgets.QGroupBox("Ask for")
        grid = QtWidgets.QGridLayout(ask)
        grid.setContentsMargins(6, 4, 6, 4)
        for i, (kind, text) in enumerate(QUESTION_KINDS.items()):
            check = QtWidgets.QCheckBox(SHORT_LABELS[kind])
            check.setObjectName(f"quizAsk_{kind}")
            check.setToolTip(f"Ask for {text}")
            check.setAccessibleName(text)
            check.toggled.connect(self._on_settings_edited)
            self.kind_checks[kind] = check
            grid.addWidget(check, i // 3, i % 3)
        self.neuron_combo = QtWidgets.QComboBox()
        self.neuron_combo.setObjectName("quizNeuronCombo")
        self.neuron_combo.setToolTip("Ask about every neuron, or about one")
        self.neuron_combo.setAccessibleName("Neurons asked about")
        self.neuron_combo.currentIndexChanged.connect(self._on_settings_edited)
        self.decimals_spin = QtWidgets.QSpinBox()
        self.decimals_spin.setObjectName("quizDecimalsSpin")
        self.decimals_spin.setRange(0, MAX_DECIMALS)
        self.decimals_spin.setSuffix(" decimals")
        self.decimals_spin.setAccessibleName("Decimals that must be right")
        self.decimals_spin.setToolTip(
            "An answer is right within half a unit of its last decimal: 9 (the lecture's) "
            "means within 0.0000000005; 3 suits a calculation by hand"
        )
        self.decimals_spin.valueChanged.connect(self._on_settings_edited)
        rows = (len(QUESTION_KINDS) + 2) // 3
        grid.addWidget(self.neuron_combo, rows, 0, 1, 2)
        grid.addWidget(self.decimals_spin, rows, 2)
        return ask

    def _build_rest(self, ask: QtWidgets.QWidget) -> None:
        self.prompt = QtWidgets.QLabel(IDLE_PROMPT)
        self.prompt.setObjectName("quizPrompt")
        self.prompt.setWordWrap(True)
        self.form_widget = QtWidgets.QWidget()
        self.form = QtWidgets.QGridLayout(self.form_widget)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setColumnStretch(1, 1)
        scroll = QtWidgets.QScrollArea()
        scroll.setObjectName("quizAnswers")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.form_widget)
        self.check_button = QtWidgets.QPushButton("Check (Enter)")
        self.check_button.setObjectName("quizCheckButton")
        self.check_button.clicked.connect(self._on_button)
        self.check_button.setEnabled(False)
        self.results = QtWidgets.QTextBrowser()
        self.results.setObjectName("quizResults")
        self.results.setAccessibleName("Quiz results")
        self.results.setFocusPolicy(QtCore.Qt.FocusPolicy.ClickFocus)
        self.score_label = QtWidgets.QLabel()
        self.score_label.setObjectName("quizScore")
        self.score_label.setWordWrap(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(ask)
        layout.addWidget(self.prompt)
        layout.addWidget(scroll, stretch=3)
        layout.addWidget(self.check_button)
        layout.addWidget(self.results, stretch=2)
        layout.addWidget(self.score_label)
        self._show_score()

    # -- settings -------------------------------------------------------------------------
    @property
    def settings(self) -> QuizSettings:
        return self.lab.quiz

    @property
    def on(self) -> bool:
        return self.lab.quiz.on

    def set_on(self, on: bool) -> None:
        """Turn the quiz on or off (Run → Quiz)."""
        if on == self.on:
            return
        self.lab.quiz = replace(self.lab.quiz, on=on)
        if not on:
            self._clear_round(IDLE_PROMPT)
            self.explanation.refresh(force=True)
        self._hide_pending_explanation()
        self.onChanged.emit(on)

    def _sync_settings(self) -> None:
        """The widgets from the Lab's quiz settings (a session was opened)."""
        names = neuron_names(self.lab.trainer.network.layers)
        if self.lab.quiz.neuron not in (None, *names):  # the network has no such neuron now
            self.lab.quiz = replace(self.lab.quiz, neuron=None)
        quiz = self.lab.quiz
        widgets: list[QtWidgets.QWidget] = [
            *self.kind_checks.values(),
            self.neuron_combo,
            self.decimals_spin,
        ]
        for widget in widgets:
            widget.blockSignals(True)
        for kind, check in self.kind_checks.items():
            check.setChecked(kind in quiz.questions)
        self.neuron_combo.clear()
        self.neuron_combo.addItem("All", None)
        for name in names:
            self.neuron_combo.addItem(name, name)
        self.neuron_combo.setCurrentIndex(max(0, self.neuron_combo.findData(quiz.neuron)))
        self.decimals_spin.setValue(quiz.decimals)
        for widget in widgets:
            widget.blockSignals(False)

    def _on_settings_edited(self) -> None:
        kinds = tuple(kind for kind, check in self.kind_checks.items() if check.isChecked())
        neuron = self.neuron_combo.currentData()
        self.lab.quiz = QuizSettings(
            self.on, kinds, self.decimals_spin.value(), neuron if isinstance(neuron, str) else None
        )

    # -- the Lab --------------------------------------------------------------------------
    def _on_structure_changed(self) -> None:
        if self.lab.trainer is not self._trainer:  # another session: its quiz, a new score
            self._trainer = self.lab.trainer
            self.score = Score()
            self._show_score()
            self._clear_round(IDLE_PROMPT)
            self._sync_settings()
            self.onChanged.emit(self.on)
        else:
            self._sync_settings()
            self._on_state_changed()

    def _on_state_changed(self) -> None:
        if self._revealing:
            return
        if self._open:  # the answers no longer fit the network shown
            self._clear_round(
                "The network or its settings changed, so the questions were withdrawn. "
                "Press Step (→) for new ones."
            )
        self._hide_pending_explanation()

    def _hide_pending_explanation(self) -> None:
        """At state 0 the explanation shows the step to come, with the answers."""
        if self.on and not self._revealing and self.lab.position == 0:
            self.explanation.view.setHtml(HIDDEN_HTML)

    # -- a round --------------------------------------------------------------------------
    def _before_step(self) -> bool:
        """Lab.step_gate: True lets the step happen; False holds it for the questions."""
        if not self.on or self._revealing:
            return True
        if self._open:
            self._focus_first_empty()
            self.lab.message.emit("Answer the questions, then press Check (Enter).")
            return False
        return not self.ask()

    def ask(self) -> bool:
        """Ask the questions of the step about to be taken; False if there are none."""
        trainer = self.lab.trainer
        ex = explain_step(trainer, trainer.position + 1)
        questions = pick_questions(ex, self.settings.questions, self.settings.neuron)
        if not questions:
            self.lab.message.emit("The quiz has no question about this step: it was taken.")
            return False
        self._clear_round("")
        self.questions = questions
        for i, question in enumerate(questions):
            self._add_row(i, question)
        for first, second in zip(self.edits, [*self.edits[1:], self.check_button], strict=True):
            QtWidgets.QWidget.setTabOrder(first, second)
        self._open = True
        self.check_button.setText("Check (Enter)")
        self.check_button.setEnabled(True)
        self.prompt.setText(
            f"Step {ex.step} (state {ex.step - 1} → {ex.step}): work out these numbers, "
            f"then press Check (Enter). Right to {self.settings.decimals} decimals."
        )
        self._hide_pending_explanation()
        self.edits[0].setFocus()
        return True

    def _add_row(self, i: int, question: Question) -> None:
        label = QtWidgets.QLabel(question.label)
        edit = QtWidgets.QLineEdit()
        edit.setObjectName(f"quizAnswer_{i}")
        edit.setAccessibleName(question.label)
        edit.setPlaceholderText("your answer")
        edit.setMinimumWidth(90)
        edit.returnPressed.connect(self.check)
        label.setBuddy(edit)
        mark = QtWidgets.QLabel()
        mark.setObjectName(f"quizMark_{i}")
        mark.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.form.addWidget(label, 2 * i, 0)
        self.form.addWidget(edit, 2 * i, 1)
        self.form.addWidget(mark, 2 * i + 1, 1)
        label.show()  # now, not when the layout gets to it: the focus goes to `edit`
        edit.show()
        mark.hide()
        self.edits.append(edit)
        self._mark_labels.append(mark)

    def _clear_round(self, prompt: str) -> None:
        self._open = False
        self.questions, self.marks = [], []
        while self.form.count():
            item = self.form.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.setObjectName("")  # findChild no longer finds it meanwhile
                widget.deleteLater()
        self.edits, self._mark_labels = [], []
        self.check_button.setText("Check (Enter)")
        self.check_button.setEnabled(False)
        if prompt:
            self.prompt.setText(prompt)

    def _focus_first_empty(self) -> None:
        empty = [edit for edit in self.edits if not edit.text().strip()]
        (empty or self.edits)[0].setFocus()

    def _on_button(self) -> None:
        if self._open:
            self.check()
        else:
            self.lab.step()  # the next step's questions

    def check(self) -> None:
        """Mark every answer, take the step (the reveal), list the wrong answers."""
        if not self._open:
            return
        texts = [edit.text() for edit in self.edits]
        decimals = self.settings.decimals
        marks = [check_answer(q, t, decimals) for q, t in zip(self.questions, texts, strict=True)]
        problems = [i for i, m in enumerate(marks) if m.verdict == NOT_A_NUMBER]
        if problems:
            for i in problems:
                self._show_mark(i, marks[i])
            self.prompt.setText(
                "Not a number: correct the marked answer (or leave it empty), then Check."
            )
            self.edits[problems[0]].setFocus()
            self.edits[problems[0]].selectAll()
            return
        trainer = self.lab.trainer
        position = trainer.position
        self._revealing = True
        try:
            taken = self.lab.step()
        finally:
            self._revealing = False
        truth = self.questions
        if taken and trainer.position == position + 1:  # the step as it was really taken
            after = explain_step(trainer)
            again = pick_questions(after, self.settings.questions, self.settings.neuron)
            by_key = {q.key: q for q in again}
            truth = [by_key.get(q.key, q) for q in self.questions]
            wrong = [q for q, t in zip(truth, texts, strict=True) if not _right(q, t, decimals)]
            self.explanation.view.setHtml(marked_html(after, wrong))
        self.marks = [check_answer(q, t, decimals) for q, t in zip(truth, texts, strict=True)]
        self._close_round()

    def _close_round(self) -> None:
        self._open = False
        for i, mark in enumerate(self.marks):
            self.edits[i].setReadOnly(True)
            self._show_mark(i, mark)
        self.score = self.score.add(self.marks)
        self._show_score()
        right = sum(m.right for m in self.marks)
        self.prompt.setText(
            f"{right} of {len(self.marks)} right. Press Step (→) for the next step's questions."
        )
        self.results.setHtml(results_html(self.marks))
        self.check_button.setText("Next step's questions (→)")
        self.check_button.setFocus()
        self.checked.emit()

    def _show_mark(self, i: int, mark: Mark) -> None:
        label = self._mark_labels[i]
        if mark.right:
            label.setText(f'<span style="color:{RIGHT_COLOUR}">✓ right</span>')
        elif mark.verdict == NOT_A_NUMBER:
            label.setText(f'<span style="color:{PROBLEM_COLOUR}">✗ not a number</span>')
        else:
            label.setText(
                f'<span style="color:{WRONG_COLOUR}">✗ {mark.verdict}: it is '
                f"<b>{format_number(mark.question.value)}</b></span>"
            )
        label.show()

    def _show_score(self) -> None:
        self.score_label.setText(f"Score this session: {self.score}")


def _right(question: Question, text: str, decimals: int) -> bool:
    return check_answer(question, text, decimals).verdict == RIGHT
