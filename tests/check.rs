//! `check` finds every kind of corpus error with file, line and text, warns on
//! inconsistent annotation, and exits 1 on errors.

use std::path::Path;
use std::process::Command;

use conflict_ner::check::{check_files, CheckOptions, Severity};

fn write(dir: &Path, name: &str, lines: &[&str]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, lines.join("\n")).unwrap();
    p
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("conflict-ner-check-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn reports_every_error_with_its_line() {
    let dir = tmp("errors");
    let a = write(
        &dir,
        "a.jsonl",
        &[
            r#"{"id":"ok","text":"Goma fell to M23.","entities":[{"start":0,"end":4,"label":"LOCATION"},{"start":13,"end":16,"label":"ARMED_GROUP"}]}"#,
            r#"{"id":"rev","text":"abc def","entities":[{"start":5,"end":2,"label":"LOCATION"}]}"#,
            r#"{"id":"oob","text":"abc","entities":[{"start":1,"end":9,"label":"LOCATION"}]}"#,
            r#"{"id":"space","text":"in Goma now","entities":[{"start":2,"end":7,"label":"LOCATION"}]}"#,
            r#"{"id":"punct","text":"(Goma)","entities":[{"start":0,"end":5,"label":"LOCATION"}]}"#,
            r#"{"id":"overlap","text":"North Kivu","entities":[{"start":0,"end":10,"label":"LOCATION"},{"start":6,"end":10,"label":"LOCATION"}]}"#,
            r#"{"id":"label","text":"Goma","entities":[{"start":0,"end":4,"label":"CITY"}]}"#,
            r#"{"id":"empty","text":"  ","entities":[]}"#,
            r#"{"id":"abbr","text":"the U.S. said","entities":[{"start":4,"end":8,"label":"LOCATION"}]}"#,
            "{broken",
        ],
    );
    let b = write(&dir, "b.jsonl", &[r#"{"id":"ok","text":"again"}"#]);
    let opts = CheckOptions {
        labels: Some(vec!["LOCATION".into(), "ARMED_GROUP".into()]),
        near_duplicate: 0.5,
        ..Default::default()
    };
    let r = check_files(&[&a, &b], &opts).unwrap();
    let errors: Vec<String> = r
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| {
            format!(
                "{}:{}: {}: {}",
                Path::new(&f.path).file_name().unwrap().to_str().unwrap(),
                f.line,
                f.doc,
                f.message
            )
        })
        .collect();
    let has = |needle: &str| {
        assert!(
            errors.iter().any(|e| e.contains(needle)),
            "no {needle:?} in {errors:#?}"
        )
    };
    has("a.jsonl:2: rev: span 5..2 (LOCATION) is reversed");
    has("a.jsonl:3: oob: span 1..9 (LOCATION) is out of range");
    has("a.jsonl:4: space: span 2..7 (LOCATION) \" Goma\" starts or ends on whitespace");
    has("a.jsonl:5: punct: span 0..5 (LOCATION) \"(Goma\"");
    has("a.jsonl:6: overlap: span 6..10 (LOCATION) overlaps span 0..10");
    has("a.jsonl:7: label: span 0..4 (CITY) \"Goma\": label \"CITY\" is not in the declared set");
    has("a.jsonl:8: empty: empty document");
    has("a.jsonl:10: : invalid JSON");
    has("b.jsonl:1: ok: duplicate id \"ok\" (first at");
    assert_eq!(errors.len(), 9, "{errors:#?}");
    assert_eq!(r.total.documents, 10);
}

#[test]
fn warns_on_inconsistent_annotation_and_near_duplicates() {
    let dir = tmp("warnings");
    let text = "Rebels of the M23 group attacked the town of Goma in North Kivu on Monday morning, residents said.";
    let a = write(
        &dir,
        "a.jsonl",
        &[
            &format!(
                r#"{{"id":"a","text":"{text}","entities":[{{"start":45,"end":49,"label":"LOCATION"}}]}}"#
            ),
            &format!(
                r#"{{"id":"b","text":"{text} More.","entities":[{{"start":45,"end":49,"label":"ORGANIZATION"}}]}}"#
            ),
            r#"{"id":"c","text":"Goma is calm.","entities":[]}"#,
        ],
    );
    let r = check_files(
        &[&a],
        &CheckOptions {
            labels: None,
            near_duplicate: 0.5,
            ..Default::default()
        },
    )
    .unwrap();
    let warnings: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .map(|f| f.message.as_str())
        .collect();
    assert!(
        warnings.iter().any(|w| w
            .contains("\"Goma\" carries different labels: LOCATION ×1 (e.g. a), ORGANIZATION ×1")),
        "{warnings:#?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("\"Goma\" is tagged elsewhere")
                && w.contains("1 time(s) untagged (at c@0)")),
        "{warnings:#?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("near-duplicate of \"a\"")),
        "{warnings:#?}"
    );
    assert!(r.most_similar.as_ref().unwrap().2 > 0.8);
    assert_eq!(r.total.labels["LOCATION"], 1);
}

#[test]
fn cli_exits_1_on_errors_and_prints_json() {
    let dir = tmp("cli");
    let bad = write(
        &dir,
        "bad.jsonl",
        &[r#"{"id":"x","text":"abc","entities":[{"start":2,"end":1,"label":"L"}]}"#],
    );
    let out = Command::new(env!("CARGO_BIN_EXE_conflict-ner"))
        .args(["check", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("bad.jsonl:1: x: span 2..1 (L) is reversed")
    );
    let good = write(
        &dir,
        "good.jsonl",
        &[r#"{"id":"x","text":"Goma","entities":[{"start":0,"end":4,"label":"L"}]}"#],
    );
    let out = Command::new(env!("CARGO_BIN_EXE_conflict-ner"))
        .args(["check", "--json", "--labels", "L", good.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total"]["entities"], 1);
    assert!(v["findings"].as_array().unwrap().is_empty());
}

#[test]
fn warns_on_entities_that_cut_a_word() {
    let dir = tmp("in-word");
    let a = write(
        &dir,
        "a.jsonl",
        &[
            r#"{"id":"a","text":"Sudanese troops and Taliban-led fighters","entities":[{"start":0,"end":5,"label":"LOCATION"},{"start":20,"end":27,"label":"ARMED_GROUP"}]}"#,
            r#"{"id":"b","text":"in 𝐀Goma","entities":[{"start":4,"end":8,"label":"LOCATION"}]}"#,
        ],
    );
    let r = check_files(
        &[&a],
        &CheckOptions {
            labels: None,
            near_duplicate: 0.5,
            read: Default::default(),
        },
    )
    .unwrap();
    let cuts: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.message.contains("inside the word"))
        .collect();
    // "Taliban" in "Taliban-led" is a word of its own (the hyphen splits).
    assert_eq!(cuts.len(), 2, "{:?}", r.findings);
    assert!(cuts.iter().all(|f| f.severity == Severity::Warning));
    assert_eq!((cuts[0].line, cuts[0].doc.as_str()), (1, "a"));
    assert!(
        cuts[0]
            .message
            .contains(r#""Sudan" ends inside the word "Sudanese""#),
        "{}",
        cuts[0].message
    );
    assert!(
        cuts[1]
            .message
            .contains(r#""Goma" starts inside the word "𝐀Goma""#),
        "{}",
        cuts[1].message
    );
}
