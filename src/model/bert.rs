//! A BERT encoder with differentiable layer norm and real dropout, in the
//! Hugging Face weight layout.

use std::cell::RefCell;
use std::path::Path;
use std::sync::OnceLock;

use candle_core::{DType, Tensor};
use serde::{Deserialize, Serialize};

use super::attention::self_attention;
use super::dropout::Dropout;
use super::layer_norm::LayerNorm;
use super::linear::Linear;
use super::params::{Init, Params};
use super::Precision;
use crate::error::{Error, Result};
use crate::rng::Rng;

fn default_eps() -> f64 {
    1e-12
}
fn default_dropout() -> f32 {
    0.1
}
fn default_act() -> String {
    "gelu".into()
}
fn default_type_vocab() -> usize {
    2
}
fn default_init_range() -> f32 {
    0.02
}

/// The fields of a Hugging Face BERT `config.json` that the encoder uses.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BertConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub max_position_embeddings: usize,
    #[serde(default = "default_type_vocab")]
    pub type_vocab_size: usize,
    #[serde(default = "default_act")]
    pub hidden_act: String,
    #[serde(default = "default_dropout")]
    pub hidden_dropout_prob: f32,
    #[serde(default = "default_dropout")]
    pub attention_probs_dropout_prob: f32,
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f64,
    #[serde(default = "default_init_range")]
    pub initializer_range: f32,
}

impl BertConfig {
    /// Reads and checks `config.json`.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let cfg: BertConfig = serde_json::from_str(&text)
            .map_err(|e| Error::model(path, format!("not a BERT config: {e}")))?;
        if cfg.num_attention_heads == 0 || !cfg.hidden_size.is_multiple_of(cfg.num_attention_heads)
        {
            return Err(Error::model(
                path,
                format!(
                    "hidden_size {} is not a multiple of num_attention_heads {}",
                    cfg.hidden_size, cfg.num_attention_heads
                ),
            ));
        }
        // Bounds well above any BERT, so that a corrupt file is an error here and
        // not an allocation of terabytes later.
        let bounds: [(&str, usize, usize, usize); 7] = [
            ("vocab_size", cfg.vocab_size, 1, 1 << 24),
            ("hidden_size", cfg.hidden_size, 1, 1 << 14),
            ("num_hidden_layers", cfg.num_hidden_layers, 1, 256),
            ("num_attention_heads", cfg.num_attention_heads, 1, 1 << 10),
            ("intermediate_size", cfg.intermediate_size, 1, 1 << 17),
            (
                "max_position_embeddings",
                cfg.max_position_embeddings,
                8,
                1 << 20,
            ),
            ("type_vocab_size", cfg.type_vocab_size, 1, 1 << 10),
        ];
        for (name, v, lo, hi) in bounds {
            if !(lo..=hi).contains(&v) {
                return Err(Error::model(
                    path,
                    format!("{name} {v} is outside {lo}..={hi}"),
                ));
            }
        }
        for (name, p) in [
            ("hidden_dropout_prob", cfg.hidden_dropout_prob),
            (
                "attention_probs_dropout_prob",
                cfg.attention_probs_dropout_prob,
            ),
        ] {
            if !(0.0..1.0).contains(&p) {
                return Err(Error::model(path, format!("{name} {p} is outside [0, 1)")));
            }
        }
        if !(cfg.layer_norm_eps > 0.0 && cfg.layer_norm_eps < 1.0) {
            return Err(Error::model(
                path,
                format!("layer_norm_eps {} is outside (0, 1)", cfg.layer_norm_eps),
            ));
        }
        if !(cfg.initializer_range.is_finite() && cfg.initializer_range >= 0.0) {
            return Err(Error::model(
                path,
                format!(
                    "initializer_range {} is not a finite non-negative number",
                    cfg.initializer_range
                ),
            ));
        }
        if !matches!(
            cfg.hidden_act.as_str(),
            "gelu" | "gelu_new" | "gelu_pytorch_tanh" | "relu"
        ) {
            return Err(Error::model(
                path,
                format!("hidden_act {:?} is not supported", cfg.hidden_act),
            ));
        }
        Ok(cfg)
    }
}

/// Token ids and masks for one batch; all `[batch, seq]`.
pub struct BertInput {
    /// Token ids (`u32`).
    pub ids: Tensor,
    /// Token type ids (`u32`).
    pub type_ids: Tensor,
    /// 1.0 on real tokens, 0.0 on padding (`f32`).
    pub mask: Tensor,
}

struct Embeddings {
    word: Tensor,
    position: Tensor,
    token_type: Tensor,
    norm: LayerNorm,
    dropout: Dropout,
}

struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attn_out: Linear,
    attn_norm: LayerNorm,
    intermediate: Linear,
    output: Linear,
    out_norm: LayerNorm,
    dropout: Dropout,
    attn_dropout: Dropout,
    /// query, key and value as one layer, built once when the weights are frozen.
    qkv_inference: OnceLock<Linear>,
}

/// The encoder stack: embeddings then `num_hidden_layers` transformer layers.
pub struct Bert {
    embeddings: Embeddings,
    layers: Vec<Layer>,
    heads: usize,
    act: String,
}

