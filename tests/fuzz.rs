//! A seeded mutation loop over every reader: byte flips, truncations,
//! insertions, duplicated lines, huge numbers and offsets inside multi-byte
//! characters. Each read must return `Ok` or `Err`, never panic; so must the
//! model-folder loader on mutated `config.json`, `labels.json`,
//! `training-config.json`, `tokenizer.json` and `model.safetensors`.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use common::*;
use conflict_ner::model_dir::load_tagger;

use conflict_ner::corpus::markup::parse_markup;
use conflict_ner::corpus::{read_corpus, Format, ReadOptions};

/// SplitMix64: a small seeded generator, so every run mutates the same way.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const PIECES: [&str; 12] = [
    "99999999999999999999",
    "-1",
    "1e308",
    "\u{1F1FA}\u{1F1E6}",
    "𝐀",
    "\"",
    "\n",
    "\r\n",
    "\u{FEFF}",
    "\t",
    "null",
    "[[",
];

/// One mutation of `seed`.
fn mutate(seed: &[u8], g: &mut Gen) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..1 + g.below(3) {
        let at = g.below(b.len() + 1);
        match g.below(6) {
            0 if !b.is_empty() => {
                let i = at.min(b.len() - 1);
                b[i] ^= 1 << g.below(8);
            }
            1 => b.truncate(at),
            2 => {
                let p = PIECES[g.below(PIECES.len())].as_bytes();
                b.splice(at..at, p.iter().copied());
            }
            3 => {
                // Duplicate the line around `at`.
                let s = b[..at]
                    .iter()
                    .rposition(|&c| c == b'\n')
                    .map_or(0, |i| i + 1);
                let e = b[at..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |i| at + i + 1);
                let line = b[s..e].to_vec();
                b.splice(e..e, line);
            }
            4 => {
                // Replace a run of digits by a huge or shifted number.
                if let Some(i) = b[at..].iter().position(u8::is_ascii_digit) {
                    let i = at + i;
                    let j = b[i..]
                        .iter()
                        .position(|c| !c.is_ascii_digit())
                        .map_or(b.len(), |k| i + k);
                    let n = ["18446744073709551616", "4294967296", "0", "3", "41"][g.below(5)];
                    b.splice(i..j, n.bytes());
                }
            }
            _ => {
                let i = g.below(b.len() + 1);
                b.insert(i.min(b.len()), (g.next() & 0xff) as u8);
            }
        }
    }
    b
}

const JSONL: &str = concat!(
    "{\"id\": \"a\", \"text\": \"🇺🇦 Kyiv and 𝐀 Goma\", \"entities\": [{\"start\": 3, \"end\": 7, \"label\": \"LOC\"}, {\"start\": 14, \"end\": 18, \"label\": \"LOC\"}]}\n",
    "{\"id\": \"b\", \"text\": \"UN said 14\", \"spans\": [{\"start\": 0, \"end\": 2, \"label\": \"ORG\"}], \"answer\": \"accept\"}\n",
    "{\"id\": \"c\", \"text\": \"UN said 14\", \"labels\": [[0, 2, \"ORG\"], [8, 10, \"FIG\"]]}\n",
    "{\"id\": \"d\", \"text\": \"UN said 14\", \"entities\": [{\"start_offset\": 0, \"end_offset\": 2, \"label\": \"ORG\"}]}\n",
);

const LABEL_STUDIO: &str = r#"[{"id": 1, "data": {"text": "🇺🇦 Kyiv and Goma"}, "annotations": [{"id": 7, "completed_by": 1, "was_cancelled": false, "result": [{"type": "labels", "value": {"start": 5, "end": 9, "text": "Kyiv", "labels": ["LOC"]}}, {"type": "labels", "value": {"start": 14, "end": 18, "text": "Goma", "labels": ["LOC"]}}]}]}]"#;

const CONLL: &str = "-DOCSTART- O\n\nRebels B-ARMED_GROUP\nin O\nNorth B-LOCATION\nKivu I-LOCATION\n\n𝐀 O\nGoma S-LOCATION\n";

const CONLLU: &str =
    "# text = Rebels in Goma\n1\tRebels\t_\tB-ARMED_GROUP\n2\tin\t_\tO\n3\tGoma\t_\tB-LOCATION\n\n";

const ANN: &str =
    "T1\tLOC 3 7\tKyiv\nT2\tLOC 14 18\tGoma\nR1\tNear Arg1:T1 Arg2:T2\n#1\tAnnotatorNotes T1\tok\n";
const BRAT_TXT: &str = "🇺🇦 Kyiv and 𝐀 Goma";

const MARKUP: &str = "%% conflict: x | countries: Y\n\n@@ doc x-001 | style: wire\n[GOMA](LOCATION) ([Reuters](ORGANIZATION)) - [at least 14](FIGURE) died.\n";

/// Runs `read` (true when the input was read without error) on the seed,
/// which must read, and on `n` mutations; returns the inputs that panicked.
/// Some mutations must still read, or the loop would test only the first check.
fn fuzz(
    name: &str,
    seed: &str,
    n: usize,
    g: &mut Gen,
    read: &dyn Fn(&[u8]) -> bool,
) -> Vec<String> {
    assert!(
        read(seed.as_bytes()),
        "{name}: the seed itself does not read"
    );
    let (mut panics, mut ok) = (Vec::new(), 0);
    for _ in 0..n {
        let input = mutate(seed.as_bytes(), g);
        match catch_unwind(AssertUnwindSafe(|| read(&input))) {
            Ok(true) => ok += 1,
            Ok(false) => {}
            Err(_) => panics.push(format!("{name}: {:?}", String::from_utf8_lossy(&input))),
        }
    }
    assert!(ok * 20 >= n, "{name}: only {ok} of {n} mutations read");
    panics
}

