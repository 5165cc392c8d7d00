//! The FIGURE parser: reads a token stream into a quantity.

use super::lexer::{Kind, Tok};
use super::lexicon::{
    denominator, multiplier, plural_scale, scale_word, small, tens, vulgar, Mod, ISO, PREFIXES,
    PREFIX_CURRENCY, SUFFIXES, UNITS,
};
use super::{range, Q};

pub(super) struct Parser {
    pub(super) t: Vec<Tok>,
    pub(super) i: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Last {
    None,
    Unit,
    Teen,
    Tens,
    Hundred,
    Scale,
}

impl Parser {
    fn word(&self, k: usize) -> &str {
        self.t.get(self.i + k).map_or("", |t| t.text.as_str())
    }
    fn is(&self, k: usize, w: &str) -> bool {
        self.word(k) == w
    }
    fn num(&self, k: usize) -> Option<f64> {
        match self.t.get(self.i + k)?.kind {
            Kind::Num(v) => Some(v),
            _ => None,
        }
    }
    fn glued(&self, k: usize) -> bool {
        self.t.get(self.i + k).is_some_and(|t| t.glued)
    }

    /// Length of the longest alternative of `table` matching at offset `k`.
    fn longest<T: Copy>(&self, table: &[(&str, T)], k: usize) -> Option<(usize, T)> {
        let mut best: Option<(usize, T)> = None;
        for &(alts, v) in table {
            for alt in alts.split('|') {
                let n = alt.split(' ').count();
                let hit = alt.split(' ').enumerate().all(|(j, w)| self.is(k + j, w));
                if hit && best.is_none_or(|(b, _)| n > b) {
                    best = Some((n, v));
                }
            }
        }
        best
    }

    fn affix(&mut self, table: &[(&str, Mod)]) -> Option<Mod> {
        let (n, m) = self.longest(table, 0)?;
        self.i += n;
        Some(m)
    }

    fn iso(&self, k: usize) -> Option<&'static str> {
        let w = self.word(k);
        ISO.iter().find(|c| c.eq_ignore_ascii_case(w)).copied()
    }

