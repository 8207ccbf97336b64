# The golden vectors (reference-data/v1 and v2, or the folders given) against the independent NumPy port
# (notebooks/numpy_port), folder by folder:
#  1. the index: every manifest and payload it lists has the sha256 it records, and the directory holds
#     no case the index leaves out (so "cases checked" below is every case there is);
#  2. the port reads every payload with its own safetensors reader, recomputes every case in float64
#     and in float32 and must agree at the case's tolerance for that precision, on exactly as many
#     cases as the index lists;
#  3. the port's safetensors writer against the Java reader: the port's float64 outputs, written by
#     the port, must pass `attnref golden verify` on every case.
# Fails (non-zero) on any disagreement; never skips.
set -euo pipefail
port=notebooks/numpy_port/attnref_numpy.py

# One golden folder (the body is not indented: it holds a here-document).
check_folder() {
dir=$1
listed=$(/usr/bin/python3 - "$dir" <<'EOF'
import hashlib, json, os, sys
directory = sys.argv[1]
with open(os.path.join(directory, "manifest.json"), encoding="utf-8") as f:
    cases = json.load(f)["cases"]
bad = []
for case in cases:
    for name, key in ((case["manifest"], "manifest_sha256"), (case["payload"], "sha256")):
        with open(os.path.join(directory, name), "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        if digest != case[key]:
            bad.append(f"{name}: sha256 {digest}, the index says {case[key]}")
# Every payload and every case manifest on disk is listed (provenance.json and the index are not cases).
files = set(os.listdir(directory)) - {"manifest.json", "provenance.json"}
unlisted = sorted(n for n in files if n.endswith((".json", ".safetensors"))
                  and n not in {c["manifest"] for c in cases} | {c["payload"] for c in cases})
if unlisted:
    bad.append(f"files not in manifest.json: {unlisted}")
if bad:
    print("golden-numpy: " + "\n  ".join(bad), file=sys.stderr)
    sys.exit(1)
print(len(cases))
EOF
)
echo "golden-numpy: index lists $listed cases; every sha256 matches"

out=$(mktemp -d)
trap 'rm -rf "$out" "$out.verify"' EXIT
for dtype in float64 float32; do
  write=()
  [ "$dtype" = float64 ] && write=(--write "$out")
  if ! report=$(/usr/bin/python3 "$port" "$dir" --quiet --dtype "$dtype" "${write[@]}" 2>&1); then
    echo "$report" >&2
    exit 1
  fi
  echo "$report"
  summary=$(tail -n 1 <<<"$report")
  checked=$(sed -n 's/^attnref_numpy ([a-z0-9]*): \([0-9]*\) cases, \([0-9]*\) passed, 0 failed;.*/\1 \2/p' <<<"$summary")
  if [ "$checked" != "$listed $listed" ]; then
    echo "golden-numpy: $dtype: the port checked '${checked:-?}' (cases, passed); the index lists $listed" >&2
    exit 1
  fi
done

if ! ./attnref golden verify "$dir" --candidate "$out" >"$out.verify" 2>&1; then
  grep -v '^PASS\|^      .* ok$' "$out.verify" >&2
  exit 1
fi
tail -n 1 "$out.verify"
rm -rf "$out" "$out.verify"
}

if [ $# -eq 0 ]; then set -- reference-data/v1 reference-data/v2; fi
for folder in "$@"; do
  echo "golden-numpy: $folder"
  check_folder "$folder"
done
