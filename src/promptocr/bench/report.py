"""Turn a bench run (a dict, also written as JSON) into Markdown and a summary plot."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

START = "<!-- bench:results:start -->"
END = "<!-- bench:results:end -->"


def _f(v: float | None, nd: int = 3) -> str:
    return "–" if v is None else f"{v:.{nd}f}"


# The reference column: RapidOCR at its best on a CPU (issue 13); its defaults are also shown.
REFERENCES = (("rapidocr-openvino", "× RapidOCR-OV"), ("rapidocr", "× RapidOCR default"))


def _ref(engines: list[dict[str, Any]], engine: str) -> dict[str, Any] | None:
    return next((e for e in engines if e["engine"] == engine and not e["sets"]), None)


def _ratio(e: dict[str, Any], ref: dict[str, Any] | None) -> str:
    if ref and ref["sec_median"] and e["sec_median"] is not None:
        return f"{e['sec_median'] / ref['sec_median']:.2f}"
    return "–"


def time_split(e: dict[str, Any]) -> str | None:
    """Where the embedded engine's wall time per image goes: inside model inference (the
    runtime's `Model.run`, per model) against everything else (decode, resizes, crops,
    post-processing, Python), from the means over the dataset."""
    infer = e.get("infer_ms_mean") or {}
    if not infer or not e.get("sec_mean"):
        return None
    wall = float(e["sec_mean"]) * 1000.0
    inside = sum(infer.values())
    stages = e.get("stages_ms_mean") or {}
    parts = ", ".join(f"{k} {v:.0f}" for k, v in sorted(infer.items()))
    # Stages that call models: their time outside the calls is pre/post-processing.
    model_stages = ("detect", "page_orientation", "line_orientation", "recognize")
    around = sum(float(stages.get(k, 0.0)) for k in model_stages) - inside
    rest = [f"pre/post-processing around the models {around:.0f}"]
    rest += [f"{k} {v:.0f}" for k, v in stages.items() if k not in model_stages]
    rest.append(f"outside any stage {wall - sum(float(v) for v in stages.values()):.0f}")
    return (
        f"inference {inside / wall:.0%} of wall time ({inside:.0f} of {wall:.0f} ms mean per "
        f"image: {parts}); outside it {wall - inside:.0f} ms ({', '.join(rest)})"
    )


def dataset_markdown(ds: dict[str, Any]) -> str:
    refs = [(title, _ref(ds["engines"], eng)) for eng, title in REFERENCES]
    refs = [(t, r) for t, r in refs if r is not None] or refs[:1]
    rows = [
        f"### {ds['name']} ({ds['images']} images, {ds['gt_lines']} ground-truth lines)",
        "",
        "| engine | word-bag F1 | char-bag F1 | char P / R | det P | det R "
        "| s/image (median) | " + " | ".join(t for t, _ in refs) + " | peak RSS (MB) "
        "| start + 1st image (s) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | "
        + "---: | " * len(refs)
        + "---: | ---: |",
    ]
    for e in ds["engines"]:
        ratios = " | ".join(_ratio(e, r) for _, r in refs)
        rows.append(
            f"| {e['label']} | {_f(e['word']['f1'])} | {_f(e['char']['f1'])} "
            f"| {_f(e['char']['precision'])} / {_f(e['char']['recall'])} "
            f"| {_f(e['det']['precision'])} | {_f(e['det']['recall'])} "
            f"| {_f(e['sec_median'])} | {ratios} | {e['peak_rss_mb']:.0f} "
            f"| {_f(e['cold_start_s'], 2)} |"
        )
    notes: list[str] = []
    for e in ds["engines"]:
        if e["errors"]:
            notes.append(f"- {e['label']}: {len(e['errors'])} image(s) failed: {e['errors'][0]}")
        if e["engine"] == "embedded":
            stages = ", ".join(f"{k} {v:.0f}" for k, v in e["stages_ms_mean"].items())
            if stages:
                notes.append(f"- {e['label']} mean ms per image by stage: {stages}")
            split = time_split(e)
            if split:
                notes.append(f"- {e['label']} {split}")
            heads = e.get("rec_head") or {}
            if heads:
                tally = ", ".join(f"{k} {v}" for k, v in sorted(heads.items()))
                notes.append(f"- {e['label']} lines by recognition head: {tally}")
            sq = e.get("rec_squeeze") or {}
            if sq.get("squeezed"):
                notes.append(
                    f"- {e['label']} pages read narrowed by the width squeeze: "
                    f"{sq['squeezed']} of {sq.get('pages', 0)}"
                )
            rot = e["rotated_pages"]
            notes.append(
                f"- {e['label']} pages turned by page orientation: "
                + (", ".join(rot) if rot else "none")
            )
    if notes:
        rows += ["", *notes]
    return "\n".join(rows) + "\n"


def engines_markdown(report: dict[str, Any]) -> str:
    seen: dict[str, str] = {}
    for ds in report["datasets"]:
        for e in ds["engines"]:
            if e["label"] in seen:
                continue
            info = e.get("info", {})
            if e["engine"] == "embedded":
                sets = ", ".join(e["sets"]) or "defaults"
                det = info.get("settings", {}).get("detection", {})
                seen[e["label"]] = (
                    f"promptocr EmbeddedEngine ({sets}; detection {det.get('limit_type')} "
                    f"{det.get('side_len')}, page orientation "
                    f"{info.get('settings', {}).get('page_orientation')}, line classifier "
                    f"{info.get('settings', {}).get('use_line_cls')})"
                )
            else:
                settings = str(info.get("settings", ""))
                if e["engine"] == "rapidocr-rec" and "use_det" not in settings:
                    settings += ", called with use_det=False, use_cls=False"
                name = "rapidocr" if e["engine"].startswith("rapidocr") else ""
                seen[e["label"]] = f"{name} {info.get('version', '')} — {settings}".strip()
    return "\n".join(f"- **{k}**: {v}" for k, v in seen.items()) + "\n"


def results_markdown(report: dict[str, Any], plot: str | None = None) -> str:
    m = report["machine"]
    commands = report.get("commands") or [report["command"]]
    parts = [
        f"Run {m['date']} on {m['cpu']} ({m['cores']} cores), Python {m['python']}, "
        f"onnxruntime {m['onnxruntime']}"
        + (f", OpenVINO {m['openvino']}" if "openvino" in m else "")
        + (", CPU with bfloat16" if m.get("cpu_bf16") else "")
        + ". "
        + ("Command: " if len(commands) == 1 else "Commands (run side by side): ")
        + "; ".join(f"`{c}`" for c in commands),
        "",
        engines_markdown(report),
    ]
    if plot:
        parts.append(f"![char-bag F1 and seconds per image]({plot})\n")
    parts += [dataset_markdown(ds) for ds in report["datasets"]]
    for extra in report.get("extra_sections", []):
        parts.append(extra)
    return "\n".join(parts)


def write_markdown(path: Path, body: str) -> None:
    """Replace the text between the results markers if the file has them, else write anew."""
    block = f"{START}\n{body.rstrip()}\n{END}\n"
    if path.is_file():
        old = path.read_text(encoding="utf-8")
        if START in old and END in old:
            new = re.sub(
                re.escape(START) + r".*?" + re.escape(END) + r"\n?",
                lambda _m: block,
                old,
                count=1,
                flags=re.S,
            )
            path.write_text(new, encoding="utf-8")
            return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# Benchmarks\n\n" + block, encoding="utf-8")


def plot_summary(report: dict[str, Any], out: Path) -> bool:
    """Grouped bars: char-bag F1 and s/image per dataset and engine. False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    datasets = [d["name"] for d in report["datasets"]]
    labels: list[str] = []
    for d in report["datasets"]:
        for e in d["engines"]:
            if e["label"] not in labels:
                labels.append(e["label"])
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    width = 0.8 / max(len(labels), 1)
    for i, label in enumerate(labels):
        f1s, secs = [], []
        for d in report["datasets"]:
            e = next((x for x in d["engines"] if x["label"] == label), None)
            f1s.append(e["char"]["f1"] if e else 0.0)
            secs.append(e["sec_median"] if e and e["sec_median"] else 0.0)
        xs = [j + (i - (len(labels) - 1) / 2) * width for j in range(len(datasets))]
        axes[0].bar(xs, f1s, width, label=label)
        axes[1].bar(xs, secs, width, label=label)
    for ax, title in zip(
        axes, ("char-bag F1 (higher is better)", "s/image, median (lower is better)"), strict=True
    ):
        ax.set_xticks(range(len(datasets)))
        ax.set_xticklabels(datasets, rotation=20, ha="right", fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylim(0, 1.0)
    axes[1].set_yscale("log")
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=len(labels), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return True
