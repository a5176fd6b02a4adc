#!/usr/bin/env bash
# Executes the notebooks headless, in place: synthetic_experiments.ipynb on the result files of the synthetic
# experiment commands (java -jar benchmarks/target/dl4j-meta.jar experiment quadratic-optimum|bimaml|fomaml-floor|
# metagrad-accuracy), and omniglot_and_performance.ipynb on results/omniglot (reproduce) and results/bench (bench --out).
# Usage: notebooks/run.sh [RESULTS_DIR]   (default: results/experiments under the repository root)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
results="$(cd "${1:-$repo/results/experiments}" 2>/dev/null && pwd)" || {
    echo "no results folder ${1:-$repo/results/experiments}: run the experiment commands first" >&2
    exit 2
}
install_hint="install the Debian packages: sudo apt-get install -y jupyter-nbconvert python3-nbconvert python3-ipykernel python3-matplotlib"

if ! command -v jupyter >/dev/null 2>&1 || ! jupyter nbconvert --version >/dev/null 2>&1; then
    echo "jupyter nbconvert is missing; $install_hint" >&2
    exit 3
fi
# the interpreter jupyter runs on is the one whose native kernel executes the notebook
interpreter="$(head -n 1 "$(command -v jupyter)" | sed 's/^#! *//')"
if ! $interpreter -c 'import matplotlib, ipykernel' >/dev/null 2>&1; then
    echo "matplotlib or ipykernel is missing for $interpreter; $install_hint" >&2
    exit 3
fi

PYDEVD_DISABLE_FILE_VALIDATION=1 RESULTS_DIR="$results" jupyter nbconvert --to notebook --execute --inplace \
    --ExecutePreprocessor.timeout=600 "$here/synthetic_experiments.ipynb"
echo "executed $here/synthetic_experiments.ipynb on $results"
PYDEVD_DISABLE_FILE_VALIDATION=1 RESULTS_ROOT="$repo/results" jupyter nbconvert --to notebook --execute --inplace \
    --ExecutePreprocessor.timeout=600 "$here/omniglot_and_performance.ipynb"
echo "executed $here/omniglot_and_performance.ipynb on $repo/results"
