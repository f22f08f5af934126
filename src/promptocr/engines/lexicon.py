"""Word corrections from the recogniser's own second choices, checked against a lexicon.

Many of the recogniser's word errors are one or two letters read as a look-alike (`PHARHACY`,
`Selengor`, `Ihank`, `Bil1`) where the right letter is the model's second or third choice at
that CTC time step, at a step it was not sure of. This stage looks only at such words:

- a run of ASCII letters and digits (split at spaces, punctuation and the gap spaces of
  engines/ctcspaces.py) of at least 4 characters, at least 2 of them letters and no more digits
  than letters; CJK and other scripts, numbers, amounts, dates and mostly-digit codes are
  never touched, nor words of 3 letters (mostly abbreviations outside any lexicon: SDN, GST,
  PTE, NGO, LLP were "corrected" when they were tried);
- that is not a lexicon word (case-insensitive);
- whose unsure characters (best class below `LOW_CONF` at the character's least sure step)
  are replaced by their top-`TOP_K` alternatives at that step (letters only, each at least
  `MIN_ALT` probable, `MIN_ALT_SHORT` in a 4-character word), at most `MAX_SUBS` at a time;
- where each alternative is also at least `MIN_RATIO` times as probable as the character read
  (`MIN_RATIO_SHORT` in a 4-character word, `MIN_RATIO_DIGIT` for a digit read): a correction
  must be nearly as likely as the reading itself, not just the best of the lexicon words
  (`Chong` with T at 0.025 against C at 0.97 stays `Chong`, not `Thong`).

If a candidate is a lexicon word and is at least `MARGIN` times as probable (product of the
alternatives' probabilities over those they replace) as any other lexicon candidate, it is
taken: digits read for letters become the letters, the case pattern read is kept (an
all-capitals word stays in capitals, a title-case word in title case, a lower-case word in lower
case — `xugar` mid-line becomes `sugar`, not `Sugar` — except a line's first word, whose replaced
first letter keeps the model's own case: `buardian Health` at a line's start becomes `Guardian`)
and each replaced character's confidence becomes its
alternative's probability (the line's confidence stays the one read, so a correction never
drops a line under the engine's `text_score`).

A Latin letter with diacritics read in a word that is a lexicon word without it may lose its
mark (`Tobácco` -> `Tobacco`; `MARK_CONF`), but only on a page that reads no diacritic surely:
such words come back as `Corrections.folds`, and the recogniser applies them per caller
(`stages.fold_marks`). A word in capitals whose marked capitals, stripped, make a lexicon word
(`TÀX`, `SÉLANGOR`) loses them even where the mark was read surely (`capital_fold`), on a page
with no other sure diacritic and at most one such word (a page printed in capitals in French,
`TÉLÉPHONE` `CRÉDIT`, keeps its marks).

Names, codes and numbers outside the lexicon mostly stay as read, but not always: a non-word
whose unsure letters have near-as-likely alternatives making a word is changed (a read `Yann`
becomes `Yarn` where r has at least 0.6 of n's probability).

The lexicon is the system's English word list: `/usr/share/dict/american-english` (Debian
`wamerican`: SCOWL, a permissive licence; scripts/setup.sh installs it), else
`/usr/share/dict/words` (whatever it points to; the path used and its word count are logged
once), plus the receipt generator's
general address vocabulary (tasks/extract/synthreceipts.py: street types, Malay address words,
regions; kept in data/address_words.txt). Nothing is downloaded: without the word list the
stage is off, said once in the log.
The thresholds were chosen on the dev sets' study and the false-correction audit on rendered
text (bench/lexicon_audit.py): docs/benchmarks.md, "Lexicon correction".
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import logging
import unicodedata
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from promptocr.engines.ctcspaces import spaced_cuts

_log = logging.getLogger(__name__)

# The word lists tried, in order: Debian's `wamerican` first, then whatever `words` points to
# (web2 on macOS, Fedora's 480k `words`, `british-english` under update-alternatives).
DICT_PATHS = (Path("/usr/share/dict/american-english"), Path("/usr/share/dict/words"))
# The receipt generator's address words (street types, Malay address words, regions), kept as a
# file so that the engine need not import the tasks package (tests check it against
# tasks/extract/synthreceipts.py `address_vocabulary()`).
ADDRESS_WORDS = Path(__file__).resolve().parent.parent / "data" / "address_words.txt"
# A character is unsure when its best class has less than this probability at its least sure
# step. PP-OCRv6 is near 1.0 on characters it reads right: 0.99 still leaves most untouched.
LOW_CONF = 0.99
TOP_K = 3
MIN_ALT = 0.02
# Words of `MIN_LEN` characters are often names or abbreviations outside the lexicon (`Lifi`
# read as `Lift`): their alternatives must be clearly probable.
MIN_ALT_SHORT = 0.15
MAX_SUBS = 2
MARGIN = 2.0
MIN_LEN = 4
# Each replaced character's alternative against the character read (q / p): a correction must be
# nearly as likely as the reading, not only the best lexicon candidate. Stricter in a
# `MIN_LEN`-character word and for a digit read as a letter (`C0DE`, `R00MS` codes).
MIN_RATIO = 0.3
MIN_RATIO_SHORT = 0.6
MIN_RATIO_DIGIT = 0.5
# A Latin letter with a diacritic (`á`, `Č`) read in a word that is a lexicon word without it
# may become its own base letter (`Tobácco` -> `Tobacco`): noise over a letter reads as an
# accent, and the base letter is then the model's next choice but seldom nearly as likely as
# the marked one (`MIN_RATIO`). It needs only the base letter among the alternatives (at least
# `MIN_ALT` probable) and the mark itself unsure: below `MARK_CONF`. Accents on clean print are
# read at 0.98-1.0 (`Réunies`, `für`); the misread ones measured 0.53-0.93. A marked word the
# word list holds as such (`café`, `Zürich`) is a lexicon word and left alone.
MARK_CONF = 0.95  # at most LOW_CONF: `StepChoices` gives no alternatives at a surer step


class Lexicon:
    """A set of lower-case words kept as a sorted array of their 64-bit string hashes: 0.6 MB
    for the 73,600 words, where a Python set of them held 11 MB. Built per process (Python's
    string hash is salted per process); a false hit needs two words' hashes to collide."""

    def __init__(self, words: Iterable[str], key: str = "") -> None:
        self.hashes = np.unique(np.fromiter((hash(w) for w in words), dtype=np.int64))
        # What was loaded, stable across processes (batch results are keyed on it).
        self.key = key

    def __len__(self) -> int:
        return int(self.hashes.size)

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        h = hash(word)
        i = int(np.searchsorted(self.hashes, h))
        return i < self.hashes.size and int(self.hashes[i]) == h


