//! `conflict-ner evaluate`.

use std::path::PathBuf;

use conflict_ner::metrics::Evaluation;
use conflict_ner::model::Precision;
use conflict_ner::model_dir::load_tagger;

use super::progress::doc_bar;
use super::FormatArgs;

#[derive(clap::Args, Debug)]
pub struct EvaluateArgs {
    /// Model folder written by `train`.
    #[arg(long)]
    model: PathBuf,
    /// Labelled corpus to score on (JSONL spans or CoNLL columns).
    #[arg(long)]
    data: PathBuf,
    /// Arithmetic of the matrix products: `auto` (bf16 where the CPU has AVX-512
    /// BF16, else fp32), `bf16`, `int8` (AVX-512 VNNI; activations quantised per
    /// token, weights per output) or `fp32`. See the README for speed and F1 of each.
    #[arg(long, default_value = "auto", value_parser = Precision::parse)]
    precision: Precision,
    /// Print one JSON object {"labels": {..}, "micro": {..}, "macro": {..}} instead of a table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    format: FormatArgs,
}

pub fn run(a: EvaluateArgs, quiet: bool) -> anyhow::Result<()> {
    let mut tagger = load_tagger(&a.model)?;
    tagger.model.set_precision(a.precision);
    let gold = a.format.read(&a.data)?;
    let bar = doc_bar(quiet, Some(gold.len() as u64));
    bar.set_message("evaluating");
    let mut ev = Evaluation::default();
    for chunk in gold.chunks(64) {
        let pred = tagger.tag(chunk)?;
        for (g, p) in chunk.iter().zip(&pred) {
            ev.add(g, p);
        }
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    let report = ev.report();
    if a.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print!("{report}");
    }
    Ok(())
}
