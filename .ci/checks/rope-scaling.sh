# RoPE scaling rules (linear, dynamic NTK, DeepSeek-V3 YaRN, Llama 3.1) recomputed in NumPy float64 from
# their equations (reference-data/rope-scaling); fails if outputs.json drifts or lists other cases.
# RopeScalingCrosscheckTest checks the Java rules against the same outputs.
/usr/bin/python3 reference-data/rope-scaling/crosscheck_rope_scaling.py --check
