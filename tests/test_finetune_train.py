"""LoRA fine-tuning of the offline model (eval/finetune_train.py): batches, a real training step, merge and save."""

from __future__ import annotations

import random

import numpy as np
import pytest

from eval.finetune_train import attach_lora, contrastive_loss, length_batches, merge_lora, save, train, training_pairs


@pytest.fixture(scope="module")
def pairs():
    return training_pairs()


@pytest.fixture(scope="module")
def default_model_dir():
    from indexer.embed.e5_offline import ensure_default_model

    return ensure_default_model()


@pytest.fixture
def model(default_model_dir):
    from sentence_transformers import SentenceTransformer

    m = SentenceTransformer(str(default_model_dir), device="cpu")
    m.max_seq_length = 64
    return m


def test_pairs_are_the_bundled_questions_with_the_indexed_text(pairs):
    units = {p.unit for p in pairs}
    assert len(pairs) > 2000 and len(units) > 600
    khai_tru = [p for p in pairs if p.unit.startswith("dieu-le-dang-2011/") and "khai trừ" in p.passage]
    assert khai_tru and all(p.passage.startswith("Điều lệ Đảng") for p in khai_tru)


def test_batches_hold_distinct_clauses_of_similar_length(pairs):
    lengths = {p.unit: len(p.passage) for p in pairs}
    batches = length_batches(pairs, lengths, 32, random.Random(0))
    assert sorted(id(p) for b in batches for p in b) == sorted(id(p) for p in pairs)  # each pair once
    assert all(len({p.unit for p in b}) == len(b) for b in batches)  # no clause twice: no false negatives
    spread = np.median([max(lengths[p.unit] for p in b) / min(lengths[p.unit] for p in b) for b in batches])
    assert spread < 3, spread


def test_merge_gives_the_same_vectors_as_the_low_rank_update(model):
    import torch

    text = ["query: Đảng viên bị khai trừ có được kết nạp lại không?"]
    before = model.encode(text, normalize_embeddings=True)[0]
    wrapped = attach_lora(model, 4)
    torch.manual_seed(0)
    for lora in wrapped.values():
        lora.b.data.normal_(0, 0.02)
    model.eval()
    with_update = model.encode(text, normalize_embeddings=True)[0]
    merge_lora(model, wrapped)
    merged = model.encode(text, normalize_embeddings=True)[0]
    assert float(with_update @ merged) > 0.9999
    assert float(before @ merged) < 0.999  # the update changed the model


def test_training_lowers_the_loss_and_the_saved_model_loads_as_trained(model, pairs, default_model_dir, tmp_path):
    import torch
    from sentence_transformers import SentenceTransformer

    seen, batch = set(), []
    for p in pairs:
        if p.unit not in seen and len(batch) < 8:
            seen.add(p.unit)
            batch.append(p)
    model.eval()
    with torch.no_grad():
        start = float(contrastive_loss(model, batch, 50.0))
    record = train(model, batch, rank=4, lr=2e-3, batch=8, max_steps=4, seed=0)
    with torch.no_grad():
        end = float(contrastive_loss(model, batch, 50.0))
    assert record["steps"] == 4 and len(record["losses"]) == 4 and record["lora_parameters"] > 0
    assert end < start, (start, end)

    out = save(model, tmp_path / "ft", default_model_dir, record)
    loaded = SentenceTransformer(str(out), device="cpu")
    base = SentenceTransformer(str(default_model_dir), device="cpu")
    assert loaded.max_seq_length == 512  # cuts long clauses where the base model does, not at the training length
    long = "passage: " + max((p.passage for p in pairs), key=len)
    assert loaded.tokenizer(long)["input_ids"] == base.tokenizer(long)["input_ids"]
    q = ["query: " + batch[0].question]
    model.max_seq_length = 512
    saved, trained = (m.encode(q, normalize_embeddings=True)[0] for m in (loaded, model))
    assert float(saved @ trained) > 0.9999
