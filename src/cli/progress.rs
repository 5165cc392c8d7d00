//! Progress on stderr: an indicatif bar plus one plain line per epoch.

use conflict_ner::report::EvalRecord;
use conflict_ner::train::{Observer, StepInfo};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Draws training progress; silent when `quiet`.
pub struct TrainProgress {
    bar: Option<ProgressBar>,
}

impl TrainProgress {
    pub fn new(quiet: bool) -> Self {
        TrainProgress {
            bar: (!quiet).then(|| {
                let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
                bar.set_style(
                    ProgressStyle::with_template(
                        "{prefix} [{bar:30}] step {pos}/{len} {msg} ETA {eta}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                bar
            }),
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Observer for TrainProgress {
    fn start(&mut self, total_steps: usize) {
        if let Some(b) = &self.bar {
            b.set_length(total_steps as u64);
        }
    }

    fn inside_words(&mut self, count: usize, total: usize, examples: &[String]) {
        if count == 0 || self.bar.is_none() {
            return;
        }
        eprintln!(
            "train: {count} of {total} entities start or end inside a word ({}); \
             each is trained as the whole words it touches (`conflict-ner check` lists them)",
            examples.join("; ")
        );
    }

    fn step(&mut self, s: &StepInfo) {
        if let Some(b) = &self.bar {
            b.set_prefix(format!("epoch {}", s.epoch));
            b.set_message(format!(
                "loss {:.4} lr {:.2e} {:.0} tok/s",
                s.loss, s.lr, s.tokens_per_s
            ));
            b.set_position(s.step as u64);
        }
    }

    fn evaluated(&mut self, r: &EvalRecord, epoch_end: bool, epochs: usize) {
        let Some(b) = &self.bar else { return };
        let dev = match &r.dev {
            Some(d) => format!(
                "dev P {:.4} R {:.4} F1 {:.4}{}",
                d.micro.precision,
                d.micro.recall,
                d.micro.f1,
                if r.best { " (best)" } else { "" }
            ),
            None => "no dev set".into(),
        };
        let what = if epoch_end {
            format!("epoch {}/{}", r.epoch, epochs)
        } else {
            format!("step {}", r.step)
        };
        let line = format!(
            "{what}  loss {:.4}  {dev}  {:.0} tok/s  {:.0}s",
            r.train_loss, r.tokens_per_s, r.elapsed_s
        );
        // Off a terminal the bar draws nothing, but the per-epoch line still belongs in the log.
        if b.is_hidden() {
            eprintln!("{line}");
        } else {
            b.println(line);
        }
    }
}

/// A document-count bar for tagging and evaluation; hidden when `quiet`.
pub fn doc_bar(quiet: bool, len: Option<u64>) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(len, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} docs {per_sec} ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar
}
