# Mutation testing (PIT, profile `mutation`) of the packages the other checks build on: dev.attnref.core
# and dev.attnref.oracle, against the tests of core, oracle, attention and model. Fails when fewer than
# the threshold's percent of mutants are killed. The whole profile (attention and model mutated too) ran
# too close to CI's 10-minute budget on 2 cores to promise, so CI runs this part (1393 mutants, 3.6 minutes
# at load 7 on 2 cores); experiments/mutation/README.md has the times, the scores and the fate of every
# survivor. Maven fetches PIT itself on a fresh machine.
set -euo pipefail
mvn -B -q -Pmutation verify -Dmutation.targetClasses='dev.attnref.core.*,dev.attnref.oracle.*' -Dmutation.threshold=98
/usr/bin/python3 experiments/mutation/score.py --out "${TMPDIR:-/tmp}/mutation-score-ci.csv"
