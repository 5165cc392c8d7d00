//! FIGURE values: turns the text of a FIGURE span ("at least 14", "tens of
//! thousands", "$30 million", "25-kilometre") into a [`FigureValue`].
//!
//! # How a span is read
//!
//! The span is split into tokens (numbers, words, symbols; case is ignored),
//! then read as: optional prefixes (approximators, bounds, "between",
//! "from", neutral words such as "only", "a further", "another"), a
//! quantity, an optional range ("to", "-", "or", "and" after "between")
//! with a second quantity, optional suffixes ("or more", "-plus", "-odd",
//! "or so"). A quantity is an optional currency prefix, a number (digits or
//! English number words), optional scale words and an optional unit. Words
//! after a complete figure are taken as the counted noun and ignored
//! ("19 civilians" is 19; "14 of the 19" is 14, a count, while "one in five"
//! is a fraction; "60-bed" is 60). Whether a number is a FIGURE at all (dates,
//! ages, identifiers) is the annotator's or the tagger's call, not this
//! module's: "12 March" reads as 12.
//!
//! * Numbers: `1,200`, `1 200` (a 1–3 digit number, a space, then 3-digit
//!   groups), `1.200.000`, `12.5` (one dot is a decimal point), `2,5` (one
//!   comma before 1–2 digits is a decimal comma); number words up to
//!   trillions ("one hundred and five", "twenty-one", "a dozen", "two and a
//!   half million"); scales `hundred`, `thousand`, `million`, `billion`,
//!   `trillion`, `lakh`, `crore`, `mn`, `bn`, `tn`. A scale letter glued to
//!   the digits is a scale: `2m` and `$2m` are 2 million, `5k` is 5,000,
//!   `3.4bn` is 3.4 billion (news style); a spaced `2 m` and `2 metres` are
//!   2 metres, `2m²` is 2 square metres. `100s` is "hundreds"; `5x` is 5 times.
//! * Bounds (inclusive, no ±1 arithmetic): "at least", "more than", "over",
//!   "above", "upwards of", "or more", "-plus" give only `low`; "up to",
//!   "fewer/less than", "under", "below", "at most", "no more than", "as many
//!   as" give only `high`; "nearly", "almost", "just under" give only `high`
//!   and set `approx`; "just over" gives only `low` and sets `approx`.
//! * Approximators set `approx` and keep `low == high`: "about", "around",
//!   "some", "roughly", "approximately", "an estimated", "perhaps", "maybe",
//!   "close to", "or so".
//! * Ranges: "between 15 and 20", "15 to 20", "15-20", "from 15 to 20",
//!   "two or three" give `low` 15, `high` 20. A scale or unit written once is
//!   shared: "between 1.5 and 3 million CFA francs" is 1.5–3 million XOF (the
//!   scale is shared only when that keeps low ≤ high, so "between 200,000 and
//!   3 million" stays 200,000–3,000,000). "5,000 to more than 20,000" has no
//!   `high`.
//! * Vague quantities set `approx`, give a `low` and no `high`: "dozens" 24,
//!   "scores" 40, "tens" 20, "hundreds" 200, "thousands" 2,000, "tens of
//!   thousands" 20,000, "hundreds of thousands" 200,000, "millions"
//!   2,000,000 (twice each base, multiplied along "of"); "several hundred"
//!   300, "several thousand" 3,000, "a few hundred" 200, "a few dozen" 24;
//!   "a handful" is 3–5 and "a couple" 2. Bare "several"/"a few" are `None`.
//! * Fractions (`unit` "fraction"): "half" 0.5, "a third" 0.333…,
//!   "two-thirds", "three quarters", "one in five" 0.2, "one family in
//!   three", "1 in 3", `1/3`, `½`. "half a million" is 500,000 (a count),
//!   "half a metre" is 0.5 m.
//! * Multipliers (`unit` "times"): "twice", "double" 2, "triple" 3, "three
//!   times", "40 times", "fourfold", "10-fold", "once" 1.
//!
//! # Unit codes
//!
//! `None` for counts of people and things. Otherwise:
//!
//! | code | written as |
//! |---|---|
//! | `%`, `pp` | percent, per cent, pct, `%`; percentage points |
//! | `fraction`, `times` | see above |
//! | `km`, `mi`, `nmi`, `m`, `cm`, `mm`, `ft`, `in`, `yd`, `block` | kilometres, miles, nautical miles, metres, …, inches, yards, blocks |
//! | `km2`, `m2`, `mi2`, `ha`, `acre`, `dunam`, `feddan` | square kilometres (`km²`, `sq km`), square metres, square miles, hectares, acres, dunams, feddans |
//! | `l`, `m3`, `bbl`, `gal` | litres, cubic metres, barrels, gallons |
//! | `t`, `kg`, `g`, `lb` | tonnes/tons, kilograms/kilos, grams, lbs |
//! | `kW`, `MW`, `GW`, `kWh`, `MWh`, `GWh` | kilowatts, …, gigawatt-hours |
//!
//! Money is ISO 4217: `$`, `US$`, dollars → `USD`; `€`, euros → `EUR`; `£`,
//! sterling → `GBP`; naira, `₦` → `NGN`; CFA francs, FCFA → `XOF`; Congolese
//! francs → `CDF`; hryvnias, `₴` → `UAH`; `Rs`, rupees → `PKR` (Indian
//! rupees, `₹` → `INR`); birr → `ETB`; kyat → `MMK`; baht → `THB`; taka →
//! `BDT`; afghanis → `AFN`; gourdes → `HTG`; meticais → `MZN`; rupiah →
//! `IDR`; cedis → `GHS`; kina → `PGK`; roubles → `RUB`; rand → `ZAR`;
//! shekels, NIS → `ILS`; drams → `AMD`; manats → `AZN`; lari → `GEL`;
//! Sudanese / South Sudanese / Egyptian / Lebanese / Syrian pounds → `SDG` /
//! `SSP` / `EGP` / `LBP` / `SYP`; Iraqi / Libyan / Jordanian dinars →
//! `IQD` / `LYD` / `JOD`; Colombian / Mexican / Philippine pesos → `COP` /
//! `MXN` / `PHP`; Kenyan (`Ksh`) / Ugandan / Tanzanian / Somali shillings →
//! `KES` / `UGX` / `TZS` / `SOS`; Yemeni / Iranian rials → `YER` / `IRR`;
//! Saudi riyals → `SAR`; and written ISO codes (`UAH 10,800`, `AMD 50,000`,
//! `500 USD`). A bare currency name that several countries share gives its
//! lowercase singular instead of guessing the country: `dinar`, `franc`,
//! `peso`, `pound` (also a weight), `rial`, `riyal`, `shilling`, `lira`,
//! `dirham`, `kwacha`, `toman`.

