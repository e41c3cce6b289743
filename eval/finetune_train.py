"""LoRA fine-tuning of the offline e5-small on the questions each clause answers (`python -m eval.finetune_train OUT`).

Issue 12's lever 4 in its deep form (the query adapter, `eval.adapter_train`, is the shallow one): low-rank updates
of every attention and feed-forward projection, trained contrastively (each question against the 31 other clauses
of its batch) on `indexer/corpus/data/questions.jsonl` (plus `--extra` files of the same format), then merged into
the weights and saved as a sentence-transformers folder that `SOI_MODEL=OUT soi build` indexes. CPU, 2 cores:
~10 minutes an epoch. Measured on the real questions it loses (README, "Ranking levers"), so nothing ships: the
command is kept so that the measurement can be repeated, e.g. with questions written apart or with a GPU.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# the base model's own tokenizer files are copied over the saved ones: saving re-serialises the tokenizer with the
# truncation it was trained at, and a model must cut long clauses where the base model does (512 pieces)
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json")
TARGETS = ("query", "key", "value", "dense")  # the projections of each encoder layer that get a low-rank update
RECORD_FILE = "soi-finetune.json"


@dataclass(frozen=True)
class Pair:
    question: str
    unit: str  # the search unit's clause id
    passage: str  # its embedded text (context + clause), as the index embeds it


def training_pairs(extra: tuple[Path, ...] | list[Path] = ()) -> list[Pair]:
    """(question, clause) pairs of the bundled corpus; `extra` files add questions in the bundled file's format."""
    from indexer.config import load_settings
    from indexer.corpus.questions import load_questions
    from indexer.corpus.units import retrieval_units
    from indexer.index.build import load_all

    corpus = load_all(load_settings())
    asked = load_questions(corpus.clauses)
    by_clause = {k: list(v) for k, v in asked.by_clause.items()}
    for path in extra:
        more = load_questions(corpus.clauses, path).by_clause
        for k, v in more.items():
            by_clause.setdefault(k, []).extend(v)
    units = retrieval_units(corpus.documents, corpus.clauses, by_clause)
    return [Pair(q, u.clause_id, u.dense_text) for u in units for q in u.questions]


def length_batches(pairs: list[Pair], lengths: dict[str, int], size: int, rng: random.Random) -> list[list[Pair]]:
    """Batches of distinct clauses (a second question of the same clause would be a false negative), each drawn
    from clauses of similar length (padding to the longest passage of a batch is most of the cost on a CPU)."""
    by_unit: dict[str, list[Pair]] = {}
    for p in pairs:
        by_unit.setdefault(p.unit, []).append(p)
    order = sorted(by_unit, key=lambda u: (lengths[u], u))
    out: list[list[Pair]] = []
    for start in range(0, len(order), 2 * size):
        queues = {u: rng.sample(by_unit[u], len(by_unit[u])) for u in order[start : start + 2 * size]}
        while any(queues.values()):
            live = [u for u in queues if queues[u]]
            rng.shuffle(live)
            live.sort(key=lambda u: -len(queues[u]))
            out.append([queues[u].pop() for u in live[:size]])
    rng.shuffle(out)
    return out


def attach_lora(model, rank: int):  # -> dict[str, LoRALinear]
    """Freeze the model and wrap each targeted projection of its encoder in a low-rank update (B = 0 at the start)."""
    import torch
    from torch import nn

    class LoRALinear(nn.Module):
        def __init__(self, base: nn.Linear) -> None:
            super().__init__()
            self.base = base
            self.a = nn.Parameter(torch.randn(rank, base.in_features) / math.sqrt(base.in_features))
            self.b = nn.Parameter(torch.zeros(base.out_features, rank))
            self.scale = 2.0  # alpha / rank with alpha = 2 · rank

        def forward(self, x):
            return self.base(x) + (x @ self.a.T @ self.b.T) * self.scale

    for p in model.parameters():
        p.requires_grad = False
    encoder = model[0].auto_model.encoder
    wrapped = {}
    for name, module in list(encoder.named_modules()):
        for child in TARGETS:
            linear = getattr(module, child, None)
            if isinstance(linear, nn.Linear):
                setattr(module, child, LoRALinear(linear))
                wrapped[f"{name}.{child}"] = getattr(module, child)
    return wrapped


def merge_lora(model, wrapped: dict) -> None:
    """Fold each update into its projection's weight (W + scale · B A) and put the plain projections back."""
    import torch

    encoder = model[0].auto_model.encoder
    with torch.no_grad():
        for name, lora in wrapped.items():
            lora.base.weight += (lora.b @ lora.a) * lora.scale
            parent, child = name.rsplit(".", 1)
            setattr(encoder.get_submodule(parent), child, lora.base)


