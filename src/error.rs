//! The library's one error type. Messages lead with their subject
//! (`data/train.jsonl:12: span 40..38 is reversed`); sources are kept.

use std::path::PathBuf;

/// Every failure the library reports.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A corpus or input file is malformed at a given line (1-based).
    #[error("{path}:{line}: {message}")]
    Data {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A corpus record that has no line of its own (a task of a JSON array) is malformed.
    #[error("{path}: task {task}: {message}")]
    Task {
        path: PathBuf,
        /// 1-based position of the task in the file's array.
        task: usize,
        message: String,
    },
    /// A corpus file or folder as a whole cannot be read (unknown format, missing pair file...).
    #[error("{path}: {message}")]
    Corpus { path: PathBuf, message: String },
    /// A JSON document failed to parse.
    #[error("{path}:{line}: invalid JSON: {source}")]
    Json {
        path: PathBuf,
        line: usize,
        #[source]
        source: serde_json::Error,
    },
    /// A model folder is missing a file or holds an inconsistent one.
    #[error("{path}: {message}")]
    Model { path: PathBuf, message: String },
    /// A model folder cannot be written where asked (it would replace something else).
    #[error("{path}: {message}")]
    Output { path: PathBuf, message: String },
    /// A training checkpoint is missing, unreadable or belongs to another run.
    #[error("{path}: {message}")]
    Checkpoint { path: PathBuf, message: String },
    /// Training was interrupted (SIGINT/SIGTERM) after writing a checkpoint.
    #[error(
        "interrupted at step {step}: checkpoint written to {}; run the same command \
         with --resume to continue",
        checkpoint.display()
    )]
    Interrupted { checkpoint: PathBuf, step: usize },
    /// The tokenizer failed to encode a document.
    #[error("document {doc:?}: tokenizer: {source}")]
    Tokenizer {
        doc: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A document does not fit the model (a label it does not know, say).
    #[error("document {doc:?}: {message}")]
    Document { doc: String, message: String },
    /// A checkpoint's weights do not fit the model (missing or misshapen tensors);
    /// the loaders turn it into [`Error::Model`] naming the file.
    #[error("weights: {0}")]
    Weights(String),
    /// A hyperparameter or option value is out of range.
    #[error("config: {0}")]
    Config(String),
    /// Tensor arithmetic failed (shape mismatch, missing weight...).
    #[error("tensor: {0}")]
    Candle(#[from] candle_core::Error),
}

/// Result with the library's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// A data error at `path:line`.
    pub fn data(path: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        Error::Data {
            path: path.into(),
            line,
            message: message.into(),
        }
    }

    /// An error about a corpus file or folder as a whole.
    pub fn corpus(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Corpus {
            path: path.into(),
            message: message.into(),
        }
    }

    /// A model-folder error about `path`.
    pub fn model(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Model {
            path: path.into(),
            message: message.into(),
        }
    }

    /// An error about a training checkpoint at `path`.
    pub fn checkpoint(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Checkpoint {
            path: path.into(),
            message: message.into(),
        }
    }

    /// An error about where a model folder is to be written.
    pub fn output(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Output {
            path: path.into(),
            message: message.into(),
        }
    }
}
