"Loader error paths, the MovieLens formats, and split properties."
import hashlib, io, time, zipfile
from pathlib import Path
import numpy as np, pandas as pd, pytest
from llmrec.data import (ML100K_GENRES, RecDataset, cold_item_split, fetch_movielens, k_core, leaked_pairs, leave_last_out,
                         load_movielens, random_split, synthetic_dataset, temporal_split, to_implicit)


# ---------------------------------------------------------------- bad input
def _ratings(**kw):
    d = dict(user_id=[1, 1, 2], item_id=[10, 20, 10], rating=[4.0, 3.0, 5.0], timestamp=[1, 2, 3])
    d.update(kw)
    return pd.DataFrame(d)

def test_missing_or_misnamed_column():
    with pytest.raises(ValueError, match=r"missing column\(s\) \['user_id'\].*rename"):
        RecDataset(_ratings().rename(columns={"user_id": "userId"}))

def test_non_numeric_ratings():
    with pytest.raises(ValueError, match="must be numeric: 1 value"): RecDataset(_ratings(rating=["4", "great", 5]))
    with pytest.raises(ValueError, match="must be numeric"): RecDataset(_ratings(rating=[4.0, None, 5.0]))

def test_datetime_timestamps_become_seconds():
    ds = RecDataset(_ratings(timestamp=pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-03"])))
    assert ds.ratings.timestamp.tolist() == [1577836800, 1577923200, 1578009600]

def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="Unknown dataset 'ml-5m'; choose one of"): load_movielens("ml-5m")

def test_empty_after_filtering():
    ds = RecDataset(_ratings())
    with pytest.raises(ValueError, match="lower k"): k_core(ds, 5)
    with pytest.raises(ValueError, match="lower the threshold"): to_implicit(ds, 6)
    with pytest.raises(ValueError, match="ratings is empty"): ds.subset(ds.ratings.iloc[:0])


# ---------------------------------------------------------------- downloads
@pytest.fixture
def mirror(tmp_path, monkeypatch):
    m = tmp_path / "mirror"; m.mkdir()
    monkeypatch.setenv("LLMREC_MIRROR", m.as_uri())
    return m

def test_checksum_mismatch_is_refused_and_removed(mirror, tmp_path):
    (mirror / "ml-latest-small.zip").write_bytes(b"corrupt bytes")
    cache = tmp_path / "cache"
    with pytest.raises(ValueError, match="Checksum mismatch.*removed"): load_movielens("ml-latest-small", cache_dir=cache)
    assert list(cache.iterdir()) == []

def test_corrupt_zip_with_matching_md5_is_refused_and_removed(mirror, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z: z.writestr("ml-100k/u.data", "1\t1\t5\t1\n" * 100)
    data = bytearray(buf.getvalue()); data[40] ^= 0xFF                 # flip a byte of the member's data
    (mirror / "ml-100k.zip").write_bytes(bytes(data))
    (mirror / "ml-100k.zip.md5").write_text(f"{hashlib.md5(data).hexdigest()}  ml-100k.zip\n")
    cache = tmp_path / "cache"
    with pytest.raises(ValueError, match="(corrupt|not a valid zip).*removed"): fetch_movielens("ml-100k", cache)
    assert list(cache.iterdir()) == []

def test_no_network_and_no_local_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("LLMREC_MIRROR", (tmp_path / "nowhere").as_uri())
    with pytest.raises(FileNotFoundError, match="LLMREC_MIRROR.*data_dir"): load_movielens("ml-latest-small", cache_dir=tmp_path / "c")
    with pytest.raises(FileNotFoundError, match="LLMREC_MIRROR.*data_dir"): load_movielens("ml-1m", cache_dir=tmp_path / "c")

def test_download_once_then_parquet_cache(tmp_path):
    cache = tmp_path / "cache"
    a = load_movielens("ml-latest-small", cache_dir=cache)
    assert (cache / "ml-latest-small.zip").exists() and (cache / "ml-latest-small" / "ratings.parquet").exists()
    t = time.perf_counter(); b = load_movielens("ml-latest-small", cache_dir=cache); dt = time.perf_counter() - t
    pd.testing.assert_frame_equal(a.ratings, b.ratings); pd.testing.assert_frame_equal(a.items, b.items)
    assert (a.n_users, a.n_items, a.n_ratings) == (610, 9742, 100836)
    assert dt < 5, dt


# ---------------------------------------------------------------- formats read from an extracted folder
def write_ml100k(d: Path, n_users=943, n_items=1682, n_ratings=100_000, seed=0):
    "An extracted ml-100k folder in the official format (u.data tab-separated; u.item, u.user pipe-separated latin-1)."
    rng = np.random.default_rng(seed)
    d.mkdir(parents=True)
    pairs = rng.choice(n_users * n_items, size=n_ratings, replace=False)
    u, i = pairs // n_items + 1, pairs % n_items + 1
    u[:n_users], i[:n_items] = np.arange(1, n_users + 1), np.arange(1, n_items + 1)   # every user and item appears
    pd.DataFrame({0: u, 1: i, 2: rng.integers(1, 6, n_ratings), 3: 874724710 + rng.integers(0, 10**7, n_ratings)}) \
        .drop_duplicates([0, 1]).to_csv(d / "u.data", sep="\t", header=False, index=False)
    lines = []
    for j in range(1, n_items + 1):
        flags = ["0"] * len(ML100K_GENRES); flags[1 + j % 18] = "1"
        lines.append("|".join([str(j), f"Café Film {j} (199{j % 10})", "01-Jan-1995", "", f"http://imdb/{j}", *flags]))
    (d / "u.item").write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    (d / "u.user").write_text("\n".join(f"{k}|{20 + k % 40}|{'MF'[k % 2]}|writer|5551{k}" for k in range(1, n_users + 1)) + "\n")
    return d

def test_ml100k_from_data_dir(tmp_path):
    folder = write_ml100k(tmp_path / "ml-100k")
    n = len(pd.read_csv(folder / "u.data", sep="\t", header=None))
    for dd in (folder, tmp_path):                                      # the folder itself, or its parent
        ds = load_movielens("ml-100k", data_dir=dd)
        assert (ds.n_users, ds.n_items, ds.n_ratings) == (943, 1682, n)
    assert ds.items.title.iloc[0] == "Café Film 1" and ds.items.year.iloc[0] == 1991
    assert ds.items.text.iloc[0].startswith("Café Film 1 (1991). Genres: Adventure")
    assert ds.users.shape == (943, 5)

def test_ml1m_from_data_dir(tmp_path):
    d = tmp_path / "ml-1m"; d.mkdir()
    (d / "ratings.dat").write_text("1::10::5::978300760\n1::20::3::978302109\n2::10::4::978301968\n")
    (d / "movies.dat").write_bytes("10::Amélie (2001)::Comedy|Romance\n20::Heat (1995)::Action\n".encode("latin-1"))
    (d / "users.dat").write_text("1::F::1::10::48067\n2::M::56::16::70072\n")
    ds = load_movielens("ml-1m", data_dir=tmp_path)
    assert (ds.n_users, ds.n_items, ds.n_ratings) == (2, 2, 3)
    assert ds.items.text.tolist() == ["Amélie (2001). Genres: Comedy, Romance.", "Heat (1995). Genres: Action."]

def test_data_dir_without_the_release(tmp_path):
    with pytest.raises(FileNotFoundError, match="no u.data"): load_movielens("ml-100k", data_dir=tmp_path)


# ---------------------------------------------------------------- splits never leak
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_splits_do_not_leak(seed):
    ds = synthetic_dataset(n_users=80, n_items=150, events_per_user=25, seed=seed)
    for s in (leave_last_out(ds, 2, 1), temporal_split(ds, 0.2, 0.1), random_split(ds, 0.2, 0.1, seed=seed),
              cold_item_split(ds, 0.2, 0.1, seed=seed)):
        assert leaked_pairs(s) == 0, s
        parts = [s.train.ratings, s.test, s.valid]
        keys = [set(map(tuple, p[["user_id", "item_id"]].to_numpy())) for p in parts]
        assert not (keys[0] & keys[1]) and not (keys[0] & keys[2]) and not (keys[1] & keys[2])
        assert s.train.n_items == ds.n_items                          # the catalogue is never cut

def test_temporal_test_is_after_the_cutoff(ml):
    s = temporal_split(ml, 0.25, 0.05)
    assert s.train.ratings.timestamp.max() <= s.valid.timestamp.min()
    assert s.valid.timestamp.max() <= s.cutoff < s.test.timestamp.min()

def test_cold_items_absent_from_train(ml):
    s = cold_item_split(ml, 0.15, 0.05, seed=4)
    train_items = set(s.train.ratings.item_id)
    assert not train_items & set(s.test.item_id) and not train_items & set(s.valid.item_id)
    assert set(s.test.user_id) <= set(s.train.ratings.user_id)      # cold items, not cold users
    assert set(s.test.item_id) <= set(s.train.items.item_id)        # still in the catalogue, with text

def test_leave_last_out_holds_out_the_latest(ml):
    s = leave_last_out(ml, n_test=2)
    latest = ml.ratings.sort_values(["user_id", "timestamp", "item_id"]).groupby("user_id").tail(2)
    assert set(map(tuple, s.test[["user_id", "item_id"]].to_numpy())) == set(map(tuple, latest[["user_id", "item_id"]].to_numpy()))

def test_split_errors(ml):
    with pytest.raises(ValueError, match="test_frac"): random_split(ml, 0)
    with pytest.raises(ValueError, match="n_test >= 1"): leave_last_out(ml, 0)
    tiny = RecDataset(_ratings())
    with pytest.raises(ValueError, match="empty: hold out more"): leave_last_out(tiny, 5)
