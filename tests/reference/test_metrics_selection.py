"""Metrics, model selection and permutation importance against scikit-learn."""
import numpy as np
import pytest
import sklearn.inspection as ski
import sklearn.metrics as skm
import sklearn.model_selection as skms
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import LogisticRegression as SkLogistic
from sklearn.linear_model import Ridge as SkRidge
from sklearn.tree import DecisionTreeRegressor

from reference import metrics as M
from reference import model_selection as MS
from reference.inspection import permutation_importance
from reference.linear_model import LogisticRegression, Ridge

RNG = np.random.RandomState(0)
Y2 = RNG.randint(0, 2, 300)
SCORE = np.round(RNG.rand(300) + 0.4 * Y2, 2)  # rounded: many tied scores
PRED2 = (SCORE > 0.7).astype(int)
Y3 = RNG.randint(0, 3, 300)
PRED3 = np.where(RNG.rand(300) < 0.6, Y3, RNG.randint(0, 3, 300))


# ------------------------------------------------------------------ metrics
def test_accuracy_and_confusion_matrix():
    assert M.accuracy_score(Y3, PRED3) == pytest.approx(skm.accuracy_score(Y3, PRED3))
    assert M.accuracy_score(Y3, PRED3, normalize=False) == skm.accuracy_score(Y3, PRED3, normalize=False)
    w = RNG.rand(300)
    assert M.accuracy_score(Y3, PRED3, sample_weight=w) == pytest.approx(skm.accuracy_score(Y3, PRED3, sample_weight=w))
    np.testing.assert_array_equal(M.confusion_matrix(Y3, PRED3), skm.confusion_matrix(Y3, PRED3))
    for norm in ("true", "pred", "all"):
        np.testing.assert_allclose(M.confusion_matrix(Y3, PRED3, normalize=norm),
                                   skm.confusion_matrix(Y3, PRED3, normalize=norm))
    np.testing.assert_array_equal(M.confusion_matrix(Y3, PRED3, labels=[2, 0]),
                                  skm.confusion_matrix(Y3, PRED3, labels=[2, 0]))


@pytest.mark.parametrize("name", ["precision_score", "recall_score", "f1_score"])
def test_precision_recall_f1_match_sklearn(name):
    ours, ref = getattr(M, name), getattr(skm, name)
    assert ours(Y2, PRED2) == pytest.approx(ref(Y2, PRED2))
    assert ours(Y2, PRED2, pos_label=0) == pytest.approx(ref(Y2, PRED2, pos_label=0))
    for avg in ("micro", "macro", "weighted"):
        assert ours(Y3, PRED3, average=avg) == pytest.approx(ref(Y3, PRED3, average=avg))
    np.testing.assert_allclose(ours(Y3, PRED3, average=None), ref(Y3, PRED3, average=None))
    labels = np.array(["star", "galaxy"])
    assert ours(labels[Y2], labels[PRED2], pos_label="galaxy") == pytest.approx(
        ref(labels[Y2], labels[PRED2], pos_label="galaxy"))


def test_purity_and_completeness_are_precision_and_recall():
    # a galaxy sample: 8 selected objects, 6 of them galaxies, out of 10 galaxies
    y_true = np.array([1] * 6 + [0] * 2 + [1] * 4 + [0] * 10)
    y_pred = np.array([1] * 8 + [0] * 14)
    assert M.purity_score(y_true, y_pred) == pytest.approx(6 / 8)
    assert M.completeness_score(y_true, y_pred) == pytest.approx(6 / 10)
    assert M.f1_score(y_true, y_pred) == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    assert M.precision_score([0, 0], [0, 0], zero_division=0.0) == 0.0
    with pytest.raises(ValueError, match="binary"):
        M.precision_score(Y3, PRED3)


@pytest.mark.parametrize("drop", [True, False])
def test_roc_curve_and_auc_match_sklearn(drop):
    ours = M.roc_curve(Y2, SCORE, drop_intermediate=drop)
    ref = skm.roc_curve(Y2, SCORE, drop_intermediate=drop)
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a, b)
    assert M.auc(ours[0], ours[1]) == pytest.approx(skm.auc(ref[0], ref[1]))
    assert M.roc_auc_score(Y2, SCORE) == pytest.approx(skm.roc_auc_score(Y2, SCORE))
    labels = np.array(["bogus", "real"])[Y2]
    assert M.roc_auc_score(labels, SCORE) == pytest.approx(skm.roc_auc_score(labels, SCORE))