def _listed(f: Iterable[str]) -> Iterator[str]:
    """The lower-case words of a word list, one per line, in ASCII or with Latin letters that
    carry diacritics (`naïve`; not: `Apple's`)."""
    return (w.lower() for w in map(str.strip, f) if w.isalpha() and all(map(_latin, w)))


@functools.cache
def load_lexicon(path: Path | None = None) -> Lexicon | None:
    """Lower-case words of the word list (`path`, else the first of `DICT_PATHS` there) plus the
    receipt generator's address words (`ADDRESS_WORDS`), or None (stage off) when there is no
    word list. Loaded once per process (a few tens of ms); the path and word count are logged."""
    tried = [path] if path is not None else list(DICT_PATHS)
    for where in tried:
        try:
            data = where.read_bytes()
            extra = ADDRESS_WORDS.read_bytes()
        except OSError as exc:
            _log.debug("rec_lexicon: no word list at %s (%s)", where, exc)
            continue
        text = data.decode("utf-8", errors="replace").splitlines()
        more = extra.decode("utf-8").splitlines()
        digest = hashlib.blake2b(data + b"\0" + extra, digest_size=6).hexdigest()
        lex = Lexicon(itertools.chain(_listed(text), _listed(more)))
        lex.key = f"{len(lex)}:{digest}"
        _log.info("rec_lexicon: %d words from %s (and %s)", len(lex), where, ADDRESS_WORDS.name)
        return lex
    _log.warning(
        "rec_lexicon: no word list at %s: lexicon correction is off",
        " or ".join(map(str, tried)),
    )
    return None


