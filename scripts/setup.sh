#!/usr/bin/env bash
# Installs everything promptocr needs on a fresh Debian/Ubuntu machine, idempotently:
#   system packages (libGL for OpenCV, CJK + Latin fonts, Tesseract for the benchmark, the
#   English word list of the lexicon correction (wamerican), Chromium
#   for the UI tests, kubectl for the deploy tests, Ghostscript for OCRmyPDF and its PDF/A
#   output) and a virtual environment in .venv with the package and its pins.
# Usage: scripts/setup.sh [dev]     ('dev' adds the test/lint tools)
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(libgl1 libglib2.0-0 fonts-dejavu-core fonts-noto-cjk tesseract-ocr wamerican)
if [ "${1:-}" = "dev" ]; then
  # NimbusMonoPS: the typewriter test; DejaVu's condensed faces: bench/wording_study.py
  APT_PACKAGES+=(chromium ghostscript fonts-urw-base35 fonts-dejavu-extra)
  # kubectl renders deploy/k8s in the tests (its built-in kustomize). Debian's package is
  # kubernetes-client; a kubectl installed another way (e.g. Google's apt repo) is used as is.
  if ! command -v kubectl >/dev/null 2>&1; then APT_PACKAGES+=(kubernetes-client); fi
fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
extra=""
if [ "${1:-}" = "dev" ]; then extra="[dev,vlm]"; fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extra}" 2>&1 \
  | grep -vE "^WARNING: Location|BuildBackendWarning|^ +" || true
