//! conflict-ner: fine-tune a BERT-family encoder to tag entities in conflict
//! reports, tag new articles, and evaluate models.
//!
//! Data flows one way, each arrow one function:
//! corpus ([`corpus::read_corpus`]) → encoded windows ([`encoding::Encoder::encode`],
//! [`batch::windows`]) → model ([`model::TokenClassifier::forward_t`]) → tags
//! ([`decode::viterbi`]) → spans ([`decode::tags_to_entities`]) → metrics
//! ([`metrics::Evaluation`]) or output.

pub mod batch;
pub mod check;
pub mod checkpoint;
pub mod config;
pub mod corpus;
pub mod cpu;
pub mod curve;
pub mod decode;
pub mod document;
pub mod encoding;
pub mod error;
pub mod figure;
pub mod label;
pub mod loss;
pub mod metrics;
pub mod mistakes;
pub mod model;
pub mod model_dir;
pub mod optim;
pub mod page;
pub mod prediction;
pub mod report;
pub mod rng;
pub mod segment;
pub mod tagger;
pub mod train;

pub use document::{Document, Entity};
pub use error::{Error, Result};
