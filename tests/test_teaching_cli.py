"""The command line's teaching files: --handout (HTML with its images inside, or PDF) of
the last step or a range, and --exercises N --seed S --out DIR, whose answers are what
--explain prints for each variant. main(argv) in-process; one subprocess shows that
--headless alone never loads Qt."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import main as cli
from model.exercises import make_exercises
from model.explain import explain_step, to_html
from model.session import lecture_session, load_example, load_session

ROOT = Path(__file__).resolve().parents[1]
LECTURE_NUMBERS = (
    "1.94",
    "0.874352143",
    "0.356465271",
    "1.821556479",
    "0.499155648",
    "0.197466944",
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def pdf_text(path: Path) -> str:
    """The PDF's text by poppler's pdftotext where it is installed, else "" (the test
    then checks the HTML that was printed)."""
    if shutil.which("pdftotext") is None:
        return ""
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def assert_pdf(path: Path, *numbers: str) -> None:
    payload = path.read_bytes()
    assert payload.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", payload)) >= 1
    text = pdf_text(path)
    if text:
        for number in numbers:
            assert number in text, number


def test_the_lecture_step_as_an_html_handout(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "step.html"
    code, printed, err = run(capsys, "--headless", "--handout", str(out))
    assert (code, err) == (0, "")
    assert printed.startswith("trained 1 step(s)")
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    for number in LECTURE_NUMBERS:
        assert number in page, number
    assert "Step 1: state 0 → 1" in page
    assert "learning rate η" in page and "0.01" in page
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 3  # the network, the error, the parameters
    assert all(len(image) > 1000 for image in images)
    assert 'src="http' not in page and "file:" not in page  # standalone


def test_the_lecture_step_as_a_pdf_handout(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "step.pdf"
    code, _, err = run(capsys, "--headless", "--handout", str(out))
    assert (code, err) == (0, "")
    assert_pdf(out, *LECTURE_NUMBERS, "s = X1·W1 + X2·W2 + b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["step.pdf"]  # no temporary left


def test_a_range_of_steps_on_one_handout(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    xor = str(ROOT / "resources" / "examples" / "xor.json")
    out = tmp_path / "range.html"
    code, _, err = run(
        capsys, "--headless", xor, "--steps", "5", "--handout", str(out), "--handout-steps", "2:4"
    )
    assert (code, err) == (0, "")
    page = out.read_text(encoding="utf-8")
    for step in (2, 3, 4):
        assert f"Step {step}: state {step - 1} → {step}" in page
    assert "Step 5:" not in page and "Step 1:" not in page
    trainer = load_example("xor").to_trainer()
    trainer.run(5)
    assert to_html(explain_step(trainer, 3)) in page


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--headless", "--handout", "{tmp}/no/such/folder/h.pdf"], "does not exist"),
        (["--headless", "--handout", "{tmp}/h.txt"], "ending in .html or .pdf"),
        (["--headless", "--handout", "{tmp}/h.pdf", "--handout-steps", "1-x"], "expected A:B"),
        (["--headless", "--handout", "{tmp}/h.pdf", "--handout-steps", "1:3"], "not recorded"),
        (["--headless", "--steps", "0", "--handout", "{tmp}/h.pdf"], "still at step 0"),
        (["--handout", "{tmp}/h.pdf"], "only with --headless"),
        (["--headless", "--handout-steps", "1:2"], "only with --handout"),
    ],
)
def test_a_handout_that_cannot_be_written_is_one_error_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], fragment: str
) -> None:
    code, _, err = run(capsys, *(a.replace("{tmp}", str(tmp_path)) for a in argv))
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert fragment in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_a_handout_over_a_folder_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "h.pdf").mkdir()
    code, printed, err = run(capsys, "--headless", "--handout", str(tmp_path / "h.pdf"))
    assert (code, printed) == (2, "")
    assert err.startswith("error: --handout") and "is a folder" in err


def test_a_read_only_folder_is_refused_before_training(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        code, printed, err = run(capsys, "--headless", "--handout", str(folder / "h.pdf"))
    finally:
        folder.chmod(0o700)
    if code == 0:  # running as root: every folder is writable
        pytest.skip("root may write anywhere")
    assert (code, printed) == (2, "")
    assert err.startswith("error: --handout") and len(err.splitlines()) == 1


def test_exercise_sheets_and_their_answers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "sheets"
    xor = str(ROOT / "resources" / "examples" / "xor.json")
    code, printed, err = run(capsys, xor, "--exercises", "3", "--seed", "7", "--out", str(out))
    assert (code, err) == (0, "")
    assert printed.startswith("wrote 3 exercise(s) (seed 7)")
    assert sorted(p.name for p in out.iterdir()) == [
        "answers.html",
        "answers.pdf",
        "exercise-01.json",
        "exercise-02.json",
        "exercise-03.json",
        "exercises.html",
        "exercises.pdf",
    ]
    expected = make_exercises(load_example("xor").to_trainer(), 3, seed=7)
    answers = (out / "answers.html").read_text(encoding="utf-8")
    questions = (out / "exercises.html").read_text(encoding="utf-8")
    for exercise in expected:
        path = out / f"exercise-{exercise.number:02d}.json"
        session = load_session(path)
        assert (session.network.get_flat() == exercise.trainer.network.get_flat()).all()
        # the answer is what --explain prints for the variant's first step
        code, explained, _ = run(capsys, "--headless", str(path), "--steps", "1", "--explain")
        assert code == 0
        assert explained.split("\n", 1)[1] == exercise.answer_text + "\n"
        assert exercise.answer_html in answers
        assert f"Exercise {exercise.number}" in questions
    first = expected[0].solved
    step = explain_step(first)
    assert_pdf(out / "answers.pdf", f"{step.forward.neurons[0].s:.9f}".rstrip("0"))
    assert_pdf(out / "exercises.pdf", "Exercise 3")


def test_the_same_seed_writes_the_same_exercises(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for folder in ("a", "b"):
        assert (
            run(capsys, "--exercises", "2", "--seed", "5", "--out", str(tmp_path / folder))[0] == 0
        )
    for name in ("exercise-01.json", "exercise-02.json", "exercises.html", "answers.html"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--exercises", "3"], "needs --out DIR"),
        (["--exercises", "0", "--out", "x"], "1 to 200"),
        (["--exercises", "201", "--out", "x"], "1 to 200"),
        (["--exercises", "2", "--seed", "-1", "--out", "x"], "--seed"),
        (["--seed", "3"], "only with --exercises"),
        (["--exercises", "2", "--out", "x", "--steps", "3"], "trains nothing"),
    ],
)
def test_bad_exercise_options(
    capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str
) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert len(err.splitlines()) == 1 and fragment in err


def test_exercises_into_a_file_is_one_error_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("not a folder", encoding="utf-8")
    code, _, err = run(capsys, "--exercises", "2", "--out", str(blocker))
    assert code == 2
    assert len(err.splitlines()) == 1 and err.startswith("error: --out")


def test_help_names_the_teaching_options(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for text in ("--handout", "--handout-steps", "--exercises", "--seed", "--out"):
        assert text in out


def test_headless_alone_never_loads_qt() -> None:
    code = (
        "import sys, main\n"
        "assert main.main(['--headless', '--steps', '2']) == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines()[-1] == "[]"


def test_the_lecture_session_is_untouched_by_a_handout(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    before = lecture_session().network.get_flat()
    assert run(capsys, "--headless", "--handout", str(tmp_path / "h.html"))[0] == 0
    assert (lecture_session().network.get_flat() == before).all()
