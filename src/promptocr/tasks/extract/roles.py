"""Receipt line roles: which rows of a receipt print the merchant's name and its address.

Receipts rarely label these (`Company:` / `Address:` are not printed), so a small learned model
reads each OCR row and gives the probability of three roles — `company`, `address`, `other` —
from:

* **layout**: the row's place among the rows (index, relative height on the page), its height
  against the page's median line height, width, centring and margins, the gaps above and
  below, how many OCR pieces it has;
* **look**: length, words, shares of capitals, digits, letters, CJK characters and
  punctuation, commas, colon, a leading number, the longest run of digits (postcodes, house
  and phone numbers), a date, a phone-like number, an amount with decimals, brackets, an
  e-mail or web address;
* **words, learned**: a hashed bag of words, word shapes (`00000`), character trigrams and CJK
  characters and bigrams (each token counted once, in 2^18 buckets so that a word never seen
  in training rarely shares a weight with one that was; feature version 3), scored by a
  logistic regression trained on the synthetic receipts —
  so `SDN BHD`, `LTD`, `有限公司` or `JALAN`, `路`, a five-digit postcode come to mean "name" or
  "address" because the training receipts print them so, not because a list here says so;
* **neighbours**: the word scores, height and digit share of the rows above and below, and
  whether a date, phone number or amount was printed on an earlier row.

A gradient-boosted tree ensemble (`roles_model.npz`, evaluated in numpy like the linker's
`model.py`) gives the three probabilities; a small dynamic programme (Viterbi) then reads the
receipt as `other* company+ other* address+ other*` and returns the most likely company lines
and address lines; the address begins between rows, not inside one (`ROW_SPLIT`), and seldom ends inside one (`ROW_LEAVE`). Either part may be absent, at a prior cost (`SKIP_COMPANY`,
`SKIP_ADDRESS`: most receipts print both), so a name without a legal form that the model
finds only half likely is still taken when it stands where a name stands. After the address a
name-like row is no name when one stands on top (an owner, a customer); a receipt with no
name on top takes the name printed under its address (`_name_after`, decoding version 2).
Training: `scripts/train_roles.py` on `synthreceipts.py` only.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from promptocr.document.model import Line
from promptocr.tasks.extract.model import TreeModel

FEATURE_VERSION = 3
N_BUCKETS = 1 << 18
MODEL_FILE = Path(__file__).parent / "roles_model.npz"
ROLES = ("other", "company", "address")

_DATE = re.compile(
    r"(?<!\d)\d{1,4}\s?[-/.]\s?\d{1,2}\s?[-/.]\s?\d{2,4}(?!\d)|\d{4}\s?年|"
    r"\b\d{1,2}\s+[A-Za-z]{3,9}\s+\d{2,4}\b"
)
_PHONE = re.compile(r"(?:\+?\d[\d\s()-]{6,}\d)")
# a phone number as printed: groups of digits split by a space or a dash ("03-5521 4907",
# "H/P:017-4430918"), unlike a tax id or an item code printed as one run of digits
_PHONE_SEP = re.compile(r"(?<![\d.,/])\(?\+?\d{1,4}\)?(?:[\s-]{1,2}\d{2,4}){1,3}\d*(?![\d.,])")
_AMOUNT = re.compile(r"(?<![\d.])\d{1,6}[.,]\d{2}(?![\d.])")
_WEB = re.compile(r"@|www\.|https?:|\.com\b", re.I)
_WORD = re.compile(r"[A-Za-z]+|\d+|[^\sA-Za-z\d]")
# a registration number printed on its own or after a name: "(123456-X)", "<573318-M>",
# "JM0418826-V", "2049361K", "CO. REG: …"; its shape, not any register's list
_REGNO = re.compile(
    r"^[\s(<\[]*(?:[A-Z]{0,3}\d{4}[\dA-Z]*(?:\s*-\s*|\s)?[A-Z]?|\d{5,})[\s)>\]]*$|"
    r"\b(?:CO|COMPANY|ROC|REG|BRN)\b\.?\s*(?:REG|NO)?\.?\s*[:.]?\s*\d{4,}",
    re.I,
)

FEATURE_NAMES = (
    "index",
    "index_rel",
    "y_rel",
    "height_ratio",
    "width_rel",
    "centre_offset",
    "left_offset",
    "right_offset",
    "gap_above",
    "gap_below",
    "pieces",
    "chars",
    "words",
    "upper_share",
    "digit_share",
    "letter_share",
    "cjk_share",
    "punct_share",
    "commas",
    "has_colon",
    "starts_digit",
    "longest_digits",
    "has_date",
    "has_phone",
    "has_amount",
    "has_bracket",
    "has_web",
    "tok_company",
    "tok_address",
    "prev_height_ratio",
    "prev_tok_company",
    "prev_tok_address",
    "prev_digit_share",
    "next_height_ratio",
    "next_tok_company",
    "next_tok_address",
    "next_digit_share",
    "prev2_tok_company",
    "prev2_tok_address",
    "next2_tok_company",
    "next2_tok_address",
    "dates_before",
    "phones_before",
    "amounts_before",
    "height_rank_top",
    "max_tok_company_before",
    "max_tok_address_before",
    # version 2: how likely the row continues the name above it (learned word score), the
    # rows around it looking like a registration number, the row's place against the first
    # phone / tax-id / web row, and its height against its neighbours'
    "tok_cont",
    "next_tok_cont",
    "is_regno",
    "prev_is_regno",
    "next_is_regno",
    "next_has_bracket",
    "next_longest_digits",
    "rows_after_contact",
    "height_vs_prev",
    "height_vs_next",
)


def _h(s: str) -> int:
    return zlib.crc32(s.encode("utf-8")) % N_BUCKETS


def _cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def token_ids(text: str) -> list[int]:
    """Hashed tokens of a row: words, word shapes, character trigrams, CJK characters and
    bigrams (the input of the learned word scores)."""
    t = text.upper()
    out: list[str] = []
    words = _WORD.findall(t)
    for w in words:
        if w.isdigit():
            out.append(f"S:{'0' * min(len(w), 8)}")
        elif w.isalpha() and w.isascii():
            out.append(f"W:{w}")
            padded = f"<{w}>"
            out += [f"C:{padded[i : i + 3]}" for i in range(len(padded) - 2)]
        else:
            out.append(f"P:{w}")
    for a, b in zip(words, words[1:], strict=False):
        if a.isalpha() and b.isalpha():
            out.append(f"B:{a}_{b}")
    cjk = [ch for ch in t if _cjk(ch)]
    out += [f"H:{ch}" for ch in cjk]
    out += [f"H2:{a}{b}" for a, b in zip(cjk, cjk[1:], strict=False)]
    if words:
        out.append(f"L:{words[-1] if not words[-1].isdigit() else '#'}")
        out.append(f"F:{words[0] if not words[0].isdigit() else '#'}")
    return [_h(s) for s in out]


@dataclass
class RolesModel:
    """Word scores (a hashed logistic regression) and the tree ensemble, one per role."""

    token_w: np.ndarray  # (N_BUCKETS, 3)
    token_b: np.ndarray  # (3,)
    trees: list[TreeModel]  # one per role: raw multiclass scores (softmax)
    meta: dict[str, Any]
    cont_w: np.ndarray | None = None  # (N_BUCKETS,): the row continues a name wrapped above
    cont_b: float = 0.0

    def token_scores(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 3): the word score of company and of address, as log-odds against other, and
        the log-odds that the row is the second line of a wrapped name."""
        out = np.zeros((len(texts), 3))
        for i, t in enumerate(texts):
            # each token once, as the regressions were fitted (presence, not counts): a row
            # with many full stops is not many times less an address (feature version 3)
            ids = sorted(set(token_ids(t)))
            z = self.token_b + (self.token_w[ids].sum(axis=0) if ids else 0.0)
            c = self.cont_b + (
                float(self.cont_w[ids].sum()) if ids and self.cont_w is not None else 0.0
            )
            out[i] = z[1] - z[0], z[2] - z[0], c
        return out

    def proba(self, X: np.ndarray) -> np.ndarray:
        """(n, 3): probabilities of other, company, address."""
        raw = np.stack([t.raw(X) for t in self.trees], axis=1)
        raw -= raw.max(axis=1, keepdims=True)
        e = np.exp(raw)
        return np.asarray(e / e.sum(axis=1, keepdims=True))