impl Bert {
    /// Builds the encoder, taking weights from `p` (names without the `bert.` prefix).
    pub fn new(p: &mut Params, cfg: &BertConfig) -> Result<Self> {
        let h = cfg.hidden_size;
        let std = cfg.initializer_range;
        let eps = cfg.layer_norm_eps;
        let embeddings = Embeddings {
            word: p.get(
                "embeddings.word_embeddings.weight",
                &[cfg.vocab_size, h],
                Init::Normal(std),
            )?,
            position: p.get(
                "embeddings.position_embeddings.weight",
                &[cfg.max_position_embeddings, h],
                Init::Normal(std),
            )?,
            token_type: p.get(
                "embeddings.token_type_embeddings.weight",
                &[cfg.type_vocab_size, h],
                Init::Normal(std),
            )?,
            norm: LayerNorm::new(p, "embeddings.LayerNorm", h, eps)?,
            dropout: Dropout::new(cfg.hidden_dropout_prob),
        };
        let mut layers = Vec::with_capacity(cfg.num_hidden_layers);
        for i in 0..cfg.num_hidden_layers {
            let pre = format!("encoder.layer.{i}");
            layers.push(Layer {
                query: Linear::new(p, &format!("{pre}.attention.self.query"), h, h, std)?,
                key: Linear::new(p, &format!("{pre}.attention.self.key"), h, h, std)?,
                value: Linear::new(p, &format!("{pre}.attention.self.value"), h, h, std)?,
                attn_out: Linear::new(p, &format!("{pre}.attention.output.dense"), h, h, std)?,
                attn_norm: LayerNorm::new(p, &format!("{pre}.attention.output.LayerNorm"), h, eps)?,
                intermediate: Linear::new(
                    p,
                    &format!("{pre}.intermediate.dense"),
                    h,
                    cfg.intermediate_size,
                    std,
                )?,
                output: Linear::new(
                    p,
                    &format!("{pre}.output.dense"),
                    cfg.intermediate_size,
                    h,
                    std,
                )?,
                out_norm: LayerNorm::new(p, &format!("{pre}.output.LayerNorm"), h, eps)?,
                dropout: Dropout::new(cfg.hidden_dropout_prob),
                attn_dropout: Dropout::new(cfg.attention_probs_dropout_prob),
                qkv_inference: OnceLock::new(),
            });
        }
        Ok(Bert {
            embeddings,
            layers,
            heads: cfg.num_attention_heads,
            act: cfg.hidden_act.clone(),
        })
    }

    /// Last hidden state `[batch, seq, hidden]`; dropout is on when `rng` is given
    /// (training). `precision` is the arithmetic of the dense layers' products.
    pub fn forward(
        &self,
        input: &BertInput,
        rng: Option<&RefCell<Rng>>,
        precision: Precision,
    ) -> Result<Tensor> {
        let (b, t) = input.ids.dims2()?;
        let e = &self.embeddings;
        let hidden = e.word.dim(1)?;
        let max_pos = e.position.dim(0)?;
        if t > max_pos {
            return Err(Error::Config(format!(
                "sequence of {t} tokens exceeds the encoder's {max_pos} positions: lower --max-len"
            )));
        }
        let words = e
            .word
            .index_select(&input.ids.flatten_all()?, 0)?
            .reshape((b, t, hidden))?;
        let types = e
            .token_type
            .index_select(&input.type_ids.flatten_all()?, 0)?
            .reshape((b, t, hidden))?;
        let pos = e.position.narrow(0, 0, t)?.unsqueeze(0)?;
        let x = words.add(&types)?.broadcast_add(&pos)?;
        let mut x = e.dropout.forward(&e.norm.forward(&x)?, rng)?;
        let mask = input.mask.to_dtype(DType::F32)?;
        for layer in &self.layers {
            x = layer.forward(&x, &mask, self.heads, &self.act, rng, precision)?;
        }
        Ok(x)
    }
}

impl Layer {
    fn forward(
        &self,
        x: &Tensor,
        mask: &Tensor,
        heads: usize,
        act: &str,
        rng: Option<&RefCell<Rng>>,
        precision: Precision,
    ) -> Result<Tensor> {
        let dense = |l: &Linear, x: &Tensor| l.forward(x, precision);
        let parts = [&self.query, &self.key, &self.value];
        let qkv = if self.query.frozen() {
            // Frozen weights: concatenate once (and, for bf16, pack once).
            if self.qkv_inference.get().is_none() {
                let _ = self.qkv_inference.set(Linear::concat(&parts)?);
            }
            dense(self.qkv_inference.get().expect("set above"), x)?
        } else {
            dense(&Linear::concat(&parts)?, x)?
        };
        // One seed per layer call from the shared stream keeps --seed runs repeatable.
        let attn_seed = rng.map(|r| (self.attn_dropout.p(), r.borrow_mut().next_u64()));
        let ctx = self_attention(&qkv, mask, heads, attn_seed)?;
        let attn = self.dropout.forward(&dense(&self.attn_out, &ctx)?, rng)?;
        let x = self.attn_norm.forward(&attn.add(x)?)?;
        let inter = match act {
            "gelu" => self.intermediate.forward_gelu(&x, precision)?,
            "relu" => dense(&self.intermediate, &x)?.relu()?,
            _ => dense(&self.intermediate, &x)?.gelu()?,
        };
        let out = self.dropout.forward(&dense(&self.output, &inter)?, rng)?;
        self.out_norm.forward(&out.add(&x)?)
    }
}
