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

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

use candle_core::{Tensor, Var};

pub use bert::{Bert, BertConfig, BertInput};
pub use params::{normalise_name, read_checkpoint, Params};

use crate::error::Result;
use crate::rng::Rng;
use dropout::Dropout;
use linear::Linear;

/// The arithmetic of the encoder's dense-layer products (attention, layer norm
/// and GELU are f32 either way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// f32 throughout.
    F32,
    /// Products of bf16-rounded inputs summed in f32 (AVX-512 BF16 only);
    /// everything else (attention, layer norm, GELU) stays f32.
    Bf16,
    /// Inference only: inputs quantised to int8 (activations per token, weights
    /// per output) and products summed exactly in i32 (AVX-512 VNNI only). On
    /// trainable weights the products run as [`Precision::Bf16`] where
    /// available, else f32.
    Int8,
}

impl Precision {
    /// bf16 where the CPU has AVX-512 BF16, else f32.
    pub fn fastest() -> Self {
        if bf16::available() {
            Precision::Bf16
        } else {
            Precision::F32
        }
    }

    /// Parses `fp32`/`f32`, `bf16`, `int8` or `auto` ([`Precision::fastest`],
    /// never int8); bf16 or int8 on a CPU without the instructions is an error.
    pub fn parse(s: &str) -> std::result::Result<Self, String> {
        match s {
            "fp32" | "f32" => Ok(Precision::F32),
            "auto" => Ok(Self::fastest()),
            "bf16" if bf16::available() => Ok(Precision::Bf16),
            "bf16" => {
                Err("bf16 needs a CPU with AVX-512 BF16; this one lacks it (use fp32)".into())
            }
            "int8" if int8::available() => Ok(Precision::Int8),
            "int8" => {
                Err("int8 needs a CPU with AVX-512 VNNI; this one lacks it (use fp32)".into())
            }
            other => Err(format!(
                "unknown precision {other:?} (expected auto, bf16, int8 or fp32)"
            )),
        }
    }

    /// `fp32`, `bf16` or `int8`.
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "fp32",
            Precision::Bf16 => "bf16",
            Precision::Int8 => "int8",
        }
    }
}

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
            return Err(crate::error::Error::Config(format!(
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
    /// (f32 unless set). bf16 falls back to f32 on a CPU without AVX-512 BF16
    /// and int8 to f32 without AVX-512 VNNI ([`Precision::parse`] reports those
    /// cases as errors instead).
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

#[cfg(test)]
mod tests {
    use super::Precision;

    #[test]
    fn precision_names_parse_and_unknown_ones_are_errors() {
        assert_eq!(Precision::parse("fp32"), Ok(Precision::F32));
        assert_eq!(Precision::parse("f32"), Ok(Precision::F32));
        assert_eq!(Precision::parse("auto"), Ok(Precision::fastest()));
        let e = Precision::parse("fp16").unwrap_err();
        assert!(
            e.contains("fp16") && e.contains("bf16") && e.contains("int8"),
            "{e}"
        );
        match Precision::parse("int8") {
            Ok(p) => assert_eq!(p, Precision::Int8),
            Err(e) => assert!(e.contains("AVX-512 VNNI"), "{e}"),
        }
        match Precision::parse("bf16") {
            Ok(p) => assert_eq!(p, Precision::Bf16),
            Err(e) => assert!(e.contains("AVX-512 BF16"), "{e}"),
        }
    }
}
