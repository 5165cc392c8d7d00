#!/usr/bin/env python3
"""PyTorch reference for conflict-ner: parity fixtures and speed baselines.

This script is NEVER run in CI. It needs the venv made by
scripts/setup-reference-venv.sh (torch, transformers, safetensors, tokenizers).

Subcommands:
  golden  --out DIR            tiny random BERT + its outputs, for the Rust parity test
  hidden  --model DIR --out F  last_hidden_state of a real model on 6 fixed sentences
  bench   --model DIR ...      train-step / forward throughput (one JSON line),
                               or one epoch over a CoNLL file (--epoch-conll)
  tag     --model DIR --input FOLDER|FILE --output FOLDER
                               what a transformers user would write to tag a folder
                               of .txt articles (windows, batches, argmax); the
                               counterpart of `conflict-ner tag` for scripts/bench.sh

Example:
  V=$(scripts/setup-reference-venv.sh | tail -1)
  $V/bin/python scripts/reference.py golden --out tests/fixtures/tiny-bert
"""
import time

T_START = time.perf_counter()  # before the heavy imports: `tag` reports load time

import argparse
import json
import os
import random
import resource
import sys
from pathlib import Path

import torch
import transformers
from safetensors.torch import save_file
from tokenizers import Tokenizer
from transformers import BertConfig, BertForTokenClassification, BertModel

SAMPLES = [
    "Shelling hit Kharkiv overnight, killing at least 4 civilians, regional governor Oleh Syniehubov said.",
    "Türkiye's defence ministry said its drones struck PKK positions near Qandil on Tuesday.",
    "Houthi spokesman Yahya Saree (يحيى سريع) claimed the attack on a tanker in the Red Sea.",
    "OCHA: 12,000 people displaced from El Fasher 🚨 as RSF fighters advanced on the city.",
    "The M23 rebels, backed by Rwanda according to UN experts, seized Goma.",
    "According to a statement released on Sunday evening by the United Nations Office for the "
    "Coordination of Humanitarian Affairs in Port-au-Prince, armed gangs belonging to the Viv Ansanm "
    "coalition attacked the neighbourhoods of Solino, Nazon and Delmas 30, burning dozens of homes, "
    "killing at least 28 residents including 3 police officers, and forcing more than 5,600 people "
    "to flee towards makeshift displacement sites in the centre of the Haitian capital.",
]


def versions():
    return {"torch": torch.__version__, "transformers": transformers.__version__}