def save_model(path: Path, model: RolesModel) -> None:
    arrays: dict[str, np.ndarray] = {
        "token_w": model.token_w.astype(np.float32),
        "token_b": model.token_b.astype(np.float64),
        "meta": np.array(json.dumps(model.meta, sort_keys=True)),
    }
    if model.cont_w is not None:
        arrays["cont_w"] = model.cont_w.astype(np.float32)
        arrays["cont_b"] = np.array([model.cont_b])
    for k, t in enumerate(model.trees):
        arrays[f"t{k}_feature"] = t.feature.astype(np.int16)
        arrays[f"t{k}_threshold"] = t.threshold.astype(np.float64)
        arrays[f"t{k}_left"] = t.left.astype(np.int32)
        arrays[f"t{k}_right"] = t.right.astype(np.int32)
        arrays[f"t{k}_value"] = t.value.astype(np.float64)
        arrays[f"t{k}_is_leaf"] = t.is_leaf
        arrays[f"t{k}_roots"] = t.roots.astype(np.int32)
        arrays[f"t{k}_scalars"] = np.array([t.depth, t.baseline])
    np.savez_compressed(path, **arrays)  # type: ignore[arg-type]


def load_file(path: Path) -> RolesModel:
    with np.load(path, allow_pickle=False) as z:
        trees = []
        for k in range(len(ROLES)):
            depth, baseline = (float(x) for x in z[f"t{k}_scalars"])
            trees.append(
                TreeModel(
                    feature=z[f"t{k}_feature"].astype(np.int64),
                    threshold=z[f"t{k}_threshold"].astype(np.float64),
                    left=z[f"t{k}_left"].astype(np.int64),
                    right=z[f"t{k}_right"].astype(np.int64),
                    value=z[f"t{k}_value"].astype(np.float64),
                    is_leaf=z[f"t{k}_is_leaf"].astype(bool),
                    roots=z[f"t{k}_roots"].astype(np.int64),
                    depth=int(depth),
                    baseline=baseline,
                    platt_a=1.0,
                    platt_b=0.0,
                    meta={},
                )
            )
        return RolesModel(
            token_w=z["token_w"].astype(np.float64),
            token_b=z["token_b"].astype(np.float64),
            trees=trees,
            meta=json.loads(str(z["meta"])),
            cont_w=z["cont_w"].astype(np.float64) if "cont_w" in z else None,
            cont_b=float(z["cont_b"][0]) if "cont_b" in z else 0.0,
        )


