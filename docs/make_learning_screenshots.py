"""Take the pictures of README's "Learning by doing": the quiz after a wrong answer (the
whole window at 1366×768, a laptop's screen) and the first two pages of a handout.

    QT_QPA_PLATFORM=offscreen python docs/make_learning_screenshots.py

The handout's pages are the PDF that `main.py --headless --handout` writes, rendered by
poppler's pdftoppm (Debian/Ubuntu: poppler-utils); without it only the quiz is taken.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6 import QtGui, QtWidgets

import main as cli
from docs.shots import DOCS, settle
from gui.app import make_application
from gui.main_window import MainWindow

ANSWERS = {  # one wrong: y to four decimals only
    "s": "1.94",
    "y = f(s)": "0.8744",
    "E": "0.356465271",
    "new W1": "0.499155648",
    "new W2": "0.197466944",
    "new b": "1.821556479",
}


def shoot_quiz(app: QtWidgets.QApplication) -> None:
    window = MainWindow()
    window.resize(1366, 768)
    window.show()
    settle(app, 0.3)
    window.learning.quiz_action.trigger()
    window.transport.step_button.click()
    settle(app, 0.2)
    for edit in window.learning.quiz.edits:
        edit.setText(ANSWERS.get(edit.accessibleName(), ""))
    window.learning.quiz.check()
    settle(app, 0.5)
    path = DOCS / "screenshot-quiz.png"
    window.grab().save(str(path))
    print(path)
    window.runner.stop()
    window.document.mark_saved()
    window.close()


def shoot_handout() -> None:
    if shutil.which("pdftoppm") is None:
        print("pdftoppm not found: no picture of the handout", file=sys.stderr)
        return
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "handout.pdf"
        if cli.main(["--headless", "--handout", str(pdf)]) != 0:
            raise SystemExit("the handout was not written")
        stem = Path(folder) / "page"
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "2", str(pdf), str(stem)],
            check=True,
        )
        pages = [QtGui.QImage(str(p)) for p in sorted(Path(folder).glob("page*.png"))]
        gap = 16
        width = sum(page.width() for page in pages) + gap * (len(pages) + 1)
        height = max(page.height() for page in pages) + 2 * gap
        sheet = QtGui.QImage(width, height, QtGui.QImage.Format.Format_RGB32)
        sheet.fill(QtGui.QColor("#9a9a9a"))  # the pages on a grey desk, as a viewer shows
        painter = QtGui.QPainter(sheet)
        x = gap
        for page in pages:
            painter.drawImage(x, gap, page)
            x += page.width() + gap
        painter.end()
        sheet.save(str(DOCS / "screenshot-handout.png"))
    print(DOCS / "screenshot-handout.png")


def main() -> int:
    app = make_application()
    shoot_quiz(app)
    shoot_handout()
    return 0


if __name__ == "__main__":
    sys.exit(main())
