# Mutation testing (PIT, profile `mutation`): mutates dev.attnref.core, oracle, attention and model and
# runs their tests against each mutant; fails when fewer than 96% (the level reached) are killed.
# 6.5–7 minutes on 2 cores at load ≤ 5 (experiments/mutation/README.md: times, scores, the fate of every
# survivor). Maven fetches PIT itself on a fresh machine.
set -euo pipefail
mvn -B -q -Pmutation verify
/usr/bin/python3 experiments/mutation/score.py --out "${TMPDIR:-/tmp}/mutation-score-ci.csv"
