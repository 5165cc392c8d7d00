//! The FIGURE tokenizer: splits a span into numbers, words and symbols.

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Kind {
    Num(f64),
    Word,
    Sym,
}

#[derive(Debug, Clone)]
pub(super) struct Tok {
    pub(super) kind: Kind,
    pub(super) text: String,
    /// No whitespace between this token and the previous one.
    pub(super) glued: bool,
}

pub(super) fn lex(text: &str) -> Vec<Tok> {
    let c: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    let mut toks: Vec<Tok> = Vec::new();
    let (mut i, mut glued) = (0, false);
    while i < c.len() {
        let start = i;
        let kind = if c[i].is_whitespace() || ".,;:!?\"'()[]{}“”‘’«»".contains(c[i]) {
            glued = false;
            i += 1;
            continue;
        } else if c[i].is_ascii_digit() {
            while i < c.len()
                && (c[i].is_ascii_digit()
                    || (matches!(c[i], ',' | '.')
                        && c.get(i + 1).is_some_and(char::is_ascii_digit)))
            {
                i += 1;
            }
            let raw: String = c[start..i].iter().collect();
            digits(&raw).map_or(Kind::Sym, Kind::Num)
        } else if c[i].is_alphabetic() {
            while i < c.len() && c[i].is_alphabetic() {
                i += 1;
            }
            Kind::Word
        } else {
            i += 1;
            Kind::Sym
        };
        let text: String = c[start..i].iter().collect();
        // "1 200": a 1-3 digit number, a space, then a 3-digit group.
        if let (Kind::Num(v), Some(prev)) = (kind, toks.last_mut()) {
            let plain = |s: &str, n: usize| s.len() <= n && s.bytes().all(|b| b.is_ascii_digit());
            if let Kind::Num(pv) = prev.kind {
                let spaced =
                    start >= 2 && c[start - 1].is_whitespace() && c[start - 2].is_ascii_digit();
                if spaced && text.len() == 3 && plain(&text, 3) && plain(&prev.text, 3) {
                    prev.kind = Kind::Num(pv * 1000.0 + v);
                    prev.text = "000".into();
                    glued = true;
                    continue;
                }
            }
        }
        toks.push(Tok { kind, text, glued });
        glued = true;
    }
    toks
}

/// Reads a digit run with `,`/`.` grouping; `None` when the grouping is odd.
fn digits(s: &str) -> Option<f64> {
    let three = |g: &&str| g.len() == 3 || (g.len() > 3 && g.as_bytes()[3] == b'.');
    let mut s = s.to_string();
    if s.contains(',') {
        let parts: Vec<&str> = s.split(',').collect();
        s = if parts[1..].iter().all(three) {
            s.replace(',', "")
        } else if parts.len() == 2 && parts[1].len() <= 2 && !s.contains('.') {
            s.replace(',', ".")
        } else {
            return None;
        };
    }
    if s.matches('.').count() > 1 {
        if !s.split('.').skip(1).all(|g| g.len() == 3) {
            return None;
        }
        s = s.replace('.', "");
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}