def lexicon_key() -> str:
    """What the lexicon correction runs with, for keying stored results: the thresholds and the
    loaded list's word count and digest, or 'off' without a word list (results made without
    the list are not reused once it is installed)."""
    lex = load_lexicon()
    if lex is None:
        return "off"
    rule = (LOW_CONF, MIN_ALT, MIN_ALT_SHORT, MAX_SUBS, MARGIN, MIN_LEN, MIN_RATIO)
    more = (MIN_RATIO_SHORT, MIN_RATIO_DIGIT, MARK_CONF, f"caps{CAPITAL_WORDS}")
    return f"{lex.key}:{'/'.join(map(str, (*rule, *more)))}"


class StepChoices:
    """One decoded row's choices per emitted character (the order `_decode` emits them): the
    best class's probability at the character's least sure step, and on demand the next best
    classes there (only for the few words `correct_text` tries, so the cost stays small).
    `probs` is the row's softmax output (steps, classes), `idx` and `conf` its best class and
    that class's probability per step."""

    def __init__(
        self, probs: np.ndarray, idx: np.ndarray, conf: np.ndarray, charset: Sequence[str]
    ) -> None:
        self.row, self.idx, self.conf, self.charset = probs, idx, conf, charset

    @functools.cached_property
    def steps(self) -> list[int]:
        """Per emitted character, its least sure step (worked out on first use: most lines
        have no word to try)."""
        steps: list[int] = []
        prev = -1
        conf = self.conf
        for t, c in enumerate(self.idx.tolist()):
            if c != prev and c != 0:
                steps.append(t)
            elif c == prev and c != 0 and conf[t] < conf[steps[-1]]:
                steps[-1] = t
            prev = c
        return steps

    @functools.cached_property
    def probs(self) -> list[float]:
        """Per emitted character, the best class's probability at its least sure step."""
        return [float(self.conf[t]) for t in self.steps]

    def alternatives(self, i: int, k: int = TOP_K) -> list[tuple[str, float]]:
        """The next `k - 1` classes after the best at character `i`'s least sure step, with
        their probabilities, best first; none where that step was sure."""
        if self.probs[i] >= LOW_CONF:
            return []
        step = np.asarray(self.row[self.steps[i]], dtype=np.float32)
        top = np.argpartition(-step, k)[:k]
        top = top[np.argsort(-step[top])]
        return [(self.charset[int(c)], float(step[c])) for c in top[1:]]


def _is_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def base_letter(ch: str) -> str | None:
    """The ASCII letter under a Latin letter with diacritics (`á` -> `a`, `Č` -> `C`), else None
    (ASCII letters, `ß`, other scripts)."""
    if ch.isascii() or not ch.isalpha():
        return None
    base = unicodedata.normalize("NFD", ch)[0]
    return base if _is_letter(base) else None


def _latin(ch: str) -> bool:
    """An ASCII letter or one with diacritics over it."""
    return _is_letter(ch) or base_letter(ch) is not None


def worth_trying(word: str, lexicon: Container[str]) -> bool:
    """Whether `word` (a run of letters and digits) is one this stage may correct: ASCII digits
    and Latin letters (at most `MAX_SUBS` of them with diacritics), at least `MIN_LEN` long, at
    least 2 letters, no more digits than letters, and not a lexicon word as it stands."""
    if len(word) < MIN_LEN:
        return False
    letters = sum(_latin(c) for c in word)
    digits = sum(c.isascii() and c.isdigit() for c in word)
    if letters < 2 or digits > letters or letters + digits != len(word):
        return False
    if sum(not c.isascii() for c in word) > MAX_SUBS:
        return False
    return bool(digits) or word.lower() not in lexicon


# A page (one caller's lines) with more `capital_fold` words than this whose marks were read
# surely is printed in capitals with diacritics (French, German …): their marks are spelling.
CAPITAL_WORDS = 1


