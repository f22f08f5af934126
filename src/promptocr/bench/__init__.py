"""Benchmarks: accuracy and speed of promptocr on gt.jsonl datasets."""