def contrastive_loss(model, batch: list[Pair], scale: float):
    """InfoNCE of each question against the batch's clauses (the e5 prefixes, as the index embeds them)."""
    import torch

    prepare = getattr(model, "preprocess", None) or model.tokenize  # renamed in sentence-transformers 6

    def embed(texts: list[str]):
        return model(prepare(texts))["sentence_embedding"]

    q = embed(["query: " + p.question for p in batch])
    d = embed(["passage: " + p.passage for p in batch])
    return torch.nn.functional.cross_entropy(q @ d.T * scale, torch.arange(len(batch)))


def train(model, pairs: list[Pair], *, rank: int = 8, epochs: float = 1.0, lr: float = 3e-4, batch: int = 32,
          scale: float = 50.0, seed: int = 0, max_steps: int | None = None, progress=None) -> dict:
    """Train, merge and return the record (losses, steps); the model is left merged and in eval mode."""
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    passages = {p.unit: p.passage for p in pairs}  # a clause has several questions: tokenize its text once
    lengths = {u: len(model.tokenizer("passage: " + text)["input_ids"]) for u, text in passages.items()}
    wrapped = attach_lora(model, rank)
    params = [t for m in wrapped.values() for t in (m.a, m.b)]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    per_epoch = len(length_batches(pairs, lengths, batch, random.Random(seed)))
    total = max_steps if max_steps is not None else max(1, int(epochs * per_epoch))
    warmup = min(20, total)
    losses: list[float] = []
    model.train()
    while len(losses) < total:
        for b in length_batches(pairs, lengths, batch, rng):
            step = len(losses)
            if step >= total:
                break
            factor = (step + 1) / warmup if step < warmup else 1 - (step - warmup) / max(1, total - warmup)
            for group in opt.param_groups:
                group["lr"] = lr * factor
            loss = contrastive_loss(model, b, scale)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
            if progress:
                progress(step + 1, total, losses[-1])
    merge_lora(model, wrapped)
    model.eval()
    return {"rank": rank, "lr": lr, "batch": batch, "scale": scale, "seed": seed, "steps": total,
            "pairs": len(pairs), "lora_parameters": sum(t.numel() for t in params), "losses": losses}


def save(model, out: Path, base_dir: Path, record: dict) -> Path:
    """A sentence-transformers folder that loads offline, cuts text where the base model does, and says what it is."""
    out = Path(out)
    model.save(str(out))
    for name in TOKENIZER_FILES:
        shutil.copyfile(base_dir / name, out / name)
    config_path = out / "sentence_bert_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config.update({"max_seq_length": 512, "model_kwargs": {"add_pooling_layer": False}})
    config_path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    (out / RECORD_FILE).write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="folder for the fine-tuned model (then: SOI_MODEL=OUT soi build)")
    ap.add_argument("--extra", type=Path, action="append", default=[], help="more questions, same format")
    ap.add_argument("--rank", type=int, default=8)
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--max-length", type=int, default=256, help="pieces per text while training")
    args = ap.parse_args(argv)

    from sentence_transformers import SentenceTransformer
    from tqdm import tqdm

    from indexer.embed.e5_offline import ensure_default_model

    base = ensure_default_model()
    pairs = training_pairs(args.extra)
    model = SentenceTransformer(str(base), device="cpu")
    model.max_seq_length = args.max_length
    bar = tqdm(total=None, unit="bước", desc="Huấn luyện (training)")

    def tick(done: int, total: int, loss: float) -> None:
        bar.total = total
        bar.update(1)
        bar.set_postfix(loss=f"{loss:.3f}")

    started = time.perf_counter()
    record = train(model, pairs, rank=args.rank, epochs=args.epochs, lr=args.lr, progress=tick)
    bar.close()
    record.update({"command": "python -m eval.finetune_train " + " ".join(sys.argv[1:] if argv is None else argv),
                   "base": str(base), "extra": [str(p) for p in args.extra], "max_length": args.max_length,
                   "seconds": round(time.perf_counter() - started, 1)})
    save(model, args.out, base, record)
    print(f"{record['pairs']} questions, {record['steps']} steps, {record['seconds']} s → {args.out}")
    print(f"then: SOI_MODEL={args.out} SOI_DATA_DIR=<another folder> soi build; soi eval eval/dev.jsonl")
    return 0


if __name__ == "__main__":
    sys.exit(main())
