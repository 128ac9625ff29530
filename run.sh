#!/usr/bin/env bash
# Set up skdash in a virtual environment and run its main job or its tests.
#
#   ./run.sh demo [ARGS]   install skdash and run `python -m skdash demo ARGS`
#   ./run.sh test [ARGS]   install skdash with its test extras and run `python -m pytest ARGS`
#
# The environment is .venv beside this script (SKDASH_VENV overrides; an
# environment that exists is reused). torch is installed first, as the CPU
# build: on Linux a plain `pip install torch` pulls the multi-GB CUDA build.
# TORCH_SPEC picks another torch release (default torch==2.13.0, the one this
# project is tested with) and TORCH_INDEX_URL another index of builds (e.g. a
# CUDA one); an environment that already has torch keeps it.
set -euo pipefail
cd "$(dirname "$0")"

usage() { echo "usage: ./run.sh demo|test [ARGS...]" >&2; exit 2; }
[ $# -ge 1 ] || usage
job=$1
shift
case $job in
    demo) extras="[plot]" ;;
    test) extras="[test]" ;;
    *) usage ;;
esac

venv=${SKDASH_VENV:-.venv}
if [ ! -x "$venv/bin/python" ]; then
    echo "Creating the virtual environment $venv ..." >&2
    "${PYTHON:-python3}" -m venv "$venv"
fi
python=$venv/bin/python

if ! "$python" -c "import torch" 2>/dev/null; then
    echo "Installing the CPU build of torch ..." >&2
    # torch alone from the build index, then its dependencies from the usual one
    "$python" -m pip install --quiet --no-deps \
        --extra-index-url "${TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}" "${TORCH_SPEC:-torch==2.13.0}"
    "$python" -m pip install --quiet "${TORCH_SPEC:-torch==2.13.0}"
fi
echo "Installing skdash$extras ..." >&2
"$python" -m pip install --quiet -e ".$extras"

case $job in
    demo) exec "$python" -m skdash demo "$@" ;;
    test) exec "$python" -m pytest "$@" ;;
esac
