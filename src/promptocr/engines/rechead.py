"""A restricted output head for the recognition model (`SessionSettings.rec_head="latin"`).

`rec_head="latin"` is the caller's declaration that the document is written in Latin, Greek or
Cyrillic script (digits, punctuation and common symbols included). It is opt-in, never a
guess: the safety nets below catch most other-script lines but NOT the CJK characters that look
like Latin letters or punctuation (docs/benchmarks.md, "Restricted recognition head").

The recognition model ends in one linear projection of 120 features per time step onto its
18,710 classes, then a softmax (PP-OCRv6 small: `MatMul` + `Add` + `Softmax`). OpenVINO's
per-layer counters put that head, with the bf16 -> f32 reorder of its 18,710-wide output, at
18-21 % of a recognition call, yet a Latin page only ever uses about 1,600 of the classes.

- The compiled recognition model is cut before the head (`split_head`, on the OpenVINO model
  in memory at load time: no file is written), so it returns the 120 features per time step.
  The head's weights and bias are read from the same model (dequantised for the int8 copy).
  A model whose head is not the expected shape, or any failure of the cut, leaves the model
  whole (read with the full head; the reason is logged).
- Safety net 1, the first-batch gate: the first batch of each recognition call (a page's
  lines; per caller when the server's `BatchingRecognizer` merges several callers' crops) is
  decoded with the full head. Only if every character it read is in the restricted set
  (`restricted_class`, chosen by Unicode block) are later batches decoded with the restricted
  head (`features @ W[:, subset]`, ~9 % of the full head's work).
- Safety net 2, the per-line fallback: a line whose restricted evidence is weak (at some time
  step no restricted class, blank included, reaches the raw logit `EVIDENCE_LOGIT`) is decoded
  again with the full head from the features already computed. Most CJK glyphs give every
  Latin class a low logit and are caught. If such a line reads a character outside the set,
  the rest of the call goes back to the full head.
- Not caught: CJK characters that look like Latin letters or punctuation (一二三 -> '-', 二 ->
  '=', 工 -> 'H', 口 -> a box, 十 -> '+'): their best restricted logit (10.3-14.9 measured)
  overlaps that of real Latin glyphs (9.4 and up), so no threshold separates them. Hence the
  declaration: a page that may hold such text must be read with the default `full`.

Confidences: the restricted softmax leaves out the other classes' share of the probability,
which on Latin lines is tiny (measured in docs/benchmarks.md, "Restricted recognition head").
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from promptocr.engines.runtime import _count, first_calls

# Unicode ranges (inclusive) of the restricted head's classes: Latin script with its
# diacritics, the other European alphabets (Greek, Cyrillic: small, and their letters would
# otherwise be read as Latin look-alikes with strong evidence), digits, punctuation, currency
# and the common symbols of printed forms and receipts (arrows, maths, enclosed numbers, boxes
# and check marks), CJK punctuation and the halfwidth/fullwidth forms (。、「」【】 and ￥ also
# appear on Latin pages, and without them they were read as o . [ ] and ¥). Chosen by block.
RESTRICTED_BLOCKS: tuple[tuple[int, int, str], ...] = (
    (0x0020, 0x007E, "Basic Latin"),
    (0x00A0, 0x024F, "Latin-1 Supplement, Latin Extended-A and -B"),
    (0x02B0, 0x02FF, "Spacing Modifier Letters"),
    (0x0370, 0x04FF, "Greek and Coptic, Cyrillic"),
    (0x1E00, 0x1EFF, "Latin Extended Additional"),
    (0x2000, 0x206F, "General Punctuation"),
    (0x20A0, 0x20CF, "Currency Symbols"),
    (0x2100, 0x22FF, "Letterlike Symbols, Number Forms, Arrows, Mathematical Operators"),
    (0x2460, 0x27BF, "Enclosed Alphanumerics, Box Drawing, Shapes, Symbols, Dingbats"),
    (0x3000, 0x303F, "CJK Symbols and Punctuation"),
    (0xFF01, 0xFFEF, "Halfwidth and Fullwidth Forms"),
)

# The restricted head's evidence threshold: a line falls back to the full head when at one of
# its time steps (inside the crop, not the padding) the best restricted class, blank
# included, has a raw logit under this. Rendered DejaVu Sans Latin lines (14-32 px) went down
# to 9.4; most CJK glyphs stay far under it, but the Latin look-alikes (一 二 工 口 十 and CJK
# punctuation) reach 10.3-14.9, so they are not caught (see the module doc). On the dev sets'
# Latin lines 1-5 % fall under it (and are read with the full head).
EVIDENCE_LOGIT = 10.0

HEAD_MODES = ("full", "latin")
# What `runtime.inference_seconds()` counts the head's calls under.
INFER_NAME = "rec_head"


def restricted_class(ch: str) -> bool:
    """Whether the character `ch` (one class of the model) is in the restricted head."""
    if len(ch) != 1:
        return False
    o = ord(ch)
    return any(lo <= o <= hi for lo, hi, _ in RESTRICTED_BLOCKS)


def _constant(output: Any) -> bool:
    """Whether the value of `output` (an OpenVINO node output) depends on constants alone."""
    seen: set[int] = set()
    stack = [output.get_node()]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.get_type_name() == "Constant":
            continue
        if node.get_input_size() == 0:  # a Parameter or a ReadValue: not a constant
            return False
        stack.extend(
            node.input(i).get_source_output().get_node() for i in range(node.get_input_size())
        )
    return True


def model_characters(model: Any) -> list[str]:
    """The class characters an OpenVINO recognition model carries in its metadata (the wheel's
    ONNX `character` property), without blank and space; [] if it has none."""
    info = model.get_rt_info()
    if "framework" not in info or "character" not in info["framework"]:
        return []
    return str(model.get_rt_info(["framework", "character"]).astype(str)).splitlines()


def split_head(model: Any) -> tuple[Any, np.ndarray, np.ndarray]:
    """Cut an OpenVINO recognition model before its output head: (the model returning the
    head's input features, (steps, dims) per row; the head's weight (dims, classes) and bias
    (classes,) as float32). Raises ValueError unless the model's one output is a rank-3
    Softmax over its last axis of MatMul (+ Add) with a constant weight and bias."""
    import openvino as ov

    def source(node: Any, i: int = 0) -> Any:
        return node.input(i).get_source_output().get_node()

    def skip_identity(node: Any) -> Any:
        while node.get_type_name() in ("Identity", "Convert"):
            node = source(node)
        return node

    results = model.get_results()
    if len(results) != 1:
        raise ValueError(f"recognition model has {len(results)} outputs, not 1")
    softmax = skip_identity(source(results[0]))
    if softmax.get_type_name() != "Softmax":
        raise ValueError(f"recognition model ends in {softmax.get_type_name()}, not Softmax")
    rank = softmax.get_output_partial_shape(0).rank
    if not rank.is_static or rank.get_length() != 3:
        raise ValueError(f"recognition output has rank {rank}, not 3 (rows, steps, classes)")
    axis = int(softmax.get_attributes().get("axis", -1))
    if axis not in (2, -1):
        raise ValueError(f"recognition softmax is over axis {axis}, not the last")
    add = skip_identity(source(softmax))
    if add.get_type_name() != "Add":
        raise ValueError(f"recognition head has {add.get_type_name()} where Add was expected")
    matmul = skip_identity(source(add, 0))
    bias_out = add.input(1).get_source_output()
    if matmul.get_type_name() != "MatMul":
        matmul, bias_out = skip_identity(source(add, 1)), add.input(0).get_source_output()
    if matmul.get_type_name() != "MatMul":
        raise ValueError("recognition head has no MatMul before its Add")
    attrs = matmul.get_attributes()
    if attrs.get("transpose_a") or attrs.get("transpose_b"):
        raise ValueError("recognition head's MatMul is transposed")
    weight_out = matmul.input(1).get_source_output()
    if not (_constant(weight_out) and _constant(bias_out)):
        raise ValueError("recognition head's weight or bias is not a constant")
    # The weight and bias may be plain constants (the wheel's ONNX) or small constant
    # subgraphs (NNCF's int8 weights times their scales): evaluate them once.
    consts = ov.Model([weight_out, bias_out], [], "head")
    weight, bias = ov.Core().compile_model(consts, "CPU").create_infer_request().infer({}).values()
    weight = np.ascontiguousarray(np.asarray(weight, dtype=np.float32))
    bias = np.asarray(bias, dtype=np.float32).reshape(-1)
    if weight.ndim != 2 or weight.shape[1] != bias.shape[0]:
        raise ValueError(f"recognition head shapes {weight.shape} and {bias.shape} do not match")
    features = ov.Model([matmul.input(0).get_source_output()], model.get_parameters(), "rec")
    return features, weight, bias


class ConditionalHead:
    """The recognition head over precomputed features, in two sizes (see the module doc).

    Both run as small compiled OpenVINO models at the session's precision (numpy's float32
    product was slower than the whole bf16 head in the graph): `full` is MatMul + Add +
    Softmax + TopK, so it reads as the unsplit model does; `restricted` the same over the
    restricted classes, plus their best raw logit. Thread-safe: each thread has its own
    infer requests."""

    def __init__(
        self,
        weight: np.ndarray,
        bias: np.ndarray,
        charset: list[str],
        config: dict[str, Any],
        threshold: float = EVIDENCE_LOGIT,
    ) -> None:
        import openvino as ov
        import openvino.opset13 as ops

        if weight.shape[1] != len(charset):
            raise ValueError(
                f"recognition head has {weight.shape[1]} classes, charset {len(charset)}"
            )
        self.charset = charset
        self.threshold = threshold
        keep = [i for i, ch in enumerate(charset) if i == 0 or restricted_class(ch)]
        self.subset = np.asarray(keep, dtype=np.int64)
        self.in_subset = np.zeros(len(charset), dtype=bool)
        self.in_subset[self.subset] = True
        core = ov.Core()

        def compile_head(w: np.ndarray, b: np.ndarray, name: str) -> Any:
            feats = ops.parameter([-1, -1, w.shape[0]], np.float32, name="features")
            logits = ops.add(ops.matmul(feats, ops.constant(w), False, False), b)
            best = ops.topk(logits, 1, 2, "max", "none")
            # The best class's softmax probability is 1 / sum(exp(logits - best logit)).
            total = ops.reduce_sum(ops.exp(ops.subtract(logits, best.output(0))), 2, False)
            outs = [best.output(0), best.output(1), total.output(0)]
            return core.compile_model(ov.Model(outs, [feats], name), "CPU", config)

        self._full = compile_head(weight, bias, "rec_head_full")
        w_sub = np.ascontiguousarray(weight[:, self.subset])
        self._restricted = compile_head(w_sub, bias[self.subset].copy(), "rec_head_restricted")
        self._local = threading.local()

    @property
    def restricted_size(self) -> int:
        return int(self.subset.size)

    def _infer(self, which: str, feats: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        requests: dict[str, Any] | None = getattr(self._local, "requests", None)
        if requests is None:
            requests = self._local.requests = {
                "full": self._full.create_infer_request(),
                "restricted": self._restricted.create_infer_request(),
            }
        x = np.ascontiguousarray(feats, dtype=np.float32)

        def call() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            t0 = time.perf_counter()
            out = requests[which].infer({0: x})
            _count(INFER_NAME, t0)  # model time, as the trunk's under "rec"
            top = np.array(out[0], dtype=np.float32)[:, :, 0]
            best = np.array(out[1], dtype=np.int64)[:, :, 0]
            return best, 1.0 / np.array(out[2], dtype=np.float32), top

        # A thread's first calls one at a time, as runtime.OpenVINOModel's (`first_calls` says
        # why: pyopenvino's lazily built conversion tables deadlocked two threads).
        return first_calls(self._local, call)

    def full(self, feats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Best class and its probability per time step, (rows, steps) each, full head."""
        best, conf, _ = self._infer("full", feats)
        return best, conf

    def restricted(self, feats: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Best restricted class (as an index of the full charset), its probability under the
        restricted softmax, and its raw logit, (rows, steps) each."""
        k, conf, top = self._infer("restricted", feats)
        return self.subset[k], conf, top

    def weak(self, top_logit: np.ndarray, steps: int) -> bool:
        """Whether a row's restricted evidence (its `restricted` top logits over its first
        `steps` time steps, the crop without its padding) is too weak to trust."""
        return bool(top_logit[: max(1, steps)].min() < self.threshold)

    def all_restricted(self, best: np.ndarray) -> bool:
        """Whether every class in `best` (any shape) is in the restricted set."""
        return bool(self.in_subset[best].all())


class HeadGate:
    """One recognition call's use of a `ConditionalHead`, per group of crops (one group per
    caller whose crops share the call; a plain call is one group): a group is read with the full
    head until one of its batches read only restricted characters, then with the restricted
    head and the per-line fallback, and with the full head again for the rest of the call once
    one of its fallback lines reads a character outside the set. One group's decision never
    applies to another's lines."""

    def __init__(self, head: ConditionalHead) -> None:
        self.head = head
        self.open: dict[Hashable, bool] = {}

    def decode(
        self, feats: np.ndarray, used: list[float], groups: Sequence[Hashable] | None = None
    ) -> list[tuple[np.ndarray, np.ndarray, str]]:
        """Best class, its probability per time step and the head used ("full",
        "restricted", "fallback"), per row of `feats` (rows, steps, dims); `used` is the
        fraction of each row's width that the crop fills (the rest is padding), `groups` the
        group of each row (default: all one group)."""
        head = self.head
        rows, steps = feats.shape[:2]
        group = list(groups) if groups is not None else [0] * rows
        shut = [j for j in range(rows) if not self.open.get(group[j], False)]
        opened = [j for j in range(rows) if self.open.get(group[j], False)]
        best = np.zeros((rows, steps), dtype=np.int64)
        conf = np.zeros((rows, steps), dtype=np.float32)
        labels = ["full"] * rows
        if shut:
            b, c = head.full(feats if len(shut) == rows else feats[shut])
            best[shut], conf[shut] = b, c
            for g in dict.fromkeys(group[j] for j in shut):
                read = best[[j for j in shut if group[j] == g]]
                read = read[read != 0]
                self.open[g] = bool(read.size) and head.all_restricted(read)
        if not opened:
            return [(best[j], conf[j], labels[j]) for j in range(rows)]
        b, c, top = head.restricted(feats if len(opened) == rows else feats[opened])
        best[opened], conf[opened] = b, c
        for k, j in enumerate(opened):
            labels[j] = "restricted"
            if not head.weak(top[k], min(steps, int(np.ceil(steps * used[j])))):
                continue
            # One row at a time: the head sees a few shapes, not one per subset.
            fb_best, fb_conf = head.full(feats[j : j + 1])
            best[j], conf[j], labels[j] = fb_best[0], fb_conf[0], "fallback"
            read = fb_best[fb_best != 0]
            if not head.all_restricted(read):
                self.open[group[j]] = False
        return [(best[j], conf[j], labels[j]) for j in range(rows)]