mod lexer;
mod lexicon;
mod parser;
#[cfg(test)]
mod tests;

use serde::ser::{Serialize, SerializeStruct, Serializer};

use lexer::lex;
use lexicon::Mod;
use parser::Parser;

/// The value a FIGURE span states. Bounds are inclusive; an exact figure has
/// `low == high`.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureValue {
    /// The smallest value the text allows; `None` when it states none ("up to 5,000").
    pub low: Option<f64>,
    /// The largest value the text allows; `None` when it states none ("more than 300").
    pub high: Option<f64>,
    /// `None` for counts of people and things; else a short code (see the
    /// module docs), in which `low` and `high` are expressed.
    pub unit: Option<&'static str>,
    /// True for approximators ("about", "nearly") and vague quantities ("dozens").
    pub approx: bool,
}

/// The label whose entities carry a [`FigureValue`] in `tag` output.
pub const LABEL: &str = "FIGURE";

/// `{"low": 14, "high": null, "unit": null, "approx": false}`: whole numbers
/// (below 2⁵³) are written as JSON integers, others as decimals.
impl Serialize for FigureValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        fn num<S: SerializeStruct>(
            st: &mut S,
            key: &'static str,
            v: Option<f64>,
        ) -> Result<(), S::Error> {
            match v {
                Some(x) if x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 => {
                    st.serialize_field(key, &(x as i64))
                }
                other => st.serialize_field(key, &other),
            }
        }
        let mut st = s.serialize_struct("FigureValue", 4)?;
        num(&mut st, "low", self.low)?;
        num(&mut st, "high", self.high)?;
        st.serialize_field("unit", &self.unit)?;
        st.serialize_field("approx", &self.approx)?;
        st.end()
    }
}

