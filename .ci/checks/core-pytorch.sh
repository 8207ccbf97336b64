# Tensor semantics (view/stride rules, matmul broadcasting, repeat_interleave, cat, softmax) recorded
# from Debian's PyTorch; and SeededRandom re-implemented in Python from its Javadoc. Both fail on drift.
/usr/bin/python3 src/test/resources/dev/attnref/core/make_torch_cases.py --check
/usr/bin/python3 src/test/resources/dev/attnref/core/seeded_random.py --check
