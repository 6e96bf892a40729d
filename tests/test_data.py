"Loader error paths, the MovieLens formats, what readers and caches check, and split properties."
import hashlib, io, json, os, subprocess, time, warnings, zipfile
from pathlib import Path
import numpy as np, pandas as pd, pytest
from llmrec.data import (ML100K_GENRES, RecDataset, cold_item_split, fetch_movielens, k_core, leaked_pairs, leave_last_out,
                         load_movielens, random_split, synthetic_dataset, temporal_split, to_implicit)

SHARED_ZIP = Path(__file__).resolve().parents[2] / "shared" / "data" / "ml-latest-small.zip"


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
    with pytest.raises(ValueError, match="n_test=0"): leave_last_out(ml, 0)
    tiny = RecDataset(_ratings())
    with pytest.raises(ValueError, match="empty: hold out more"): random_split(tiny, 0.01)


# ---------------------------------------------------------------- issue 13: readers validate what they read (cases 3, 9)
def _extracted(tmp_path) -> Path:
    "ml-latest-small extracted from the zip the tests read (README included)."
    zpath = SHARED_ZIP if SHARED_ZIP.exists() else fetch_movielens("ml-latest-small", tmp_path / "cache")
    with zipfile.ZipFile(zpath) as z: z.extractall(tmp_path / "x")
    return tmp_path / "x" / "ml-latest-small"