@lru_cache(maxsize=2)
def load_model(path: str | None = None) -> RolesModel:
    """The shipped role model (cached)."""
    return load_file(Path(path) if path else MODEL_FILE)


def row_features(
    texts: Sequence[str],
    boxes: Sequence[tuple[float, float, float, float]],
    pieces: Sequence[int],
    tok: np.ndarray,
) -> np.ndarray:
    """The feature matrix (rows in reading order × FEATURE_NAMES) of one receipt."""
    n = len(texts)
    F = np.zeros((n, len(FEATURE_NAMES)))
    if n == 0:
        return F
    b = np.asarray(boxes, dtype=np.float64).reshape(n, 4)
    hs = np.maximum(b[:, 3] - b[:, 1], 1.0)
    med = float(np.median(hs))
    x0, x1 = float(b[:, 0].min()), float(b[:, 2].max())
    y0, y1 = float(b[:, 1].min()), float(b[:, 3].max())
    tw = max(x1 - x0, 1.0)
    th = max(y1 - y0, 1.0)
    top_h = np.sort(hs[: min(n, 12)])[::-1]
    regno = [bool(_REGNO.search(t.strip())) for t in texts]
    contact = n  # the first phone or web row under the top row
    for j in range(1, n):
        m = _PHONE_SEP.search(texts[j])
        if (m and sum(ch.isdigit() for ch in m.group(0)) >= 7) or _WEB.search(texts[j]):
            contact = j
            break
    dates = phones = amounts = 0
    max_c = max_a = -10.0
    for i, t in enumerate(texts):
        s = t.strip()
        L = max(len(s), 1)
        letters = [ch for ch in s if ch.isalpha() and not _cjk(ch)]
        digits = sum(ch.isdigit() for ch in s)
        cjk = sum(_cjk(ch) for ch in s)
        punct = sum((not ch.isalnum()) and not ch.isspace() and not _cjk(ch) for ch in s)
        runs = [len(m) for m in re.findall(r"\d+", s)]
        has_date = bool(_DATE.search(s))
        has_phone = bool(_PHONE.search(s)) and not has_date
        has_amount = bool(_AMOUNT.search(s))
        bx = b[i]
        xc = (bx[0] + bx[2]) / 2
        gap_above = (bx[1] - b[i - 1, 3]) / med if i > 0 else 5.0
        gap_below = (b[i + 1, 1] - bx[3]) / med if i + 1 < n else 5.0

        def extra(j: int) -> tuple[float, float, float, float]:
            if 0 <= j < n:
                sj = texts[j]
                runs_j = [len(m) for m in re.findall(r"\d+", sj)]
                return (
                    tok[j, 2],
                    float(regno[j]),
                    float("(" in sj or "（" in sj),
                    max(runs_j, default=0),
                )
            return -10.0, 0.0, 0.0, 0.0

        e_next = extra(i + 1)

        def nb(j: int) -> tuple[float, float, float, float]:
            if 0 <= j < n:
                sj = texts[j]
                d = sum(ch.isdigit() for ch in sj) / max(len(sj), 1)
                return hs[j] / med, tok[j, 0], tok[j, 1], d
            return 0.0, -10.0, -10.0, -1.0

        p1, n1, p2, n2 = nb(i - 1), nb(i + 1), nb(i - 2), nb(i + 2)
        F[i] = [
            min(i, 40),
            i / max(n - 1, 1),
            ((bx[1] + bx[3]) / 2 - y0) / th,
            hs[i] / med,
            (bx[2] - bx[0]) / tw,
            abs(xc - (x0 + x1) / 2) / tw,
            (bx[0] - x0) / tw,
            (x1 - bx[2]) / tw,
            min(gap_above, 5.0),
            min(gap_below, 5.0),
            pieces[i],
            min(L, 80),
            len(s.split()),
            sum(ch.isupper() for ch in letters) / max(len(letters), 1),
            digits / L,
            len(letters) / L,
            cjk / L,
            punct / L,
            s.count(",") + s.count("，"),
            float(":" in s or "：" in s),
            float(s[:1].isdigit()),
            max(runs, default=0),
            float(has_date),
            float(has_phone),
            float(has_amount),
            float(bool(re.search(r"[()（）]", s))),
            float(bool(_WEB.search(s))),
            tok[i, 0],
            tok[i, 1],
            *p1,
            *n1,
            p2[1],
            p2[2],
            n2[1],
            n2[2],
            dates,
            phones,
            amounts,
            float(int(np.searchsorted(-top_h, -hs[i]))) if i < 12 else 12.0,
            max_c,
            max_a,
            tok[i, 2],
            e_next[0],
            float(regno[i]),
            float(regno[i - 1]) if i > 0 else 0.0,
            e_next[1],
            e_next[2],
            e_next[3],
            float(np.clip(i - contact, -12, 12)),
            hs[i] / hs[i - 1] if i > 0 else 0.0,
            hs[i] / hs[i + 1] if i + 1 < n else 0.0,
        ]
        dates += has_date
        phones += has_phone
        amounts += has_amount
        max_c, max_a = max(max_c, tok[i, 0]), max(max_a, tok[i, 1])
    return F


