#!/usr/bin/env bash
# Installs modelci into a virtual environment of its own and puts only a `modelci` entry point on
# PATH, so the job's Python (and the pipeline's stages) keep the libraries the user chose.
# Shared by action.yml and install/action.yml.
#   venv.sh locate ROOT   -> writes key, restore-key, venv and bin to $GITHUB_OUTPUT
#   venv.sh install ROOT  -> creates/updates the venv (VENV, BIN, CACHE_HIT from the environment)
# MODELCI_EXTRAS (both commands): the extras to install, comma-separated (default: model).
set -Eeuo pipefail
command=$1
root=$(cd -- "$2" && pwd)

case "${command}" in
  locate)
    if ! command -v python >/dev/null; then
      echo "::error title=modelci: no Python::python is not on PATH; run actions/setup-python before this action."
      exit 1
    fi
    # hashFiles() only sees the workspace, not the action's own files: hash them here. The key
    # names the Python (a venv links to its interpreter), the pins and modelci's code.
    cd "${root}"
    python_id="$(python -c 'import platform; print(platform.python_version() + "-" + platform.machine())')"
    deps="$({ echo "${MODELCI_EXTRAS:-model}"; cat constraints.txt pyproject.toml; } | sha256sum | cut -c1-16)"
    code="$(find src -type f ! -path '*/__pycache__/*' -print0 | sort -z | xargs -0 cat | sha256sum | cut -c1-16)"
    {
      echo "key=modelci-venv-${RUNNER_OS}-${python_id}-${deps}-${code}"
      echo "restore-key=modelci-venv-${RUNNER_OS}-${python_id}-"
      echo "venv=${RUNNER_TEMP}/modelci/venv"
      echo "bin=${RUNNER_TEMP}/modelci/bin"
    } >> "${GITHUB_OUTPUT}"
    ;;
  install)
    if ! "${VENV}/bin/python" -c "" 2>/dev/null; then
      rm -rf "${VENV}"  # absent, or its interpreter is gone
      python -m venv "${VENV}"
    fi
    if [[ "${CACHE_HIT:-}" != "true" ]]; then
      # The model extra (scikit-learn, skops) by default: behaviour checks load the trained
      # model. Releasing adds docker (the engine's SDK, push retries, the SBOM tool).
      extras="${MODELCI_EXTRAS:-model}"
      if [[ ! "${extras}" =~ ^[a-z0-9,-]+$ ]]; then
        echo "::error title=modelci: bad extras::extras '${extras}' must be names like model,docker."
        exit 1
      fi
      "${VENV}/bin/python" -m pip install --disable-pip-version-check --progress-bar off \
        -c "${root}/constraints.txt" "${root}[${extras}]"
    fi
    mkdir -p "${BIN}"
    # -I: neither the job's PYTHONPATH nor the project directory shadows modelci's imports.
    printf '#!/bin/sh\nexec "%s" -I -m modelci "$@"\n' "${VENV}/bin/python" > "${BIN}/modelci"
    chmod +x "${BIN}/modelci"
    echo "${BIN}" >> "${GITHUB_PATH}"
    "${BIN}/modelci" --version
    ;;
  *)
    echo "usage: venv.sh locate|install ROOT" >&2
    exit 2
    ;;
esac
