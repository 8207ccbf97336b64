# The low-precision cases of the golden vectors (reference-data/v2, "Precision" in reference-data/README.md)
# against the NumPy port in emulated bf16 and in fp16:
#  1. the port computes every case stored in bf16 (then fp16) as a plain implementation in that precision
#     does (bf16 emulated on uint32 bit patterns) and must pass the rule, error <= 2 x baseline + floor,
#     on exactly as many cases as the directory holds in that precision (at least one);
#  2. the port's outputs, written by the port, must pass `attnref golden verify --precision` on them.
# Fails (non-zero) on any disagreement; never skips.
set -euo pipefail
dir=${1:-reference-data/v2}
port=notebooks/numpy_port/attnref_numpy.py
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

for dtype in bfloat16 float16; do
  label=$([ "$dtype" = bfloat16 ] && echo bf16 || echo fp16)
  stored=$(/usr/bin/python3 - "$dir" "$label" <<'PY'
import json, os, sys
directory, label = sys.argv[1], sys.argv[2]
with open(os.path.join(directory, "manifest.json"), encoding="utf-8") as f:
    cases = json.load(f)["cases"]
count = 0
for case in cases:
    with open(os.path.join(directory, case["manifest"]), encoding="utf-8") as f:
        count += (json.load(f).get("precision") or {}).get("dtype") == label
print(count)
PY
)
  if [ "$stored" -lt 1 ]; then
    echo "golden-numpy-precision: $dir holds no case stored in $label" >&2
    exit 1
  fi
  mkdir -p "$out/$dtype"
  if ! report=$(/usr/bin/python3 "$port" "$dir" --quiet --dtype "$dtype" --write "$out/$dtype" 2>&1); then
    echo "$report" >&2
    exit 1
  fi
  echo "$report"
  checked=$(tail -n 1 <<<"$report" | sed -n 's/^attnref_numpy ([a-z0-9]*): \([0-9]*\) cases, \([0-9]*\) passed, 0 failed;.*/\1 \2/p')
  if [ "$checked" != "$stored $stored" ]; then
    echo "golden-numpy-precision: $dtype: the port checked '${checked:-?}' (cases, passed); $dir holds $stored in $label" >&2
    exit 1
  fi
  ./attnref golden verify "$dir" --candidate "$out/$dtype" --precision "$label" --only "*-$label-*" | tail -n 1
done