# The reading's prior: most receipts print a name and an address, so skipping either costs
# this log-probability (the share of synthetic receipts without one is about 6-10%).
SKIP_COMPANY = math.log(0.1)
SKIP_ADDRESS = math.log(0.1)
# Decoding version 2: a receipt may print its registered name only under the address and the
# phone lines, a slogan or a brand on top ("SHOP ONLINE AT ….COM" over the address, then
# "… TRADING SB (123456-X)"). After the address a name-like row is never read against the
# reading (the state "other after the address" takes the name's probability too: an owner
# "Owned by: … SDN BHD" or a customer printed there is not the name when a name stands on
# top); where no name was read on top, the first run of units within `NAME_AFTER_UNITS` after
# the address that the model reads as a name with probability ≥ `NAME_AFTER_P` each is the
# name.
NAME_AFTER_UNITS = 8
NAME_AFTER_P = 0.8
# a receipt's first rows are its name more often than anything else: a row read as "other"
# before the name costs this log-probability, so a row the model finds as likely the name's
# as not (`AIK HUAT HARDWARE` over `ENTERPRISE(SETIA` / `ALAM) SDN BHD`: p 0.496) joins the
# name under it, while a row surely something else (`WELCOME`, a logo's letters) stays apart.
# On 1,200 synthetic receipts (seeds 4242, 4243) log 0.9 and 0.8 decode as without it, log
# 0.7 costs 0.5 point of names; SROIE dev's names 0.817 -> 0.833 (one receipt)
BEFORE_NAME = math.log(0.9)