def capital_fold(word: str, lexicon: Container[str]) -> str | None:
    """A word in capitals (`TÀX`, `SÉLANGOR`, three or more letters, no digits) whose marked
    capitals, stripped, make a lexicon word while the word as read is none: the word stripped,
    else None. Noise over a capital reads as an accent, sometimes surely (`TÀX INVOICE` at
    0.99); capitals set in English or Malay print carry none, and a marked word the word list
    holds as such (`CAFÉ`) is left alone. Applied only on a page that reads no other diacritic
    surely and at most `CAPITAL_WORDS` such words with a sure mark (`stages.fold_marks`)."""
    if not all(_latin(c) for c in word) or not any(base_letter(c) for c in word):
        return None
    if len(word) < 3 or not word.isupper():
        return None
    plain = "".join(base_letter(c) or c for c in word)
    if plain.lower() not in lexicon or word.lower() in lexicon:
        return None
    return plain.upper()


def correct_word(
    word: str,
    probs: Sequence[float],
    alts: Sequence[Sequence[tuple[str, float]]],
    lexicon: Container[str],
    first: bool = False,
) -> tuple[str, dict[int, float]] | None:
    """The lexicon word `word` was most likely meant to be, with the probabilities of its
    replaced characters (by index), or None to keep it. `probs` and `alts` are per character (see
    `StepChoices.alternatives`); `first`: the word begins its line (see `_cased`)."""
    if not worth_trying(word, lexicon):
        return None
    short = len(word) <= MIN_LEN
    floor = MIN_ALT_SHORT if short else MIN_ALT
    options: list[list[tuple[str, float]]] = []
    for ch, p, alt in zip(word, probs, alts, strict=True):
        choice = []
        base = base_letter(ch)
        if base is not None:
            # a marked letter may only lose its mark (`MARK_CONF`); a sure mark is spelling: the
            # word is left as read
            if p >= MARK_CONF:
                return None
            # the plain letter in the case read (either case's probability, the larger)
            q = max((q for a, q in alt if a.lower() == base.lower()), default=0.0)
            if q < floor:
                return None
            choice = [(base.upper() if ch.isupper() else base.lower(), q)]
        elif p < LOW_CONF:
            # against the reading: the alternative must be nearly as likely as what was read
            ratio = MIN_RATIO_DIGIT if ch.isdigit() else MIN_RATIO_SHORT if short else MIN_RATIO
            least = max(floor, ratio * p)
            choice = [
                (a, q) for a, q in alt if _is_letter(a) and q >= least and a.lower() != ch.lower()
            ]
        if ch.isdigit() and not choice:
            return None  # a digit that is surely a digit: a code, not a misread word
        options.append(choice)
    unsure = [i for i, o in enumerate(options) if o]
    found: dict[str, tuple[float, str, dict[int, float]]] = {}
    for n in range(1, MAX_SUBS + 1):
        for where in itertools.combinations(unsure, n):
            if any(
                word[i].isdigit() or base_letter(word[i])
                for i in set(range(len(word))) - set(where)
            ):
                continue  # every digit must become a letter, every marked letter lose its mark
            for pick in itertools.product(*(options[i] for i in where)):
                chars = list(word)
                conf: dict[int, float] = {}
                score = 1.0
                for i, (a, q) in zip(where, pick, strict=True):
                    chars[i] = a
                    conf[i] = q
                    score *= q / max(probs[i], 1e-6)
                cand = "".join(chars)
                key = cand.lower()
                if key in lexicon and score > found.get(key, (0.0, "", {}))[0]:
                    found[key] = (score, cand, conf)
    if not found:
        return None
    ranked = sorted(found.values(), key=lambda f: -f[0])
    if len(ranked) > 1 and ranked[0][0] < MARGIN * ranked[1][0]:
        return None  # two words about as likely: keep what was read
    _, cand, conf = ranked[0]
    return _cased(cand, word, first), conf


def _cased(cand: str, word: str, first: bool = False) -> str:
    """`cand` in `word`'s case pattern as read: capitals stay capitals, a title-case word stays
    title case, a lower-case word stays lower case (a capital the reading lacked is not added
    mid-line: `xugar` becomes `sugar`) unless it is the line's `first` word, whose first letter
    then takes the model's own case (`buardian` at a line's start becomes `Guardian`);
    otherwise (mixed case) replaced letters keep the model's own case."""
    cased = [c for c in word if _latin(c)]
    if all(c.isupper() for c in cased):
        return cand.upper()
    if all(c.islower() for c in cased) and not first:
        return cand.lower()
    if _latin(word[0]) and word[0].isupper() and all(c.islower() for c in cased[1:]):
        return cand[0].upper() + cand[1:].lower()
    if all(c.islower() for c in cased[1:]):
        return cand[0] + cand[1:].lower()
    return cand


