"Tests of llmrec.gan: valid tokens, adversarial updates, save/load (damaged and interrupted saves too), seeded generation, metrics and errors."
import subprocess, sys
import numpy as np, pandas as pd, pytest, torch
import llmrec.gan as gan_module
from llmrec.core import ITEM
from llmrec.data import synthetic_dataset
from llmrec.encode import TextEncoder, tiny_bert
from llmrec.metrics import bleu, distinct_n, frechet_distance, self_bleu, tokenize
from llmrec.gan import DescriptionGAN, NearestDescription, Vocab, description_metrics, drop_descriptions, fill_descriptions

KW = dict(emb_dim=16, hidden=32, mle_epochs=3, d_epochs=1, adv_steps=3, batch_size=32, seed=0, cache=False)

@pytest.fixture(scope="module")
def items():
    return synthetic_dataset(n_users=40, n_items=120, events_per_user=10, seed=0).items

@pytest.fixture(scope="module")
def gan(items):
    return DescriptionGAN(**KW).fit(items.iloc[:100])

def test_tokens_valid_and_decode(gan, items):
    ids, T = gan.generate_tokens(items.iloc[100:], n=2, seed=0)
    assert T.shape == (40, gan.max_len) and T.dtype == torch.long
    assert list(ids) == list(np.repeat(items[ITEM].iloc[100:].to_numpy(), 2))
    assert ((T >= 0) & (T < len(gan.vocab_))).all()
    assert not torch.isin(T, torch.tensor([Vocab.BOS, Vocab.UNK])).any()
    assert ((T == Vocab.EOS).sum(1) == 1).all()                       # exactly one <eos>, then only padding
    eos = (T == Vocab.EOS).int().argmax(1)
    for r in range(len(T)):
        assert (T[r, :eos[r]] != Vocab.PAD).all() and (T[r, eos[r] + 1:] == Vocab.PAD).all()
    texts = gan.generate(items.iloc[100:], seed=0).description
    assert texts.map(lambda t: isinstance(t, str) and len(t) > 0).all()
    assert all(set(tokenize(t)) <= set(gan.vocab_.itos) for t in texts)

def test_adversarial_step_changes_generator(gan):
    before = [p.detach().clone() for p in gan.generator_.parameters()]
    n = len(gan.history_)
    row = gan.adversarial_step()
    after = list(gan.generator_.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(before, after))
    assert all(not torch.equal(a, b) for a, b in zip(before, after))     # every generator tensor gets a gradient
    assert row["phase"] == "adversarial" and len(gan.history_) == n + 1
    assert np.isfinite([row["g_adv"], row["g_mle"], row["d_loss"]]).all()

def test_phases_logged(items):
    g = DescriptionGAN(**KW).fit(items)
    assert g.history_.phase.unique().tolist() == ["mle", "d-pretrain", "adversarial"]
    m = DescriptionGAN(**{**KW, "adv_steps": 0}).fit(items)
    assert m.history_.phase.unique().tolist() == ["mle"]

def test_seeded_generation_is_reproducible(gan, items):
    a = gan.generate(items, n=3, seed=11)
    pd.testing.assert_frame_equal(a, gan.generate(items, n=3, seed=11))
    assert a.description.tolist() != gan.generate(items, n=3, seed=12).description.tolist()
    pd.testing.assert_frame_equal(gan.generate(items, temperature=0), gan.generate(items, temperature=0))
    state = torch.random.get_rng_state()
    gan.generate(items, seed=1)
    assert torch.equal(state, torch.random.get_rng_state())              # a seeded call leaves the global RNG alone

def test_cpu_threads_restored(items):
    n = torch.get_num_threads()
    DescriptionGAN(**{**KW, "cpu_threads": 1, "adv_steps": 1}).fit(items).generate(items)
    assert torch.get_num_threads() == n

def test_fit_is_seeded(items):
    a, b = DescriptionGAN(**KW).fit(items), DescriptionGAN(**KW).fit(items)
    pd.testing.assert_frame_equal(a.generate(items, seed=0), b.generate(items, seed=0))
    pd.testing.assert_frame_equal(a.history_, b.history_)

def test_fit_generate_save_load_round_trip(gan, items, tmp_path):
    path = gan.save(tmp_path / "gan")
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "model.safetensors"]
    g2 = DescriptionGAN.load(path)
    pd.testing.assert_frame_equal(g2.generate(items, n=2, seed=4), gan.generate(items, n=2, seed=4))
    assert g2.vocab_.itos == gan.vocab_.itos
    pd.testing.assert_frame_equal(g2.history_, gan.history_)
    gan.save(path)                                                        # overwrite in place, no temp folder left
    assert [p.name for p in tmp_path.iterdir()] == ["gan"]
    with pytest.raises(ValueError, match="does not train"): g2.adversarial_step()

def test_round_trip_with_title_encoder(items, tmp_path):
    enc = TextEncoder(tiny_bert(tmp_path / "tiny"), batch_size=256)
    g = DescriptionGAN(encoder=enc, **{**KW, "adv_steps": 1}).fit(items)
    assert g.conditioner_.dim == len(g.conditioner_.genres_) + 2 + 32
    g2 = DescriptionGAN.load(g.save(tmp_path / "gan"), cache=False)
    pd.testing.assert_frame_equal(g2.generate(items, seed=0), g.generate(items, seed=0))