def _trans() -> np.ndarray:
    """Log transition weights between the five states (other, company, other, address,
    other): forward only; passing over the company state costs its prior (passing over the
    address is paid at the end)."""
    T = np.full((5, 5), -math.inf)
    for j in range(5):
        for s in range(j, 5):
            T[j, s] = SKIP_COMPANY if j == 0 and s >= 2 else 0.0
    # the last state follows the address only (decoding version 2: it reads name-like rows as
    # other at no cost); a receipt without an address ends in state 0, 1 or 2 at the prior's
    # cost (`decode`'s end weights)
    T[:3, 4] = -math.inf
    return T


# An address row that OCR read in two pieces is rarely two roles (a garbled first piece,
# "L0T 27-B &" before "27-C, JALAN MERBAU 4,"): entering the address between two units of one
# row costs this log-probability. (Not the name: a name row often carries its registration
# number, or a stray mark, as another piece of the same row.) Since decoding version 2 log
# 0.001 (log 0.05 before): the v7 model reads such a garbled piece as "other" with p 0.99, and
# a row is one role. Leaving the address mid-row costs only `ROW_LEAVE` (log 0.05, as before):
# the last address row often carries a date, a phone number or a store number at its right
# ("43000 KAJANG, SELANGOR" + "DATE: 12/03/2018"), which is not the address.
ROW_SPLIT = math.log(0.001)
ROW_LEAVE = math.log(0.05)
# the role of each of the five states
_STATE_ROLE = np.array([0, 1, 0, 2, 0])


def same_row_flags(pieces: Sequence[int]) -> list[bool]:
    """For each unit of `line_units` (rows flattened in order, each unit carrying its row's
    number of pieces): whether it is on the same row as the unit before it."""
    out: list[bool] = []
    i = 0
    while i < len(pieces):
        k = max(1, int(pieces[i]))
        out += [False] + [True] * (k - 1)
        i += k
    return out[: len(pieces)]


