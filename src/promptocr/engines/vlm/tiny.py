"""Build a tiny, randomly initialised HunyuanOCR-shaped checkpoint for plumbing checks.

It has the real architecture (`HunYuanVLForConditionalGeneration`: ViT with patch merger,
image begin/end/newline embeddings, XD-RoPE decoder), the real processor classes, HunyuanOCR's
special tokens and chat-template structure — but ~100k random parameters and a byte-level
tokenizer built here, so it loads and generates in about a second on a CPU. Its answers are
noise: it tests that loading, prompting, generation, serving and parsing fit together, never
OCR quality. Nothing is downloaded.

    python -m promptocr.engines.vlm.tiny /tmp/tiny-hunyuanocr
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, cast

# HunyuanOCR's special tokens (tokenizer_config.json of tencent/HunyuanOCR).
PAD = "<｜hy_▁pad▁｜>"
BOS = "<｜hy_begin▁of▁sentence｜>"
EOS = "<｜hy_Assistant｜>"  # ends the answer
USER_END = "<｜hy_User｜>"  # ends the user turn (the answer starts after it)
SYSTEM_END = "<｜hy_place▁holder▁no▁3｜>"
IMAGE_START = "<｜hy_place▁holder▁no▁100｜>"
IMAGE_END = "<｜hy_place▁holder▁no▁101｜>"
IMAGE = "<｜hy_place▁holder▁no▁102｜>"
SPECIALS = [PAD, BOS, EOS, USER_END, SYSTEM_END, IMAGE_START, IMAGE_END, IMAGE]

# Same turn structure as the HunyuanOCR chat template: BOS, system text, system end, then the
# user's image span and text, then the user-end token after which the model answers.
CHAT_TEMPLATE = (
    "{% set ns = namespace(system='') %}"
    "{% if messages[0]['role'] == 'system' %}{% set turns = messages[1:] %}"
    "{% if messages[0]['content'] is string %}{% set ns.system = messages[0]['content'] %}"
    "{% endif %}"
    + BOS
    + "{{ ns.system }}"
    + SYSTEM_END
    + "{% else %}{% set turns = messages %}"
    + BOS
    + "{% endif %}{% for m in turns %}{% if m['role'] == 'user' %}"
    "{% if m['content'] is string %}{{ m['content'] }}{% else %}{% for c in m['content'] %}"
    "{% if c['type'] == 'image' or c['type'] == 'image_url' %}"
    + IMAGE_START
    + IMAGE
    + IMAGE_END
    + "{% elif c['type'] == 'text' %}{{ c['text'] }}{% endif %}{% endfor %}{% endif %}"
    + USER_END
    + "{% elif m['role'] == 'assistant' %}{{ m['content'] }}"
    + EOS
    + "{% endif %}{% endfor %}"
)


def build_tiny_checkpoint(path: str | Path, seed: int = 0) -> Path:
    """Write a tiny random HunyuanOCR-shaped checkpoint to `path` (via save_pretrained)."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import (
        HunYuanVLConfig,
        HunYuanVLForConditionalGeneration,
        HunYuanVLProcessor,
        PreTrainedTokenizerFast,
    )
    from transformers.models.hunyuan_vl.image_processing_pil_hunyuan_vl import (
        HunYuanVLImageProcessorPil,
    )

    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)

    vocab = {tok: i for i, tok in enumerate(SPECIALS)}
    for ch in sorted(pre_tokenizers.ByteLevel.alphabet()):
        vocab[ch] = len(vocab)
    core = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    core.decoder = decoders.ByteLevel()
    core.add_special_tokens(SPECIALS)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        bos_token=BOS,
        eos_token=EOS,
        pad_token=PAD,
        extra_special_tokens={
            "image_token": IMAGE,
            "image_start_token": IMAGE_START,
            "image_end_token": IMAGE_END,
        },
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    # Small images: 16 px patches merged 2x2, at most 128x128 px -> at most 36 image tokens.
    image_processor = HunYuanVLImageProcessorPil(
        min_pixels=32 * 32, max_pixels=128 * 128, patch_size=16, merge_size=2
    )
    processor = HunYuanVLProcessor(
        image_processor=image_processor, tokenizer=tokenizer, chat_template=CHAT_TEMPLATE
    )

    ids: dict[str, int] = {t: cast(int, tokenizer.convert_tokens_to_ids(t)) for t in SPECIALS}
    config = HunYuanVLConfig(
        text_config={
            "vocab_size": len(tokenizer),
            "hidden_size": 64,
            "intermediate_size": 128,
            "num_hidden_layers": 1,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "head_dim": 16,
            "max_position_embeddings": 4096,
            "pad_token_id": ids[PAD],
            "bos_token_id": ids[BOS],
            "eos_token_id": ids[EOS],
            "eod_token_id": ids[EOS],
            "sep_token_id": ids[SYSTEM_END],
            # 4 XD-RoPE axes (position, width, height, image index) over head_dim / 2 = 8
            "rope_parameters": {
                "rope_type": "default",
                "rope_theta": 10000.0,
                "mrope_section": [2, 2, 2, 2],
            },
            "tie_word_embeddings": True,
        },
        vision_config={
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "patch_size": 16,
            "spatial_merge_size": 2,
            "max_image_size": 128,
            "min_image_size": 32,
            "img_max_token_num": 256,
            "max_vit_seq_len": 256,
            "out_hidden_size": 64,
        },
        image_token_id=ids[IMAGE],
        im_start_id=ids[IMAGE_START],
        im_end_id=ids[IMAGE_END],
        im_newline_id=ids[IMAGE],
    )
    torch.manual_seed(seed)
    model = HunYuanVLForConditionalGeneration(config)
    with torch.no_grad():
        # Random weights love special tokens (the answer would decode to nothing): silence
        # every special token except the end of answer so the plumbing carries visible text.
        emb: Any = model.get_input_embeddings().weight
        for tok, i in ids.items():
            if tok != EOS:
                emb[i].zero_()
    model.eval()
    model.save_pretrained(out)
    processor.save_pretrained(out)
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python -m promptocr.engines.vlm.tiny OUTPUT_DIR", file=sys.stderr)
        raise SystemExit(2)
    print(build_tiny_checkpoint(sys.argv[1]))