def test_errors(gan, items, tmp_path):
    with pytest.raises(ValueError, match="not fitted"): DescriptionGAN().generate(items)
    with pytest.raises(ValueError, match="temperature"): gan.generate(items, temperature=-0.5)
    with pytest.raises(ValueError, match="at least one description"): gan.generate(items, n=0)
    with pytest.raises(ValueError, match="description to learn from"): DescriptionGAN(**KW).fit(items.assign(description=""))
    with pytest.raises(ValueError, match="tau"): DescriptionGAN(tau=0).fit(items)
    with pytest.raises(ValueError, match="item_id"): gan.generate(items.drop(columns=ITEM))
    with pytest.raises(FileNotFoundError, match="not a saved DescriptionGAN"): DescriptionGAN.load(tmp_path)
    (tmp_path / "f").write_text("x")
    with pytest.raises(ValueError, match="is a file"): gan.save(tmp_path / "f")

def test_nearest_never_copies_itself(items):
    nd = NearestDescription(cache=False).fit(items).generate(items, n=2)
    assert len(nd) == 2 * len(items) and (nd[ITEM] != nd.copied_from).all()
    assert nd.description.tolist() == items.set_index(ITEM).description.loc[nd.copied_from].tolist()

def test_drop_and_fill_descriptions(items):
    ids = items[ITEM].iloc[:5].to_numpy()
    blind = drop_descriptions(items, ids)
    assert (blind.set_index(ITEM).description.loc[ids] == "").all()
    assert not any(d in t for d, t in zip(items.description.iloc[:5], blind.text.iloc[:5]))
    full = fill_descriptions(blind, items.set_index(ITEM).description.loc[ids])
    assert full.text.tolist() == items.text.tolist()
    mv = pd.DataFrame({ITEM: [1, 2], "title": ["A", "B"], "genres": ["Comedy|Drama", "Horror"], "tags": ["x", ""]})
    assert fill_descriptions(mv, pd.Series({2: "horror, ghost, horror"})).tags.tolist() == ["x", "ghost"]

def test_metrics():
    refs = ["a space story of orbit, alien and rocket", "a crime story of gang, heist and police"]
    assert bleu(refs, refs) == pytest.approx(1.0)
    assert 0 < bleu(["a space story of comet"], refs[:1]) < 1
    assert distinct_n(["a b a b"], 2) == pytest.approx(2 / 3)
    assert self_bleu(["a b c d"] * 3) == pytest.approx(1.0)
    X = np.random.default_rng(0).normal(size=(300, 3))
    assert frechet_distance(X, X) == pytest.approx(0, abs=1e-6)
    assert frechet_distance(X, X + 2) == pytest.approx(12, rel=1e-3)
    m = description_metrics(pd.Series(refs, index=[1, 2]), pd.Series(refs, index=[1, 2]))
    assert m["BLEU-4"] == pytest.approx(1.0) and m["ROUGE-L"] == pytest.approx(1.0)

# ---------------------------------------------------------------- damaged and interrupted saves
@pytest.mark.parametrize("name", ["config.json", "model.safetensors"])
@pytest.mark.parametrize("keep", [0.5, 0.0])
def test_damaged_save_names_the_file_and_the_fix(gan, tmp_path, name, keep):
    path = gan.save(tmp_path / "gan")
    f = path / name
    f.write_bytes(f.read_bytes()[:int(f.stat().st_size * keep)])                 # truncated, or emptied
    with pytest.raises(ValueError) as e: DescriptionGAN.load(path)
    assert str(f) in str(e.value) and "truncated or damaged" in str(e.value) and "save the model again" in str(e.value)

def test_interrupted_save_keeps_the_old_model_and_the_next_save_cleans_up(gan, items, tmp_path, monkeypatch):
    path = gan.save(tmp_path / "gan")
    old = gan.generate(items, seed=0)
    new = DescriptionGAN(**{**KW, "seed": 1}).fit(items)
    assert not new.generate(items, seed=0).equals(old)
    real = gan_module.save_file
    def half(tensors, p): real(tensors, p); raise KeyboardInterrupt            # stops after the weights, before config.json
    monkeypatch.setattr(gan_module, "save_file", half)
    with pytest.raises(KeyboardInterrupt): new.save(path)
    monkeypatch.setattr(gan_module, "save_file", real)
    pd.testing.assert_frame_equal(DescriptionGAN.load(path).generate(items, seed=0), old)       # the old model is intact
    # a hard kill runs no clean-up at all: the half-written folder stays beside the save
    code = (f"import os, llmrec.gan as G; g = G.DescriptionGAN.load({str(path)!r}); real = G.save_file\n"
            f"G.save_file = lambda t, p: (real(t, p), os._exit(9))\ng.save({str(path)!r})")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 9
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")], "the killed save left nothing behind: the test did not interrupt it"
    pd.testing.assert_frame_equal(DescriptionGAN.load(path).generate(items, seed=0), old)
    new.save(path)                                                               # the next save replaces the model and clears the leftovers
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gan"]
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "model.safetensors"]
    pd.testing.assert_frame_equal(DescriptionGAN.load(path).generate(items, seed=0), new.generate(items, seed=0))
