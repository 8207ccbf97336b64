# The notebooks (notebooks/*.ipynb) executed headless with `jupyter nbconvert --execute`: the Java one
# on the rapaio kernel from Maven Central, the NumPy one on Debian's ipykernel. Fails on any cell error
# and when a notebook's committed outputs differ from what it prints now.
bash notebooks/run.sh