fn read_file(dir: &Path, file: &str, bytes: &[u8], format: Format, opts: &ReadOptions) -> bool {
    let p = dir.join(file);
    std::fs::write(&p, bytes).unwrap();
    let opts = ReadOptions {
        format: Some(format),
        ..opts.clone()
    };
    read_corpus(&p, &opts).is_ok()
}

#[test]
fn no_reader_panics_on_ten_thousand_mutated_inputs() {
    std::panic::set_hook(Box::new(|_| {}));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut g = Gen(20261204);
    let plain = ReadOptions::default();
    let column = ReadOptions {
        tag_column: Some(4),
        ..Default::default()
    };
    let mut panics = Vec::new();
    panics.extend(fuzz("jsonl", JSONL, 3000, &mut g, &|b| {
        read_file(d, "a.jsonl", b, Format::Jsonl, &plain)
    }));
    panics.extend(fuzz("label-studio", LABEL_STUDIO, 2000, &mut g, &|b| {
        read_file(d, "a.json", b, Format::LabelStudio, &plain)
    }));
    panics.extend(fuzz("conll", CONLL, 1500, &mut g, &|b| {
        read_file(d, "a.conll", b, Format::Conll, &plain)
    }));
    panics.extend(fuzz("conllu", CONLLU, 500, &mut g, &|b| {
        read_file(d, "a.conllu", b, Format::Conll, &column)
    }));
    let brat = d.join("brat");
    std::fs::create_dir_all(&brat).unwrap();
    panics.extend(fuzz("brat .ann", ANN, 1000, &mut g, &|b| {
        std::fs::write(brat.join("x.txt"), BRAT_TXT).unwrap();
        read_file(&brat, "x.ann", b, Format::Brat, &plain)
    }));
    panics.extend(fuzz("brat .txt", BRAT_TXT, 500, &mut g, &|b| {
        std::fs::write(brat.join("x.ann"), ANN).unwrap();
        std::fs::write(brat.join("x.txt"), b).unwrap();
        read_corpus(
            &brat,
            &ReadOptions {
                format: Some(Format::Brat),
                ..Default::default()
            },
        )
        .is_ok()
    }));
    panics.extend(fuzz("markup", MARKUP, 1500, &mut g, &|b| {
        parse_markup(&String::from_utf8_lossy(b), Path::new("x.md")).is_ok()
    }));
    let _ = std::panic::take_hook();
    assert!(
        panics.is_empty(),
        "{} inputs panicked, first: {:?}",
        panics.len(),
        &panics[..panics.len().min(5)]
    );
}

#[test]
fn the_model_folder_loader_never_panics_on_mutated_files() {
    std::panic::set_hook(Box::new(|_| {}));
    let dir = tempfile::tempdir().unwrap();
    let model = write_tiny_model(dir.path(), &tiny_train_config(1));
    let broken = dir.path().join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    for e in std::fs::read_dir(&model).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), broken.join(e.file_name())).unwrap();
    }
    let mut g = Gen(20261205);
    let mut panics = Vec::new();
    for (file, n) in [
        ("config.json", 800),
        ("labels.json", 600),
        ("training-config.json", 400),
        ("tokenizer.json", 200),
    ] {
        let seed = std::fs::read_to_string(model.join(file)).unwrap();
        let path = broken.join(file);
        panics.extend(fuzz(file, &seed, n, &mut g, &|b| {
            std::fs::write(&path, b).unwrap();
            load_tagger(&broken).is_ok()
        }));
        std::fs::write(&path, &seed).unwrap();
    }
    // The weights: mutations of the safetensors header (a length and JSON), of
    // the data after it, and truncations.
    let weights = std::fs::read(model.join("model.safetensors")).unwrap();
    let header = 8 + u64::from_le_bytes(weights[..8].try_into().unwrap()) as usize;
    let path = broken.join("model.safetensors");
    let (mut ok, n) = (0, 600);
    for i in 0..n {
        let mut b = weights.clone();
        match i % 3 {
            0 => {
                let m = mutate(&b[..header], &mut g);
                b.splice(..header, m);
            }
            1 => {
                let at = header + g.below(b.len() - header);
                b[at] ^= 1 << g.below(8);
                // Some flips land in an exponent and make a weight non-finite.
            }
            _ => b.truncate(g.below(b.len())),
        }
        std::fs::write(&path, &b).unwrap();
        match catch_unwind(AssertUnwindSafe(|| load_tagger(&broken).is_ok())) {
            Ok(true) => ok += 1,
            Ok(false) => {}
            Err(_) => panics.push(format!("model.safetensors mutation {i}")),
        }
    }
    assert!(
        ok * 20 >= n,
        "model.safetensors: only {ok} of {n} mutations loaded"
    );
    let _ = std::panic::take_hook();
    assert!(
        panics.is_empty(),
        "{} inputs panicked, first: {:?}",
        panics.len(),
        &panics[..panics.len().min(5)]
    );
}
