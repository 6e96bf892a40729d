"Interest and rating series, forecasters (ARIMA, LSTM, GRU), hold-out errors, the time-aware recommender and `forecast_user` (llmrec.evolution)."
import warnings
import numpy as np, pandas as pd
import pytest
from statsmodels.tsa.arima.model import ARIMA
from llmrec.core import USER, ITEM, RATING, TIMESTAMP, Popularity
from llmrec.data import RecDataset, synthetic_dataset, temporal_split
from llmrec.evolution import (ARIMAForecaster, LSTMForecaster, LastValue, MovingAverage, EvolvingInterestRecommender, MAX_HORIZON,
                              interest_series, item_labels, holdout, holdout_forecasts, forecast_errors, error_table, make_forecaster,
                              rating_series, to_shares, forecast_user, label_columns, series_arrays)

DAY = 86400

@pytest.fixture(autouse=True)
def _one_blas_thread():
    "Statsmodels' reference fits run with one BLAS thread too, as ARIMAForecaster's fits do."
    try: from threadpoolctl import threadpool_limits
    except ImportError: yield; return
    with threadpool_limits(1): yield

@pytest.fixture(scope="module")
def toy():
    r = pd.DataFrame({USER: [1, 1, 1, 2], ITEM: [1, 2, 4, 2], RATING: 4.0, TIMESTAMP: [0, 65 * DAY, 70 * DAY, 10 * DAY]})
    items = pd.DataFrame({ITEM: [1, 2, 3, 4], "genres": ["Drama|Comedy", "Drama", "", "Horror"]})
    return RecDataset(r, items, name="toy")

@pytest.fixture(scope="module")
def drift():
    "Synthetic users whose genre interest drifts over a year: 12 windows of 5 interactions each."
    ds = synthetic_dataset(n_users=300, n_items=600, events_per_user=60, seed=1)
    return ds, interest_series(ds, window=5)

