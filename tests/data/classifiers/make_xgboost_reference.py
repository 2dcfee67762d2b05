#!/usr/bin/python3
"""Reference data for tests/analysis/test_boosted_trees.cpp (run with Debian's /usr/bin/python3,
whose python3-xgboost is the same libxgboost 1.7.4 radnode links).

  make_xgboost_reference.py cases
      writes xgboost_cases.csv: 150 seeded cases, 5 features, a label that depends on the
      features (with an interaction) and a noise-only label; and xgboost_regression_booster.json,
      a reg:squarederror booster radnode must refuse.
  make_xgboost_reference.py predictions BOOSTER.json
      copies the booster radnode trained on the cases (the test writes it to the build
      directory as xgboost_booster.json) to xgboost_booster.json and writes
      xgboost_predictions.csv: the xgboost package's Booster.predict of that file on the
      cases, probability and output_margin, as float32 with 9 significant digits.
"""
import os
import shutil
import sys

import numpy as np
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "xgboost_cases.csv")
FEATURES = ["f1", "f2", "f3", "f4", "f5"]


def f32(value):
    return "%.9g" % np.float32(value)


def read_cases():
    table = np.loadtxt(CASES, delimiter=",", skiprows=1, dtype=np.float64)
    x = table[:, 2:].astype(np.float32)
    return x, table[:, 0].astype(int)


def write_cases():
    rng = np.random.default_rng(20261123)
    n = 150
    x = rng.standard_normal((n, len(FEATURES))).astype(np.float32)
    # Malignancy depends on f1, f2 and the interaction f3 * f4; f5 is noise.
    logit = 1.2 * x[:, 0] - 0.8 * x[:, 1] + 1.5 * x[:, 2] * x[:, 3]
    label = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(int)
    noise_label = (rng.random(n) < 0.4).astype(int)
    with open(CASES, "w") as out:
        out.write("label,noise_label," + ",".join(FEATURES) + "\n")
        for i in range(n):
            out.write("%d,%d,%s\n" % (label[i], noise_label[i], ",".join(f32(v) for v in x[i])))

    x, label = read_cases()
    regression = xgb.train({"objective": "reg:squarederror", "max_depth": 2, "nthread": 1, "seed": 1,
                            "tree_method": "exact", "verbosity": 0},
                           xgb.DMatrix(x, label=label), num_boost_round=2)
    regression.save_model(os.path.join(HERE, "xgboost_regression_booster.json"))


def write_predictions(trained):
    booster_path = os.path.join(HERE, "xgboost_booster.json")
    if os.path.abspath(trained) != booster_path:
        shutil.copyfile(trained, booster_path)
    booster = xgb.Booster(model_file=booster_path)
    booster.set_param({"nthread": 1})
    x, _ = read_cases()
    cases = xgb.DMatrix(x)
    probability = booster.predict(cases)
    margin = booster.predict(cases, output_margin=True)
    with open(os.path.join(HERE, "xgboost_predictions.csv"), "w") as out:
        out.write("probability,margin\n")
        for p, m in zip(probability, margin):
            out.write("%s,%s\n" % (f32(p), f32(m)))


if __name__ == "__main__":
    if sys.argv[1:] == ["cases"]:
        write_cases()
    elif len(sys.argv) == 3 and sys.argv[1] == "predictions":
        write_predictions(sys.argv[2])
    else:
        sys.exit(__doc__)
