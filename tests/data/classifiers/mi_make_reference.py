#!/usr/bin/python3
# Reference values for tests/analysis/test_mutual_information.cpp, computed independently of
# radnode: equal-frequency bins from scipy's minimum ranks (bin = floor(bins * (rank - 1) / n),
# rank - 1 = number of values below), mutual information by scikit-learn's mutual_info_score
# and entropies by scipy (both in nats). Run with Debian's python3 (scikit-learn 1.2.1):
#   /usr/bin/python3 tests/data/classifiers/mi_make_reference.py
# writes mi_cohort.csv (label, f0..f4) and mi_reference.csv beside this script.
import os

import numpy as np
from scipy.stats import entropy, rankdata
from sklearn.metrics import mutual_info_score

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261123)
n, bins, threshold = 80, 10, 0.8
label = (rng.random(n) < 0.45).astype(int)
f0 = label + rng.normal(0, 0.8, n)             # informative
f1 = f0 + rng.normal(0, 0.05, n)               # near-duplicate of f0
f2 = rng.normal(0, 1, n)                       # noise
f3 = np.round(rng.normal(0, 1, n) + label)     # informative, heavily tied integers
f4 = 0.5 * label + rng.normal(0, 1, n)         # weakly informative
x = np.column_stack([f0, f1, f2, f3, f4])
x = np.round(x, 6)  # what the CSV holds

with open(os.path.join(here, "mi_cohort.csv"), "w") as out:
    out.write("label,f0,f1,f2,f3,f4\n")
    for i in range(n):
        out.write(str(label[i]) + "," + ",".join("%.6f" % v for v in x[i]) + "\n")


def binned(values):
    below = rankdata(values, method="min") - 1
    return (bins * below) // n


b = [binned(x[:, j]) for j in range(5)]
relevance = [mutual_info_score(label, b[j]) for j in range(5)]
h = [entropy(np.bincount(b[j])) for j in range(5)]
order = sorted(range(5), key=lambda j: -relevance[j])  # stable: ties by column order
kept = []
for j in order:
    if h[j] <= 0:
        continue
    if all(mutual_info_score(b[j], b[k]) <= threshold * min(h[j], h[k]) for k in kept):
        kept.append(j)

with open(os.path.join(here, "mi_reference.csv"), "w") as out:
    out.write("# scikit-learn mutual_info_score on bins of %d; kind,i,j,value\n" % bins)
    for j in range(5):
        out.write("bins,%d,,%s\n" % (j, " ".join(str(v) for v in b[j])))
    for j in range(5):
        out.write("outcome,%d,,%.17g\n" % (j, relevance[j]))
    for i in range(5):
        for j in range(i + 1, 5):
            out.write("pair,%d,%d,%.17g\n" % (i, j, mutual_info_score(b[i], b[j])))
    out.write("kept,,,%s\n" % " ".join(str(j) for j in sorted(kept)))
