#!/usr/bin/python3
"""Fixture for tests/spec/frame_spec.lua: what pandas says about the shipped
data sets, so the Frame's read_csv, describe, missing, dropna, value_counts
and group_counts can be checked without Python.

Usage (from the repository root): /usr/bin/python3 bench/peers/make_frame_fixtures.py
Writes tests/fixtures/csv/frame_pandas.json (pandas.read_csv with default
options; describe() uses linear-interpolation quantiles and std with ddof=1)."""
import json
import os

import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def num(x):
    x = float(x)
    return None if x != x else x


def summarize(path, pairs):
    df = pd.read_csv(os.path.join(ROOT, path))
    out = {"nrow": int(df.shape[0]), "ncol": int(df.shape[1]),
           "names": list(df.columns), "columns": {},
           "dropna_rows": int(df.dropna().shape[0]), "group_counts": []}
    for name in df.columns:
        s = df[name]
        col = {"missing": int(s.isna().sum())}
        if s.dtype == object:
            col["dtype"] = "category"
            col["levels"] = sorted(s.dropna().unique().tolist())
            vc = s.value_counts()
            col["value_counts"] = {str(k): int(v) for k, v in vc.items()}
            col["count"] = int(s.count())
        else:
            col["dtype"] = "float64"
            d = s.describe()
            for key, pk in [("count", "count"), ("mean", "mean"), ("std", "std"),
                            ("min", "min"), ("q25", "25%"), ("q50", "50%"),
                            ("q75", "75%"), ("max", "max")]:
                col[key] = num(d[pk])
        out["columns"][name] = col
    for a, b in pairs:
        g = df.groupby([a, b]).size()
        out["group_counts"].append({"a": a, "b": b, "rows": [
            [str(ka), str(kb), int(v)] for (ka, kb), v in g.items()]})
    return out


def main():
    fixture = {
        "pandas_version": pd.__version__,
        "credit_data": summarize("data/credit_data.csv", [("Status", "Home"), ("Job", "Marital")]),
        "lending_club": summarize("data/lending_club.csv", [("term", "Class")]),
    }
    path = os.path.join(ROOT, "tests", "fixtures", "csv", "frame_pandas.json")
    with open(path, "w") as f:
        json.dump(fixture, f, indent=1, sort_keys=True, allow_nan=False)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
