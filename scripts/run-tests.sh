#!/usr/bin/env bash
# Runs the whole test suite: unit tests, HTTP tests against in-process servers, process tests (SIGKILL,
# SIGTERM, CLI) and the matrix-nio interop test. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."

python_packages=(python3)
python3 -c 'import venv' 2>/dev/null || python_packages+=(python3-venv)
bash scripts/install-deps.sh "${python_packages[@]}"

# matrix-nio with its encryption extra (vodozemac) and Synapse (the federation peer of the interop tests)
# from PyPI: the system Python if it has all three, else a private venv.
if python3 -c 'import nio, vodozemac, synapse' 2>/dev/null; then
    export MYELIN_TEST_PYTHON=python3
else
    if [ ! -x .build-venv/bin/python ] || ! .build-venv/bin/python -c 'import nio, vodozemac, synapse' 2>/dev/null; then
        python3 -m venv .build-venv
        .build-venv/bin/pip install --quiet 'matrix-nio[e2e]' matrix-synapse
    fi
    export MYELIN_TEST_PYTHON="$PWD/.build-venv/bin/python"
fi

swift build --build-tests
swift test --skip-build --disable-xctest