impl FigureValue {
    /// A bound as text, as JSON writes it: `14`, `0.3333333333333333`, or
    /// empty for `None` (for CSV cells).
    pub fn bound_text(v: Option<f64>) -> String {
        match v {
            Some(x) if x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 => {
                (x as i64).to_string()
            }
            Some(x) => x.to_string(),
            None => String::new(),
        }
    }

    /// A short reading for people: `14`, `≥ 300`, `≤ 5000`, `15–20`, `≈ 60`,
    /// `≈ ≥ 2000`, with the unit after (`25 km`, `0.5 fraction`).
    pub fn describe(&self) -> String {
        let b = |v| Self::bound_text(Some(v));
        let range = match (self.low, self.high) {
            (Some(l), Some(h)) if l == h => b(l),
            (Some(l), Some(h)) => format!("{}–{}", b(l), b(h)),
            (Some(l), None) => format!("≥ {}", b(l)),
            (None, Some(h)) => format!("≤ {}", b(h)),
            (None, None) => "?".to_string(),
        };
        let approx = if self.approx { "≈ " } else { "" };
        match self.unit {
            Some(u) => format!("{approx}{range} {u}"),
            None => format!("{approx}{range}"),
        }
    }
}

/// Parses a FIGURE span's text (digits or English number words, any case);
/// `None` when it cannot be read as a figure (empty text, text that does not
/// start with a quantity or a known prefix, bare "several", non-finite
/// numbers). Never panics.
pub fn normalise(text: &str) -> Option<FigureValue> {
    let mut p = Parser { t: lex(text), i: 0 };
    let q = p.figure()?;
    let ok = |v: Option<f64>| v.is_none_or(f64::is_finite);
    if (q.low.is_none() && q.high.is_none()) || !ok(q.low) || !ok(q.high) {
        return None;
    }
    Some(FigureValue {
        low: q.low,
        high: q.high,
        unit: q.unit,
        approx: q.approx,
    })
}

/// A quantity while it is being read.
#[derive(Debug, Clone, Copy)]
struct Q {
    low: Option<f64>,
    high: Option<f64>,
    unit: Option<&'static str>,
    approx: bool,
    /// The scale written after the number ("million"), shared across a range.
    scale: f64,
}

impl Q {
    fn exact(v: f64, unit: Option<&'static str>) -> Q {
        Q {
            low: Some(v),
            high: Some(v),
            unit,
            approx: false,
            scale: 1.0,
        }
    }
    fn vague(low: f64, high: Option<f64>) -> Q {
        Q {
            low: Some(low),
            high,
            unit: None,
            approx: true,
            scale: 1.0,
        }
    }
    fn apply(&mut self, m: Mod) {
        match m {
            Mod::Lower | Mod::LowerApprox => {
                self.low = self.low.or(self.high);
                self.high = None;
            }
            Mod::Upper | Mod::UpperApprox => {
                self.high = self.high.or(self.low);
                self.low = None;
            }
            _ => {}
        }
        self.approx |= matches!(m, Mod::Approx | Mod::LowerApprox | Mod::UpperApprox);
    }
}

/// Joins the two ends of a range, sharing a scale or unit written once.
fn range(mut a: Q, b: Q) -> Q {
    if a.scale == 1.0 && b.scale > 1.0 {
        if let (Some(lo), Some(hi)) = (a.low, b.low.or(b.high)) {
            if lo * b.scale <= hi {
                a.low = Some(lo * b.scale);
            }
        }
    }
    Q {
        low: a.low,
        high: b.high,
        unit: b.unit.or(a.unit),
        approx: a.approx || b.approx,
        scale: b.scale,
    }
}
