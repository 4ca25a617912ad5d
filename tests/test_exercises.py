"""Exercise sheets: lecture-style variants from a seed, and answers equal to what the
command line explains for each variant's first step."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import main
from model.exercises import make_exercises, question_html, sheet_html
from model.session import lecture_session, load_example, save_session


def test_the_same_seed_gives_the_same_sheet_and_another_seed_another() -> None:
    trainer = lecture_session().to_trainer()
    first = make_exercises(trainer, 3, seed=11)
    again = make_exercises(trainer, 3, seed=11)
    other = make_exercises(trainer, 3, seed=12)
    flat = [e.trainer.network.get_flat() for e in first]
    assert [f.tolist() for f in flat] == [e.trainer.network.get_flat().tolist() for e in again]
    assert [f.tolist() for f in flat] != [e.trainer.network.get_flat().tolist() for e in other]
    assert len({tuple(f) for f in flat}) == 3  # three different exercises


@pytest.mark.parametrize("example", ["lecture", "xor", "mazur_2_2_2"])
def test_numbers_as_a_lecture_writes_them(example: str) -> None:
    for exercise in make_exercises(load_example(example).to_trainer(), 4, seed=5):
        t = exercise.trainer
        values = np.concatenate(
            [t.network.get_flat(), t.data.inputs.ravel(), t.data.targets.ravel()]
        )
        assert np.array_equal(values, np.round(values, 2))
        assert (values != 0).all()
        assert t.network.layers == load_example(example).network.layers
        assert t.position == 0


def test_each_answer_is_what_the_command_line_explains(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exercises = make_exercises(load_example("xor").to_trainer(), 3, seed=2)
    for exercise in exercises:
        path = tmp_path / f"exercise-{exercise.number:02d}.json"
        save_session(exercise.trainer, path, f"Exercise {exercise.number}")
        capsys.readouterr()
        assert main.main(["--headless", str(path), "--steps", "1", "--explain"]) == 0
        printed = capsys.readouterr().out
        assert exercise.answer_text in printed


def test_the_sheets_read_as_pages() -> None:
    exercises = make_exercises(lecture_session().to_trainer(), 2, seed=1)
    page = sheet_html("Exercises", [question_html(e) for e in exercises])
    assert page.startswith("<!DOCTYPE html>")
    assert "Exercise 1" in page and "Exercise 2" in page
    assert "η = 0.01" in page
    answers = sheet_html("Answers", [e.answer_html for e in exercises])
    assert "s = " in answers or "s<sub>" in answers


def test_a_silly_count_is_refused() -> None:
    with pytest.raises(ValueError, match="1 to 200"):
        make_exercises(lecture_session().to_trainer(), 0, seed=1)
