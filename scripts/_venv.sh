# Sourced by scripts/serve and scripts/test: makes (or reuses) the project's
# virtual environment, so that nothing installed by hand is relied on.
# PYTHON picks the interpreter (default python3); VENV the environment (default .venv).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV" || {
        echo "error: '$PYTHON -m venv' failed; on Debian/Ubuntu install python3-venv first" >&2
        exit 1
    }
fi
PY="$VENV/bin/python"
"$PY" -m pip install --quiet --upgrade pip

# Install tumbler from this tree (not editable: the tests must see what users get),
# with the extras named in "$@". The switches in the environment decide the cores.
install_tumbler() {
    local extras=${1:-}
    rm -rf build  # a stale build tree must not leak into the wheel
    "$PY" -m pip install --quiet ".${extras:+[$extras]}"
}
