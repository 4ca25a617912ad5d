"""The quiz's model: which questions a step asks, with their values and working, how an
answer is marked, the session's "quiz" key."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from model.explain import explain_step
from model.quiz import (
    NO_ANSWER,
    NOT_A_NUMBER,
    RIGHT,
    WRONG,
    Score,
    check_answer,
    marked_elements,
    marked_html,
    parse_answer,
    pick_questions,
    results_html,
)
from model.quiz_settings import QUESTION_KINDS, QuizSettings, quiz_settings
from model.session import (
    SessionError,
    lecture_session,
    load_example,
    load_session,
    parse_session,
    save_session,
    session_to_dict,
)


def lecture_questions(kinds=QUESTION_KINDS, neuron=None):
    trainer = lecture_session().to_trainer()
    ex = explain_step(trainer, trainer.position + 1)
    assert ex.pending
    return ex, {q.key: q for q in pick_questions(ex, kinds, neuron)}


def test_the_lecture_questions_have_the_lecture_numbers() -> None:
    _ex, questions = lecture_questions()
    values = {key: round(q.value, 9) for key, q in questions.items()}
    assert values == {
        "s:y": 1.94,
        "y:y": 0.874352143,
        "E": 0.356465271,
        "delta:y": -0.844352143,  # the lecture's rule: d − Y
        "gradient:W1": 0.009276093,
        "gradient:W2": 0.027828278,
        "gradient:b": 0.092760926,
        "new:W1": 0.499155648,
        "new:W2": 0.197466944,
        "new:b": 1.821556479,
    }
    assert questions["s:y"].working == "s = X1·W1 + X2·W2 + b = 0.1·0.5 + 0.3·0.2 + 1.83 = 1.94"
    assert questions["y:y"].working == "y = f(s) = 1/(1+e^−1.94) = 0.874352143"
    assert questions["E"].working == "E = ½(0.03 − 0.874352143)² = 0.356465271"
    assert questions["new:W2"].working == "W2 = 0.2 + 0.01·[-0.844352143]·0.3 = 0.197466944"
    assert questions["new:b"].working == "b = 1.83 + 0.01·[-0.844352143]·(+1) = 1.821556479"


def test_backprop_asks_delta_and_the_chain_rule_per_neuron() -> None:
    trainer = load_example("xor").to_trainer()
    ex = explain_step(trainer, 1)
    questions = pick_questions(ex, ["delta", "gradient"], neuron="h1")
    assert [q.key for q in questions] == [
        "delta:h1",
        "gradient:L1.W1_1",
        "gradient:L1.W1_2",
        "gradient:L1.b1",
    ]
    delta = questions[0]
    assert delta.value == ex.deltas[1].delta
    assert delta.working.startswith("δ_h1 = (Σ w·δ) · f'(s)")
    # batch mode: the update used the mean over the samples
    assert questions[1].value == ex.parameter("L1.W1_1").chain.gradient
    assert "(mean over 4 samples)" in questions[1].working


def test_every_example_gives_questions_with_their_working_found() -> None:
    for name in ("lecture", "and", "xor", "mazur_2_2_2", "deep_xor"):
        trainer = load_example(name).to_trainer()
        ex = explain_step(trainer, 1)
        questions = pick_questions(ex, QUESTION_KINDS)
        assert questions, name
        source = marked_html(ex, questions)
        _elements, marked = marked_elements(explain_step_html(ex), questions)
        assert marked, name
        assert source.count("#ffd6d6") >= len(marked) > 0


def explain_step_html(ex) -> str:
    from model.explain import to_html

    return to_html(ex)


def test_the_working_of_a_wrong_answer_is_highlighted() -> None:
    ex, questions = lecture_questions()
    html = marked_html(ex, [questions["y:y"], questions["new:W1"]])
    highlighted = re.findall(r"<(p|tr)[^>]*#ffd6d6[^>]*>(.*?)</\1>", html)
    texts = [re.sub(r"<[^>]+>", "", inner).replace("\xa0", " ") for _tag, inner in highlighted]
    assert "y = f(s) = 1/(1+e−1.94) = 0.874352143" in texts
    assert "W(n+1) = W(n) + η[d − Y]X" in texts
    assert "= [1.821556479, 0.499155648, 0.197466944]" in texts  # the chain's last line
    assert any(t.startswith("W1") and "0.499155648" in t for t in texts)  # its table row
    assert not any("s = X1" in t for t in texts)


@pytest.mark.parametrize(
    ("text", "decimals", "verdict"),
    [
        ("0.874352143", 9, RIGHT),
        ("  0,874352143 ", 9, RIGHT),
        ("0.8743521437", 9, RIGHT),
        ("0.8743521428", 9, WRONG),
        ("0.874352144", 9, WRONG),
        ("0.87435214", 9, WRONG),
        ("0.874", 3, RIGHT),
        ("0.8745", 3, RIGHT),
        ("0.873", 3, WRONG),
        ("", 9, NO_ANSWER),
        ("y", 9, NOT_A_NUMBER),
        ("nan", 9, NOT_A_NUMBER),
        ("1e400", 9, NOT_A_NUMBER),
    ],
)
def test_an_answer_is_right_within_half_a_unit_of_the_last_decimal(
    text: str, decimals: int, verdict: str
) -> None:
    _ex, questions = lecture_questions(["y"])
    assert check_answer(questions["y:y"], text, decimals).verdict == verdict


def test_signs_as_people_type_them() -> None:
    assert parse_answer("−0.844352143") == -0.844352143
    assert parse_answer("- 0.5") == -0.5
    assert parse_answer("   ") is None
    with pytest.raises(ValueError, match="could not convert"):
        parse_answer("1,2,3")


def test_the_results_name_each_wrong_answer_with_its_working() -> None:
    _ex, questions = lecture_questions(["s", "y"])
    marks = [check_answer(questions["s:y"], "1.94", 9), check_answer(questions["y:y"], "0.87", 9)]
    said = results_html(marks)
    assert "s = X1" not in said
    assert "<b>y = f(s)</b>: you wrote 0.87; it is <b>0.874352143</b>" in said
    assert "y = f(s) = 1/(1+e^−1.94) = 0.874352143" in said
    assert "All right" in results_html(marks[:1])


def test_the_score() -> None:
    _ex, questions = lecture_questions(["s", "y"])
    marks = [check_answer(questions["s:y"], "1.94", 9), check_answer(questions["y:y"], "", 9)]
    score = Score().add(marks)
    assert (score.right, score.asked) == (1, 2)
    assert str(score) == "1 of 2 right (50%)"
    assert str(Score()) == "no questions answered yet"


# -- the session's "quiz" ------------------------------------------------------------------------
def test_a_quiz_goes_into_the_session_and_back(tmp_path: Path) -> None:
    trainer = lecture_session().to_trainer()
    quiz = QuizSettings(on=True, questions=("s", "y", "E", "new"), decimals=9)
    for name in ("q.json", "q.bplab"):
        save_session(trainer, tmp_path / name, "Quiz", quiz=quiz)
        assert load_session(tmp_path / name).quiz == quiz
    document = json.loads((tmp_path / "q.json").read_text(encoding="utf-8"))
    assert document["quiz"] == {"on": True, "questions": ["s", "y", "E", "new"], "decimals": 9}
    # off, it is not written; without it, a session has none
    save_session(trainer, tmp_path / "off.json", quiz=QuizSettings(on=False))
    assert "quiz" not in json.loads((tmp_path / "off.json").read_text(encoding="utf-8"))
    assert load_session(tmp_path / "off.json").quiz is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (5, "quiz: expected {"),
        ({"on": "yes"}, "quiz.on: expected true or false"),
        ({"questions": []}, "quiz.questions: expected a list"),
        ({"questions": ["s", "w"]}, "quiz.questions[1]: unknown question 'w'"),
        ({"decimals": 13}, "quiz.decimals: expected 0 to 12, got 13"),
        ({"decimals": True}, "quiz.decimals: expected a whole number"),
        ({"neuron": "h1"}, "quiz.neuron: expected null (all) or one of y, got 'h1'"),
    ],
)
def test_a_bad_quiz_is_refused_naming_the_field(value: object, message: str) -> None:
    document = session_to_dict(lecture_session().to_trainer())
    document["quiz"] = value
    with pytest.raises(SessionError) as refused:
        parse_session(document)
    assert str(refused.value).startswith(message)


def test_defaults_of_a_short_quiz() -> None:
    assert quiz_settings({}, ["y"]) == QuizSettings(on=True)
    ordered = quiz_settings({"questions": ["new", "s"], "neuron": "y"}, ["y"])
    assert ordered.questions == ("s", "new")
    assert ordered.neuron == "y"
    assert ordered.tolerance == 0.5e-9