def test_auc_is_the_probability_a_positive_outranks_a_negative():
    pos, neg = SCORE[Y2 == 1], SCORE[Y2 == 0]
    pairs = (pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean()
    assert M.roc_auc_score(Y2, SCORE) == pytest.approx(pairs)
    assert M.roc_auc_score([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert M.roc_auc_score([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1]) == 0.0


def test_regression_metrics_match_sklearn():
    y = RNG.randn(100)
    p = y + 0.5 * RNG.randn(100)
    w = RNG.rand(100)
    for name in ("mean_squared_error", "mean_absolute_error", "r2_score"):
        assert getattr(M, name)(y, p) == pytest.approx(getattr(skm, name)(y, p))
        assert getattr(M, name)(y, p, sample_weight=w) == pytest.approx(getattr(skm, name)(y, p, sample_weight=w))
    Y, P = RNG.randn(50, 3), RNG.randn(50, 3)
    assert M.r2_score(Y, P) == pytest.approx(skm.r2_score(Y, P))
    assert M.mean_squared_error(Y, P) == pytest.approx(skm.mean_squared_error(Y, P))
    assert M.r2_score(y, y) == 1.0 and M.r2_score(y, np.full(100, y.mean())) == pytest.approx(0.0)


def test_metric_input_errors():
    with pytest.raises(ValueError):
        M.accuracy_score([1, 2, 3], [1, 2])
    with pytest.raises(ValueError):
        M.roc_auc_score([1, 1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError):
        M.auc([0, 1, 0.5], [0, 1, 1])


# ------------------------------------------------------------------ splitting and CV
X_REG, Y_REG = make_regression(120, 6, n_informative=3, noise=10.0, random_state=0)
X_CLS, Y_CLS = make_classification(150, 5, n_informative=3, random_state=0)


def test_train_test_split_sizes_reproducibility_and_stratify():
    Xtr, Xte, ytr, yte = MS.train_test_split(X_REG, Y_REG, test_size=0.2, random_state=0)
    assert Xtr.shape == (96, 6) and Xte.shape == (24, 6)
    np.testing.assert_array_equal(Xtr[:, 0] * 0 + ytr, ytr)  # rows stay paired
    assert set(map(tuple, Xtr)) | set(map(tuple, Xte)) == set(map(tuple, X_REG))
    again = MS.train_test_split(X_REG, Y_REG, test_size=0.2, random_state=0)
    np.testing.assert_array_equal(again[0], Xtr)
    # sizes follow sklearn's rounding
    for kw in ({}, {"test_size": 0.33}, {"train_size": 0.5}, {"test_size": 10}):
        ours = MS.train_test_split(X_REG, **kw, random_state=0)
        ref = skms.train_test_split(X_REG, **kw, random_state=0)
        assert [len(a) for a in ours] == [len(a) for a in ref]
    y = np.array([0] * 90 + [1] * 30)
    _, _, ytr, yte = MS.train_test_split(np.arange(120), y, test_size=0.2, stratify=y, random_state=1)
    assert len(yte) == 24 and (yte == 1).sum() == 6 and (ytr == 1).sum() == 24
    with pytest.raises(ValueError):
        MS.train_test_split(X_REG, Y_REG[:10])


def test_train_test_split_keeps_pandas_objects():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(X_REG[:20], columns=list("abcdef"))
    tr, te = MS.train_test_split(df, test_size=5, random_state=0)
    assert isinstance(tr, pd.DataFrame) and len(te) == 5 and list(tr.columns) == list("abcdef")


@pytest.mark.parametrize("shuffle", [False, True])
def test_kfold_partitions_like_sklearn(shuffle):
    folds = list(MS.KFold(4, shuffle=shuffle, random_state=0).split(np.zeros(23)))
    ref = list(skms.KFold(4, shuffle=shuffle, random_state=0 if shuffle else None).split(np.zeros(23)))
    assert [len(t) for _, t in folds] == [len(t) for _, t in ref] == [6, 6, 6, 5]
    all_test = np.concatenate([t for _, t in folds])
    np.testing.assert_array_equal(np.sort(all_test), np.arange(23))
    for train, test in folds:
        assert not set(train) & set(test) and len(train) + len(test) == 23
    if not shuffle:
        for (a, b), (c, d) in zip(folds, ref):
            np.testing.assert_array_equal(a, c)
            np.testing.assert_array_equal(b, d)
    with pytest.raises(ValueError):
        MS.KFold(1)


def test_stratified_kfold_keeps_class_proportions():
    y = np.array([0] * 50 + [1] * 10 + [2] * 5)
    folds = list(MS.StratifiedKFold(5, shuffle=True, random_state=0).split(np.zeros((65, 1)), y))
    np.testing.assert_array_equal(np.sort(np.concatenate([t for _, t in folds])), np.arange(65))
    for train, test in folds:
        assert np.bincount(y[test], minlength=3).tolist() == [10, 2, 1]
        assert not set(train) & set(test)
    with pytest.raises(ValueError):
        list(MS.StratifiedKFold(8).split(np.zeros(12), [0] * 5 + [1] * 7))
    # an int cv stratifies for classifiers, as in scikit-learn
    ordered = np.argsort(Y_CLS, kind="stable")
    Xo, yo = X_CLS[ordered], Y_CLS[ordered]
    plain = MS.cross_val_score(LogisticRegression(), Xo, yo, cv=MS.KFold(3), scoring="accuracy")
    strat = MS.cross_val_score(LogisticRegression(), Xo, yo, cv=3, scoring="accuracy")
    ref = skms.cross_val_score(SkLogistic(), Xo, yo, cv=3, scoring="accuracy")
    assert strat.mean() > plain.mean() + 0.2  # unstratified folds miss whole classes here
    assert strat.mean() == pytest.approx(ref.mean(), abs=0.05)  # folds differ from sklearn's, the estimate agrees


def test_cross_val_score_matches_sklearn():
    cv = skms.KFold(5, shuffle=True, random_state=0)
    ours = MS.cross_val_score(SkRidge(1.0), X_REG, Y_REG, cv=cv)
    ref = skms.cross_val_score(SkRidge(1.0), X_REG, Y_REG, cv=cv)
    np.testing.assert_allclose(ours, ref)
    ours = MS.cross_val_score(Ridge(1.0), X_REG, Y_REG, cv=cv, scoring="neg_mean_squared_error")
    ref = skms.cross_val_score(SkRidge(1.0), X_REG, Y_REG, cv=cv, scoring="neg_mean_squared_error")
    np.testing.assert_allclose(ours, ref, rtol=1e-8)
    acc = MS.cross_val_score(LogisticRegression(), X_CLS, Y_CLS, cv=MS.KFold(3), scoring="accuracy")
    ref_acc = skms.cross_val_score(SkLogistic(), X_CLS, Y_CLS, cv=skms.KFold(3), scoring="accuracy")
    assert acc.shape == (3,)
    np.testing.assert_allclose(acc, ref_acc, atol=0.021)  # at most one of 50 test points may differ


def test_grid_search_matches_sklearn_and_refits():
    grid = {"alpha": [0.01, 1.0, 100.0, 1e4], "fit_intercept": [True, False]}
    cv = skms.KFold(4, shuffle=True, random_state=1)
    ours = MS.GridSearchCV(Ridge(), grid, cv=cv, scoring="neg_mean_squared_error").fit(X_REG, Y_REG)
    ref = skms.GridSearchCV(SkRidge(), grid, cv=cv, scoring="neg_mean_squared_error").fit(X_REG, Y_REG)
    assert ours.best_params_ == ref.best_params_
    assert ours.best_score_ == pytest.approx(ref.best_score_, rel=1e-8)
    np.testing.assert_allclose(ours.cv_results_["mean_test_score"], ref.cv_results_["mean_test_score"], rtol=1e-8)
    np.testing.assert_array_equal(ours.cv_results_["rank_test_score"], ref.cv_results_["rank_test_score"])
    assert list(ours.cv_results_["params"]) == list(ref.cv_results_["params"])
    assert ours.n_splits_ == 4 and "split3_test_score" in ours.cv_results_
    np.testing.assert_allclose(ours.predict(X_REG), Ridge(**ours.best_params_).fit(X_REG, Y_REG).predict(X_REG))
    no_refit = MS.GridSearchCV(Ridge(), {"alpha": [1.0]}, refit=False).fit(X_REG, Y_REG)
    with pytest.raises(AttributeError):
        no_refit.predict(X_REG)
    with pytest.raises(ValueError):
        MS.GridSearchCV(Ridge(), {"alpha": []}).fit(X_REG, Y_REG)
    # nested cross-validation: the grid search is itself an estimator
    nested = MS.cross_val_score(MS.GridSearchCV(Ridge(), {"alpha": [0.1, 1e4]}, cv=3), X_REG, Y_REG, cv=3)
    assert nested.shape == (3,) and np.all(nested > 0.5)


def test_learning_and_validation_curves_match_sklearn():
    sizes, tr, te = MS.learning_curve(SkRidge(), X_REG, Y_REG, train_sizes=[0.2, 0.5, 1.0], cv=4)
    rs, rtr, rte = skms.learning_curve(SkRidge(), X_REG, Y_REG, train_sizes=[0.2, 0.5, 1.0], cv=skms.KFold(4))
    np.testing.assert_array_equal(sizes, rs)
    np.testing.assert_allclose(tr, rtr)
    np.testing.assert_allclose(te, rte)
    assert te.mean(axis=1)[-1] > te.mean(axis=1)[0]  # more data, better test score
    tr, te = MS.validation_curve(SkRidge(), X_REG, Y_REG, param_name="alpha", param_range=[0.1, 1e3, 1e5], cv=3)
    rtr, rte = skms.validation_curve(SkRidge(), X_REG, Y_REG, param_name="alpha", param_range=[0.1, 1e3, 1e5], cv=skms.KFold(3))
    np.testing.assert_allclose(tr, rtr)
    np.testing.assert_allclose(te, rte)
    assert np.all(np.diff(tr.mean(axis=1)) < 0)  # stronger penalty, worse training fit


def test_bias_variance_decomposition():
    Xtr, Xte, ytr, yte = MS.train_test_split(X_REG, Y_REG, random_state=0)
    loss, bias, var = MS.bias_variance_decomposition(DecisionTreeRegressor(random_state=0), Xtr, ytr, Xte, yte,
                                                      num_rounds=25, random_state=0)
    assert loss == pytest.approx(bias + var, rel=1e-10)  # exact for the squared loss
    lin = MS.bias_variance_decomposition(Ridge(1.0), Xtr, ytr, Xte, yte, num_rounds=25, random_state=0)
    assert lin[0] == pytest.approx(lin[1] + lin[2], rel=1e-10)
    assert var > 5 * lin[2]  # a deep tree varies far more than a linear model
    again = MS.bias_variance_decomposition(Ridge(1.0), Xtr, ytr, Xte, yte, num_rounds=25, random_state=0)
    assert again == lin
    c = MS.train_test_split(X_CLS, Y_CLS, random_state=0)
    loss01, bias01, var01 = MS.bias_variance_decomposition(LogisticRegression(), c[0], c[2], c[1], c[3],
                                                          loss="0-1_loss", num_rounds=15, random_state=0)
    # 0-1 loss: variance can help or hurt, but |loss - bias| <= variance (triangle inequality)
    assert 0 <= var01 <= 1 and 0 <= bias01 <= 1
    assert abs(loss01 - bias01) <= var01 + 1e-12


# ------------------------------------------------------------------ permutation importance
def test_permutation_importance_ranks_informative_features_like_sklearn():
    X, y = make_regression(200, 6, n_informative=2, noise=1.0, shuffle=False, random_state=3)
    model = SkRidge().fit(X, y)
    ours = permutation_importance(model, X, y, n_repeats=5, random_state=0)
    ref = ski.permutation_importance(model, X, y, n_repeats=5, random_state=0)
    assert ours.importances.shape == (6, 5)
    np.testing.assert_allclose(ours.importances_mean, ours.importances.mean(axis=1))
    np.testing.assert_allclose(ours["importances_std"], ours.importances.std(axis=1))
    top = set(np.argsort(-ours.importances_mean)[:2])
    assert top == set(np.argsort(-ref.importances_mean)[:2]) == {0, 1}
    assert np.all(np.abs(ours.importances_mean[2:]) < 0.01)
    np.testing.assert_allclose(ours.importances_mean, ref.importances_mean, rtol=0.2, atol=0.01)
    acc = permutation_importance(SkLogistic().fit(X_CLS, Y_CLS), X_CLS, Y_CLS, scoring="accuracy", random_state=0)
    assert acc.importances_mean.max() > 0.05
