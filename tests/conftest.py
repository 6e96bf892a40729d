import os
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"

@pytest.fixture(scope="session", autouse=True)
def _mirror():
    "Read MovieLens from ../shared/data when no mirror is configured (as `make` and CI do)."
    if not os.environ.get("LLMREC_MIRROR") and (SHARED / "ml-latest-small.zip").exists():
        os.environ["LLMREC_MIRROR"] = SHARED.as_uri()
    os.environ.setdefault("LLMREC_PROGRESS", "0")
    yield

@pytest.fixture(scope="session")
def ml():
    from llmrec.data import load_movielens
    return load_movielens("ml-latest-small")
