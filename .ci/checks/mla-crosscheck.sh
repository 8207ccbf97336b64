# MLA (naive, absorbed), MFA and MFA-KR recomputed in PyTorch from docs/MATH.md; fails if outputs drift.
/usr/bin/python3 reference-data/mla/crosscheck_mla.py --check