def decode(P: np.ndarray, same_row: Sequence[bool] | None = None) -> tuple[list[int], list[int]]:
    """The most likely reading `other* company* other* address* other*` of the units, given
    each one's (other, company, address) probabilities: (company units, address units); where
    it reads no name, a name printed after the address (`_name_after`, decoding version 2).
    `same_row[i]`: unit i is on the row of unit i - 1 (entering the address there costs
    `ROW_SPLIT`, leaving it `ROW_LEAVE`)."""
    n = P.shape[0]
    if n == 0:
        return [], []
    L = np.log(np.clip(P, 1e-6, 1.0))
    # a row the model reads as more likely an address than a name is never the name (the
    # prior for a name must not pull the first address row of a receipt whose name was not
    # read into the name)
    name = np.where(P[:, 1] >= P[:, 2], L[:, 1], -1e6)
    # after the address, a name-like row is "other" at no cost (decoding version 2)
    after = np.log(np.clip(P[:, 0] + P[:, 1], 1e-6, 1.0))
    emit = np.stack([L[:, 0] + BEFORE_NAME, name, L[:, 0], L[:, 2], after], axis=1)  # 5 states
    T = _trans()
    a, b = _STATE_ROLE[:, None], _STATE_ROLE[None, :]
    T_row = T + np.where((a != 2) & (b == 2), ROW_SPLIT, 0.0)
    T_row += np.where((a == 2) & (b != 2), ROW_LEAVE, 0.0)
    start = T[0]  # as if a state-0 unit came before the first
    best = np.full((n, 5), -math.inf)
    back = np.zeros((n, 5), dtype=np.int64)
    best[0] = start + emit[0]
    for i in range(1, n):
        cand = best[i - 1][:, None] + (T_row if same_row is not None and same_row[i] else T)
        back[i] = np.argmax(cand, axis=0)
        best[i] = cand[back[i], np.arange(5)] + emit[i]
    end = best[-1] + np.array([SKIP_COMPANY + SKIP_ADDRESS, SKIP_ADDRESS, SKIP_ADDRESS, 0, 0])
    s = int(np.argmax(end))
    states = [0] * n
    for i in range(n - 1, -1, -1):
        states[i] = s
        s = int(back[i, s])
    company = [i for i in range(n) if states[i] == 1]
    address = [i for i in range(n) if states[i] == 3]
    if not company and address:
        company = _name_after(P, address[-1] + 1)
    return company, address


def _name_after(P: np.ndarray, start: int) -> list[int]:
    """The first run of units within `NAME_AFTER_UNITS` from `start` that the model reads as a
    name (probability ≥ `NAME_AFTER_P`, more a name than an address) — [] if none."""
    run: list[int] = []
    for i in range(start, min(P.shape[0], start + NAME_AFTER_UNITS)):
        if P[i, 1] >= NAME_AFTER_P and P[i, 1] >= P[i, 2]:
            run.append(i)
        elif run:
            break
    return run


def line_units(
    rows: Sequence[Sequence[Line]],
) -> tuple[list[Line], list[str], list[tuple[float, float, float, float]], list[int]]:
    """The model's units: the page's OCR lines in reading order (rows top to bottom, each left
    to right), with their texts, boxes and how many lines share their row."""
    lines = [ln for row in rows for ln in row]
    pieces = [len(row) for row in rows for _ in row]
    boxes = [tuple(ln.bbox) for ln in lines]
    return lines, [ln.text for ln in lines], boxes, pieces  # type: ignore[return-value]


def receipt_rows(
    texts: Sequence[str],
    boxes: Sequence[tuple[float, float, float, float]],
    pieces: Sequence[int] | None = None,
    model: RolesModel | None = None,
) -> tuple[list[int], list[int], np.ndarray]:
    """(company units, address units, role probabilities) of a receipt's units (`line_units`)
    in reading order."""
    model = model or load_model()
    tok = model.token_scores(texts)
    X = row_features(texts, boxes, pieces or [1] * len(texts), tok)
    P = model.proba(X) if len(texts) else np.zeros((0, 3))
    company, address = decode(P, row_ties(boxes, pieces) if pieces else None)
    return company, address, P


def row_ties(
    boxes: Sequence[tuple[float, float, float, float]], pieces: Sequence[int]
) -> list[bool]:
    """`same_row_flags`, except that a unit whose box is more than 1.8 times the median line
    height (a stamp or handwriting read as a short run over several lines) is tied to no
    row: it may take another role than the pieces beside it at no `ROW_SPLIT` cost."""
    flags = same_row_flags(pieces)
    if not boxes:
        return flags
    hs = np.array([max(b[3] - b[1], 1.0) for b in boxes])
    tall = hs > 1.8 * float(np.median(hs))
    return [f and not tall[i] and not (i > 0 and tall[i - 1]) for i, f in enumerate(flags)]
