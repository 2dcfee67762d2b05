#!/usr/bin/python3
"""Reference values for radnode's SVM and SVM-RFE tests (tests/analysis/test_svm.cpp).

Run with Debian's Python (scikit-learn 1.2.1, numpy from python3-numpy):
    /usr/bin/python3 make_svm_reference.py
It rewrites svm_cohort.csv, svm_reference.csv, rfe_cohort.csv and rfe_reference.csv beside
itself. Numbers are written with repr(), so the C++ side parses back the very doubles
scikit-learn saw.
"""
import csv
import os

import numpy as np
from sklearn.feature_selection import RFE
from sklearn.svm import SVC

HERE = os.path.dirname(os.path.abspath(__file__))


def standardise(x):
    return (x - x.mean(axis=0)) / x.std(axis=0)


def write_cohort(path, x, y):
    with open(path, "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["label"] + [f"f{j + 1}" for j in range(x.shape[1])])
        for row, label in zip(x, y):
            writer.writerow([int(label)] + [repr(float(v)) for v in row])


def svm_cohort():
    # 120 lesions, 5 standardised features; the label depends on a ring in (f1, f2) and an
    # f3*f4 interaction, so no hyperplane separates the classes well.
    rng = np.random.default_rng(20261123)
    raw = rng.normal(size=(120, 5))
    score = raw[:, 0] ** 2 + raw[:, 1] ** 2 + 0.8 * raw[:, 2] * raw[:, 3] + 0.4 * rng.normal(size=120)
    y = (score > np.quantile(score, 0.6)).astype(int)
    # libsvm orders classes by first appearance, scikit-learn sorts them: a positive first
    # case makes the test exercise radnode's orientation handling.
    first_positive = int(np.argmax(y == 1))
    order = np.r_[first_positive, np.delete(np.arange(120), first_positive)]
    return standardise(raw[order]), y[order]


def rfe_cohort():
    # 120 lesions, 8 standardised features; only f3 and f6 carry the signal, and both are
    # needed (each alone separates far worse than the pair).
    rng = np.random.default_rng(9)
    raw = rng.normal(size=(120, 8))
    y = (raw[:, 2] - 0.9 * raw[:, 5] + 0.35 * rng.normal(size=120) > 0).astype(int)
    return standardise(raw), y


def svm_reference(x, y):
    rows = []
    for kernel in ("linear", "rbf"):
        for weights in ("none", "balanced"):
            config = f"{kernel}_{weights}"
            svc = SVC(kernel=kernel, C=1.0, gamma="scale", tol=1e-3, shrinking=True,
                      class_weight=None if weights == "none" else "balanced",
                      probability=True, random_state=0).fit(x, y)
            decision = svc.decision_function(x)
            probability = svc.predict_proba(x)[:, 1]
            rows.append((config, "gamma", 0, svc._gamma))
            rows.append((config, "cost", 0, 1.0))
            rows.append((config, "support_count", 0, int(svc.n_support_.sum())))
            rows.append((config, "intercept", 0, svc.intercept_[0]))
            rows.append((config, "probA", 0, svc.probA_[0]))
            rows.append((config, "probB", 0, svc.probB_[0]))
            for i, (index, coefficient) in enumerate(zip(svc.support_, svc.dual_coef_[0])):
                rows.append((config, "support_index", i, int(index)))
                rows.append((config, "dual_coef", i, coefficient))
            for i in range(len(y)):
                rows.append((config, "decision", i, decision[i]))
                rows.append((config, "probability", i, probability[i]))
    return rows


def write_rows(path, header, rows):
    with open(path, "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([repr(float(v)) if isinstance(v, (float, np.floating)) else v for v in row])


def main():
    x, y = svm_cohort()
    write_cohort(os.path.join(HERE, "svm_cohort.csv"), x, y)
    write_rows(os.path.join(HERE, "svm_reference.csv"), ["config", "quantity", "index", "value"],
               svm_reference(x, y))

    x, y = rfe_cohort()
    write_cohort(os.path.join(HERE, "rfe_cohort.csv"), x, y)
    rfe = RFE(SVC(kernel="linear"), n_features_to_select=1, step=1).fit(x, y)
    write_rows(os.path.join(HERE, "rfe_reference.csv"), ["feature", "ranking"],
               [(f"f{j + 1}", int(r)) for j, r in enumerate(rfe.ranking_)])


if __name__ == "__main__":
    main()