# ---------------------------------------------------------------- ARIMA is statsmodels' ARIMA
@pytest.mark.parametrize("order", [(1, 0, 0), (0, 1, 1), (2, 0, 0), (1, 1, 0), (0, 0, 2)])
@pytest.mark.parametrize("h", [1, 4])
def test_arima_forecast_equals_statsmodels(order, h):
    rng = np.random.default_rng(sum(order) + h)
    y = np.clip(np.linspace(0.2, 0.7, 15) + rng.normal(0, 0.1, 15), 0, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = ARIMAForecaster(order=order).fit(y).forecast(h)
        ref = ARIMA(y, order=order).fit().forecast(h)
    assert ours.shape == (h,)
    np.testing.assert_array_equal(ours, ref)

def test_arima_per_column_and_trend():
    rng = np.random.default_rng(0)
    Y = rng.random((14, 3)); Y[:, 2] = 0.25                                           # the last column is constant
    f = ARIMAForecaster(order=(1, 0, 0), trend="ct").fit(Y).forecast(2)
    for c in range(2): np.testing.assert_array_equal(f[:, c], ARIMA(Y[:, c], order=(1, 0, 0), trend="ct").fit().forecast(2))
    np.testing.assert_array_equal(f[:, 2], [0.25, 0.25])

def test_arima_aic_picks_lowest_aic_of_grid():
    rng = np.random.default_rng(3)
    y = np.cumsum(rng.normal(0, 0.1, 20)) + 0.5
    grid = ((0, 0, 0), (1, 0, 0), (2, 0, 0))
    fc = ARIMAForecaster(grid=grid).fit(y)
    aics = {o: ARIMA(y, order=o).fit().aic for o in grid}
    assert fc.status_.loc[0, "order"] == min(aics, key=aics.get)
    np.testing.assert_array_equal(fc.forecast(3), ARIMA(y, order=min(aics, key=aics.get)).fit().forecast(3))

def test_arima_non_convergence_is_counted_once():
    series = [np.random.default_rng(s).random(12) for s in range(15)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fc = ARIMAForecaster(order=(2, 0, 2)).fit(series)
    assert fc.report_.sum() == 15 and fc.report_["not_converged"] > 0
    assert len(caught) == 1 and issubclass(caught[0].category, RuntimeWarning) and "did not converge" in str(caught[0].message)
    assert len(fc.forecast(1)) == 15

def test_arima_short_and_constant_series_repeat_last_value():
    fc = ARIMAForecaster(order=(1, 0, 0)).fit([np.array([0.1, 0.4, 0.2]), np.zeros(10)])
    assert fc.report_["too_short"] == 1 and fc.report_["constant"] == 1
    f = fc.forecast(2)
    np.testing.assert_array_equal(f[0][:, 0], [0.2, 0.2]); np.testing.assert_array_equal(f[1][:, 0], [0, 0])

# ---------------------------------------------------------------- the LSTM and the GRU on known drift
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_recurrent_beats_last_value_on_synthetic_drift(drift, cell):
    ds, s = drift
    f = holdout_forecasts(s, {"last value": LastValue(), "RNN": LSTMForecaster(cell=cell)})
    tab = error_table(forecast_errors(s, f))
    assert tab.loc["RNN", "RMSE"] < 0.9 * tab.loc["last value", "RMSE"]
    assert tab.loc["RNN", "RMSE / naive"] < 0.9
    # the forecast recovers the drift: more interest in the genre users move to than in the one they leave
    users = ds.users.set_index(USER)
    labs = label_columns(s)
    toward = np.mean([f["RNN"][u][0, labs.index(users.loc[u, "genre_end"])] > f["RNN"][u][0, labs.index(users.loc[u, "genre_start"])]
                      for u in f["RNN"]])
    assert toward > 0.9

def test_gru_is_a_gru():
    rng = np.random.default_rng(0)
    series = [rng.random((6, 2)) for _ in range(20)]
    g, l = LSTMForecaster(epochs=1, cell="gru").fit(series), LSTMForecaster(epochs=1).fit(series)
    assert type(g.net_.rnn).__name__ == "GRU" and type(l.net_.rnn).__name__ == "LSTM"
    assert g.forecast(3)[0].shape == (3, 2) and g.forecast_from(series[0][:1], 2).shape == (2, 2)
    assert make_forecaster("gru").cell == "gru"
    with pytest.raises(ValueError, match="'lstm' or 'gru'"): LSTMForecaster(cell="rnn").fit(series)

@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_standardize_makes_the_network_scale_free(cell):
    "The same series on another scale give the same network, so the forecasts follow the scale exactly."
    rng = np.random.default_rng(2)
    series = [rng.random((8, 2)) for _ in range(30)]
    a = LSTMForecaster(epochs=3, cell=cell, standardize=True).fit(series)
    b = LSTMForecaster(epochs=3, cell=cell, standardize=True).fit([3 + 4 * x for x in series])
    np.testing.assert_allclose(b.forecast(2)[4], 3 + 4 * a.forecast(2)[4], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(b.forecast_from(3 + 4 * series[1], 1), 3 + 4 * a.forecast_from(series[1], 1), rtol=1e-4, atol=1e-4)
    raw = LSTMForecaster(epochs=3, cell=cell).fit(series)
    assert raw.loc_.tolist() == [0, 0] and raw.scale_.tolist() == [1, 1]

def test_lstm_seeded_and_forecast_from():
    rng = np.random.default_rng(0)
    series = [rng.random((6, 3)) for _ in range(40)]
    a = LSTMForecaster(epochs=3).fit(series).forecast(2)
    b = LSTMForecaster(epochs=3).fit(series).forecast(2)
    np.testing.assert_array_equal(a[5], b[5])
    m = LSTMForecaster(epochs=3).fit(series)
    assert m.forecast_from(np.ones((1, 3)), 3).shape == (3, 3)                        # a one-window history
    with pytest.raises(ValueError, match="single window"): LSTMForecaster().fit([np.ones((1, 3))] * 3)

# ---------------------------------------------------------------- windows
def test_one_window(toy):
    s = interest_series(toy, window=2)                           # user 1: 3 interactions -> one window; user 2: one interaction
    assert s.index.tolist() == [(1, 0), (2, 0)]
    assert s.loc[(1, 0), "n"] == 3
    np.testing.assert_allclose(s.loc[(1, 0), ["Comedy", "Drama", "Horror"]].to_numpy(float), [1 / 6, 1 / 2, 1 / 3])

def test_single_interaction_user(toy):
    s = interest_series(toy, window=10)
    assert s.loc[2, ["Comedy", "Drama", "Horror"]].to_numpy(float).tolist() == [[0, 1, 0]]
    for fc in (LastValue(), MovingAverage(3), ARIMAForecaster()):
        np.testing.assert_array_equal(fc.fit(series_arrays(s)[1][1]).forecast(1), [[0, 1, 0]])
    t = forecast_user(toy, 2, "arima", window=10)
    assert t["kind"].tolist() == ["past", "forecast"]

def test_empty_windows(toy):
    carry = interest_series(toy, window="30D")
    assert carry.loc[1, "n"].tolist() == [1, 0, 2]
    assert carry.loc[(1, 1), ["Comedy", "Drama"]].tolist() == carry.loc[(1, 0), ["Comedy", "Drama"]].tolist()
    nan = interest_series(toy, window="30D", empty="nan")
    assert nan.loc[(1, 1), label_columns(nan)].isna().all()
    with pytest.raises(ValueError, match="empty='carry'"): LastValue().fit(nan.loc[1])
    assert interest_series(toy, window="30D", empty="drop").loc[1].index.tolist() == [0, 2]
    assert interest_series(toy, window="30D", end=100 * DAY).loc[2, "n"].tolist() == [1, 0, 0, 0]

def test_count_windows_merge_the_short_tail():
    r = pd.DataFrame({USER: 1, ITEM: np.arange(1, 24), RATING: 1.0, TIMESTAMP: np.arange(23)})
    ds = RecDataset(r, pd.DataFrame({ITEM: np.arange(1, 24), "genres": "a"}))
    assert interest_series(ds, window=10)["n"].tolist() == [10, 13]

def test_bad_windows(toy):
    with pytest.raises(ValueError, match="'30D'"): interest_series(toy, window="monthly")
    with pytest.raises(ValueError, match="at least 1"): interest_series(toy, window=0)
    with pytest.raises(ValueError, match="'carry', 'nan' or 'drop'"): interest_series(toy, empty="zero")

def test_item_labels_and_shares():
    L = item_labels(pd.DataFrame({ITEM: [1, 2], "genres": ["a|b", ""]}))
    assert L.loc[1].tolist() == [0.5, 0.5] and L.loc[2].tolist() == [0, 0]
    np.testing.assert_allclose(to_shares([[-1, 1, 3], [0, 0, 0]]), [[0, 0.25, 0.75], [1 / 3, 1 / 3, 1 / 3]])

def test_holdout_needs_enough_windows(drift):
    _, s = drift
    ids, tr, te = holdout(s, h=2, min_train=3)
    assert all(len(t) == 2 for t in te) and all(len(a) == 10 for a in tr)
    with pytest.raises(ValueError, match="no user has"): holdout(s, min_train=12)

# ---------------------------------------------------------------- the time-aware recommender
def test_evolving_recommender(drift):
    ds, _ = drift
    split = temporal_split(ds, 0.2)
    users = split.test[USER].unique()[:20]
    base = Popularity().fit(split.train).recommend(users, 10)
    ev = EvolvingInterestRecommender(Popularity(), MovingAverage(2), window=5, alpha=0.0).fit(split.train)
    pd.testing.assert_frame_equal(ev.recommend(users, 10)[[USER, ITEM]], base[[USER, ITEM]])
    ev.alpha = 0.8
    recs = ev.recommend(np.append(users, 10_000), 10)                       # an unknown user falls back on popularity
    assert recs.groupby(USER).size().eq(10).all() and 10_000 in recs[USER].values
    genre = ds.items.set_index(ITEM)["genres"]
    end = ds.users.set_index(USER)["genre_end"]
    share = lambda r: (r[ITEM].map(genre).to_numpy() == r[USER].map(end).to_numpy()).mean()
    assert share(recs[recs[USER] != 10_000]) > share(base)
    with pytest.raises(ValueError, match="between 0"): EvolvingInterestRecommender(Popularity(), alpha=-1).fit(split.train)

# ---------------------------------------------------------------- rating series
def _ar_ratings(n_users=300, T=40, phi=0.5, seed=0):
    "Ratings that follow an AR(1) around 3.5 per user: ARIMA(1,0,0) is the right model, so it must beat the naive forecast."
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(1, n_users + 1):
        y = 3.5 + rng.normal(0, 0.4 / np.sqrt(1 - phi ** 2))
        for t in range(T):
            rows.append((u, t + 1, y, t * DAY)); y = 3.5 + phi * (y - 3.5) + rng.normal(0, 0.4)
    r = pd.DataFrame(rows, columns=[USER, ITEM, RATING, TIMESTAMP])
    return RecDataset(r, pd.DataFrame({ITEM: np.arange(1, T + 1), "genres": "a"}), name="ar1")

def test_rating_series_windows():
    r = pd.DataFrame({USER: [1, 1, 1, 1, 1, 2, 2], ITEM: [1, 2, 3, 4, 5, 1, 2], RATING: [4.0, 5, 3, 2, 5, 1, 2],
                      TIMESTAMP: [40, 10, 20, 30, 0, 5, 15]})
    s = rating_series(r)
    assert s[RATING].tolist() == [5, 5, 3, 2, 4, 1, 2]                     # in time order
    assert label_columns(s) == [RATING] and s.loc[1, "n"].tolist() == [1] * 5
    assert rating_series(r, window=2)[RATING].tolist() == [5, 3, 1.5]        # a short last block joins the one before
    cal = rating_series(r.assign(timestamp=[0, 10 * DAY, 70 * DAY, 71 * DAY, 72 * DAY, 0, 1]), window="30D")
    assert cal.loc[1, "n"].tolist() == [2, 0, 3] and cal.loc[(1, 1), RATING] == cal.loc[(1, 0), RATING]   # the empty month carries
    assert np.isnan(rating_series(r.assign(timestamp=[0, 10 * DAY, 70 * DAY, 71 * DAY, 72 * DAY, 0, 1]), window="30D", empty="nan").loc[(1, 1), RATING])

def test_rating_series_errors():
    r = pd.DataFrame({USER: [1, 1], ITEM: [1, 2], RATING: [4.0, 3.0], TIMESTAMP: [0, 1]})
    with pytest.raises(ValueError, match="no column"): rating_series(r.drop(columns=TIMESTAMP))
    with pytest.raises(ValueError, match="no ratings"): rating_series(r.iloc[:0])
    with pytest.raises(ValueError, match="NaN or infinite"): rating_series(r.assign(rating=[4.0, np.nan]))
    with pytest.raises(ValueError, match="at least 1"): rating_series(r, window=0)

def test_rating_forecasts_beat_naive_where_there_is_structure():
    ds = _ar_ratings()
    s = rating_series(ds)
    clip = lambda f: np.clip(f, 0.5, 5)
    fc = {"last value": LastValue(), "mean of history": MovingAverage(None), "ARIMA(1,0,0)": ARIMAForecaster(order=(1, 0, 0)),
          "GRU": LSTMForecaster(cell="gru", epochs=20, standardize=True)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        f = holdout_forecasts(s, fc, h=1, project=clip)
    tab = error_table(forecast_errors(s, f, h=1))
    assert tab.index[0] == "last value" and (tab["users"] == 300).all()
    for name in ("ARIMA(1,0,0)", "GRU"):
        assert tab.loc[name, "ΔMAE high"] < 0 and tab.loc[name, "RMSE / naive"] < 0.95      # significantly better than naive
    assert tab.loc["ARIMA(1,0,0)", "MAE"] < tab.loc["mean of history", "MAE"]
    assert all(((p >= 0.5) & (p <= 5)).all() for p in f["GRU"].values())                   # projected onto the scale

def test_holdout_forecasts_project_and_error_table_ratios(drift):
    _, s = drift
    ids, train, _ = holdout(s)
    raw = holdout_forecasts(s, {"lv": LastValue()}, users=ids[:3], project=None)
    np.testing.assert_array_equal(raw["lv"][ids[0]], train[0][-1:])
    e = forecast_errors(s, holdout_forecasts(s, {"last value": LastValue(), "mean": MovingAverage(None)}, users=ids[:50]))
    t = error_table(e)
    assert t.loc["mean", "MAE / naive"] == pytest.approx(t.loc["mean", "MAE"] / t.loc["last value", "MAE"])
    assert t.loc["mean", "RMSE / naive"] == pytest.approx(t.loc["mean", "RMSE"] / t.loc["last value", "RMSE"])
    assert t.loc["last value", "MAE low"] <= t.loc["last value", "MAE"] <= t.loc["last value", "MAE high"]
    with pytest.raises(ValueError, match="not among the forecasters"): error_table(e, baseline="naive")

# ---------------------------------------------------------------- forecast_user refuses bad horizons
@pytest.mark.parametrize("h", [100_000, MAX_HORIZON + 1, 0, -1, 2.5, True])
def test_forecast_user_refuses_bad_horizon(toy, h):
    with pytest.raises(ValueError, match=f"between 1 and {MAX_HORIZON}"): forecast_user(toy, 1, "last", window=1, h=h)

def test_forecast_user_longest_horizon(toy):
    t = forecast_user(toy, 1, "last", window=1, h=MAX_HORIZON)
    assert (t["kind"] == "forecast").sum() == MAX_HORIZON