def machine():
    """Load average (1 min) when done: values well above the thread count mean other
    work (e.g. a cargo build) shared the cores and the timing is not trustworthy."""
    return {"threads": torch.get_num_threads(), "loadavg_1m": round(os.getloadavg()[0], 2)}


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cmd_golden(a):
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=64, max_position_embeddings=64, type_vocab_size=2,
        hidden_act="gelu", layer_norm_eps=1e-12,
    )
    model = BertModel(config, add_pooling_layer=False).eval()
    with torch.no_grad():  # random everything, LayerNorm gamma/beta included
        for p in model.parameters():
            p.normal_(0.0, 0.5)
    ids = torch.randint(4, 64, (2, 9), dtype=torch.int64)
    ids[:, 0] = 2                       # [CLS]
    ids[0, 8] = 3                       # [SEP], row 0 has 9 real tokens
    ids[1, 5] = 3                       # [SEP], row 1 has 6 real tokens ...
    ids[1, 6:] = 0                      # ... then 3 right-pad positions
    mask = (torch.arange(9) < torch.tensor([[9], [6]])).to(torch.int64)
    types = torch.zeros(2, 9, dtype=torch.int64)
    with torch.no_grad():
        out = model(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state

    d = Path(a.out)
    d.mkdir(parents=True, exist_ok=True)
    config.to_json_file(d / "config.json")
    sd = {k: v.detach().float().contiguous() for k, v in model.state_dict().items()
          if not k.endswith("position_ids")}
    save_file(sd, d / "model.safetensors")
    save_file({"input_ids": ids, "attention_mask": mask, "token_type_ids": types,
               "last_hidden_state": out.float().contiguous()},
              d / "golden.safetensors", metadata=versions())
    for f in sorted(d.iterdir()):
        print(f"{f}: {f.stat().st_size} bytes")


def cmd_hidden(a):
    torch.set_num_threads(2)
    tok = Tokenizer.from_file(str(Path(a.model) / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    encs = tok.encode_batch(SAMPLES, add_special_tokens=True)
    n = max(len(e.ids) for e in encs)
    if n > a.max_len:
        sys.exit(f"longest sample is {n} tokens > --max-len {a.max_len}")
    ids = torch.zeros(len(encs), n, dtype=torch.int64)
    types = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    for i, e in enumerate(encs):
        k = len(e.ids)
        ids[i, :k] = torch.tensor(e.ids)
        types[i, :k] = torch.tensor(e.type_ids)
        mask[i, :k] = 1
    model = BertModel.from_pretrained(a.model, add_pooling_layer=False,
                                      dtype=torch.float32).eval()
    with torch.inference_mode():
        out = model(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    save_file({"input_ids": ids, "attention_mask": mask, "token_type_ids": types,
               "last_hidden_state": out.float().contiguous()}, a.out, metadata=versions())
    print(f"{a.out}: last_hidden_state {list(out.shape)}, lengths {mask.sum(1).tolist()}")


def read_conll(path):
    """Sentences as (words, tags); last column is the tag, blank line ends a sentence."""
    sents, words, tags = [], [], []
    for line in Path(path).read_text(encoding="utf-8").splitlines() + [""]:
        cols = line.split()
        if not cols or cols[0] == "-DOCSTART-":
            if words:
                sents.append((words, tags))
            words, tags = [], []
        else:
            words.append(cols[0])
            tags.append(cols[-1])
    return sents


def conll_batches(path, model_dir, batch, max_len=128, bucket=50, seed=0):
    """Tokenize with first-subtoken labels, bucket by length, yield padded batches."""
    sents = read_conll(path)
    labels = sorted({t for _, tg in sents for t in tg})
    lid = {t: i for i, t in enumerate(labels)}
    tok = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_len)
    encs = tok.encode_batch([w for w, _ in sents], is_pretokenized=True)
    examples = []
    for (_, tags), e in zip(sents, encs):
        lab, prev = [], None
        for w in e.word_ids:
            lab.append(-100 if w is None or w == prev else lid[tags[w]])
            prev = w
        examples.append((e.ids, e.type_ids, lab))
    rng = random.Random(seed)
    rng.shuffle(examples)
    batches = []
    for s in range(0, len(examples), batch * bucket):  # sort within buckets
        chunk = sorted(examples[s:s + batch * bucket], key=lambda x: len(x[0]))
        batches += [chunk[i:i + batch] for i in range(0, len(chunk), batch)]
    rng.shuffle(batches)
    out = []
    for b in batches:
        n = max(len(x[0]) for x in b)
        ids = torch.zeros(len(b), n, dtype=torch.int64)
        types, mask = torch.zeros_like(ids), torch.zeros_like(ids)
        lab = torch.full_like(ids, -100)
        for i, (x, t, l) in enumerate(b):
            k = len(x)
            ids[i, :k], types[i, :k], lab[i, :k] = torch.tensor(x), torch.tensor(t), torch.tensor(l)
            mask[i, :k] = 1
        out.append((ids, mask, types, lab))
    return out, labels, len(sents)


def train_step(model, opt, ids, mask, types, lab):
    loss = model(input_ids=ids, attention_mask=mask, token_type_ids=types, labels=lab).loss
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)
    return loss.item()


def cmd_bench(a):
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    if a.epoch_conll:
        batches, labels, n_sent = conll_batches(a.epoch_conll, a.model, a.batch)
        model = BertForTokenClassification.from_pretrained(
            a.model, num_labels=len(labels)).train()
        opt = torch.optim.AdamW(model.parameters(), lr=5e-5)
        real = padded = 0
        t0, c0 = time.perf_counter(), time.process_time()
        for ids, mask, types, lab in batches:
            loss = train_step(model, opt, ids, mask, types, lab)
            real += int(mask.sum())
            padded += ids.numel()
        wall = time.perf_counter() - t0
        cpu_util = (time.process_time() - c0) / wall
        print(json.dumps({"impl": "pytorch", "mode": "epoch", "file": str(a.epoch_conll),
                          "sentences": n_sent, "batches": len(batches), "labels": len(labels),
                          "real_tokens": real, "padded_tokens": padded,
                          "tokens_per_s": round(real / wall, 1),
                          "padded_tokens_per_s": round(padded / wall, 1),
                          "wall_s": round(wall, 2), "cpu_util": round(cpu_util, 2),
                          "last_loss": round(loss, 4),
                          "peak_rss_mb": round(peak_rss_mb(), 1), **machine(), **versions()}))
        return

    g = torch.Generator().manual_seed(0)
    if a.mode == "train":
        model = BertForTokenClassification.from_pretrained(a.model, num_labels=a.labels).train()
        opt = torch.optim.AdamW(model.parameters(), lr=5e-5)
    else:
        model = BertModel.from_pretrained(a.model, add_pooling_layer=False).eval()
    vocab = model.config.vocab_size
    ids = torch.randint(1000, vocab, (a.batch, a.seq), generator=g)
    mask = torch.ones_like(ids)
    types = torch.zeros_like(ids)
    lab = torch.randint(0, a.labels, (a.batch, a.seq), generator=g)

    def step():
        if a.mode == "train":
            train_step(model, opt, ids, mask, types, lab)
        else:
            with torch.inference_mode():
                model(input_ids=ids, attention_mask=mask, token_type_ids=types)

    for _ in range(a.warmup):
        step()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(a.steps):
        step()
    wall = time.perf_counter() - t0
    cpu_util = (time.process_time() - c0) / wall  # ~threads when the cores were ours
    ms = wall * 1000 / a.steps
    print(json.dumps({"impl": "pytorch", "mode": a.mode, "batch": a.batch, "seq": a.seq,
                      "tokens_per_s": round(a.batch * a.seq / (ms / 1000), 1),
                      "ms_per_step": round(ms, 1), "peak_rss_mb": round(peak_rss_mb(), 1),
                      "steps": a.steps, "cpu_util": round(cpu_util, 2), **machine(), **versions()}))


def windows(n, content_len, overlap):
    """Token ranges of at most content_len that overlap by `overlap` and cover 0..n."""
    stride = max(content_len - overlap, 1)
    out, start = [], 0
    while True:
        end = min(start + content_len, n)
        out.append((start, end))
        if end == n:
            return out
        start += stride


def spans(tags, enc, text):
    """IOB2 tags on first sub-tokens of words -> entity spans (char offsets)."""
    ents, cur, prev_word = [], None, None
    for t, (w, (s, e)) in enumerate(zip(enc.word_ids, enc.offsets)):
        if w == prev_word:          # later sub-token of the same word: extend
            if cur:
                cur["end"] = e
            continue
        prev_word = w
        tag = tags[t]
        if tag.startswith("I-") and cur and cur["label"] == tag[2:]:
            cur["end"] = e
            continue
        if cur:
            ents.append(cur)
        cur = {"start": s, "end": e, "label": tag[2:]} if tag != "O" else None
    if cur:
        ents.append(cur)
    for x in ents:
        x["text"] = text[x["start"]:x["end"]]
    return ents


def cmd_tag(a):
    """Tag every .txt file in --input (or that one file): one JSON line per article in OUTPUT/tags.jsonl,
    and a summary JSON line on stdout. Windows of max_len tokens ([CLS]/[SEP]
    included) overlapping by window_overlap (from training-config.json, default
    128/32); each token keeps the prediction of the window where it is furthest
    from an edge; windows batched by length, fp32 eager, inference_mode."""
    torch.set_num_threads(a.threads)
    model_dir = Path(a.model)
    tcfg = model_dir / "training-config.json"
    tcfg = json.loads(tcfg.read_text()) if tcfg.exists() else {}
    max_len, overlap = tcfg.get("max_len", 128), tcfg.get("window_overlap", 32)
    model = BertForTokenClassification.from_pretrained(model_dir, dtype=torch.float32).eval()
    id2label = model.config.id2label
    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    t_loaded = time.perf_counter()

    inp = Path(a.input)
    files = [inp] if inp.is_file() else sorted(inp.glob("*.txt"))
    texts = [f.read_text(encoding="utf-8") for f in files]
    encs = tok.encode_batch(texts, add_special_tokens=False)
    wins = []  # (doc, start, end)
    for d, e in enumerate(encs):
        wins += [(d, s, t) for s, t in windows(len(e.ids), max_len - 2, overlap)]
    order = sorted(range(len(wins)), key=lambda i: wins[i][2] - wins[i][1])
    preds = [None] * len(wins)
    with torch.inference_mode():
        for b in range(0, len(order), a.batch):
            idx = order[b:b + a.batch]
            n = max(wins[i][2] - wins[i][1] for i in idx) + 2
            ids = torch.zeros(len(idx), n, dtype=torch.int64)
            mask = torch.zeros_like(ids)
            for r, i in enumerate(idx):
                d, s, t = wins[i]
                ids[r, :t - s + 2] = torch.tensor([cls] + encs[d].ids[s:t] + [sep])
                mask[r, :t - s + 2] = 1
            logits = model(input_ids=ids, attention_mask=mask,
                           token_type_ids=torch.zeros_like(ids)).logits
            for r, i in enumerate(idx):
                d, s, t = wins[i]
                preds[i] = logits[r, 1:t - s + 1].argmax(-1).tolist()
    by_doc = [[] for _ in encs]
    for (d, s, t), p in zip(wins, preds):
        by_doc[d].append((s, t, p))
    out_dir = Path(a.output)
    out_dir.mkdir(parents=True, exist_ok=True)
    n_ents = 0
    with open(out_dir / "tags.jsonl", "w", encoding="utf-8") as f:
        for path, text, e, ws in zip(files, texts, encs, by_doc):
            tags = []
            for k in range(len(e.ids)):  # the window where token k is most central
                s, t, p = max((w for w in ws if w[0] <= k < w[1]),
                              key=lambda w: min(k - w[0], w[1] - 1 - k))
                tags.append(id2label[p[k - s]])
            ents = spans(tags, e, text)
            n_ents += len(ents)
            f.write(json.dumps({"id": str(path), "entities": ents}, ensure_ascii=False) + "\n")
    now = time.perf_counter()
    print(json.dumps({"impl": "pytorch", "mode": "tag", "documents": len(files),
                      "tokens": sum(len(e.ids) for e in encs), "windows": len(wins),
                      "entities": n_ents, "load_s": round(t_loaded - T_START, 2),
                      "tag_s": round(now - t_loaded, 2), "peak_rss_mb": round(peak_rss_mb(), 1),
                      **machine(), **versions()}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    g = sub.add_parser("golden", help="write tiny random BERT (config, weights) and golden outputs")
    g.add_argument("--out", required=True, help="output folder, e.g. tests/fixtures/tiny-bert")
    g.set_defaults(fn=cmd_golden)

    h = sub.add_parser("hidden", help="last_hidden_state of a HF BERT folder on 6 fixed sentences")
    h.add_argument("--model", required=True, help="HF folder: config.json, tokenizer.json, model.safetensors")
    h.add_argument("--out", required=True, help="output .safetensors file")
    h.add_argument("--max-len", type=int, default=128, help="fail if a sample is longer (default 128)")
    h.set_defaults(fn=cmd_hidden)

    b = sub.add_parser("bench", help="time train steps or forward passes; prints one JSON line")
    b.add_argument("--model", required=True, help="HF BERT folder")
    b.add_argument("--batch", type=int, default=16)
    b.add_argument("--seq", type=int, default=128)
    b.add_argument("--steps", type=int, default=10, help="timed steps")
    b.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    b.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    b.add_argument("--labels", type=int, default=13, help="classifier size (train mode)")
    b.add_argument("--mode", choices=["train", "forward"], default="train",
                   help="train: fwd+CE+bwd+AdamW(5e-5) step; forward: BertModel eval, inference_mode")
    b.add_argument("--epoch-conll", metavar="PATH",
                   help="instead: train one epoch over this CoNLL file (batches of --batch, "
                        "length-bucketed, first-subtoken labels, max length 128)")
    b.set_defaults(fn=cmd_bench)

    t = sub.add_parser("tag", help="tag a folder of .txt articles with a fine-tuned model folder")
    t.add_argument("--model", required=True, help="folder written by `conflict-ner train` "
                   "(config.json with id2label, tokenizer.json, model.safetensors)")
    t.add_argument("--input", required=True, help="folder of .txt files, one article each, or one .txt file")
    t.add_argument("--output", required=True, help="folder for tags.jsonl")
    t.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    t.add_argument("--batch", type=int, default=32, help="windows per forward pass")
    t.set_defaults(fn=cmd_tag)

    a = p.parse_args()
    transformers.logging.disable_progress_bar()  # quiet stderr: no "Loading weights" bar,
    transformers.logging.set_verbosity_error()   # no notes on the new classifier head
    a.fn(a)


if __name__ == "__main__":
    main()
