# The seeds' own snippets, as published and as fixed, re-run in Debian's PyTorch; fails if the
# recorded outputs (reference-data/seeds/seed_outputs.json) drift.
/usr/bin/python3 reference-data/seeds/run_seeds.py --check
