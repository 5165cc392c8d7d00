//! `conflict-ner tag`: inputs → documents → predicted documents in the
//! `--format` chosen (JSONL by default) on stdout or `--output`, streamed: each
//! group is written and flushed as soon as it is tagged.

mod output;
mod source;

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use anyhow::Context;
use conflict_ner::model::PrecisionChoice;
use conflict_ner::model_dir::load_tagger;
use conflict_ner::prediction::Prediction;
use conflict_ner::Document;

use super::progress::doc_bar;
use output::{Sink, TagFormat};
use source::{InputFormat, Item};

/// What to do with an input line that cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnError {
    /// Stop with the line's number; everything before it is already written.
    Fail,
    /// Write `{"id": …, "line": "FILE:N", "error": "…"}` in its place and go on.
    Skip,
    /// Report it on stderr only and go on.
    SkipQuiet,
}

#[derive(clap::Args, Debug)]
pub struct TagArgs {
    /// Model folder written by `train`.
    #[arg(long)]
    model: PathBuf,
    /// Arithmetic of the matrix products: `auto` (the fastest this CPU runs whose F1
    /// the README shows within 0.2 points of fp32: int8 on AVX2 and AVX-512 VNNI
    /// CPUs, else fp32), `bf16` (AVX-512 BF16), `int8` (AVX2 or AVX-512 VNNI;
    /// activations quantised per token, weights per output) or `fp32`. An explicit
    /// choice this CPU cannot run is an error. See the README for speed and F1 of each.
    #[arg(long, default_value = "auto")]
    precision: PrecisionChoice,
    /// Documents per group: a group is tagged, written and flushed once it is full or
    /// once no more input arrives within 50 ms, so a line fed into a pipe comes out at once.
    #[arg(long, default_value_t = 32, alias = "chunk")]
    batch_size: usize,
    /// How stdin is read: `jsonl` (one object with "text" and "id" per line, streamed)
    /// or `text` (all of stdin is one document with id `-`). Files go by extension.
    #[arg(long, value_enum, default_value = "jsonl")]
    input_format: InputFormat,
    /// A malformed JSONL line: `fail` (stop, naming the line), `skip` (write an
    /// {"id","line","error"} object in its place) or `skip-quiet` (stderr only).
    #[arg(long, value_enum, default_value = "fail")]
    on_error: OnError,
    /// Drop entities whose score is below this, in [0, 1] (default 0: keep all).
    #[arg(long, default_value_t = 0.0)]
    min_score: f32,
    /// Output format: jsonl (streamed), csv (one row per entity with the FIGURE value
    /// columns low,high,unit,approx), conll (IOB2), brat (a folder: needs --output),
    /// label-studio (a task array of predictions) or html (one self-contained page,
    /// written at the end).
    #[arg(long, value_enum, default_value = "jsonl")]
    format: TagFormat,
    /// Write to this file (a folder for brat) instead of stdout; never replaces an
    /// existing one unless --overwrite.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Replace an existing --output (for brat, a folder of only .txt, .ann and .conf files).
    #[arg(long)]
    overwrite: bool,
    /// Inputs: .txt files (one document each, id = path), .jsonl files (objects with
    /// "id" and "text"), folders (every .txt and .jsonl inside, recursively, sorted),
    /// or `-` for stdin. No input reads stdin.
    inputs: Vec<PathBuf>,
}

/// How long a partly filled group waits for more input before it is tagged.
const WAIT: Duration = Duration::from_millis(50);

pub fn run(a: TagArgs, quiet: bool) -> anyhow::Result<()> {
    if a.batch_size == 0 {
        anyhow::bail!("--batch-size must be at least 1");
    }
    if !(0.0..=1.0).contains(&a.min_score) {
        anyhow::bail!("--min-score {} must be in [0, 1]", a.min_score);
    }
    if a.on_error == OnError::Skip && a.format != TagFormat::Jsonl {
        anyhow::bail!(
            "--on-error skip writes error objects into JSONL output; with --format {:?} use --on-error skip-quiet",
            a.format
        );
    }
    let mut tagger = load_tagger(&a.model)?;
    tagger.set_precision(super::resolve_inference_precision(a.precision, quiet)?);
    let inputs = if a.inputs.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        a.inputs.clone()
    };
    let mut out = Sink::open(a.format, a.output.as_deref(), a.overwrite, &a.model)?;
    let items = source::spawn(inputs, a.input_format);
    let bar = doc_bar(quiet, None);
    bar.set_message("tagging");
    let (mut skipped, mut unreadable) = (0usize, 0usize);
    while let Some(group) = next_group(&items, a.batch_size) {
        let docs: Vec<Document> = group
            .iter()
            .filter_map(|i| match i {
                Item::Doc(d) => Some(d.clone()),
                _ => None,
            })
            .collect();
        let mut pred = tagger.tag(&docs).context("tagging")?.into_iter();
        for item in group {
            match item {
                Item::Doc(_) => {
                    let Some(mut doc) = pred.next() else { break };
                    doc.entities
                        .retain(|e| e.score.is_none_or(|s| s >= a.min_score));
                    let p = Prediction::new(&doc);
                    unreadable += p.unreadable_figures();
                    out.write(&doc, &p)?;
                    bar.inc(1);
                }
                Item::Bad { at, id, message } => match a.on_error {
                    OnError::Fail => {
                        out.finish()?;
                        anyhow::bail!("{at}: {message} (--on-error skip goes on past such lines)");
                    }
                    OnError::Skip => {
                        skipped += 1;
                        let e = serde_json::json!({"id": id, "line": at, "error": message});
                        out.error_line(&e)?;
                    }
                    OnError::SkipQuiet => {
                        skipped += 1;
                        bar.suspend(|| eprintln!("skipped {at}: {message}"));
                    }
                },
                Item::Fatal(e) => {
                    out.finish()?;
                    return Err(e);
                }
            }
        }
        out.flush()?;
    }
    out.finish()?;
    bar.finish_and_clear();
    if skipped > 0 {
        eprintln!("tag: skipped {skipped} malformed input line(s)");
    }
    if unreadable > 0 && !quiet {
        eprintln!("tag: {unreadable} FIGURE entities have no readable value (\"value\": null)");
    }
    Ok(())
}

/// The next group: waits for one item, then takes what arrives within [`WAIT`],
/// up to `size` documents; a bad line or a fatal error closes the group.
/// `None` at the end of input.
fn next_group(items: &Receiver<Item>, size: usize) -> Option<Vec<Item>> {
    let first = items.recv().ok()?;
    let mut docs = usize::from(matches!(first, Item::Doc(_)));
    let mut group = vec![first];
    while docs < size && matches!(group.last(), Some(Item::Doc(_))) {
        match items.recv_timeout(WAIT) {
            Ok(item) => {
                docs += usize::from(matches!(item, Item::Doc(_)));
                group.push(item);
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
        }
    }
    Some(group)
}
