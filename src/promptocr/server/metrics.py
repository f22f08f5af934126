"""Prometheus metrics of one app instance (own registry, so several apps can share a process)."""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 7.5, 10.0, 20.0, 30.0, 60.0)
STAGE_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 256)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        ProcessCollector(registry=r)  # process_resident_memory_bytes, cpu seconds, open fds
        PlatformCollector(registry=r)
        self.requests = Counter(
            "promptocr_requests_total",
            "HTTP requests answered, by endpoint, task and status code",
            ["endpoint", "task", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "promptocr_request_duration_seconds",
            "Wall time from request received to response ready",
            ["endpoint", "task", "status"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.stage = Histogram(
            "promptocr_stage_duration_seconds",
            "Time spent per pipeline stage per request",
            ["stage"],
            buckets=STAGE_BUCKETS,
            registry=r,
        )
        self.skipped = Counter(
            "promptocr_stage_skipped_total",
            "Stages the plan did not run",
            ["stage"],
            registry=r,
        )
        self.queue_depth = Gauge(
            "promptocr_queue_depth", "Requests admitted and waiting for a worker", registry=r
        )
        self.in_flight = Gauge(
            "promptocr_in_flight_requests", "Requests being processed by a worker", registry=r
        )
        self.rejected = Counter(
            "promptocr_rejected_total",
            "Requests refused before any work, by reason code",
            ["code"],
            registry=r,
        )
        self.batch_crops = Histogram(
            "promptocr_rec_batch_crops",
            "Line crops per merged recognition call",
            buckets=BATCH_BUCKETS,
            registry=r,
        )
        self.batch_callers = Histogram(
            "promptocr_rec_batch_callers",
            "Concurrent page reads merged into one recognition call",
            buckets=(1, 2, 3, 4, 6, 8, 12, 16, 32),
            registry=r,
        )
        self.cache_hits = Counter(
            "promptocr_cache_hits_total", "Pages served from the OCR cache", registry=r
        )
        self.cache_misses = Counter(
            "promptocr_cache_misses_total", "Pages OCR'd (not in the cache)", registry=r
        )
        self.cache_bytes = Gauge(
            "promptocr_cache_bytes", "Estimated size of the OCR cache", registry=r
        )
        self.cache_entries = Gauge(
            "promptocr_cache_entries", "Pages held in the OCR cache", registry=r
        )
        self.pages = Counter("promptocr_pages_total", "Pages processed", registry=r)
        self.cancelled = Counter(
            "promptocr_cancelled_total",
            "Requests whose work was stopped part-way (deadline passed or shutting down)",
            registry=r,
        )
        self.jobs = Gauge(
            "promptocr_jobs", "Jobs in the job store, by state", ["state"], registry=r
        )
        self.job_pages = Counter(
            "promptocr_job_pages_total",
            "Job pages read, by outcome (done, failed); rate() gives pages per second",
            ["outcome"],
            registry=r,
        )
        self.jobs_oldest_age = Gauge(
            "promptocr_jobs_oldest_queued_age_seconds",
            "Age of the oldest job not finished (queued or running); 0 when there is none",
            registry=r,
        )
        self.ready = Gauge("promptocr_ready", "1 once the models are loaded", registry=r)

    def on_batch(self, crops: int, callers: int) -> None:
        self.batch_crops.observe(crops)
        self.batch_callers.observe(callers)
