//! `conflict-ner tag`: inputs → documents → predicted documents as JSONL on stdout.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use conflict_ner::corpus::{read_jsonl, write_jsonl};
use conflict_ner::model::PrecisionChoice;
use conflict_ner::model_dir::load_tagger;
use conflict_ner::Document;

use super::progress::doc_bar;

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
    /// Documents per forward-pass group (output is written after each group).
    #[arg(long, default_value_t = 32)]
    chunk: usize,
    /// Inputs: .txt files (one document each, id = path), .jsonl files (objects with
    /// "id" and "text"), folders (every .txt and .jsonl inside, recursively, sorted),
    /// or `-` for stdin (JSONL if every line parses as such, else one plain-text document).
    /// No input reads stdin.
    inputs: Vec<PathBuf>,
}

pub fn run(a: TagArgs, quiet: bool) -> anyhow::Result<()> {
    let mut tagger = load_tagger(&a.model)?;
    let precision = super::resolve_inference_precision(a.precision, quiet)?;
    tagger.set_precision(precision);
    let inputs = if a.inputs.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        a.inputs.clone()
    };
    let bar = doc_bar(quiet, None);
    bar.set_message("tagging");
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // Inputs are read one at a time and output is flushed per chunk, so a bad
    // input later on loses nothing already written.
    for input in &inputs {
        let mut files = Vec::new();
        expand(input, &mut files)?;
        for file in &files {
            let docs = read_input(file)?;
            for chunk in docs.chunks(a.chunk.max(1)) {
                let pred = tagger
                    .tag(chunk)
                    .with_context(|| format!("tagging {}", file.display()))?;
                write_jsonl(&mut out, &pred)?;
                out.flush()?;
                bar.inc(chunk.len() as u64);
            }
        }
    }
    bar.finish_and_clear();
    Ok(())
}

/// Lists the files an input names: itself, or a folder's .txt/.jsonl files, recursively and sorted.
fn expand(input: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    if input == Path::new("-") {
        out.push(input.to_path_buf());
        return Ok(());
    }
    let meta =
        std::fs::metadata(input).with_context(|| format!("{}: cannot read", input.display()))?;
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(input)
            .with_context(|| format!("{}: cannot list", input.display()))?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .with_context(|| format!("{}: cannot list", input.display()))?;
        entries.sort();
        for p in entries {
            if p.is_dir() || matches!(ext(&p).as_str(), "txt" | "jsonl") {
                expand(&p, out)?;
            }
        }
        return Ok(());
    }
    match ext(input).as_str() {
        "txt" | "jsonl" => out.push(input.to_path_buf()),
        other => anyhow::bail!(
            "{}: cannot tag a .{other} file: expected .txt, .jsonl, a folder or -",
            input.display()
        ),
    }
    Ok(())
}

fn ext(p: &Path) -> String {
    p.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn read_input(path: &Path) -> anyhow::Result<Vec<Document>> {
    let plain = |id: String, text: String| Document {
        id,
        text,
        entities: Vec::new(),
    };
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("stdin: cannot read")?;
        let text = String::from_utf8(bytes).map_err(|e| {
            anyhow::anyhow!(
                "stdin: invalid UTF-8 at byte {}",
                e.utf8_error().valid_up_to()
            )
        })?;
        let looks_jsonl = text.lines().any(|l| !l.trim().is_empty())
            && text.lines().filter(|l| !l.trim().is_empty()).all(|l| {
                serde_json::from_str::<serde_json::Value>(l)
                    .is_ok_and(|v| v.get("text").is_some_and(|t| t.is_string()))
            });
        if looks_jsonl {
            return Ok(
                conflict_ner::corpus::parse_jsonl(&text, Path::new("<stdin>"))?
                    .into_iter()
                    .map(|d| plain(d.id, d.text))
                    .collect(),
            );
        }
        return Ok(vec![plain("-".into(), text)]);
    }
    if ext(path) == "jsonl" {
        return Ok(read_jsonl(path)?
            .into_iter()
            .map(|d| plain(d.id, d.text))
            .collect());
    }
    let text = conflict_ner::corpus::read_text(path)?;
    Ok(vec![plain(path.display().to_string(), text)])
}
