//! `conflict-ner evaluate`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use conflict_ner::mistakes::Mistake;
use conflict_ner::model::PrecisionChoice;
use conflict_ner::model_dir::load_tagger;
use conflict_ner::page::{evaluation_page, Evaluated};
use conflict_ner::{Document, Entity};

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
    /// Rename a gold label before scoring, e.g. `--map LOC=LOCATION` for CoNLL data
    /// against this project's labels (repeatable).
    #[arg(long = "map", value_name = "OLD=NEW", value_parser = parse_map)]
    maps: Vec<(String, String)>,
    /// Write every mistake as one JSON line {"id", "kind", "gold", "pred", "context"}
    /// (kind: missed, spurious, wrong_label, wrong_span or wrong_both).
    #[arg(long, value_name = "FILE")]
    errors: Option<PathBuf>,
    /// Write a self-contained HTML page: the scores, then each document's gold and
    /// predicted entities one above the other, mistakes outlined, most mistakes first.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Replace existing --errors / --html files.
    #[arg(long)]
    overwrite: bool,
    #[command(flatten)]
    format: FormatArgs,
}

/// Characters of context on each side of a mistake in `--errors` lines.
const CONTEXT: usize = 40;

/// One `--errors` line.
fn error_line(doc: &Document, m: &Mistake) -> serde_json::Value {
    let side = |e: &Option<Entity>| match e {
        None => serde_json::Value::Null,
        Some(e) => {
            let mut v = serde_json::json!({
                "start": e.start, "end": e.end, "label": e.label,
                "text": doc.slice(e.start, e.end).unwrap_or(""),
            });
            if let Some(s) = e.score {
                v["score"] = s.into();
            }
            v
        }
    };
    let (s, t) = m.range();
    let from = s.saturating_sub(CONTEXT);
    let context: String = doc
        .text
        .chars()
        .skip(from)
        .take(t + CONTEXT - from)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    serde_json::json!({
        "id": doc.id, "kind": m.kind.name(), "gold": side(&m.gold), "pred": side(&m.pred),
        "context": context, "context_start": from,
    })
}

pub fn run(a: EvaluateArgs, quiet: bool) -> anyhow::Result<()> {
    let mut tagger = load_tagger(&a.model)?;
    let precision = super::resolve_inference_precision(a.precision, quiet)?;
    tagger.set_precision(precision);
    let mut gold = a.format.read(&a.data, quiet)?;
    if gold.is_empty() {
        anyhow::bail!("{}: no documents to evaluate on", a.data.display());
    }
    for doc in &mut gold {
        for e in &mut doc.entities {
            if let Some((_, new)) = a.maps.iter().find(|(old, _)| *old == e.label) {
                e.label = new.clone();
            }
        }
    }
    let mut unknown: std::collections::BTreeMap<&str, usize> = Default::default();
    for e in gold.iter().flat_map(|d| &d.entities) {
        if tagger.labels.index(&e.label).is_none() {
            *unknown.entry(e.label.as_str()).or_default() += 1;
        }
    }
    if !unknown.is_empty() {
        let list: Vec<String> = unknown.iter().map(|(l, n)| format!("{l} ({n})")).collect();
        eprintln!(
            "warning: {}: gold labels the model does not know count as misses: {}; the model knows {} (rename with --map OLD=NEW)",
            a.data.display(),
            list.join(", "),
            tagger.labels
        );
    }
    // Predictions cover whole words: a gold entity cut inside a word cannot match.
    let encodings = gold
        .iter()
        .map(|d| tagger.encoder.encode(d, None))
        .collect::<conflict_ner::Result<Vec<_>>>()?;
    let (inside, examples) = conflict_ner::train::inside_words(&gold, &encodings);
    drop(encodings);
    if inside > 0 && !quiet {
        eprintln!(
            "{}: {inside} gold entities start or end inside a word ({}); predictions cover \
             whole words, so strict scoring counts each as missed (a prediction over the \
             whole word as spurious); overlap scoring credits it",
            a.data.display(),
            examples.join("; ")
        );
    }
    let bar = doc_bar(quiet, Some(gold.len() as u64));
    bar.set_message("evaluating");
    let mut errors = a
        .errors
        .as_deref()
        .map(|p| super::create_output(p, a.overwrite))
        .transpose()?;
    let html = a
        .html
        .as_deref()
        .map(|p| super::create_output(p, a.overwrite))
        .transpose()?;
    let mut pages: Vec<Evaluated> = Vec::new();
    let mut write_error = Ok(());
    let report =
        tagger.evaluate_each(&gold, &mut |n| bar.inc(n as u64), &mut |g, p, alignment| {
            if let Some(out) = errors.as_mut() {
                for m in &alignment.mistakes {
                    if write_error.is_ok() {
                        write_error = writeln!(out, "{}", error_line(g, m));
                    }
                }
            }
            if html.is_some() {
                pages.push(Evaluated {
                    gold: g.clone(),
                    pred: p,
                    alignment,
                });
            }
        })?;
    bar.finish_and_clear();
    if let (Some(path), Some(mut out)) = (a.errors.as_deref(), errors) {
        write_error
            .and_then(|_| out.flush())
            .with_context(|| format!("{}: cannot write", path.display()))?;
    }
    if let (Some(path), Some(mut out)) = (a.html.as_deref(), html) {
        let title = format!("{} on {}", a.model.display(), a.data.display());
        out.write_all(evaluation_page(&title, &report, &pages).as_bytes())
            .and_then(|_| out.flush())
            .with_context(|| format!("{}: cannot write", path.display()))?;
    }
    if a.json {
        let mut json = serde_json::to_value(&report)?;
        if let Some(obj) = json.as_object_mut() {
            obj.insert("precision".into(), precision.name().into());
            obj.insert("gold_entities_inside_words".into(), inside.into());
        }
        writeln!(std::io::stdout().lock(), "{json}")?;
    } else {
        write!(std::io::stdout().lock(), "{report}")?;
    }
    Ok(())
}

fn parse_map(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((old, new)) if !old.is_empty() && !new.is_empty() => Ok((old.into(), new.into())),
        _ => Err(format!("{s:?}: expected OLD=NEW")),
    }
}
