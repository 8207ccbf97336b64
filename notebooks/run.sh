#!/usr/bin/env bash
# Executes every notebook in notebooks/ headless with `jupyter nbconvert --execute` and fails on any
# cell error. The notebooks are committed with their outputs; by default the fresh outputs must equal
# the committed ones (see notebook_outputs.py for the two exceptions: cells tagged strip-output, and
# measured errors in e-notation), so what a reader sees on GitHub is what the code prints today.
# `--write` stores the fresh outputs instead (after an intended change).
#
# Needs: Java 17+, Maven, Debian's jupyter-nbconvert, python3-nbclient, python3-ipykernel and
# python3-numpy (.ci/run installs them). The Java notebook runs on the rapaio Java kernel, fetched from
# Maven Central into target/ and registered in a temporary JUPYTER_PATH (nothing is installed for the user).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode=--check
if [ "${1:-}" = --write ]; then
  mode=--write
elif [ $# -gt 0 ]; then
  echo "usage: notebooks/run.sh [--write]" >&2
  exit 2
fi

rapaio_version=3.0.1
kernel_jar=target/notebook-kernel/rapaio-jupyter-kernel-$rapaio_version.jar

./attnref --version >/dev/null 2>&1 || ./attnref --version   # builds target/attnref.jar and target/lib/ when the sources changed
if [ ! -f "$kernel_jar" ]; then
  mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
    -Dartifact=io.github.padreati:rapaio-jupyter-kernel:$rapaio_version -DoutputDirectory=target/notebook-kernel
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The kernel name is the one rapaio's own installer registers, so the notebooks also open on a
# machine where the kernel was installed with `java -jar rapaio-jupyter-kernel-*.jar -i -auto`.
mkdir -p "$work/jupyter/kernels/rapaio-jupyter-kernel"
cat >"$work/jupyter/kernels/rapaio-jupyter-kernel/kernel.json" <<JSON
{
  "argv": ["java", "-cp", "$PWD/$kernel_jar", "$PWD/notebooks/kernel/RapaioKernelLauncher.java", "{connection_file}"],
  "display_name": "Java (rapaio)",
  "language": "java",
  "interrupt_mode": "message",
  "env": {}
}
JSON

rm -rf target/notebook-out
status=0
# nbconvert starts the kernel in the notebook's folder, so the notebooks use paths relative to notebooks/.
execute() {
  JUPYTER_PATH="$work/jupyter" /usr/bin/python3 -m nbconvert --to notebook --execute \
    --ExecutePreprocessor.startup_timeout=30 --ExecutePreprocessor.timeout=300 \
    --output-dir "$work/executed" "$1" >"$work/log" 2>&1
}
for notebook in notebooks/*.ipynb; do
  start=$SECONDS
  attempt=1
  # rapaio 3.0.1 sometimes never answers its first kernel_info_request (about one start in ten on a busy
  # 2-core machine; RapaioKernelLauncher removes one cause, a NullPointerException, but not all). Only a
  # kernel that did not start is retried; a failing cell never is.
  until execute "$notebook"; do
    if [ $attempt -lt 3 ] && grep -q "Kernel didn't respond\|Kernel died before replying" "$work/log"; then
      echo "notebooks: $notebook: the kernel did not start (attempt $attempt); starting it again" >&2
      attempt=$((attempt + 1))
      continue
    fi
    grep -v '^\[20[0-9-]* [0-9:]*\] \[INFO' "$work/log" >&2
    echo "notebooks: $notebook: execution failed" >&2
    status=1
    continue 2
  done
  /usr/bin/python3 notebooks/notebook_outputs.py "$mode" "$notebook" "$work/executed/$(basename "$notebook")" || status=1
  echo "notebooks: $notebook executed in $((SECONDS - start)) s"
done
exit $status
