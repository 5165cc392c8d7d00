//! `conflict-ner corpus build`: markup source → canonical JSONL splits.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use conflict_ner::corpus::markup::{read_markup_dir, split, to_jsonl, SplitPlan};

#[derive(clap::Subcommand, Debug)]
pub enum CorpusCommand {
    /// Build train/dev/test JSONL from the markup in SOURCE (see data/source/README.md).
    Build {
        /// Folder of markup files, with splits.json (the split plan).
        source: PathBuf,
        /// Folder to write train.jsonl, dev.jsonl and test.jsonl into.
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(c: CorpusCommand) -> anyhow::Result<()> {
    let mut so = std::io::stdout().lock();
    match c {
        CorpusCommand::Build { source, out } => {
            let plan_path = source.join("splits.json");
            let plan_text = std::fs::read_to_string(&plan_path)
                .with_context(|| format!("{}: cannot read the split plan", plan_path.display()))?;
            let plan: SplitPlan = serde_json::from_str(&plan_text)
                .with_context(|| format!("{}: invalid split plan", plan_path.display()))?;
            let docs = read_markup_dir(&source)?;
            let n = docs.len();
            let splits = split(docs, &plan);
            std::fs::create_dir_all(&out)
                .with_context(|| format!("{}: cannot create the folder", out.display()))?;
            for name in ["train", "dev", "test"] {
                let docs = splits.get(name).map(Vec::as_slice).unwrap_or(&[]);
                let path = out.join(format!("{name}.jsonl"));
                let tmp = out.join(format!(".{name}.jsonl.tmp"));
                std::fs::write(&tmp, to_jsonl(docs))
                    .with_context(|| format!("{}: cannot write", tmp.display()))?;
                std::fs::rename(&tmp, &path)
                    .with_context(|| format!("{}: cannot write", path.display()))?;
                writeln!(so, "{}: {} documents", path.display(), docs.len())?;
            }
            writeln!(so, "{n} documents in all")?;
            Ok(())
        }
    }
}
