"Training infrastructure: the Trainer loop keeps the best checkpoint, saves survive being killed, damaged folders are named."
import copy, json, os, signal, shutil, time
from pathlib import Path
import numpy as np, pandas as pd, pytest, torch
import torch.nn.functional as F
from torch import nn
from llmrec.core import USER, ITEM, RATING, set_seed
from llmrec.data import synthetic_dataset
from llmrec.training import (TrainConfig, Table, collate_tensors, holdout_split, history_table, checkpoints, train_model,
                             tiny_word_bert, FineTuned)
from llmrec.finetune import CrossEncoderRegressor


class Wiggle(nn.Module):
    def __init__(self, hidden=128):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, 1))
    def forward(self, x, labels=None):
        out = self.net(x[:, None])[:, 0]
        return {"loss": None if labels is None else F.mse_loss(out, labels), "logits": out}


def noisy_sine(n, rng):
    x = rng.uniform(-3, 3, n).astype(np.float32)
    return Table(x=torch.tensor(x), labels=torch.tensor(np.sin(x) + rng.normal(0, 0.4, n), dtype=torch.float32))


def test_train_model_stops_early_and_returns_the_best_checkpoint():
    rng = np.random.default_rng(0)
    tr, va = noisy_sine(12, rng), noisy_sine(300, rng)
    set_seed(0)
    cfg = TrainConfig(max_steps=1500, batch_size=8, lr=1e-2, weight_decay=0.0, warmup=0, eval_every=25, patience=4, device="cpu")
    trainer, hist, secs = train_model(Wiggle(), tr, va, collate_tensors, cfg, "loss")
    val = hist.dropna(subset=["valid_loss"])
    assert val.step.iloc[0] == 0 and val.step.max() < cfg.max_steps                # starts untrained, stops early
    best = val.loc[val.valid_loss.idxmin()]
    assert (val.step > best.step).sum() == cfg.patience
    assert abs(trainer.evaluate()["eval_loss"] - best.valid_loss) < 1e-5            # the best checkpoint is the result, not the last


def test_batches_and_holdout():
    t = Table(x=torch.arange(5.), y=np.arange(5) * 2)
    b = collate_tensors([t[3], t[1]])
    assert b["x"].tolist() == [3., 1.] and b["y"].tolist() == [6, 2]
    tr, va = holdout_split(100, 0.2, 5, seed=3)
    assert len(va) == 5 and len(tr) == 80 and not set(tr) & set(va)
    assert [a.tolist() for a in holdout_split(100, 0.2, 5, seed=3)] == [tr.tolist(), va.tolist()]
    with pytest.raises(ValueError, match="no validation"): holdout_split(3, 0.1, None, 0)
    h = history_table([{"eval_rmse": 1.0, "step": 0}, {"loss": 0.5, "step": 5}], "rmse")
    assert h.columns.tolist() == ["step", "epoch", "loss", "valid_rmse"] and h.step.tolist() == [0, 5]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    "A tiny fitted cross-encoder and a second one that differs from it in every saved part (weights and constants)."
    ds = synthetic_dataset(n_users=40, n_items=60, events_per_user=10, seed=0)
    words = tiny_word_bert(tmp_path_factory.mktemp("m") / "words", ds.items.text.tolist())
    a = CrossEncoderRegressor(words, max_items=3, max_length=64, training=TrainConfig(max_steps=3, batch_size=16, seed=0)).fit(ds)
    b = copy.deepcopy(a)
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for p in b.model_.parameters(): p.add_(0.01 * torch.randn(p.shape, generator=g))
    b.mu_ += 0.1
    pairs = ds.ratings.sample(40, random_state=0)
    return a, b, pairs[USER].to_numpy(), pairs[ITEM].to_numpy()


def _fork_save(model, path):
    pid = os.fork()
    if pid == 0:                                                   # the child saves and is killed somewhere in there
        try: model.save(path)
        finally: os._exit(0)
    return pid


def test_killed_saves_never_lose_the_model(models, tmp_path):
    "Issue 13, case 1: SIGKILL a save at random moments, 30 times; the folder always loads as the old or the new model."
    a, b, users, items = models
    pred = {"a": a.predict(users, items), "b": b.predict(users, items)}
    assert not np.array_equal(pred["a"], pred["b"])
    path, t_start = tmp_path / "model", time.perf_counter()
    a.save(path)
    t0 = time.perf_counter(); os.waitpid(_fork_save(b, path), 0); took = time.perf_counter() - t0   # one whole save, the fork included
    a.save(path)
    rng, outcome, old, partial = np.random.default_rng(0), "", "a", 0
    for r in range(30):
        new = "b" if old == "a" else "a"
        pid = _fork_save(a if new == "a" else b, path)
        time.sleep(float(rng.uniform(0, 1.5 * took))); os.kill(pid, signal.SIGKILL); os.waitpid(pid, 0)
        partial += any(tmp_path.glob(".model.*"))
        got = CrossEncoderRegressor.load(path).predict(users, items)
        match = [k for k, p in pred.items() if np.array_equal(got, p)]
        assert match, f"kill {r}: the folder loads, but as neither model"
        outcome += "n" if match[0] == new else "o"; old = match[0]
    assert "o" in outcome and "n" in outcome, outcome                # kills landed both before and after the swap
    a.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["model"]          # the next save removed what killed saves left
    assert time.perf_counter() - t_start < 60


def test_a_failing_swap_keeps_the_old_model(models, tmp_path, monkeypatch):
    "Issue 13, case 1: the final rename fails (e.g. disk full): the old model is intact and nothing is left beside it."
    import llmrec.core as core
    a, b, users, items = models
    path = a.save(tmp_path / "model")
    def boom(*args): raise OSError(28, "No space left on device")
    monkeypatch.setattr(core, "_exchange", boom)
    monkeypatch.setattr(core.os, "rename", boom)
    with pytest.raises(OSError, match="No space"): b.save(path)
    monkeypatch.undo()
    np.testing.assert_array_equal(CrossEncoderRegressor.load(path).predict(users, items), a.predict(users, items))
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


@pytest.mark.parametrize("name", ["config.json", "state.safetensors", "model/model.safetensors", "model/config.json"])
def test_truncated_files_name_the_path_and_the_fix(models, tmp_path, name):
    "Issue 13, case 11: a truncated file in a saved folder is an error naming the folder or file and what to do, not a bare parser error."
    a = models[0]
    path = a.save(tmp_path / "model")
    f = path / name
    assert f.exists(), sorted(str(p.relative_to(path)) for p in path.rglob("*"))
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    with pytest.raises(ValueError) as e: CrossEncoderRegressor.load(path)
    msg = str(e.value)
    assert str(path) in msg and "Save the model again" in msg, msg
    if "/" not in name: assert str(f) in msg


def test_missing_or_foreign_files_are_named(models, tmp_path):
    a = models[0]
    path = a.save(tmp_path / "model")
    (path / "state.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match="state.safetensors is missing"): CrossEncoderRegressor.load(path)
    (path / "config.json").write_text(json.dumps({"class": "CrossEncoderRegressor"}))
    with pytest.raises(ValueError, match="lacks"): CrossEncoderRegressor.load(path)
    with pytest.raises(FileNotFoundError, match="no saved llmrec model"): CrossEncoderRegressor.load(tmp_path / "nothing")
