//! `conflict-ner evaluate`.

use std::io::Write;
use std::path::PathBuf;

use conflict_ner::model::PrecisionChoice;
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
    /// Arithmetic of the matrix products: `auto` (the fastest this CPU runs whose F1
    /// the README shows within 0.2 points of fp32: int8 on AVX2 and AVX-512 VNNI
    /// CPUs, else fp32), `bf16` (AVX-512 BF16), `int8` (AVX2 or AVX-512 VNNI;
    /// activations quantised per token, weights per output) or `fp32`. An explicit
    /// choice this CPU cannot run is an error. See the README for speed and F1 of each.
    #[arg(long, default_value = "auto")]
    precision: PrecisionChoice,
    /// Print one JSON object {"labels": {..}, "micro": {..}, "macro": {..}} instead of a table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    format: FormatArgs,
}

pub fn run(a: EvaluateArgs, quiet: bool) -> anyhow::Result<()> {
    let mut tagger = load_tagger(&a.model)?;
    let precision = super::resolve_inference_precision(a.precision, quiet)?;
    tagger.set_precision(precision);
    let gold = a.format.read(&a.data)?;
    let bar = doc_bar(quiet, Some(gold.len() as u64));
    bar.set_message("evaluating");
    let report = tagger.evaluate(&gold, &mut |n| bar.inc(n as u64))?;
    bar.finish_and_clear();
    if a.json {
        let mut json = serde_json::to_value(&report)?;
        if let Some(obj) = json.as_object_mut() {
            obj.insert("precision".into(), precision.name().into());
        }
        writeln!(std::io::stdout().lock(), "{json}")?;
    } else {
        write!(std::io::stdout().lock(), "{report}")?;
    }
    Ok(())
}
