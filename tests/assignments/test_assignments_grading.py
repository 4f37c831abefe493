"""The four first assignments graded end to end through the real engine (sandbox "none").

For each assignment, from ``course.release`` output:

- the solution release scores full marks, the stub release scores 0;
- three gradings of the solution give identical check-by-check results;
- plausible student mistakes, written as text mutations of the released solution, each
  lose points on the check meant to catch them (and the replacement is asserted to have
  applied, so a drifting reference fails loudly instead of silently testing nothing).

Everything for one assignment is graded in ONE ``grade_submissions`` call (two workers),
cached per module, so the hidden suites run once per submission.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from course.assignment import load_assignment
from course.config import load_config
from course.release import release
from grader.engine import grade_submissions

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENTS = ("linear-models", "classification", "trees", "ensembles")


@dataclass(frozen=True)
class Mistake:
    """A student mistake: replace ``old`` by ``new`` in ``file``; ``check`` must lose points."""

    name: str
    file: str
    old: str
    new: str
    check: str


MISTAKES = {
    "linear-models": [
        Mistake("gd_gradient_sign", "linear_model.py",
                "W -= self.learning_rate * (X[idx].T @ g)", "W += self.learning_rate * (X[idx].T @ g)",
                "test_batch_gradient_descent_converges"),
        Mistake("normal_equations_forget_intercept_shift", "linear_model.py",
                "W = np.linalg.lstsq(Xc, Yc, rcond=None)[0]\n        b = y_mean - x_mean @ W",
                "W = np.linalg.lstsq(Xc, Yc, rcond=None)[0]\n        b = y_mean",
                "test_normal_equations_exact"),
        Mistake("lasso_threshold_not_clipped", "linear_model.py",
                "return np.sign(z) * np.maximum(np.abs(z) - t, 0.0)", "return np.sign(z) * (np.abs(z) - t)",
                "test_lasso_sparsity_path"),
        Mistake("power_law_mixed_log_bases", "scaling.py",
                "y = np.log10(mass)", "y = np.log(mass)", "test_power_law_fit"),
        Mistake("polynomial_off_by_one", "scaling.py",
                "for j in range(int(degree) + 1)", "for j in range(int(degree))", "test_polynomial_design"),
        Mistake("degree_chosen_on_training_error", "scaling.py",
                "_, val_mse = validation_curve(x[train], y[train], x[val], y[val], degrees)",
                "val_mse, _ = validation_curve(x[train], y[train], x[val], y[val], degrees)",
                "test_choose_degree_validated"),
        Mistake("huber_gradient_is_mse_gradient", "scaling.py",
                "grad = np.clip(residual, -delta, delta)", "grad = residual", "test_huber_resists_outliers"),
    ],
    "classification": [
        Mistake("standardise_with_test_statistics", "star_galaxy.py",
                "X_test_scaled = (X_test - mean) / std",
                "X_test_scaled = (X_test - X_test.mean(axis=0)) / X_test.std(axis=0)",
                "test_standardise_uses_training_statistics"),
        Mistake("knn_without_standardising", "star_galaxy.py",
                "X_train_s, X_test_s = standardise(X_train, X_test)\n    knn",
                "X_train_s, X_test_s = X_train, X_test\n    knn",
                "test_knn_star_galaxy_accuracy"),
        Mistake("purity_is_completeness", "star_galaxy.py",
                "purity = tp / n_pred if n_pred else 0.0", "purity = tp / n_true if n_true else 0.0",
                "test_purity_completeness"),
        Mistake("unweighted_cross_entropy", "star_galaxy.py",
                'LogisticRegression(class_weight="balanced")', "LogisticRegression()",
                "test_rare_galaxies_recovered"),
        Mistake("logistic_gradient_sign", "linear_model.py",
                "G = (_sigmoid(z) - Y[:, 0])[:, None]", "G = (Y[:, 0] - _sigmoid(z))[:, None]",
                "test_logistic_regression_matches_cross_entropy"),
        Mistake("naive_bayes_std_for_variance", "naive_bayes.py",
                "X[y_idx == k].var(axis=0) for k", "X[y_idx == k].std(axis=0) for k",
                "test_gaussian_nb_posteriors"),
        Mistake("confusion_matrix_transposed", "metrics.py",
                "C[index[t], index[p]] += wi", "C[index[p], index[t]] += wi", "test_confusion_matrix"),
    ],
    "trees": [
        Mistake("gini_is_misclassification_rate", "trees.py",
                "return 1.0 - np.sum(p**2, axis=-1)", "return 1.0 - np.max(p, axis=-1)",
                "test_classification_tree_gini"),
        Mistake("depth_off_by_one", "trees.py",
                "depth >= self._max_depth", "depth > self._max_depth", "test_max_depth_semantics"),
        Mistake("importance_without_children", "trees.py",
                "importances[t.feature[node]] += (W[node] * H[node] - W[left] * H[left]\n"
                "                                             - W[right] * H[right])",
                "importances[t.feature[node]] += W[node] * H[node]",
                "test_impurity_importances"),
        Mistake("depth_chosen_on_training_error", "cluster_masses.py",
                "_, val_mse = depth_curve(X[train], y[train], X[val], y[val], depths)",
                "val_mse, _ = depth_curve(X[train], y[train], X[val], y[val], depths)",
                "test_best_depth_near_optimum"),
        Mistake("validation_set_leaks_into_training", "cluster_masses.py",
                "tree = DecisionTreeRegressor(max_depth=int(depth), random_state=0).fit(X_train, y_train)",
                "tree = DecisionTreeRegressor(max_depth=int(depth), random_state=0).fit("
                "np.vstack([X_train, X_val]), np.concatenate([y_train, y_val]))",
                "test_depth_curve"),
        Mistake("permuted_column_never_restored", "cluster_masses.py",
                "X_perm = X.copy()\n", "X_perm = X\n", "test_permutation_importance"),
        Mistake("importances_sorted_not_in_column_order", "cluster_masses.py",
                "importances = forest.feature_importances_",
                "importances = np.sort(forest.feature_importances_)[::-1]",
                "test_drop_m500_ranking"),
    ],
    "ensembles": [
        Mistake("bagging_without_replacement", "ensemble.py",
                "idx = rng.randint(0, n, n_draw)", "idx = rng.permutation(n)[:n_draw]",
                "test_bagging_reduces_variance"),
        Mistake("boosting_gradient_sign", "ensemble.py",
                'if self.loss == "squared_error":\n            return diff\n',
                'if self.loss == "squared_error":\n            return -diff\n',
                "test_gradient_boosting_is_friedman"),
        Mistake("boosting_learning_rate_missing_at_predict", "ensemble.py",
                "raw[:, k] += self.learning_rate * v[tree.apply(X)]", "raw[:, k] += v[tree.apply(X)]",
                "test_gradient_boosting_is_friedman"),
        Mistake("adaboost_weights_wrong_way", "ensemble.py",
                "w = w * np.exp(alpha * wrong)", "w = w * np.exp(-alpha * wrong)",
                "test_adaboost_beats_its_stump"),
        Mistake("residual_divided_by_predicted_redshift", "photoz.py",
                "dz = (z_pred - z_true) / (1.0 + z_true)", "dz = (z_pred - z_true) / (1.0 + z_pred)",
                "test_normalised_residuals"),
        Mistake("nmad_without_gaussian_factor", "photoz.py",
                "sigma = 1.4826 * np.median(", "sigma = np.median(", "test_sigma_nmad"),
        Mistake("bootstrap_without_replacement", "photoz.py",
                "rows = rng.integers(0, len(y_train), size=len(y_train))", "rows = rng.permutation(len(y_train))",
                "test_bootstrap_bias_variance_tradeoff"),
        Mistake("variance_over_wrong_axis", "photoz.py",
                "variance = np.mean(predictions.var(axis=0))", "variance = np.mean(predictions.var(axis=1))",
                "test_bias_variance_formula"),
    ],
}


def _mutate(solution: Path, dest: Path, mistake: Mistake) -> Path:
    shutil.copytree(solution, dest)
    target = dest / mistake.file
    text = target.read_text()
    count = text.count(mistake.old)
    assert count == 1, f"{mistake.name}: expected exactly one {mistake.old!r} in {mistake.file}, found {count}"
    target.write_text(text.replace(mistake.old, mistake.new))
    return dest


def _check(result: dict, name: str) -> list[dict]:
    """The checks of ``result`` for test function ``name`` (all parametrisations)."""
    found = [c for c in result["checks"] if c["id"].split("::")[-1].split("[")[0] == name]
    assert found, f"no check named {name} in {[c['id'] for c in result['checks']]}"
    return found


_CACHE: dict[str, dict] = {}


def graded(assignment_id: str, tmp_root: Path) -> dict:
    """Grade solution x3, stub and every mistake of one assignment (cached)."""
    if assignment_id not in _CACHE:
        config = load_config(ROOT)
        spec = load_assignment(config, assignment_id).grading_spec()
        base = tmp_root / assignment_id
        solution = release(config=config, assignment_id=assignment_id, out=base / "solution", solution=True)
        stub = release(config=config, assignment_id=assignment_id, out=base / "stub")
        mutants = [_mutate(Path(solution), base / m.name, m) for m in MISTAKES[assignment_id]]
        paths = [Path(solution), Path(stub), Path(solution), Path(solution), *mutants]
        doc = grade_submissions(spec, paths, sandbox="none", workers=2)
        subs = doc["submissions"]
        public_spec = load_assignment(config, assignment_id).grading_spec(public=True)
        public = grade_submissions(public_spec, [Path(solution), Path(stub)], sandbox="none", workers=2)
        _CACHE[assignment_id] = {
            "solution": subs[0], "stub": subs[1], "repeats": subs[2:4],
            "mutants": dict(zip([m.name for m in MISTAKES[assignment_id]], subs[4:])),
            "public": public["submissions"], "release": Path(stub), "config": config,
        }
    return _CACHE[assignment_id]


@pytest.fixture(scope="module")
def tmp_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("assignments")


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_solution_scores_full_marks(assignment_id, tmp_root):
    sol = graded(assignment_id, tmp_root)["solution"]
    assert sol["status"] == "graded", sol["error"]
    failing = [(c["id"], c["message"]) for c in sol["checks"] if c["status"] != "passed"]
    assert not failing
    assert sol["max_score"] >= 10 and sol["score"] == sol["max_score"]
    # `course assignments --json` announces the same maximum the grader awards
    from course.catalog import describe_assignments

    rows = {r["id"]: r for r in describe_assignments(config=load_config(ROOT))}
    assert rows[assignment_id]["max_points"] == sol["max_score"]


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_stub_scores_zero(assignment_id, tmp_root):
    stub = graded(assignment_id, tmp_root)["stub"]
    assert stub["status"] == "graded", stub["error"]
    assert stub["score"] == 0.0 and stub["max_score"] > 0
    assert all(c["status"] != "passed" for c in stub["checks"])


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_three_runs_identical(assignment_id, tmp_root):
    res = graded(assignment_id, tmp_root)
    runs = [res["solution"], *res["repeats"]]
    summaries = [[(c["id"], c["status"], c["points"]) for c in r["checks"]] for r in runs]
    assert summaries[0] == summaries[1] == summaries[2]
    assert len({r["score"] for r in runs}) == 1


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_public_checks_help(assignment_id, tmp_root):
    """The public tests (``course check``) pass on the solution and fail on the stubs."""
    solution, stub = graded(assignment_id, tmp_root)["public"]
    assert solution["status"] == "graded" and stub["status"] == "graded"
    assert solution["max_score"] >= 4 and solution["score"] == solution["max_score"]
    assert stub["score"] == 0.0


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_release_teaches_and_ships_data(assignment_id, tmp_root):
    """The student release has a rendered README naming every student file, the public
    tests, training data, and stubs in place of the solution regions."""
    res = graded(assignment_id, tmp_root)
    rel = res["release"]
    asg = load_assignment(res["config"], assignment_id)
    readme = (rel / "README.md").read_text()
    assert asg.title in readme and "course check" in readme and "{{" not in readme
    for name in asg.student_files:
        assert f"`{name}`" in readme
        assert "NotImplementedError" in (rel / name).read_text()
    assert sorted(p.name for p in (rel / "tests").glob("test_*.py"))
    data = sorted((rel / "data").glob("*.csv"))
    assert data and all(p.stat().st_size > 1000 for p in data)
    assert not (rel / "hidden").exists()


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_at_least_five_mistakes_per_assignment(assignment_id):
    assert len(MISTAKES[assignment_id]) >= 5
    assert len({m.name for m in MISTAKES[assignment_id]}) == len(MISTAKES[assignment_id])


@pytest.mark.parametrize(
    "assignment_id, mistake",
    [(a, m) for a in ASSIGNMENTS for m in MISTAKES[a]],
    ids=[f"{a}-{m.name}" for a in ASSIGNMENTS for m in MISTAKES[a]],
)
def test_mistake_loses_points_on_its_check(assignment_id, mistake, tmp_root):
    res = graded(assignment_id, tmp_root)
    mutant = res["mutants"][mistake.name]
    assert mutant["status"] == "graded", mutant["error"]
    targeted = _check(mutant, mistake.check)
    lost = sum(c["max_points"] - c["points"] for c in targeted)
    assert lost > 0, f"{mistake.name} was not caught by {mistake.check}"
    assert mutant["score"] < res["solution"]["max_score"]
    # the student is told what to look at: the failing check's message is its docstring
    assert any(c["status"] != "passed" and mistake.check in c["message"] for c in targeted)


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_solution_full_marks_in_a_real_sandbox(assignment_id, safe_backend, tmp_path):
    """The hidden checks work under the real sandboxes' limits (memory, read-only files,
    no network): the solution still scores full marks with bubblewrap and Docker."""
    config = load_config(ROOT)
    spec = load_assignment(config, assignment_id).grading_spec()
    solution = release(config=config, assignment_id=assignment_id, out=tmp_path / "solution", solution=True)
    result = grade_submissions(spec, [Path(solution)], sandbox=safe_backend, workers=1)["submissions"][0]
    assert result["status"] == "graded", result["error"]
    assert result["score"] == result["max_score"] > 0, [c["id"] for c in result["checks"] if c["status"] != "passed"]