def test_ratings_cut_inside_the_last_line_is_refused(tmp_path):
    "Issue 13.3: a ratings.csv truncated inside a timestamp loaded as if whole (279 users, last timestamp 15063)."
    d = _extracted(tmp_path); f = d / "ratings.csv"; good = f.read_bytes()
    i = good.index(b"\n", len(good) // 2) + 1                            # a line in the middle
    cut = good[:good.rindex(b",", i, good.index(b"\n", i)) + 6]           # cut after 5 digits of its timestamp
    f.write_bytes(cut)
    n = cut.count(b"\n") + 1
    with pytest.raises(ValueError, match=rf"{f} ends inside line {n:,} \(no newline after it\), so the file is cut off: extract ml-latest-small again"):
        load_movielens("ml-latest-small", data_dir=d)
    f.write_bytes(cut + b"\n")                                           # the newline alone does not make it whole: the README's count
    with pytest.raises(ValueError, match=r"has [\d,]+ ratings but the release's README.txt says 100,836"):
        load_movielens("ml-latest-small", data_dir=d)
    (d / "README.txt").unlink()                                          # no published count: the cut timestamp is implausible
    with pytest.raises(ValueError, match=rf"{f}, line {n:,}: timestamp \d{{5}} \(1970-\d\d-\d\d\) is outside MovieLens's time span"):
        load_movielens("ml-latest-small", data_dir=d)
    f.write_bytes(good)
    assert load_movielens("ml-latest-small", data_dir=d).n_ratings == 100_836

HEAD = "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n"

def _release(tmp_path, ratings: bytes, movies: bytes = b"movieId,title,genres\n1,Toy Story (1995),Comedy\n2,Heat (1995),Action\n"):
    d = tmp_path / "ml-latest-small"; d.mkdir(exist_ok=True)
    (d / "ratings.csv").write_bytes(ratings); (d / "movies.csv").write_bytes(movies)
    return d

@pytest.mark.parametrize("ratings, movies, message", [
    (HEAD + "1,2,great,964982705\n", None, r"ratings.csv, line 3: rating 'great' is not a number. Correct or delete that line, or extract"),
    (HEAD + "1,2,4.0,964982705.5\n", None, r"ratings.csv, line 3: timestamp '964982705.5' is not a whole number \(Unix seconds"),
    ("", None, r"ratings.csv is empty: extract ml-latest-small again"),
    (HEAD, "movieId,title,genres\n1,Amélie (2001),Comedy\n".encode("latin-1"), r"movies.csv, line 2: byte 0xe9 is not UTF-8 text.*iconv"),
    (HEAD + "1,2,4.0\n", None, r"ratings.csv, line 3 has 3 field\(s\), expected 4 \(userId, movieId, rating, timestamp\), so the line is cut short"),
    (HEAD + "1,2,4.0,964982705,9\n", None, r"ratings.csv, line 3 has 5 field\(s\), expected 4"),
    ("userId,movieId,rating,timestamp\n1,2,4.0,964982705,9\n", None, r"ratings.csv, line 2 has 5 field\(s\)"),
    (HEAD + "\n1,2,4.0,964982705\n", None, r"ratings.csv, line 3 is empty"),
    (HEAD + "1,2,inf,964982705\n", None, r"ratings.csv, line 3: rating inf is outside MovieLens's scale \(0.5 to 5\)"),
    (HEAD + "1,2,nan,964982705\n", None, r"ratings.csv, line 3: rating is missing \('nan'\)"),
    (HEAD + "1,2,4.0,-964982705\n", None, r"ratings.csv, line 3: timestamp -964982705 .* is outside MovieLens's time span"),
    (HEAD + "1,2,4.0,4102444800\n", None, r"line 3: timestamp 4102444800 \(2100-01-01\) is outside"),
])
def test_csv_problems_name_the_file_line_and_fix(tmp_path, ratings, movies, message):
    "Issue 13.9 (and 13.3's inf/implausible values): one clear message per problem, not a pandas error."
    d = _release(tmp_path, ratings.encode() if isinstance(ratings, str) else ratings, **({"movies": movies} if movies else {}))
    with pytest.raises(ValueError, match=message): load_movielens("ml-latest-small", data_dir=d)

def test_duplicate_pairs_are_refused_unless_asked_for(tmp_path):
    d = _release(tmp_path, (HEAD + "1,2,4.0,964982705\n1,1,2.5,964982999\n").encode())
    with pytest.raises(ValueError, match=r"ratings.csv, line 4: user 1 rates item 1 again \(first on line 2\); 1 repeated .*duplicates='last'"):
        load_movielens("ml-latest-small", data_dir=d)
    last = load_movielens("ml-latest-small", data_dir=d, duplicates="last").ratings
    assert last[["item_id", "rating"]].values.tolist() == [[2, 4.0], [1, 2.5]]
    assert load_movielens("ml-latest-small", data_dir=d, duplicates="keep").n_ratings == 3

def test_other_formats_name_the_file_and_line(tmp_path):
    d = tmp_path / "ml-1m"; d.mkdir()
    (d / "movies.dat").write_bytes("10::Amélie (2001)::Comedy|Romance\n".encode("latin-1"))
    (d / "ratings.dat").write_text("1::10::5::978300760\n1::10::x::978302109\n")
    with pytest.raises(ValueError, match=r"ratings.dat, line 2: rating 'x' is not a number"): load_movielens("ml-1m", data_dir=tmp_path)
    (d / "ratings.dat").write_text("1::10::5::978300760\n2::10::4")
    with pytest.raises(ValueError, match=r"ratings.dat ends inside line 2"): load_movielens("ml-1m", data_dir=tmp_path)
    folder = write_ml100k(tmp_path / "x" / "ml-100k", n_users=20, n_items=30, n_ratings=200)
    n = len((folder / "u.data").read_text().splitlines())
    (folder / "README").write_text("This data set consists of:\n\t* 100,000 ratings (1-5) from 943 users on 1682 movies.\n")
    with pytest.raises(ValueError, match=rf"u.data has {n:,} ratings but the release's README says 100,000"):
        load_movielens("ml-100k", data_dir=folder)
    (folder / "README").unlink()
    with (folder / "u.data").open("a") as f: f.write("3\t4\t5\n")
    with pytest.raises(ValueError, match=rf"u.data, line {n + 1:,} has 3 field\(s\), expected 4"): load_movielens("ml-100k", data_dir=folder)


# ---------------------------------------------------------------- issue 13.11: small ones on the data side
def test_bad_values_in_a_dataframe_are_refused():
    with pytest.raises(ValueError, match=r"must be finite: 1 value\(s\) are infinite, e.g. inf at row 1"): RecDataset(_ratings(rating=[4.0, np.inf, 5.0]))
    with pytest.raises(ValueError, match=r"negative, e.g. -2 at row 1"): RecDataset(_ratings(timestamp=[1, -2, 3]))
    with pytest.raises(ValueError, match="Unix seconds or datetimes"): RecDataset(_ratings(timestamp=[1, np.inf, 3]))

def test_k_core_refuses_k_below_one():
    ds = RecDataset(_ratings())
    for kw, name in [({"k": 0}, "k=0"), ({"k": -3}, "k=-3"), ({"k": 2.7}, "k=2.7"), ({"k": 2, "user_k": 0}, "user_k=0"), ({"k": 2, "item_k": -1}, "item_k=-1")]:
        with pytest.raises(ValueError, match=f"{name}: pass a positive integer"): k_core(ds, **kw)

def test_leave_last_out_advises_holding_out_less(ml):
    "Issue 13.11: n_test larger than any history said 'hold out more'."
    with pytest.raises(ValueError, match=r"leave_last_out\(n_test=1000, n_valid=0\) would hold out nothing.*has 30\. Hold out less"):
        leave_last_out(synthetic_dataset(n_users=10, n_items=100, events_per_user=30), n_test=1000)
    most = int(ml.ratings.user_id.value_counts().max())
    with pytest.raises(ValueError, match=f"Hold out less \\(n_test \\+ n_valid < {most}\\)"): leave_last_out(ml, n_test=most - 1, n_valid=1)
    assert len(leave_last_out(ml, n_test=most - 1).test) > 0                 # one user has enough

def test_mirror_may_be_a_plain_folder(tmp_path, monkeypatch):
    "Issue 13.11: LLMREC_MIRROR=/some/folder (no file://) failed although the message said a folder works."
    if not SHARED_ZIP.exists(): pytest.skip("needs ../shared/data")
    monkeypatch.setenv("LLMREC_MIRROR", str(SHARED_ZIP.parent))
    assert fetch_movielens("ml-latest-small", tmp_path / "c").stat().st_size == SHARED_ZIP.stat().st_size
    monkeypatch.setenv("LLMREC_MIRROR", str(tmp_path / "empty"))
    with pytest.raises(FileNotFoundError, match=r"LLMREC_MIRROR=/path/to/data"): fetch_movielens("ml-latest-small", tmp_path / "d")

def test_cache_files_follow_the_umask(tmp_path):
    "Issue 13.11: the downloaded zip was 0600 (mkstemp) whatever the umask."
    old = os.umask(0o022)
    try:
        cache = tmp_path / "cache"
        load_movielens("ml-latest-small", cache_dir=cache)
        assert (cache / "ml-latest-small.zip").stat().st_mode & 0o777 == 0o644
        assert (cache / "ml-latest-small").stat().st_mode & 0o777 == 0o755
        assert (cache / "ml-latest-small" / "ratings.parquet").stat().st_mode & 0o777 == 0o644
    finally: os.umask(old)


# ---------------------------------------------------------------- issue 13.7: broken caches mend themselves, with one warning
def _load_warns(**kw):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        ds = load_movielens("ml-latest-small", **kw)
    return ds, [str(x.message) for x in w]

@pytest.fixture
def cache(tmp_path):
    c = tmp_path / "cache"
    load_movielens("ml-latest-small", cache_dir=c)
    return c

def test_deleted_parquet_is_rebuilt(cache):
    (cache / "ml-latest-small" / "ratings.parquet").unlink()
    ds, w = _load_warns(cache_dir=cache)
    assert ds.n_ratings == 100_836 and len(w) == 1 and "ratings.parquet missing" in w[0] and "rebuilt from ml-latest-small.zip" in w[0]
    assert _load_warns(cache_dir=cache)[1] == []                          # mended

def test_another_valid_zip_in_place_is_fetched_again(cache):
    z = cache / "ml-latest-small.zip"
    with zipfile.ZipFile(z, "w") as other: other.writestr("ml-latest-small/README.txt", "not the release\n")
    ds, w = _load_warns(cache_dir=cache)
    assert ds.n_ratings == 100_836 and len(w) == 1 and "fails its md5 check" in w[0]
    assert hashlib.md5(z.read_bytes()).hexdigest() == "31a303aabbc519bd33d025e44d6c2570"

def test_cached_zip_that_fails_its_md5_is_fetched_again(cache):
    z = cache / "ml-latest-small.zip"
    data = bytearray(z.read_bytes()); data[1000] ^= 0xFF; z.write_bytes(bytes(data))
    ds, w = _load_warns(cache_dir=cache)
    assert ds.n_ratings == 100_836 and len(w) == 1 and "fails its md5 check" in w[0]

def _ml100k_mirror(tmp_path, monkeypatch):
    "A mirror holding a small ml-100k.zip and its published .md5."
    folder = write_ml100k(tmp_path / "src" / "ml-100k", n_users=30, n_items=40, n_ratings=300)
    m = tmp_path / "mirror"; m.mkdir()
    with zipfile.ZipFile(m / "ml-100k.zip", "w") as z:
        for p in folder.iterdir(): z.write(p, f"ml-100k/{p.name}")
    (m / "ml-100k.zip.md5").write_text(hashlib.md5((m / "ml-100k.zip").read_bytes()).hexdigest() + "  ml-100k.zip\n")
    monkeypatch.setenv("LLMREC_MIRROR", m.as_uri())
    return m

def test_unpinned_release_keeps_its_md5_and_is_rechecked(tmp_path, monkeypatch):
    m = _ml100k_mirror(tmp_path, monkeypatch)
    c = tmp_path / "cache"
    ds = load_movielens("ml-100k", cache_dir=c)
    assert (c / "ml-100k.zip.md5").read_text().split()[0] == (m / "ml-100k.zip.md5").read_text().split()[0]
    with zipfile.ZipFile(c / "ml-100k.zip", "w") as other: other.writestr("x.txt", "another zip")
    again, w = (lambda: None, None)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always"); again = load_movielens("ml-100k", cache_dir=c)
    assert len(w) == 1 and "fails its md5 check" in str(w[0].message)
    pd.testing.assert_frame_equal(again.ratings, ds.ratings)
    # offline, without the md5 beside it: nothing to check against, and the wrong zip is named as such
    with zipfile.ZipFile(c / "ml-100k.zip", "w") as other: other.writestr("x.txt", "another zip")
    (c / "ml-100k.zip.md5").unlink()
    monkeypatch.setenv("LLMREC_MIRROR", (tmp_path / "nowhere").as_uri())
    with pytest.raises(FileNotFoundError, match=r"ml-100k.zip:u.data is missing, so this is not a complete ml-100k: delete .* to download a fresh copy"):
        load_movielens("ml-100k", cache_dir=c)


# ---------------------------------------------------------------- issue 13.8: a read-only cache
@pytest.fixture
def read_only():
    "Make a folder unwritable: chmod for a normal user; a read-only bind mount for root (who ignores modes), else skip."
    undo = []
    def make(path: Path) -> Path:
        if os.geteuid() != 0:
            mode = path.stat().st_mode; path.chmod(0o555); undo.append(lambda: path.chmod(mode))
        else:
            r = subprocess.run(["mount", "--bind", "-o", "ro", str(path), str(path)], capture_output=True, text=True)
            if r.returncode: pytest.skip(f"root cannot make a read-only folder here: {r.stderr.strip()}")
            undo.append(lambda: subprocess.run(["umount", str(path)], check=True))
        try: (path / ".probe").touch()
        except OSError: return path
        (path / ".probe").unlink(); pytest.skip("the folder stayed writable")
    yield make
    for u in reversed(undo): u()

def test_read_only_filled_cache_is_read(cache, read_only):
    read_only(cache)
    ds, w = _load_warns(cache_dir=cache)
    assert ds.n_ratings == 100_836 and w == []

def test_read_only_cache_skips_writes_with_one_warning(cache, read_only):
    meta = cache / "ml-latest-small" / "meta.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "parser": -1}))      # written by another llmrec: to be re-parsed
    read_only(cache); read_only(cache / "ml-latest-small")
    ds, w = _load_warns(cache_dir=cache)
    assert ds.n_ratings == 100_836 and len(w) == 1 and "not cached" in w[0] and "is not writable" in w[0], w

def test_read_only_empty_cache_is_an_error_naming_LLMREC_DATA_DIR(tmp_path, monkeypatch, read_only):
    ro = tmp_path / "ro"; ro.mkdir(); read_only(ro)
    monkeypatch.setenv("LLMREC_DATA_DIR", str(ro))
    with pytest.raises(PermissionError, match=rf"Cannot download ml-latest-small.zip: LLMREC_DATA_DIR={ro} is not writable"):
        load_movielens("ml-latest-small")
    monkeypatch.setenv("LLMREC_DATA_DIR", str(ro / "sub"))
    with pytest.raises(PermissionError, match=rf"LLMREC_DATA_DIR={ro / 'sub'} is not writable"): load_movielens("ml-latest-small")
    assert list(ro.iterdir()) == []
