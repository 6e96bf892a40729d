"Properties of the `Recommender` contract that the notebook's examples cannot cover exhaustively."
import numpy as np, pandas as pd, pytest, torch
from llmrec.core import IdIndex, NotFittedError, Popularity, Recommender, get_device, topk, REC_COLS
from llmrec.data import synthetic_dataset, leave_last_out


@pytest.mark.parametrize("seed", range(5))
def test_topk_matches_stable_sort_with_ties(seed):
    g = torch.Generator().manual_seed(seed)
    s = torch.randint(0, 4, (20, 37), generator=g).float()           # many ties
    s[s == 0] = -torch.inf
    for k in (1, 5, 37, 50):
        v, i = topk(s, k)
        order = torch.sort(s, dim=1, descending=True, stable=True).indices[:, :min(k, 37)]
        assert torch.equal(i, order)
        assert torch.equal(v, s.gather(1, order))


class Random(Recommender):
    "Seeded random scores: a model with per-user rows, to test the base class."
    def __init__(self, seed=0): self.seed = seed
    def _fit(self, train):
        g = torch.Generator().manual_seed(self.seed)
        self.table_ = torch.rand(len(self.users_), len(self.items_), generator=g)
    def _score(self, uidx, iidx):
        t = self.table_[uidx]
        return t if iidx is None else t[:, iidx]


@pytest.fixture(scope="module")
def split():
    return leave_last_out(synthetic_dataset(n_users=60, n_items=120, events_per_user=20, seed=1))


def test_recommend_contract(split):
    m = Random(3).fit(split.train)
    users = split.test.user_id.unique()
    recs = m.recommend(users, k=10)
    assert recs.columns.tolist() == REC_COLS
    assert (recs.groupby("user_id").size() == 10).all()
    assert not recs.duplicated(["user_id", "item_id"]).any()
    seen = set(map(tuple, split.train.ratings[["user_id", "item_id"]].to_numpy()))
    assert not any((u, i) in seen for u, i in recs[["user_id", "item_id"]].to_numpy())
    # ranks follow scores, and the batch size changes nothing
    assert (recs.groupby("user_id").score.diff().dropna() <= 0).all()
    pd.testing.assert_frame_equal(recs, m.recommend(users, k=10, batch_size=7))
    # each user's list equals the best unseen items of their own score row
    u = users[0]
    row = m.score([u])[0].numpy()
    row[[m.items_.index([i])[0] for u2, i in seen if u2 == u]] = -np.inf
    assert recs[recs.user_id == u].item_id.tolist() == list(m.items_[np.argsort(-row, kind="stable")[:10]])


def test_unknown_users_and_errors(split):
    m = Random().fit(split.train)
    recs = m.recommend([10_000], k=5)                                 # unknown: popularity fallback
    pop = Popularity().fit(split.train).recommend([10_000], k=5)
    assert recs.item_id.tolist() == pop.item_id.tolist()
    with pytest.raises(ValueError, match="unknown user id"): m.recommend([10_000], unknown="error")
    with pytest.raises(ValueError, match="unknown user id"): m.score([10_000], unknown="error")
    with pytest.raises(ValueError, match="'popular' or 'error'"): m.recommend([1], unknown="skip")
    with pytest.raises(ValueError, match="unknown item id"): m.score([1], [10_000])
    with pytest.raises(NotFittedError, match="fit"): Random().score([1])
    with pytest.raises(NotImplementedError, match="does not predict ratings"): m.predict([1], [1])
    assert m.fit(split.train) is m                                    # fit returns self


def test_score_shape_and_repr(split):
    m = Random(seed=5).fit(split.train)
    assert m.score([1, 2]).shape == (2, split.train.n_items)
    assert m.score([1, 2], [1, 2, 3]).shape == (2, 3)
    assert repr(m) == "Random(seed=5)"


def test_idindex_and_device():
    ix = IdIndex(["b", "a", "b"], "user")
    assert ix.index(["a", "b"]).tolist() == [0, 1] and len(ix) == 2
    with pytest.raises(ValueError, match="unknown user"): ix.index(["z"])
    assert get_device("cpu").type == "cpu"
    with pytest.raises(ValueError, match="Unknown device"): get_device("tpu-ish")
