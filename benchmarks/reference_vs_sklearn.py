"""Fit + predict time of every reference estimator against scikit-learn, in one run.

Usage::

    python benchmarks/reference_vs_sklearn.py [--n 2000] [--repeat 3] [--only tree,pca]

Both sides see the same data; the figure that matters is the ratio
``reference / scikit-learn`` (lower is better), measured on this machine in this run.
Targets (issue 4): trees, forests, kNN, PCA, linear models within 5x; SVC and t-SNE within 20x.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sklearn import datasets
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing


@dataclass
class Case:
    name: str
    reference: Callable[[], object]
    sklearn: Callable[[], object]
    task: str  # "reg" | "clf" | "transform" | "cluster" | "embed"
    target: float  # ratio target from the issue
    n: int | None = None  # sample count override (slow algorithms)


def _ref(module: str, cls: str, **kw):
    return lambda: getattr(importlib.import_module(f"reference.{module}"), cls)(**kw)


def _sk(module: str, cls: str, **kw):
    return lambda: getattr(importlib.import_module(f"sklearn.{module}"), cls)(**kw)


CASES = [
    Case("LinearRegression (normal)", _ref("linear_model", "LinearRegression"), _sk("linear_model", "LinearRegression"), "reg", 5),
    Case("Ridge", _ref("linear_model", "Ridge", alpha=1.0), _sk("linear_model", "Ridge", alpha=1.0), "reg", 5),
    Case("Lasso", _ref("linear_model", "Lasso", alpha=0.1), _sk("linear_model", "Lasso", alpha=0.1), "reg", 5),
    Case("LogisticRegression", _ref("linear_model", "LogisticRegression"), _sk("linear_model", "LogisticRegression"), "clf", 5),
    Case("Perceptron", _ref("linear_model", "Perceptron", random_state=0), _sk("linear_model", "Perceptron", random_state=0), "clf", 5),
    Case("StandardScaler", _ref("preprocessing", "StandardScaler"), _sk("preprocessing", "StandardScaler"), "transform", 5),
    Case("KNeighborsClassifier", _ref("neighbors", "KNeighborsClassifier"), _sk("neighbors", "KNeighborsClassifier"), "clf", 5),
    Case("KNeighborsRegressor", _ref("neighbors", "KNeighborsRegressor"), _sk("neighbors", "KNeighborsRegressor"), "reg", 5),
    Case("GaussianNB", _ref("naive_bayes", "GaussianNB"), _sk("naive_bayes", "GaussianNB"), "clf", 5),
    Case("DecisionTreeRegressor", _ref("tree", "DecisionTreeRegressor", random_state=0), _sk("tree", "DecisionTreeRegressor", random_state=0), "reg", 5),
    Case("DecisionTreeClassifier", _ref("tree", "DecisionTreeClassifier", random_state=0), _sk("tree", "DecisionTreeClassifier", random_state=0), "clf", 5),
    Case("RandomForestRegressor", _ref("ensemble", "RandomForestRegressor", n_estimators=50, random_state=0),
         _sk("ensemble", "RandomForestRegressor", n_estimators=50, random_state=0, n_jobs=1), "reg", 5),
    Case("RandomForestClassifier", _ref("ensemble", "RandomForestClassifier", n_estimators=50, random_state=0),
         _sk("ensemble", "RandomForestClassifier", n_estimators=50, random_state=0, n_jobs=1), "clf", 5),
    Case("RandomForestRegressor (reference trees)",
         lambda: importlib.import_module("reference.ensemble").RandomForestRegressor(
             n_estimators=50, random_state=0,
             estimator=importlib.import_module("reference.tree").DecisionTreeRegressor()),
         _sk("ensemble", "RandomForestRegressor", n_estimators=50, random_state=0, n_jobs=1), "reg", 5),
    Case("BaggingRegressor", _ref("ensemble", "BaggingRegressor", n_estimators=20, random_state=0),
         _sk("ensemble", "BaggingRegressor", n_estimators=20, random_state=0), "reg", 5),
    Case("AdaBoostClassifier", _ref("ensemble", "AdaBoostClassifier", n_estimators=50, random_state=0),
         _sk("ensemble", "AdaBoostClassifier", n_estimators=50, random_state=0), "clf", 5),
    Case("GradientBoostingRegressor", _ref("ensemble", "GradientBoostingRegressor", n_estimators=50, random_state=0),
         _sk("ensemble", "GradientBoostingRegressor", n_estimators=50, random_state=0), "reg", 5),
    Case("PCA", _ref("decomposition", "PCA", n_components=5), _sk("decomposition", "PCA", n_components=5), "transform", 5),
    Case("KMeans", _ref("cluster", "KMeans", n_clusters=5, random_state=0, n_init=3),
         _sk("cluster", "KMeans", n_clusters=5, random_state=0, n_init=3), "cluster", 5),
    Case("GaussianMixture", _ref("mixture", "GaussianMixture", n_components=3, random_state=0),
         _sk("mixture", "GaussianMixture", n_components=3, random_state=0), "cluster", 5),
    Case("SVC (rbf)", _ref("svm", "SVC"), _sk("svm", "SVC"), "clf", 20, n=1000),
    Case("GaussianProcessRegressor", _ref("gaussian_process", "GaussianProcessRegressor"),
         _sk("gaussian_process", "GaussianProcessRegressor"), "reg", 20, n=300),
    Case("TSNE", _ref("manifold", "TSNE", random_state=0, init="random"), _sk("manifold", "TSNE", random_state=0, init="random"),
         "embed", 20, n=300),
]


def make_data(task: str, n: int, seed: int = 0):
    if task in ("clf",):
        return datasets.make_classification(n_samples=n, n_features=10, n_informative=5, random_state=seed)
    X, y = datasets.make_regression(n_samples=n, n_features=10, n_informative=5, noise=5.0, random_state=seed)
    return X, y


def run_once(factory, task, X, y) -> float:
    est = factory()
    t0 = time.perf_counter()
    if task in ("reg", "clf"):
        est.fit(X, y)
        est.predict(X)
    elif task == "transform":
        est.fit(X)
        est.transform(X)
    elif task == "cluster":
        est.fit(X)
        est.predict(X)
    else:  # embed
        est.fit_transform(X)
    return time.perf_counter() - t0


def best_of(factory, task, X, y, repeat: int) -> float:
    return min(run_once(factory, task, X, y) for _ in range(repeat))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=2000, help="samples per data set (slow algorithms use fewer)")
    p.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    p.add_argument("--only", default="", help="comma-separated substrings of case names")
    args = p.parse_args(argv)
    wanted = [w.strip().lower() for w in args.only.split(",") if w.strip()]
    print(f"{'estimator':<40} {'n':>5} {'reference s':>12} {'sklearn s':>10} {'ratio':>7} {'target':>7}  ok")
    misses = 0
    limiter = threadpool_limits(1)  # one BLAS thread on both sides: the ratio compares algorithms
    for case in CASES:
        if wanted and not any(w in case.name.lower() for w in wanted):
            continue
        n = min(case.n or args.n, args.n)
        X, y = make_data(case.task, n)
        try:
            t_ref = best_of(case.reference, case.task, X, y, args.repeat)
        except Exception as exc:  # report and go on: a benchmark must show every row
            print(f"{case.name:<40} {n:>5} {'error: ' + type(exc).__name__ + ': ' + str(exc)[:60]}")
            misses += 1
            continue
        t_sk = best_of(case.sklearn, case.task, X, y, args.repeat)
        ratio = t_ref / t_sk
        ok = ratio <= case.target
        misses += not ok
        print(f"{case.name:<40} {n:>5} {t_ref:>12.4f} {t_sk:>10.4f} {ratio:>7.2f} {case.target:>6g}x  {'yes' if ok else 'NO'}")
    limiter.restore_original_limits()
    print(f"\n{misses} estimator(s) outside target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
