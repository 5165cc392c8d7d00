//! The network: a BERT encoder and a token-classification head.

mod attention;
mod bert;
pub mod bf16;
mod dropout;
mod exp;
mod gelu;
pub mod int8;
mod layer_norm;
mod linear;
mod params;
mod precision;

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

use candle_core::{Tensor, Var};

pub use bert::{Bert, BertConfig, BertInput};
pub use params::{normalise_name, read_checkpoint, Params};
pub use precision::{Precision, PrecisionChoice, Resolved, Work};

use crate::error::Result;
use crate::rng::Rng;
use dropout::Dropout;
use linear::Linear;

/// BERT plus dropout and a linear layer giving one score per tag class.
pub struct TokenClassifier {
    /// The encoder.
    pub bert: Bert,
    dropout: Dropout,
    classifier: Linear,
    vars: Vec<(String, Var)>,
    rng: RefCell<Rng>,
    precision: Precision,
}

impl TokenClassifier {
    /// Builds the model from checkpoint tensors (see [`read_checkpoint`]); tensors
    /// missing from it (the head, for a base model) are initialised from `seed`.
    /// Returns the model and the names it initialised.
    pub fn new(
        cfg: &BertConfig,
        num_tags: usize,
        weights: HashMap<String, Tensor>,
        seed: u64,
        trainable: bool,
    ) -> Result<(Self, Vec<String>)> {
        let (model, initialised) =
            Self::build(cfg, num_tags, Params::new(weights, seed, trainable), seed)?;
        let missing: Vec<&str> = initialised
            .iter()
            .map(String::as_str)
            .filter(|n| !n.starts_with("classifier"))
            .collect();
        if !missing.is_empty() {
            return Err(crate::error::Error::Weights(format!(
                "the checkpoint lacks encoder weights: {}",
                missing[..missing.len().min(5)].join(", ")
            )));
        }
        Ok((model, initialised))
    }

    /// A model whose encoder is randomly initialised (tests and benchmarks).
    pub fn random(cfg: &BertConfig, num_tags: usize, seed: u64) -> Result<Self> {
        Ok(Self::build(cfg, num_tags, Params::new(HashMap::new(), seed, true), seed)?.0)
    }

    fn build(
        cfg: &BertConfig,
        num_tags: usize,
        mut p: Params,
        seed: u64,
    ) -> Result<(Self, Vec<String>)> {
        let bert = Bert::new(&mut p, cfg)?;
        let classifier = Linear::new(
            &mut p,
            "classifier",
            cfg.hidden_size,
            num_tags,
            cfg.initializer_range,
        )?;
        let model = TokenClassifier {
            bert,
            dropout: Dropout::new(cfg.hidden_dropout_prob),
            classifier,
            vars: p.vars().to_vec(),
            rng: RefCell::new(Rng::new(seed.wrapping_add(1))),
            precision: Precision::F32,
        };
        Ok((model, p.initialised))
    }

    /// Sets the arithmetic of the encoder's products, for training and inference
    /// (f32 unless set). Resolve a user's choice first ([`PrecisionChoice::resolve`]
    /// reports what this CPU cannot run); here an unsupported precision runs f32.
    pub fn set_precision(&mut self, precision: Precision) {
        self.precision = match precision {
            Precision::Bf16 if !bf16::available() => Precision::F32,
            Precision::Int8 if !int8::available() => Precision::F32,
            p => p,
        };
    }

    /// The arithmetic of the encoder's products.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Tag scores (logits) `[batch, seq, num_tags]`; dropout is on when `train`.
    pub fn forward_t(&self, input: &BertInput, train: bool) -> Result<Tensor> {
        let rng = train.then_some(&self.rng);
        let hidden = self.bert.forward(input, rng, self.precision)?;
        // The head is tiny (hidden × tags): f32 always.
        self.classifier
            .forward(&self.dropout.forward(&hidden, rng)?, Precision::F32)
    }

    /// Every parameter with whether AdamW decays it: all weights but biases and
    /// layer-norm weights (the one decay rule of training and the benchmarks).
    pub fn decay_mask(&self) -> Vec<(Var, bool)> {
        self.vars
            .iter()
            .map(|(n, v)| (v.clone(), !n.ends_with(".bias") && !n.contains("LayerNorm")))
            .collect()
    }

    /// The name of the first parameter holding a NaN or an infinity, if any.
    pub fn first_non_finite(&self) -> Result<Option<String>> {
        for (name, v) in &self.vars {
            let bad = crate::cpu::storage::with_f32(v.as_tensor(), |xs| {
                xs.iter().any(|x| !x.is_finite())
            })?;
            if bad {
                return Ok(Some(name.clone()));
            }
        }
        Ok(None)
    }

    /// The state of the dropout generator (for checkpoints; see [`crate::rng::Rng::state`]).
    pub fn dropout_state(&self) -> u64 {
        self.rng.borrow().state()
    }

    /// Continues dropout from a [`TokenClassifier::dropout_state`].
    pub fn set_dropout_state(&self, state: u64) {
        *self.rng.borrow_mut() = Rng::from_state(state);
    }

    /// Every parameter by name (encoder names without a prefix, then `classifier.*`).
    pub fn vars(&self) -> &[(String, Var)] {
        &self.vars
    }

    /// Saves every parameter to `path` as safetensors, in the layout of Hugging
    /// Face's `BertForTokenClassification` (`bert.`-prefixed encoder names).
    pub fn save(&self, path: &Path) -> Result<()> {
        let map: HashMap<String, Tensor> = self
            .vars
            .iter()
            .map(|(n, v)| {
                let name = if n.starts_with("classifier") {
                    n.clone()
                } else {
                    format!("bert.{n}")
                };
                (name, v.as_tensor().detach())
            })
            .collect();
        candle_core::safetensors::save(&map, path)?;
        Ok(())
    }
}
