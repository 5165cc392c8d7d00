//! What training reports: every dev evaluation, the kept step, timings and the
//! data used. Saved as `training-report.json` in the model folder; below both
//! [`crate::train`], which fills it, and [`crate::model_dir`], which writes it.

use serde::{Deserialize, Serialize};

use crate::metrics::Report;

/// One dev evaluation during training.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvalRecord {
    pub epoch: usize,
    pub step: usize,
    /// Mean training loss since the previous evaluation.
    pub train_loss: f64,
    /// Dev scores; `None` without a dev set.
    pub dev: Option<Report>,
    /// Whether this evaluation gave the best dev micro-F1 so far.
    pub best: bool,
    /// Seconds since training began.
    pub elapsed_s: f64,
    /// Real training tokens per second since the previous evaluation.
    pub tokens_per_s: f64,
}

/// A data file used for training, for the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DataFile {
    pub role: String,
    pub path: String,
    pub sha256: String,
    pub documents: usize,
}

/// What `training-report.json` holds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TrainReport {
    pub seed: u64,
    pub base_model: String,
    pub data: Vec<DataFile>,
    pub evaluations: Vec<EvalRecord>,
    /// Step of the kept weights.
    pub best_step: usize,
    pub best_dev_micro_f1: Option<f64>,
    pub stopped_early: bool,
    pub wall_time_s: f64,
    /// Real training tokens per second over the whole run (evaluation excluded).
    pub train_tokens_per_s: f64,
    pub train_windows: usize,
    /// Training entities that start or end inside a word, trained as their whole words.
    #[serde(default)]
    pub entities_inside_words: usize,
}