    fn currency_prefix(&mut self) -> Option<&'static str> {
        if let Some((n, c)) = self.longest(PREFIX_CURRENCY, 0) {
            self.i += n;
            return Some(c);
        }
        let c = self.iso(0).filter(|_| self.num(1).is_some())?;
        self.i += 1;
        Some(c)
    }

    /// A unit at the cursor, possibly after a glued hyphen ("25-kilometre").
    fn unit(&mut self) -> Option<&'static str> {
        let h = usize::from(self.is(0, "-") && self.glued(0) && self.glued(1));
        let (n, mut code) = match self.longest(UNITS, h) {
            Some(hit) => hit,
            None => (1, self.iso(h)?),
        };
        self.i += h + n;
        if self.glued(0) {
            let sq = self.is(0, "²") || self.is(0, "2");
            let cu = self.is(0, "³") || self.is(0, "3");
            let area = match code {
                "km" if sq => Some("km2"),
                "m" if sq => Some("m2"),
                "mi" if sq => Some("mi2"),
                "m" if cu => Some("m3"),
                _ => None,
            };
            if let Some(a) = area {
                code = a;
                self.i += 1;
            }
        }
        Some(code)
    }

    /// A whole span: prefixes, a quantity, an optional range, suffixes.
    pub(super) fn figure(&mut self) -> Option<Q> {
        let (mut mods, mut between) = (Vec::new(), false);
        while let Some(m) = self.affix(PREFIXES) {
            match m {
                Mod::Between => between = true,
                Mod::From | Mod::Plain => {}
                m => mods.push(m),
            }
        }
        let mut q = self.side()?;
        if let Some(m) = self.affix(SUFFIXES) {
            q.apply(m);
        }
        let save = self.i;
        let conn = if between {
            "and|to|-|–|—"
        } else {
            "to|-|–|—|or|through"
        };
        if self.affix(&[(conn, Mod::Plain)]).is_some() {
            match self.second() {
                Some(b) => q = range(q, b),
                None => self.i = save,
            }
        }
        while let Some(m) = self.affix(SUFFIXES) {
            mods.push(m);
        }
        for m in mods {
            q.apply(m);
        }
        Some(q)
    }

    /// The second quantity of a range, with its own prefixes and suffixes.
    fn second(&mut self) -> Option<Q> {
        let mut mods = Vec::new();
        while let Some(m) = self.affix(PREFIXES) {
            if matches!(m, Mod::Between | Mod::From) {
                return None;
            }
            mods.push(m);
        }
        let mut b = self.side()?;
        if let Some(m) = self.affix(SUFFIXES) {
            mods.push(m);
        }
        for m in mods {
            b.apply(m);
        }
        Some(b)
    }

    /// One quantity: optional currency, the number or vague quantity, a unit.
    fn side(&mut self) -> Option<Q> {
        let cur = self.currency_prefix();
        let mut q = self.core()?;
        if q.unit.is_none() {
            let u = self.unit();
            q.unit = cur.or(u);
        }
        Some(q)
    }

    fn core(&mut self) -> Option<Q> {
        let article = self.is(0, "a") || self.is(0, "an");
        if article && self.num(1).is_some() {
            self.i += 1; // "a 25-kilometre convoy"
        }
        if let Some((v, scale)) = self.number() {
            if scale == 1.0 && self.is(0, "/") && self.glued(0) && self.glued(1) {
                if let Some(d) = self.num(1).filter(|&d| d > 0.0) {
                    self.i += 2;
                    return Some(Q::exact(v / d, Some("fraction")));
                }
            }
            let h = usize::from(self.is(0, "-"));
            if let Some(d) = denominator(self.word(h)).filter(|_| scale == 1.0 && v >= 1.0) {
                self.i += h + 1;
                return Some(Q::exact(v / d, Some("fraction")));
            }
            if self.glued(0) && (self.is(0, "s") || self.is(0, "x")) {
                let times = self.is(0, "x"); // "5x"; "100s" is "hundreds"
                self.i += 1;
                return Some(if times {
                    Q::exact(v, Some("times"))
                } else {
                    self.vague_plural(v)
                });
            }
            if scale == 1.0 {
                if let Some(r) = self.ratio(v) {
                    return Some(r);
                }
            }
            return Some(Q {
                scale,
                ..Q::exact(v, None)
            });
        }
        let w = self.word(0).to_string();
        if let Some(v) = vulgar(&w) {
            self.i += 1;
            return Some(Q::exact(v, Some("fraction")));
        }
        if let Some(v) = multiplier(&w) {
            self.i += 1;
            return Some(Q::exact(v, Some("times")));
        }
        if w == "half" {
            self.i += 1;
            if self.is(0, "a") || self.is(0, "an") {
                self.i += 1;
                if let Some(s) = scale_word(self.word(0)) {
                    self.i += 1;
                    return Some(Q::exact(0.5 * s, None));
                }
                if let Some(u) = self.unit() {
                    return Some(Q::exact(0.5, Some(u)));
                }
                self.i -= 1;
            }
            return Some(Q::exact(0.5, Some("fraction")));
        }
        if article {
            self.i += 1;
            if let Some(d) = denominator(self.word(0)) {
                self.i += 1;
                return Some(Q::exact(1.0 / d, Some("fraction")));
            }
            if self.is(0, "handful") {
                self.i += 1;
                return Some(Q::vague(3.0, Some(5.0)));
            }
            if self.is(0, "couple") {
                self.i += 1;
                if self.is(0, "of") && scale_word(self.word(1)).is_some() {
                    self.i += 1;
                    return self.scaled_vague(2.0);
                }
                return Some(Q {
                    approx: true,
                    ..Q::exact(2.0, None)
                });
            }
            if self.is(0, "few") {
                self.i += 1;
                return self.scaled_vague(2.0);
            }
            let u = self.unit()?; // "less than a kilometre"
            return Some(Q::exact(1.0, Some(u)));
        }
        if w == "several" || w == "few" {
            self.i += 1;
            return self.scaled_vague(if w == "several" { 3.0 } else { 2.0 });
        }
        let v = plural_scale(&w)?;
        self.i += 1;
        Some(self.vague_plural(v))
    }

    /// "hundreds", "tens of thousands", "100s of kilometres": twice the product of the bases.
    fn vague_plural(&mut self, mut v: f64) -> Q {
        while let Some(s) = plural_scale(self.word(1)).filter(|_| self.is(0, "of")) {
            v *= s;
            self.i += 2;
        }
        let mut q = Q::vague(2.0 * v, None);
        if self.is(0, "of") {
            self.i += 1;
            q.unit = self.unit();
            if q.unit.is_none() {
                self.i -= 1;
            }
        }
        q
    }

    /// "several hundred", "a few thousand": `factor` times the scales that follow.
    fn scaled_vague(&mut self, factor: f64) -> Option<Q> {
        let mut v = factor;
        let mut any = false;
        while let Some(s) = scale_word(self.word(0)) {
            v *= s;
            any = true;
            self.i += 1;
        }
        any.then(|| Q::vague(v, None))
    }

    /// "one in five", "one family in three", "1 in 3": a fraction.
    fn ratio(&mut self, v: f64) -> Option<Q> {
        let save = self.i;
        let mut k = 0;
        while k < 2 && self.t.get(self.i + k).is_some_and(|t| t.kind == Kind::Word) {
            let w = self.word(k);
            if matches!(w, "in" | "to" | "or" | "and" | "of") || self.longest(UNITS, k).is_some() {
                break;
            }
            k += 1;
        }
        if self.is(k, "in") {
            self.i += k + 1;
            if self.is(0, "every") {
                self.i += 1;
            }
            if let Some((d, s)) = self.number() {
                if s == 1.0 && d > 0.0 && d >= v {
                    return Some(Q::exact(v / d, Some("fraction")));
                }
            }
        }
        self.i = save;
        None
    }

    /// A number in digits or words with its scale words: (value, scale).
    fn number(&mut self) -> Option<(f64, f64)> {
        let (mut v, mut scale) = if let Some(n) = self.num(0) {
            self.i += 1;
            let mut n = n;
            if let Some(f) = vulgar(self.word(0)).filter(|_| self.glued(0)) {
                n += f;
                self.i += 1;
            }
            let w = self.word(0);
            let glued_scale = match w {
                "m" | "mn" | "mln" | "mil" => 1e6,
                "k" => 1e3,
                "b" | "bn" | "bln" => 1e9,
                "tn" | "trn" => 1e12,
                _ => 1.0,
            };
            let metres = w == "m" && self.glued(1) && matches!(self.word(1), "²" | "³" | "2" | "3");
            if glued_scale > 1.0 && self.glued(0) && !metres {
                self.i += 1;
                (n * glued_scale, glued_scale)
            } else {
                (n, 1.0)
            }
        } else {
            self.words()?
        };
        if self.is(0, "and") && self.is(1, "a") && self.is(2, "half") {
            v += 0.5;
            self.i += 3;
        }
        while let Some(s) = scale_word(self.word(0)) {
            v *= s;
            scale *= s;
            self.i += 1;
        }
        Some((v, scale))
    }

    /// English number words: "one hundred and five", "twenty-one", "a thousand".
    fn words(&mut self) -> Option<(f64, f64)> {
        let start = self.i;
        let (mut total, mut cur, mut last, mut last_scale) = (0.0, 0.0, Last::None, 1.0);
        let mut and_save: Option<(usize, f64, f64, Last)> = None;
        let big = |w: &str| scale_word(w).filter(|&s| s > 100.0);
        if (self.is(0, "a") || self.is(0, "an")) && scale_word(self.word(1)).is_some() {
            self.i += 1;
            cur = 1.0;
            last = Last::Unit;
        }
        loop {
            let w = self.word(0).to_string();
            if let Some(v) = small(&w) {
                if matches!(last, Last::Unit | Last::Teen) || (last == Last::Tens && v >= 10.0) {
                    break;
                }
                cur += v;
                last = if v < 10.0 { Last::Unit } else { Last::Teen };
            } else if let Some(v) = tens(&w) {
                if matches!(last, Last::Unit | Last::Teen | Last::Tens) {
                    break;
                }
                cur += v;
                last = Last::Tens;
            } else if w == "hundred" && matches!(last, Last::Unit | Last::Teen | Last::Tens) {
                if let Some((i, t, c, l)) = and_save.take() {
                    (self.i, total, cur, last) = (i, t, c, l);
                    break;
                }
                cur *= 100.0;
                last = Last::Hundred;
                last_scale = 100.0;
            } else if let Some(s) =
                big(&w).filter(|_| last != Last::None && last != Last::Scale && cur > 0.0)
            {
                if let Some((i, t, c, l)) = and_save.take() {
                    (self.i, total, cur, last) = (i, t, c, l);
                    break;
                }
                total += cur * s;
                cur = 0.0;
                last = Last::Scale;
                last_scale = s;
            } else if w == "-"
                && last == Last::Tens
                && small(self.word(1)).is_some_and(|v| (1.0..10.0).contains(&v))
            {
                // "twenty-one": the hyphen joins tens and units.
            } else if w == "and"
                && matches!(last, Last::Hundred | Last::Scale)
                && (small(self.word(1)).is_some() || tens(self.word(1)).is_some())
            {
                and_save = Some((self.i, total, cur, last));
            } else {
                break;
            }
            self.i += 1;
        }
        if last == Last::None {
            self.i = start;
            return None;
        }
        let scale = if matches!(last, Last::Hundred | Last::Scale) {
            last_scale
        } else {
            1.0
        };
        Some((total + cur, scale))
    }
}
