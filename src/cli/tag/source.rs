//! Where `tag` reads documents from: files, folders (walked without following
//! symlink loops) and stdin, streamed as one item per document or bad line, in
//! input order, by a reader thread that never holds more than the channel's bound.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver};

use conflict_ner::Document;

/// How stdin is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// One JSON object per line with "text" (and "id").
    Jsonl,
    /// All of stdin is one plain-text document with id `-`.
    Text,
}

/// One thing read: a document, a line that could not be read, or a fatal error.
pub enum Item {
    Doc(Document),
    /// A malformed input line: `where` is `path:line`, `id` the line's id if it had one.
    Bad {
        at: String,
        id: Option<String>,
        message: String,
    },
    /// Reading cannot go on (missing file, unreadable folder, I/O error).
    Fatal(anyhow::Error),
}

/// Items buffered between the reader thread and the tagger (memory stays bounded).
const BOUND: usize = 1024;

/// Starts a thread that reads `inputs` in order and sends their items.
pub fn spawn(inputs: Vec<PathBuf>, stdin_format: InputFormat) -> Receiver<Item> {
    let (tx, rx) = sync_channel(BOUND);
    std::thread::spawn(move || {
        let mut send = |item: Item| tx.send(item).is_ok();
        for input in &inputs {
            let mut files = Vec::new();
            if let Err(e) = expand(input, &mut files, &mut HashSet::new()) {
                send(Item::Fatal(e));
                return;
            }
            for file in files {
                if !read_one(&file, stdin_format, &mut send) {
                    return;
                }
            }
        }
    });
    rx
}

/// Reads one input file (or `-`), sending its items; false when reading must stop.
fn read_one(path: &Path, stdin_format: InputFormat, send: &mut dyn FnMut(Item) -> bool) -> bool {
    let fatal = |e: anyhow::Error| Item::Fatal(e);
    if path == Path::new("-") {
        return match stdin_format {
            InputFormat::Jsonl => {
                read_lines(BufReader::new(std::io::stdin().lock()), "<stdin>", send)
            }
            InputFormat::Text => {
                let mut bytes = Vec::new();
                if let Err(e) = std::io::stdin().lock().read_to_end(&mut bytes) {
                    return send(fatal(anyhow::Error::new(e).context("stdin: cannot read")));
                }
                match text_of(bytes, "stdin") {
                    Ok(text) => send(Item::Doc(plain("-".into(), text))),
                    Err(e) => send(fatal(e)),
                }
            }
        };
    }
    let name = path.display().to_string();
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            return send(fatal(
                anyhow::Error::new(e).context(format!("{name}: cannot read")),
            ))
        }
    };
    if ext(path) == "jsonl" {
        return read_lines(BufReader::new(file), &name, send);
    }
    let mut bytes = Vec::new();
    if let Err(e) = BufReader::new(file).read_to_end(&mut bytes) {
        return send(fatal(
            anyhow::Error::new(e).context(format!("{name}: cannot read")),
        ));
    }
    match text_of(bytes, &name) {
        Ok(text) => send(Item::Doc(plain(name, text))),
        Err(e) => send(fatal(e)),
    }
}

/// Streams a JSONL source line by line: each line is a document or a [`Item::Bad`].
fn read_lines(mut r: impl BufRead, name: &str, send: &mut dyn FnMut(Item) -> bool) -> bool {
    let mut buf = Vec::new();
    let mut line = 0usize;
    loop {
        buf.clear();
        match r.read_until(b'\n', &mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) => {
                return send(Item::Fatal(
                    anyhow::Error::new(e).context(format!("{name}: cannot read")),
                ))
            }
        }
        line += 1;
        let mut bytes = buf.as_slice();
        if line == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        let at = format!("{name}:{line}");
        let item = match std::str::from_utf8(bytes) {
            Err(e) => Item::Bad {
                at,
                id: None,
                message: format!("invalid UTF-8 at byte {}", e.valid_up_to()),
            },
            Ok(s) if s.trim().is_empty() => continue,
            Ok(s) => parse_line(s.trim_end_matches(['\n', '\r']), at),
        };
        if !send(item) {
            return false;
        }
    }
}

/// One JSONL line: an object with a string "text" and an optional string or number "id"
/// (default: `path:line`). Other keys are ignored.
fn parse_line(s: &str, at: String) -> Item {
    let v: serde_json::Value = match serde_json::from_str(s) {
        Ok(v) => v,
        Err(e) => {
            return Item::Bad {
                at,
                id: None,
                message: format!("invalid JSON: {e}"),
            }
        }
    };
    let id = match v.get("id") {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    match v.get("text").and_then(|t| t.as_str()) {
        Some(text) => Item::Doc(plain(id.unwrap_or_else(|| at.clone()), text.to_string())),
        None => Item::Bad {
            at,
            id,
            message: "no string \"text\"".into(),
        },
    }
}

fn plain(id: String, text: String) -> Document {
    Document {
        id,
        text,
        entities: Vec::new(),
    }
}

/// UTF-8 text of a whole file, a leading byte-order mark dropped.
fn text_of(mut bytes: Vec<u8>, name: &str) -> anyhow::Result<String> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count();
        anyhow::anyhow!("{name}:{line}: invalid UTF-8 at byte {at}")
    })
}

/// Lists the files an input names: itself, or a folder's .txt/.jsonl files,
/// recursively and sorted; a folder already walked (a symlink loop) is skipped.
fn expand(input: &Path, out: &mut Vec<PathBuf>, seen: &mut HashSet<PathBuf>) -> anyhow::Result<()> {
    use anyhow::Context;
    if input == Path::new("-") {
        out.push(input.to_path_buf());
        return Ok(());
    }
    let meta =
        std::fs::metadata(input).with_context(|| format!("{}: cannot read", input.display()))?;
    if meta.is_dir() {
        let real = input
            .canonicalize()
            .with_context(|| format!("{}: cannot read", input.display()))?;
        if !seen.insert(real) {
            return Ok(());
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(input)
            .with_context(|| format!("{}: cannot list", input.display()))?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .with_context(|| format!("{}: cannot list", input.display()))?;
        entries.sort();
        for p in entries {
            if p.is_dir() || matches!(ext(&p).as_str(), "txt" | "jsonl") {
                expand(&p, out, seen)?;
            }
        }
        return Ok(());
    }
    match ext(input).as_str() {
        "txt" | "jsonl" => out.push(input.to_path_buf()),
        other => anyhow::bail!(
            "{}: cannot tag a .{other} file: expected .txt, .jsonl, a folder or -",
            input.display()
        ),
    }
    Ok(())
}

fn ext(p: &Path) -> String {
    p.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}
