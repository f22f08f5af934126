"""HunyuanOCR in this process through transformers (`HunYuanVLForConditionalGeneration`).

The operator points `--model-dir` at a local checkpoint directory (config.json, weights,
tokenizer, processor and chat template — what `tencent/HunyuanOCR` ships); nothing is ever
downloaded (`local_files_only=True`). Runs on CUDA in bfloat16 where the GPU supports it (else
float16), on CPU in float32 unless told otherwise. Needs the optional `vlm` extra
(`pip install 'promptocr[vlm]'`: torch + transformers).

Expect roughly 2-3 GB of GPU memory for the 1B model in bf16 plus activations for large pages;
on CPU a model of this shape on 2 cores takes about 4-20 s before the first token and then
5-8 tokens/s, so a dense page (1-2k tokens) takes minutes: use the remote engine with vLLM on
a GPU for anything interactive.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from promptocr.engines.vlm.base import Generation, VLMConfigError, VLMEngine, VLMSettings


def _require(model_dir: str | None) -> Path:
    if not model_dir:
        raise VLMConfigError("the transformers VLM engine needs --model-dir (a local checkpoint)")
    path = Path(model_dir).expanduser()
    if not path.is_dir():
        raise VLMConfigError(f"model directory {path} does not exist")
    missing = [n for n in ("config.json",) if not (path / n).is_file()]
    if missing:
        raise VLMConfigError(f"model directory {path} has no {', '.join(missing)}")
    return path


class TransformersVLMEngine(VLMEngine):
    """Loads the checkpoint lazily on first use; one generation at a time."""

    backend = "transformers"

    def __init__(self, settings: VLMSettings) -> None:
        super().__init__(settings)
        self.model_dir = _require(settings.model_dir)
        self._model: Any = None
        self._processor: Any = None
        self._device: Any = None

    def describe(self) -> dict[str, Any]:
        return {
            **super().describe(),
            "model": self.model_dir.name,
            "model_dir": str(self.model_dir),
            "device": str(self._device) if self._device is not None else self.settings.device,
        }

    def load(self) -> None:
        """Load processor and model (idempotent)."""
        if self._model is not None:
            return
        with self._lock:
            if self._model is not None:
                return
            try:
                import torch
                from transformers import AutoProcessor, HunYuanVLForConditionalGeneration
            except ImportError as exc:
                raise VLMConfigError(
                    "the transformers VLM engine needs torch and transformers>=5.16: "
                    f"pip install 'promptocr[vlm]' ({exc})"
                ) from None
            if self.settings.threads:
                torch.set_num_threads(self.settings.threads)
            device = self._pick_device(torch)
            dtype = self._pick_dtype(torch, device)
            try:
                processor = AutoProcessor.from_pretrained(self.model_dir, local_files_only=True)
                model = HunYuanVLForConditionalGeneration.from_pretrained(
                    self.model_dir,
                    local_files_only=True,
                    dtype=dtype,
                    attn_implementation="eager",
                )
            except (OSError, ValueError) as exc:
                raise VLMConfigError(
                    f"cannot load a HunyuanOCR checkpoint from {self.model_dir}: {exc}"
                ) from None
            model.to(device)
            model.eval()
            self._device = device
            self._processor = processor
            self._model = model

    def _pick_device(self, torch: Any) -> Any:
        want = self.settings.device
        if want == "auto":
            want = "cuda" if torch.cuda.is_available() else "cpu"
        if want.startswith("cuda") and not torch.cuda.is_available():
            raise VLMConfigError(f"device {want!r} requested but CUDA is not available")
        return torch.device(want)

    def _pick_dtype(self, torch: Any, device: Any) -> Any:
        want = self.settings.dtype
        if want == "auto":
            if device.type == "cuda":
                return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
            return torch.float32
        try:
            return {
                "bfloat16": torch.bfloat16,
                "bf16": torch.bfloat16,
                "float16": torch.float16,
                "fp16": torch.float16,
                "float32": torch.float32,
                "fp32": torch.float32,
            }[want]
        except KeyError:
            raise VLMConfigError(f"unknown dtype {want!r}") from None

    def generate(self, image: np.ndarray, prompt: str, *, max_tokens: int) -> Generation:
        self.load()
        import torch
        from PIL import Image

        pil = Image.fromarray(np.ascontiguousarray(image[:, :, :3]).astype(np.uint8), "RGB")
        messages = [
            {"role": "system", "content": ""},
            {
                "role": "user",
                "content": [{"type": "image", "image": pil}, {"type": "text", "text": prompt}],
            },
        ]
        proc = self._processor
        with self._lock:
            text = proc.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
            inputs = proc(text=[text], images=[pil], padding=True, return_tensors="pt")
            inputs = inputs.to(self._device)
            prompt_len = int(inputs["input_ids"].shape[1])
            eos = proc.tokenizer.eos_token_id
            with torch.inference_mode():
                out = self._model.generate(
                    **inputs,
                    max_new_tokens=max_tokens,
                    do_sample=False,
                    repetition_penalty=self.settings.repetition_penalty,
                    output_scores=True,
                    return_dict_in_generate=True,
                    eos_token_id=eos,
                    pad_token_id=proc.tokenizer.pad_token_id,
                )
            new = out.sequences[0, prompt_len:]
            scores = self._model.compute_transition_scores(
                out.sequences, out.scores, normalize_logits=True
            )[0]
        ids = new.tolist()
        stopped = bool(ids) and eos is not None and ids[-1] == eos
        raw = [float(v) for v in scores.float().tolist()]
        pieces = [proc.decode([t], skip_special_tokens=False) for t in ids]
        token_logprobs = [(p, v) for p, v in zip(pieces, raw, strict=False) if math.isfinite(v)]
        logps = [v for _, v in token_logprobs]
        completion = proc.decode(new, skip_special_tokens=True, clean_up_tokenization_spaces=False)
        return Generation(
            text=completion,
            prompt_tokens=prompt_len,
            completion_tokens=len(ids),
            finish_reason="length" if len(ids) >= max_tokens and not stopped else "stop",
            confidence=math.exp(sum(logps) / len(logps)) if logps else None,
            token_logprobs=token_logprobs,
        )
