//! Training hyperparameters: defaults < config file (JSON) < command-line flags.
//! The effective config is saved with the weights as `training-config.json`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{PrecisionChoice, Resolved, Work};

/// Every training hyperparameter, with its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Maximum passes over the training data (default 6).
    pub epochs: usize,
    /// Windows per optimizer step (default 16).
    pub batch_size: usize,
    /// Peak learning rate of AdamW after warmup (default 1e-4).
    pub lr: f64,
    /// Encoder window in sub-tokens, `[CLS]`/`[SEP]` included (default 128);
    /// longer documents are cut into overlapping windows, never truncated.
    pub max_len: usize,
    /// Sub-tokens shared by consecutive windows (default 32).
    pub window_overlap: usize,
    /// Fraction of all steps spent warming the learning rate up linearly from 0 (default 0.1);
    /// it then decays linearly to 0.
    pub warmup_ratio: f64,
    /// Decoupled AdamW weight decay, not applied to biases and layer-norm weights (default 0.01).
    pub weight_decay: f64,
    /// Gradients are rescaled when their global L2 norm exceeds this (default 1.0; 0 disables).
    pub max_grad_norm: f64,
    /// Stop after this many dev evaluations without a better micro-F1 (default 3; 0 disables).
    pub patience: usize,
    /// Also evaluate on dev every this many steps (default 0: only at epoch ends).
    pub eval_every: usize,
    /// Seed for head initialisation, dropout and shuffling (default 42).
    pub seed: u64,
    /// Windows per forward pass when evaluating and tagging (default 32).
    pub eval_batch_size: usize,
    /// Arithmetic of the encoder's matrix products in training and dev evaluation:
    /// `auto` (default: `bf16` where the CPU has AVX-512 BF16, else `fp32`), `bf16`
    /// (inputs rounded to bf16, sums, weights and optimizer state in f32) or `fp32`.
    /// The saved config names the one used.
    pub precision: PrecisionChoice,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 6,
            batch_size: 16,
            lr: 1e-4,
            max_len: 128,
            window_overlap: 32,
            warmup_ratio: 0.1,
            weight_decay: 0.01,
            max_grad_norm: 1.0,
            patience: 3,
            eval_every: 0,
            seed: 42,
            eval_batch_size: 32,
            precision: PrecisionChoice::Auto,
        }
    }
}

impl TrainConfig {
    /// Reads a JSON config file; keys it omits keep their defaults, unknown keys are errors.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        serde_json::from_str(&text).map_err(|e| Error::Json {
            path: path.into(),
            line: e.line(),
            source: e,
        })
    }

    /// The arithmetic `precision` names for training on this CPU: `int8`, or a
    /// precision the CPU lacks, is an error.
    pub fn precision(&self) -> Result<Resolved> {
        self.precision
            .resolve(Work::Train)
            .map_err(|e| Error::Config(format!("precision: {e}")))
    }

    /// Checks that every value is in range.
    pub fn validate(&self) -> Result<()> {
        self.precision()?;
        let bad = |m: String| Err(Error::Config(m));
        if self.epochs == 0 {
            return bad("epochs must be at least 1".into());
        }
        if self.batch_size == 0 || self.eval_batch_size == 0 {
            return bad("batch sizes must be at least 1".into());
        }
        if self.max_len < 8 {
            return bad(format!(
                "max_len {} is too small (at least 8)",
                self.max_len
            ));
        }
        if self.window_overlap * 2 > self.max_len - 2 {
            return bad(format!(
                "window_overlap {} must be at most half the window ({} sub-tokens)",
                self.window_overlap,
                (self.max_len - 2) / 2
            ));
        }
        if !(self.lr > 0.0 && self.lr.is_finite()) {
            return bad(format!("lr {} must be positive", self.lr));
        }
        if !(0.0..1.0).contains(&self.warmup_ratio) {
            return bad(format!(
                "warmup_ratio {} must be in [0, 1)",
                self.warmup_ratio
            ));
        }
        if self.weight_decay < 0.0 || self.max_grad_norm < 0.0 {
            return bad("weight_decay and max_grad_norm must not be negative".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(json: &str) -> std::path::PathBuf {
        let p = std::env::temp_dir().join(format!(
            "conflict-ner-config-{}-{}.json",
            std::process::id(),
            json.len()
        ));
        std::fs::write(&p, json).unwrap();
        p
    }

    #[test]
    fn a_file_overrides_defaults_and_unknown_keys_are_errors() {
        let c = TrainConfig::from_file(&file(r#"{"epochs": 2, "lr": 3e-5}"#)).unwrap();
        assert_eq!((c.epochs, c.lr), (2, 3e-5));
        assert_eq!(c.batch_size, TrainConfig::default().batch_size);
        let e = TrainConfig::from_file(&file(r#"{"epoch": 2}"#)).unwrap_err();
        assert!(e.to_string().contains("unknown field `epoch`"), "{e}");
        let e = TrainConfig::from_file(&file(r#"{"precision": "fp16"}"#)).unwrap_err();
        assert!(e.to_string().contains("fp16"), "{e}");
    }

    #[test]
    fn every_range_check_names_its_value() {
        let d = TrainConfig::default;
        assert!(d().validate().is_ok());
        let cases: Vec<(TrainConfig, &str)> = vec![
            (TrainConfig { epochs: 0, ..d() }, "epochs"),
            (
                TrainConfig {
                    batch_size: 0,
                    ..d()
                },
                "batch sizes",
            ),
            (
                TrainConfig {
                    eval_batch_size: 0,
                    ..d()
                },
                "batch sizes",
            ),
            (TrainConfig { max_len: 7, ..d() }, "max_len 7"),
            (
                TrainConfig {
                    max_len: 20,
                    window_overlap: 10,
                    ..d()
                },
                "window_overlap 10",
            ),
            (TrainConfig { lr: 0.0, ..d() }, "lr 0"),
            (
                TrainConfig {
                    lr: f64::NAN,
                    ..d()
                },
                "lr NaN",
            ),
            (
                TrainConfig {
                    warmup_ratio: 1.0,
                    ..d()
                },
                "warmup_ratio 1",
            ),
            (
                TrainConfig {
                    weight_decay: -1.0,
                    ..d()
                },
                "weight_decay",
            ),
            (
                TrainConfig {
                    max_grad_norm: -1.0,
                    ..d()
                },
                "max_grad_norm",
            ),
            (
                TrainConfig {
                    precision: PrecisionChoice::Int8,
                    ..d()
                },
                "int8",
            ),
        ];
        for (c, needle) in cases {
            let e = c.validate().unwrap_err().to_string();
            assert!(
                e.starts_with("config: ") && e.contains(needle),
                "{needle}: {e}"
            );
        }
    }
}
