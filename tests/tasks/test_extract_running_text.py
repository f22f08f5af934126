"""A figure a key asks for printed inside running text (a lease, a letter): the amount or the
date itself, with its own box, not the rest of the sentence (`extract.in_sentence`); a form's
entries that hold a figure among other words stay whole."""

from __future__ import annotations

from task_synth import lines_doc

from promptocr.tasks import Service
from promptocr.tasks.extract import extract_fields, running_text

LEASE = [
    ("RESIDENTIAL LEASE AGREEMENT", 200, 40, 400),
    ("This lease is made on March 1, 2024 between John Carter (the Landlord)", 60, 100, 800),
    ("and Emily Rose (the Tenant) for the premises at 42 Oak Street, Denver.", 60, 130, 820),
    (
        "2. RENT. The monthly rent is $1,850.00, payable on the first day of each month.",
        60,
        220,
        820,
    ),
    ("3. SECURITY DEPOSIT. The Tenant shall pay a security deposit of $2,000.00.", 60, 260, 800),
]


def test_an_amount_in_a_sentence_is_the_amount_with_its_own_box() -> None:
    service = Service(vlm=None)
    doc = lines_doc(LEASE)
    out = service.run_on_document(doc, "Extract the monthly rent and the security deposit")
    assert out.output["fields"] == {"monthly rent": "$1,850.00", "security deposit": "$2,000.00"}
    rent = out.output["details"]["monthly rent"]
    assert rent["normalized"] == "1850.00" and rent["type"] == "amount"
    # the box covers the figure, not the sentence after the key (x 60 … 880 on its line)
    x0, _, x1, _ = rent["bbox"]
    assert 300 < x0 < x1 < 520, rent["bbox"]
    asked = service.run_on_document(doc, "What is the monthly rent?").output["fields"]
    assert asked == {"monthly rent": "$1,850.00"}


def test_a_forms_entries_with_a_figure_stay_whole() -> None:
    doc = lines_doc(
        [
            ("Field Date:", 60, 100, 120),
            ("WEEK OF MARCH 25, 1974", 260, 100, 260),
            ("Date of event:", 60, 140, 140),
            ("September 10, 1997 Marcus Hellenic Spirit Charities", 260, 140, 480),
            ("Answer due:", 60, 180, 120),
            ("Within 20 days after service, exclusive of the day of service", 260, 180, 560),
        ]
    )
    got = extract_fields(doc, ["Field Date", "Date of event", "Answer due"])
    assert got["Field Date"].value == "WEEK OF MARCH 25, 1974"
    assert got["Date of event"].value == "September 10, 1997 Marcus Hellenic Spirit Charities"
    # (a count of days is no money, though `due` names an amount)
    assert (
        got["Answer due"].value == "Within 20 days after service, exclusive of the day of service"
    )
    assert running_text("The monthly rent is $1,850.00, payable on the first day of each month.")
    assert not running_text("12/ 12/ 1990 . Paris")


def test_when_something_ends_or_starts_said_in_a_sentence() -> None:
    """ "When does the lease end?" with no printed label for it: the date after `ends` in the
    sentence that names the lease, with its own box; a subject the page does not name gets
    `null`, as before."""
    service = Service(vlm=None)
    doc = lines_doc(
        [
            *LEASE[:3],
            (
                "1. TERM. The lease begins on March 1, 2024 and ends on February 28, 2025.",
                60,
                180,
                800,
            ),
            ("The insurance policy expires on 12/31/2025 unless renewed.", 60, 300, 700),
        ]
    )
    end = service.run_on_document(doc, "When does the lease end?").output
    assert end["fields"] == {"end date": "February 28, 2025"}
    assert end["details"]["end date"]["normalized"] == "2025-02-28"
    x0, y0, _, _ = end["details"]["end date"]["bbox"]
    assert x0 > 600 and y0 == 180
    start = service.run_on_document(doc, "When does the lease begin?").output["fields"]
    assert start == {"start date": "March 1, 2024"}
    expiry = service.run_on_document(doc, "When does the policy expire?").output["fields"]
    assert expiry == {"expiration date": "12/31/2025"}
    assert service.run_on_document(doc, "When does the contract end?").output["fields"] == {
        "end date": None
    }


def test_the_first_figure_of_the_clause_after_the_keys_own_words() -> None:
    """After review: the first amount after the key's words (not the last of the sentence),
    up to an `and` that opens another clause; a rate before it leaves the value whole (the
    fee is the rate); the key as a word of its own (`rent`, not `current`); a figure printed
    twice on its line boxed where the sentence says it."""

    def value(label: str, text: str, key: str) -> tuple[str | None, list[float] | None]:
        doc = lines_doc([(label, 60, 100, 100), (text, 200, 100, 800)])
        r = extract_fields(doc, [key])[key]
        return r.value, r.bbox

    paid = "The deposit of $500.00 was paid on 01/02/2024 and the balance of $1,500.00 is due"
    assert value("Deposit:", paid, "Deposit")[0] == "$500.00"
    fee = "5% of the monthly rent of $1,850.00 applies after the fifth day"
    assert value("Late fee:", fee, "Late fee")[0] == fee
    arrears = "The current arrears are $200.00; the rent for each month is $1,500.00"
    assert value("Rent:", arrears, "rent")[0] == "$1,500.00"
    twice = "The deposit is $500.00, and the rent is $500.00 payable monthly"
    got, box = value("Rent:", twice, "rent")
    assert got == "$500.00" and box is not None and box[0] > 600, box


def test_a_sentence_answers_only_its_own_subject_and_part() -> None:
    """After review: `lease` is no word of `please`; a clause ends at a comma, so `began in
    2023, ends on …` answers no start; a date the end is counted from is no end; `terminate`
    and `take effect` are asked about as `end` and `start`."""
    service = Service(vlm=None)

    def ask(question: str, text: str) -> object:
        doc = lines_doc([(text, 60, 100, 900)])
        return next(iter(service.run_on_document(doc, question).output["fields"].values()))

    assert (
        ask("When does the lease end?", "Please note the offer ends on June 30, 2024 for all.")
        is None
    )
    began = "The lease, which began in 2023, ends on 31 March 2026 for both parties."
    assert ask("When does the lease start?", began) is None
    counted = "The lease ends one year after the start date of January 1, 2024 unless renewed."
    assert ask("When does the lease end?", counted) is None
    ends = "This agreement terminates on December 31, 2026 unless extended by both parties."
    assert ask("When does the agreement terminate?", ends) == "December 31, 2026"
    starts = "The policy takes effect on 1 July 2025 and ends on 30 June 2026 for the insured."
    assert ask("When does the policy take effect?", starts) == "1 July 2025"