@dataclass
class Corrections:
    """What `correct_text` changed in a line, and what it would change on a page without
    diacritics."""

    text: str
    # the probabilities of the replaced characters, by index into `text`
    conf: dict[int, float] = field(default_factory=dict)
    # words changed
    changed: int = 0
    # Words that lose a stray diacritic (`Tobácco` -> `Tobacco`), not applied to `text`: each
    # a {index: (character, probability)}. The recogniser applies them only on a page that
    # reads no diacritic surely (`sure_marks`): on a page written with diacritics (French,
    # German, Spanish …) a mark is spelling.
    folds: list[dict[int, tuple[str, float]]] = field(default_factory=list)
    # Latin letters with diacritics read at least `MARK_CONF` surely (not those of the
    # `capital_fold` words: `capital_marks` counts those words).
    sure_marks: int = 0
    capital_marks: int = 0


def _word_runs(text: str, cuts: Sequence[int]) -> list[tuple[int, int]]:
    """(start, end) of each run of letters and digits, ending also at the gap cuts that
    `with_gap_spaces` turns into spaces."""
    ends = spaced_cuts(text, cuts)
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for i, ch in enumerate(text):
        if not ch.isalnum():
            if start is not None:
                runs.append((start, i))
            start = None
            continue
        if start is None:
            start = i
        if i in ends:
            runs.append((start, i + 1))
            start = None
    if start is not None:
        runs.append((start, len(text)))
    return runs


def correct_text(
    text: str,
    choices: StepChoices,
    lexicon: Container[str],
    cuts: Sequence[int] = (),
) -> Corrections:
    """Every word of `text` (one character per emitted CTC character, `choices` per character)
    corrected by `correct_word`. `cuts` are indices after which a gap space goes (a word ends
    there, except where `with_gap_spaces` puts no space: next to CJK). A word holding a Latin
    letter with diacritics is not changed but returned among the `folds`."""
    out = list(text)
    fixed = Corrections(text)
    marked = any(map(base_letter, text))
    excused: set[int] = set()  # marks of capitals `capital_fold` strips: not spelling
    for a, b in _word_runs(text, cuts):
        word = text[a:b]
        plain = capital_fold(word, lexicon) if marked else None
        if plain is not None:
            # each stripped capital's probability: a sure mark's own (the letter was read
            # surely, its mark is the noise); an unsure mark's, the plain letter's among the
            # model's alternatives (either case) as `correct_word` gives it, else its own
            fold = {}
            sure = False
            for i in range(a, b):
                if plain[i - a] != text[i]:
                    p = choices.probs[i]
                    q = p
                    if p < MARK_CONF:
                        alt = choices.alternatives(i)
                        low = plain[i - a].lower()
                        q = max((q for c, q in alt if c.lower() == low), default=p)
                    sure = sure or p >= MARK_CONF
                    fold[i] = (plain[i - a], q)
            fixed.folds.append(fold)
            excused.update(fold)
            fixed.capital_marks += sure
            continue
        if not worth_trying(word, lexicon):  # other scripts, numbers, codes, lexicon words
            continue
        alts = [choices.alternatives(i) for i in range(a, b)]
        first = not any(c.isalnum() for c in text[:a])
        probs = choices.probs
        got = correct_word(word, probs[a:b], alts, lexicon, first)
        if got is None:
            continue
        if word.isascii():
            out[a:b] = list(got[0])
            fixed.conf.update((a + i, q) for i, q in got[1].items())
            fixed.changed += 1
        else:
            new = got[0]
            fixed.folds.append(
                {
                    a + i: (new[i], got[1].get(i, probs[a + i]))
                    for i in range(len(word))
                    if new[i] != word[i]
                }
            )
    if marked:  # (`choices.probs` walks the row's steps: only if needed)
        fixed.sure_marks = sum(
            1
            for i, (ch, p) in enumerate(zip(text, choices.probs, strict=True))
            if p >= MARK_CONF and base_letter(ch) and i not in excused
        )
    fixed.text = "".join(out)
    return fixed
