"""Pure helpers of the bench worker."""

from __future__ import annotations

from promptocr.bench.worker import parse_sets, tesseract_lines

TSV = "\n".join(
    [
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext",
        "1\t1\t0\t0\t0\t0\t0\t0\t200\t100\t-1\t",
        "4\t1\t1\t1\t1\t0\t10\t10\t90\t20\t-1\t",
        "5\t1\t1\t1\t1\t1\t10\t10\t40\t20\t95.0\tTOTAL",
        "5\t1\t1\t1\t1\t2\t60\t12\t40\t18\t91.0\t9.00",
        "5\t1\t1\t1\t2\t1\t10\t40\t30\t20\t90.0\t ",
        "5\t1\t2\t1\t1\t1\t10\t70\t50\t20\t80.0\tCASH",
    ]
)


def test_tesseract_lines_groups_words_by_line() -> None:
    lines = tesseract_lines(TSV)
    assert [ln["text"] for ln in lines] == ["TOTAL 9.00", "CASH"]
    assert lines[0]["box"] == [[10, 10], [100, 10], [100, 30], [10, 30]]


def test_parse_sets_types_values() -> None:
    assert parse_sets(["side_len=960", "page_orientation=false", "thresh=0.25", "a=b"]) == {
        "side_len": 960,
        "page_orientation": False,
        "thresh": 0.25,
        "a": "b",
    }
