"""read_responses and validate_responses: every kind of bad file, with row numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import ResponseDataError, ResponseFileError, read_responses, validate_responses

HEADER = "participant_id,item_id,round,own,prediction,lower,upper,truth,item_min,item_max,own_min,own_max\n"
GOOD_ROWS = [
    "007,a,1,3,40,30,50,45,0,100,1,6",
    "007,b,1,5,60,50,70,55,0,100,1,6",
    "008,a,1,2,35,,,45,0,100,1,6",
]


def _csv(tmp_path, *rows, header=HEADER):
    path = tmp_path / "responses.csv"
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _problems(tmp_path, *rows, header=HEADER) -> str:
    with pytest.raises(ResponseDataError) as error:
        validate_responses(read_responses(_csv(tmp_path, *rows, header=header)))
    return str(error.value)


def test_good_file_is_typed(tmp_path):
    data = validate_responses(read_responses(_csv(tmp_path, *GOOD_ROWS)))
    assert data["participant_id"].tolist() == ["007", "007", "008"]
    assert data["round"].dtype == np.int64
    assert data["own"].dtype == float
    assert np.isnan(data.loc[2, "lower"])


def test_byte_order_mark_and_unicode(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeff" + HEADER + "Zoë 管理者,a,1,3,40,30,50,45,0,100,1,6\n").encode("utf-8"))
    data = validate_responses(read_responses(path))
    assert data.columns[0] == "participant_id"
    assert data.loc[0, "participant_id"] == "Zoë 管理者"


def test_parquet_round_trip(tmp_path):
    frame = read_responses(_csv(tmp_path, *GOOD_ROWS))
    frame["participant_id"] = [7, 7, 8]  # numeric ids in a Parquet file still become strings
    path = tmp_path / "responses.parquet"
    frame.to_parquet(path)
    data = validate_responses(read_responses(path))
    assert data["participant_id"].tolist() == ["7", "7", "8"]


def test_missing_required_column_is_named(tmp_path):
    message = _problems(tmp_path, "p,a,1,3,40,45", header="participant_id,item_id,round,own,prediction,truth_value\n")
    assert "missing required column(s): truth" in message


def test_non_numeric_value_with_row_number(tmp_path):
    message = _problems(tmp_path, GOOD_ROWS[0], "007,b,1,five,60,50,70,55,0,100,1,6")
    assert "row 3: own is not a number: 'five'" in message


def test_infinite_value_is_rejected(tmp_path):
    assert "row 2: prediction is infinite: inf" in _problems(tmp_path, "p,a,1,3,inf,,,45,0,100,1,6")


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("p,a,1,3,140,,,45,0,100,1,6", "row 2: prediction 140 is outside the range [0, 100] (item_min..item_max)"),
        ("p,a,1,3,40,,,-5,0,100,1,6", "row 2: truth -5 is outside the range [0, 100]"),
        ("p,a,1,3,40,-1,50,45,0,100,1,6", "row 2: lower -1 is outside the range [0, 100]"),
        ("p,a,1,3,40,30,101,45,0,100,1,6", "row 2: upper 101 is outside the range [0, 100]"),
        ("p,a,1,7,40,,,45,0,100,1,6", "row 2: own 7 is outside the range [1, 6] (own_min..own_max"),
        ("p,a,1,3,40,,,45,100,0,1,6", "row 2: item_min (100) must be less than item_max (0)"),
        ("p,a,1,3,40,50,30,45,0,100,1,6", "row 2: lower (50) is greater than upper (30)"),
        ("p,a,1.5,3,40,,,45,0,100,1,6", "row 2: round must be a whole number of at least 1: 1.5"),
        (",a,1,3,40,,,45,0,100,1,6", "row 2: participant_id is empty"),
    ],
)
def test_each_kind_of_bad_value(tmp_path, row, expected):
    assert expected in _problems(tmp_path, row)


RESEARCH_HEADER = "participant_id,item_id,own,prediction,research,truth,item_min,item_max\n"


def test_research_column_is_numeric_and_may_be_empty(tmp_path):
    data = validate_responses(read_responses(_csv(tmp_path, "p,a,3,40,52.5,45,0,100", "p,b,4,50,,45,0,100",
                                                  header=RESEARCH_HEADER)))
    assert data["research"].dtype == float
    assert data.loc[0, "research"] == 52.5 and np.isnan(data.loc[1, "research"])


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("p,a,3,40,lots,45,0,100", "row 2: research is not a number: 'lots'"),
        ("p,a,3,40,inf,45,0,100", "row 2: research is infinite: inf"),
        ("p,a,3,40,120,45,0,100", "row 2: research 120 is outside the range [0, 100] (item_min..item_max)"),
    ],
)
def test_bad_research_values(tmp_path, row, expected):
    assert expected in _problems(tmp_path, row, header=RESEARCH_HEADER)


def test_own_falls_back_to_item_range(tmp_path):
    header = "participant_id,item_id,own,prediction,truth,item_min,item_max\n"
    assert "row 2: own 120 is outside the range [0, 100]" in _problems(tmp_path, "p,a,120,40,45,0,100", header=header)


def test_duplicates_name_all_rows(tmp_path):
    message = _problems(tmp_path, GOOD_ROWS[0], GOOD_ROWS[1], GOOD_ROWS[0], GOOD_ROWS[2])
    assert "rows 2, 4: duplicate answer for participant '007', item 'a', round 1" in message


def test_missing_round_counts_as_round_one_for_duplicates(tmp_path):
    message = _problems(tmp_path, "p,a,,3,40,,,45,0,100,1,6", "p,a,1,3,40,,,45,0,100,1,6")
    assert "rows 2, 3: duplicate answer" in message


def test_every_problem_is_listed_in_row_order(tmp_path):
    with pytest.raises(ResponseDataError) as error:
        validate_responses(read_responses(_csv(tmp_path, "p,a,1,x,40,,,45,0,100,1,6", "p,b,1,3,400,,,45,0,100,1,6")))
    assert error.value.problems == [
        "row 2: own is not a number: 'x'",
        "row 3: prediction 400 is outside the range [0, 100] (item_min..item_max)",
    ]
    assert str(error.value).startswith("2 problem(s) in the responses:")


def test_long_lists_are_truncated_in_the_message(tmp_path):
    rows = [f"p{i},a,1,3,400,,,45,0,100,1,6" for i in range(30)]
    with pytest.raises(ResponseDataError) as error:
        validate_responses(read_responses(_csv(tmp_path, *rows)))
    assert len(error.value.problems) == 30
    assert "... and 10 more" in str(error.value)


def test_header_only_file(tmp_path):
    assert "no data rows" in _problems(tmp_path, header=HEADER.rstrip("\n"))


def test_skipped_answers_are_allowed(tmp_path):
    data = validate_responses(read_responses(_csv(tmp_path, "p,a,1,,40,,,45,0,100,1,6")))
    assert np.isnan(data.loc[0, "own"])


def test_error_is_a_value_error():
    assert issubclass(ResponseDataError, ValueError)
    with pytest.raises(ValueError, match="missing required column"):
        validate_responses(pd.DataFrame({"participant_id": ["a"]}))


def test_unreadable_files(tmp_path):
    with pytest.raises(ResponseFileError, match="no such file"):
        read_responses(tmp_path / "nope.csv")
    with pytest.raises(ResponseFileError, match="not a file"):
        read_responses(tmp_path)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ResponseFileError, match="cannot read"):
        read_responses(empty)
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"this is not parquet")
    with pytest.raises(ResponseFileError, match="cannot read"):
        read_responses(broken)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81participant_id\n\x00\x9f")
    with pytest.raises(ResponseFileError):
        read_responses(binary)
