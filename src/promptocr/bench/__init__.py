"""`promptocr bench`: accuracy, speed and memory on `gt.jsonl` datasets, side by side with peers.

- `datasets`: reads a dataset folder (`gt.jsonl` + images).
- `metrics`: pure scoring functions (bag-of-words / bag-of-characters F1, detection P/R).
- `worker`: runs ONE engine over ONE dataset in its own process (so peak RSS is per engine).
- `runner`: spawns the workers, scores their predictions and builds the report.
- `report`: Markdown, JSON and the summary plot.
"""
