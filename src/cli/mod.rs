//! Command-line arguments and dispatch. Usage errors exit 2 (clap), run failures 1.

mod check;
mod corpus;
mod evaluate;
mod progress;
mod tag;
mod train;

use std::path::Path;

use clap::{Parser, Subcommand};

/// Fine-tune a BERT-family encoder to tag entities in conflict reports, tag articles, and evaluate models.
#[derive(Parser, Debug)]
#[command(name = "conflict-ner", version, about, long_about = None)]
pub struct Args {
    /// Worker threads for tensor math (default: RAYON_NUM_THREADS, else all cores).
    #[arg(long, global = true)]
    threads: Option<usize>,
    /// No progress bars or per-epoch lines on stderr.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Fine-tune a base model on a labelled corpus and write a model folder.
    Train(Box<train::TrainArgs>),
    /// Tag documents with a trained model; JSONL on stdout, one line per document, in input order.
    Tag(tag::TagArgs),
    /// Score a trained model on a labelled corpus (strict entity-level precision, recall, F1).
    Evaluate(evaluate::EvaluateArgs),
    /// Validate corpus files: errors, annotation-consistency warnings and statistics.
    Check(check::CheckArgs),
    /// Corpus tools.
    #[command(subcommand)]
    Corpus(corpus::CorpusCommand),
}

/// Parses the command line (exits 2 on a usage error).
pub fn parse() -> Args {
    Args::parse()
}

/// Runs a parsed command.
pub fn run(args: Args) -> anyhow::Result<()> {
    if let Some(n) = args.threads {
        if n == 0 {
            anyhow::bail!("--threads must be at least 1");
        }
        // Read by candle and gemm when their thread pools start, which is later.
        std::env::set_var("RAYON_NUM_THREADS", n.to_string());
    }
    conflict_ner::cpu::cap_from_env().map_err(anyhow::Error::msg)?;
    match args.command {
        Command::Train(a) => train::run(*a, args.quiet),
        Command::Tag(a) => tag::run(a, args.quiet),
        Command::Evaluate(a) => evaluate::run(a, args.quiet),
        Command::Check(a) => check::run(a),
        Command::Corpus(c) => corpus::run(c),
    }
}

/// Resolves `--precision` for `tag`/`evaluate`, printing `auto`'s choice on stderr.
fn resolve_inference_precision(
    choice: conflict_ner::model::PrecisionChoice,
    quiet: bool,
) -> anyhow::Result<conflict_ner::model::Precision> {
    let resolved = choice
        .resolve(conflict_ner::model::Work::Infer)
        .map_err(|e| anyhow::anyhow!("--precision {}: {e}", choice.name()))?;
    if let (Some(note), false) = (&resolved.auto_note, quiet) {
        eprintln!("{note}");
    }
    Ok(resolved.precision)
}

/// Corpus format and tagging-scheme options shared by commands that read labelled data.
#[derive(clap::Args, Debug, Clone)]
pub struct FormatArgs {
    /// Corpus format: jsonl or conll (default: from the file extension).
    #[arg(long)]
    format: Option<conflict_ner::corpus::Format>,
    /// Tag scheme of column files: IOB1, IOB2 or BIOES (default: detected).
    #[arg(long)]
    scheme: Option<conflict_ner::label::Scheme>,
}

impl FormatArgs {
    fn read(&self, path: &Path) -> anyhow::Result<Vec<conflict_ner::Document>> {
        Ok(conflict_ner::corpus::read_corpus(
            path,
            self.format,
            self.scheme,
        )?)
    }
}
