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
//! ("19 civilians" is 19; "14 of the 19" is 14; "60-bed" is 60).
//!
//! * Numbers: `1,200`, `1 200` (a 1–3 digit number, a space, then 3-digit
//!   groups), `1.200.000`, `12.5` (one dot is a decimal point), `2,5` (one
//!   comma before 1–2 digits is a decimal comma); number words up to
//!   trillions ("one hundred and five", "twenty-one", "a dozen", "two and a
//!   half million"); scales `hundred`, `thousand`, `million`, `billion`,
//!   `trillion`, `lakh`, `crore`, `mn`, `bn`, `tn`. A scale letter glued to
//!   the digits is a scale: `2m` and `$2m` are 2 million, `5k` is 5,000,
//!   `3.4bn` is 3.4 billion; a spaced `2 m` is 2 metres, and so are
//!   `2 metres` and `2m²` (2 square metres).
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

/// Parses a FIGURE span's text (digits or English number words, any case);
/// `None` when it cannot be read as a figure (empty text, text that does not
/// start with a quantity or a known prefix, bare "several", non-finite
/// numbers). Never panics.
pub fn normalise(text: &str) -> Option<FigureValue> {
    let mut p = Parser { t: lex(text), i: 0 };
    let q = p.figure()?;
    let ok = |v: Option<f64>| v.map_or(true, f64::is_finite);
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

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Num(f64),
    Word,
    Sym,
}

#[derive(Debug, Clone)]
struct Tok {
    kind: Kind,
    text: String,
    /// No whitespace between this token and the previous one.
    glued: bool,
}

fn lex(text: &str) -> Vec<Tok> {
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
                        && c.get(i + 1).map_or(false, char::is_ascii_digit)))
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

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mod {
    Plain,
    Approx,
    Lower,
    Upper,
    LowerApprox,
    UpperApprox,
    Between,
    From,
}

/// Words before a quantity; alternatives separated by `|`, tokens by spaces.
const PREFIXES: &[(&str, Mod)] = &[
    ("only|just|a further|further|another|an additional|additional|a total of|total of|the|a mere|mere|merely|exactly|precisely|a record|all|barely|scarcely", Mod::Plain),
    ("about|around|some|roughly|approximately|approx|an estimated|estimated|perhaps|maybe|possibly|probably|close to|closer to|circa|ca|somewhere|somewhere around|an average of|on average|an approximate", Mod::Approx),
    ("nearly|almost|just under|just below|just short of|slightly less than|slightly fewer than|not quite|close to but under", Mod::UpperApprox),
    ("just over|just above|slightly more than|slightly over|a little over|a little more than", Mod::LowerApprox),
    ("at least|more than|over|above|upwards of|upward of|in excess of|greater than|no fewer than|no less than|not less than|not fewer than|a minimum of|well over|well above|far more than|many more than|exceeding|beyond", Mod::Lower),
    ("up to|fewer than|less than|under|below|at most|no more than|not more than|as many as|as much as|as high as|a maximum of|maximum of|well under|well below|at the most", Mod::Upper),
    ("between", Mod::Between),
    ("from", Mod::From),
];

/// Words after a quantity.
const SUFFIXES: &[(&str, Mod)] = &[
    ("or more|or above|or over|and more|and above|and over|plus|- plus|+|at least|or higher|or greater|and up", Mod::Lower),
    ("or fewer|or less|or under|or below|at most|or lower|at the most", Mod::Upper),
    ("- odd|odd|and odd", Mod::LowerApprox),
    ("or so|or thereabouts|more or less|approximately|roughly|or about", Mod::Approx),
];

/// Unit words after a quantity (also after a hyphen: "25-kilometre").
const UNITS: &[(&str, &str)] = &[
    ("%|percent|per cent|pct|pc", "%"),
    ("percentage points|percentage point", "pp"),
    ("times|fold", "times"),
    ("kilometres|kilometre|kilometers|kilometer|km|kms|klm", "km"),
    ("miles|mile|mi", "mi"),
    ("nautical miles|nautical mile|nmi", "nmi"),
    ("metres|metre|meters|meter|m|mtrs", "m"),
    ("centimetres|centimetre|centimeters|centimeter|cm", "cm"),
    ("millimetres|millimetre|millimeters|millimeter|mm", "mm"),
    ("feet|foot|ft", "ft"),
    ("inches|inch", "in"),
    ("yards|yard|yd", "yd"),
    ("blocks|block|city blocks", "block"),
    ("square kilometres|square kilometre|square kilometers|square kilometer|square km|sq km|sq kilometres|sqkm", "km2"),
    ("square metres|square metre|square meters|square meter|sq m|sq metres", "m2"),
    ("square miles|square mile|sq mi|sq miles", "mi2"),
    ("hectares|hectare|ha", "ha"),
    ("acres|acre", "acre"),
    ("dunams|dunam|dunums|dunum|donums|donum", "dunam"),
    ("feddans|feddan", "feddan"),
    ("litres|litre|liters|liter|ltr|ltrs", "l"),
    ("cubic metres|cubic metre|cubic meters|cubic meter|cu m", "m3"),
    ("barrels|barrel|bbl|bpd", "bbl"),
    ("gallons|gallon", "gal"),
    ("tonnes|tonne|tons|ton|metric tons|metric tonnes|metric ton|mt", "t"),
    ("kilograms|kilogram|kilogrammes|kilogramme|kilos|kilo|kg|kgs", "kg"),
    ("grams|gram|grammes|gramme", "g"),
    ("lbs|lb", "lb"),
    ("kilowatts|kilowatt|kw", "kW"),
    ("megawatts|megawatt|mw", "MW"),
    ("gigawatts|gigawatt|gw", "GW"),
    ("kilowatt - hours|kilowatt hours|kwh", "kWh"),
    ("megawatt - hours|megawatt hours|mwh", "MWh"),
    ("gigawatt - hours|gigawatt hours|gwh", "GWh"),
    ("dollars|dollar|us dollars|u s dollars|american dollars", "USD"),
    ("canadian dollars", "CAD"),
    ("australian dollars", "AUD"),
    ("liberian dollars", "LRD"),
    ("euros|euro", "EUR"),
    ("sterling|pounds sterling|british pounds", "GBP"),
    ("naira|nigerian naira", "NGN"),
    ("cfa francs|cfa franc|cfa|fcfa|francs cfa|west african cfa francs", "XOF"),
    ("central african cfa francs", "XAF"),
    ("congolese francs|congolese franc", "CDF"),
    ("burundian francs|burundi francs", "BIF"),
    ("rwandan francs|rwanda francs", "RWF"),
    ("guinean francs", "GNF"),
    ("swiss francs", "CHF"),
    ("francs|franc", "franc"),
    ("hryvnias|hryvnia|hryvnas|hryvna|hryvnyas|hryvnya|hryvni", "UAH"),
    ("rupees|rupee|pakistani rupees", "PKR"),
    ("indian rupees", "INR"),
    ("sri lankan rupees", "LKR"),
    ("nepali rupees|nepalese rupees", "NPR"),
    ("kenyan shillings|ksh", "KES"),
    ("ugandan shillings|ush", "UGX"),
    ("tanzanian shillings", "TZS"),
    ("somali shillings", "SOS"),
    ("shillings|shilling", "shilling"),
    ("birr|ethiopian birr", "ETB"),
    ("nakfa", "ERN"),
    ("kyat|kyats", "MMK"),
    ("baht", "THB"),
    ("taka", "BDT"),
    ("afghanis|afghani|afs", "AFN"),
    ("gourdes|gourde", "HTG"),
    ("meticais|metical|meticals", "MZN"),
    ("rupiah", "IDR"),
    ("cedis|cedi", "GHS"),
    ("kina", "PGK"),
    ("roubles|rouble|rubles|ruble", "RUB"),
    ("rand", "ZAR"),
    ("shekels|shekel|new shekels", "ILS"),
    ("drams|dram", "AMD"),
    ("manats|manat", "AZN"),
    ("lari", "GEL"),
    ("turkish lira|turkish liras", "TRY"),
    ("sudanese pounds|sudanese pound", "SDG"),
    ("south sudanese pounds|south sudanese pound", "SSP"),
    ("egyptian pounds|egyptian pound", "EGP"),
    ("lebanese pounds|lebanese pound|lebanese lira", "LBP"),
    ("syrian pounds|syrian pound|syrian lira", "SYP"),
    ("pounds|pound", "pound"),
    ("lira|liras|lire", "lira"),
    ("iraqi dinars|iraqi dinar", "IQD"),
    ("libyan dinars|libyan dinar", "LYD"),
    ("jordanian dinars|jordanian dinar", "JOD"),
    ("dinars|dinar", "dinar"),
    ("yemeni rials|yemeni rial", "YER"),
    ("iranian rials|iranian rial", "IRR"),
    ("rials|rial", "rial"),
    ("saudi riyals|saudi riyal", "SAR"),
    ("riyals|riyal", "riyal"),
    ("tomans|toman", "toman"),
    ("colombian pesos|colombian peso", "COP"),
    ("mexican pesos|mexican peso", "MXN"),
    ("philippine pesos|philippine peso", "PHP"),
    ("pesos|peso", "peso"),
    ("bolivars|bolivares|bolívares|bolívars|bolivar", "VES"),
    ("dirhams|dirham", "dirham"),
    ("kwacha", "kwacha"),
    ("leones|leone", "SLE"),
    ("yuan|renminbi", "CNY"),
];

/// Currency written before the number ("$30", "Rs 280", "UAH 10,800").
const PREFIX_CURRENCY: &[(&str, &str)] = &[
    ("$|us $|u s $", "USD"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("₦", "NGN"),
    ("₹", "INR"),
    ("₴", "UAH"),
    ("₽", "RUB"),
    ("₪", "ILS"),
    ("₱", "PHP"),
    ("฿", "THB"),
    ("rs", "PKR"),
    ("ksh|kshs", "KES"),
    ("ush", "UGX"),
    ("tsh", "TZS"),
    ("tk", "BDT"),
    ("rp", "IDR"),
    ("r $", "BRL"),
];

/// ISO 4217 codes recognised when written out, before or after the number.
const ISO: &[&str] = &[
    "USD", "EUR", "GBP", "NGN", "XOF", "XAF", "UAH", "PKR", "INR", "KES", "UGX", "TZS", "SOS",
    "ETB", "ERN", "SDG", "SSP", "EGP", "LBP", "SYP", "IQD", "LYD", "JOD", "YER", "IRR", "SAR",
    "AFN", "MMK", "THB", "BDT", "HTG", "MZN", "IDR", "GHS", "PGK", "RUB", "ZAR", "ILS", "NIS",
    "AMD", "AZN", "GEL", "TRY", "COP", "MXN", "PHP", "CDF", "BIF", "RWF", "GNF", "CHF", "CNY",
    "JPY", "VES", "AED", "LKR", "NPR", "MGA", "MRU", "GMD", "SLE", "LRD", "CAD", "AUD", "BRL",
];

fn lookup<T: Copy>(table: &[(&str, T)], w: &str) -> Option<T> {
    table
        .iter()
        .find(|(k, _)| k.split('|').any(|a| a == w))
        .map(|&(_, v)| v)
}

fn small(w: &str) -> Option<f64> {
    const W: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    W.iter().position(|&x| x == w).map(|p| p as f64)
}

fn tens(w: &str) -> Option<f64> {
    const W: [&str; 8] = [
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    W.iter()
        .position(|&x| x == w)
        .map(|p| (p as f64 + 2.0) * 10.0)
}

/// Scale words that follow a number ("1.2 million"); "hundred" included.
fn scale_word(w: &str) -> Option<f64> {
    lookup(
        &[
            ("hundred", 1e2),
            ("thousand", 1e3),
            ("lakh|lakhs|lac", 1e5),
            ("million|mn|mln|mio", 1e6),
            ("crore|crores", 1e7),
            ("billion|bn|bln", 1e9),
            ("trillion|tn|trn", 1e12),
        ],
        w,
    )
}

/// Plural scale words of vague quantities ("dozens", "tens of thousands").
fn plural_scale(w: &str) -> Option<f64> {
    lookup(
        &[
            ("dozens", 12.0),
            ("scores", 20.0),
            ("tens", 10.0),
            ("hundreds", 1e2),
            ("thousands", 1e3),
            ("lakhs", 1e5),
            ("millions", 1e6),
            ("crores", 1e7),
            ("billions", 1e9),
            ("trillions", 1e12),
        ],
        w,
    )
}

fn denominator(w: &str) -> Option<f64> {
    lookup(
        &[
            ("half|halves", 2.0),
            ("third|thirds", 3.0),
            ("quarter|quarters|fourth|fourths", 4.0),
            ("fifth|fifths", 5.0),
            ("sixth|sixths", 6.0),
            ("seventh|sevenths", 7.0),
            ("eighth|eighths", 8.0),
            ("ninth|ninths", 9.0),
            ("tenth|tenths", 10.0),
            ("hundredth|hundredths", 100.0),
        ],
        w,
    )
}

fn vulgar(w: &str) -> Option<f64> {
    let table = [
        ("½", 0.5),
        ("¼", 0.25),
        ("¾", 0.75),
        ("⅓", 1.0 / 3.0),
        ("⅔", 2.0 / 3.0),
    ];
    table.iter().find(|(k, _)| *k == w).map(|&(_, v)| v)
}

fn multiplier(w: &str) -> Option<f64> {
    let fixed = lookup(
        &[
            ("once", 1.0),
            ("twice|double", 2.0),
            ("thrice|triple|treble", 3.0),
            ("quadruple", 4.0),
            ("quintuple", 5.0),
        ],
        w,
    );
    let stem = w.strip_suffix("fold").filter(|s| !s.is_empty());
    fixed.or_else(|| stem.and_then(|s| small(s).or_else(|| tens(s)).or_else(|| scale_word(s))))
}

struct Parser {
    t: Vec<Tok>,
    i: usize,
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
        self.t.get(self.i + k).map_or(false, |t| t.glued)
    }

    /// Length of the longest alternative of `table` matching at offset `k`.
    fn longest<T: Copy>(&self, table: &[(&str, T)], k: usize) -> Option<(usize, T)> {
        let mut best: Option<(usize, T)> = None;
        for &(alts, v) in table {
            for alt in alts.split('|') {
                let n = alt.split(' ').count();
                let hit = alt.split(' ').enumerate().all(|(j, w)| self.is(k + j, w));
                if hit && best.map_or(true, |(b, _)| n > b) {
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
        ISO.iter()
            .find(|c| c.eq_ignore_ascii_case(w))
            .map(|&c| if c == "NIS" { "ILS" } else { c })
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
    fn figure(&mut self) -> Option<Q> {
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
                if let Some(s) =
                    scale_word(self.word(0)).or(Some(12.0).filter(|_| self.is(0, "dozen")))
                {
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
        let mut v = plural_scale(&w)?;
        self.i += 1;
        while self.is(0, "of") && plural_scale(self.word(1)).is_some() {
            v *= plural_scale(self.word(1))?;
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
        Some(q)
    }

    /// "several hundred", "a few thousand": `factor` times the scales that follow.
    fn scaled_vague(&mut self, factor: f64) -> Option<Q> {
        let mut v = factor;
        let mut any = false;
        while let Some(s) = scale_word(self.word(0)).or(Some(12.0).filter(|_| self.is(0, "dozen")))
        {
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
        while k < 2
            && self
                .t
                .get(self.i + k)
                .map_or(false, |t| t.kind == Kind::Word)
        {
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
        while let Some(s) = scale_word(self.word(0)).or(Some(12.0).filter(|_| self.is(0, "dozen")))
        {
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
        if (self.is(0, "a") || self.is(0, "an"))
            && (scale_word(self.word(1)).is_some() || self.is(1, "dozen"))
        {
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
                && small(self.word(1)).map_or(false, |v| (1.0..10.0).contains(&v))
            {
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

#[cfg(test)]
mod tests {
    use super::*;

    type Row = (
        &'static str,
        Option<f64>,
        Option<f64>,
        Option<&'static str>,
        bool,
    );

    fn close(a: Option<f64>, b: Option<f64>) -> bool {
        match (a, b) {
            (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * y.abs().max(1.0),
            (None, None) => true,
            _ => false,
        }
    }

    fn check(rows: &[Row]) {
        let mut bad = Vec::new();
        for &(text, low, high, unit, approx) in rows {
            let got = normalise(text);
            let ok = got.as_ref().map_or(false, |g| {
                close(g.low, low) && close(g.high, high) && g.unit == unit && g.approx == approx
            });
            if !ok {
                bad.push(format!(
                    "{text:?}: got {got:?}, want {low:?} {high:?} {unit:?} {approx}"
                ));
            }
        }
        assert!(bad.is_empty(), "\n{}", bad.join("\n"));
    }

    fn exact(text: &'static str, v: f64, unit: Option<&'static str>) -> Row {
        (text, Some(v), Some(v), unit, false)
    }

    const N: Option<&str> = None;
    const T: Option<f64> = None;

    #[test]
    fn issue_plain_numbers() {
        check(&[
            exact("19", 19.0, N),
            exact("1,200", 1200.0, N),
            exact("1 200", 1200.0, N),
            exact("12.5", 12.5, N),
            exact("three", 3.0, N),
            exact("twenty-one", 21.0, N),
            exact("one hundred and five", 105.0, N),
            exact("a dozen", 12.0, N),
            exact("zero", 0.0, N),
            exact("1.2 million", 1.2e6, N),
            exact("2m", 2e6, N),
            exact("3.4bn", 3.4e9, N),
            exact("1.2 billion", 1.2e9, N),
        ]);
    }

    #[test]
    fn issue_bounds() {
        check(&[
            ("at least 12", Some(12.0), T, N, false),
            ("more than 300", Some(300.0), T, N, false),
            ("over 50", Some(50.0), T, N, false),
            ("upwards of 80", Some(80.0), T, N, false),
            ("up to 5,000", T, Some(5000.0), N, false),
            ("fewer than 20", T, Some(20.0), N, false),
            ("less than 10", T, Some(10.0), N, false),
            ("under 30", T, Some(30.0), N, false),
            ("at most 7", T, Some(7.0), N, false),
            ("nearly 40", T, Some(40.0), N, true),
            ("almost 90", T, Some(90.0), N, true),
            ("nearly two dozen", T, Some(24.0), N, true),
        ]);
    }

    #[test]
    fn issue_approximators() {
        check(&[
            ("about 60", Some(60.0), Some(60.0), N, true),
            ("around 200", Some(200.0), Some(200.0), N, true),
            ("some 3,000", Some(3000.0), Some(3000.0), N, true),
            ("roughly 10", Some(10.0), Some(10.0), N, true),
            ("an estimated 2 million", Some(2e6), Some(2e6), N, true),
        ]);
    }

    #[test]
    fn issue_ranges() {
        check(&[
            ("between 15 and 20", Some(15.0), Some(20.0), N, false),
            ("15 to 20", Some(15.0), Some(20.0), N, false),
            ("15-20", Some(15.0), Some(20.0), N, false),
            ("from 15 to 20", Some(15.0), Some(20.0), N, false),
        ]);
    }

    #[test]
    fn issue_vague() {
        check(&[
            ("dozens", Some(24.0), T, N, true),
            ("scores", Some(40.0), T, N, true),
            ("hundreds", Some(200.0), T, N, true),
            ("thousands", Some(2000.0), T, N, true),
            ("tens of thousands", Some(20000.0), T, N, true),
            ("hundreds of thousands", Some(200000.0), T, N, true),
            ("millions", Some(2e6), T, N, true),
            ("several hundred", Some(300.0), T, N, true),
            ("several thousand", Some(3000.0), T, N, true),
            ("a few hundred", Some(200.0), T, N, true),
            ("a handful", Some(3.0), Some(5.0), N, true),
        ]);
    }

    #[test]
    fn issue_units() {
        check(&[
            exact("$30 million", 30e6, Some("USD")),
            exact("€5m", 5e6, Some("EUR")),
            exact("45,000 CFA francs", 45000.0, Some("XOF")),
            exact("UAH 10,800", 10800.0, Some("UAH")),
            exact("Rs 280", 280.0, Some("PKR")),
            exact("25 kilometers", 25.0, Some("km")),
            exact("25-kilometre", 25.0, Some("km")),
            exact("a 25-kilometre convoy", 25.0, Some("km")),
            exact("10 miles", 10.0, Some("mi")),
            exact("60 percent", 60.0, Some("%")),
            exact("60%", 60.0, Some("%")),
            exact("a third", 1.0 / 3.0, Some("fraction")),
            exact("half", 0.5, Some("fraction")),
            exact("twice", 2.0, Some("times")),
            exact("three times", 3.0, Some("times")),
            exact("double", 2.0, Some("times")),
            exact("40 times", 40.0, Some("times")),
        ]);
    }

    #[test]
    fn metres_and_millions() {
        check(&[
            exact("800 metres", 800.0, Some("m")),
            exact("800 m", 800.0, Some("m")),
            exact("800m", 800e6, N),
            exact("$2m", 2e6, Some("USD")),
            exact("2m people", 2e6, N),
            exact("5k", 5000.0, N),
            exact("$2.5bn", 2.5e9, Some("USD")),
            exact("2 mn", 2e6, N),
            exact("500m²", 500.0, Some("m2")),
            exact("45 km2", 45.0, Some("km2")),
            exact("45 km²", 45.0, Some("km2")),
            exact("18km", 18.0, Some("km")),
        ]);
    }

    #[test]
    fn corpus_patterns() {
        check(&[
            (
                "more than 1,000 kilometres",
                Some(1000.0),
                T,
                Some("km"),
                false,
            ),
            (
                "about 35,000 cubic metres",
                Some(35000.0),
                Some(35000.0),
                Some("m3"),
                true,
            ),
            (
                "roughly 40 percent",
                Some(40.0),
                Some(40.0),
                Some("%"),
                true,
            ),
            exact("two-thirds", 2.0 / 3.0, Some("fraction")),
            (
                "about two thirds",
                Some(2.0 / 3.0),
                Some(2.0 / 3.0),
                Some("fraction"),
                true,
            ),
            (
                "nearly three quarters",
                T,
                Some(0.75),
                Some("fraction"),
                true,
            ),
            exact("about three-quarters", 0.75, Some("fraction")).approx_row(),
            exact("one in five", 0.2, Some("fraction")),
            exact("a quarter", 0.25, Some("fraction")),
            exact("a tenth", 0.1, Some("fraction")),
            exact("seven in ten", 0.7, Some("fraction")),
            exact("one family in three", 1.0 / 3.0, Some("fraction")),
            (
                "about 1 in 3",
                Some(1.0 / 3.0),
                Some(1.0 / 3.0),
                Some("fraction"),
                true,
            ),
            (
                "fewer than one in ten",
                T,
                Some(0.1),
                Some("fraction"),
                false,
            ),
            ("Nearly one in four", T, Some(0.25), Some("fraction"), true),
            exact("14 of the 19", 14.0, N),
            exact("a further 46", 46.0, N),
            exact("another 2,500", 2500.0, N),
            exact("an additional $200 million", 200e6, Some("USD")),
            exact("only 41", 41.0, N),
            exact("just 14", 14.0, N),
            ("only about 1,200", Some(1200.0), Some(1200.0), N, true),
            ("more than half", Some(0.5), T, Some("fraction"), false),
            (
                "less than a third",
                T,
                Some(1.0 / 3.0),
                Some("fraction"),
                false,
            ),
            exact("half a million", 5e5, N),
            ("nearly half a million", T, Some(5e5), N, true),
            exact("half a metre", 0.5, Some("m")),
            exact("half a hectare", 0.5, Some("ha")),
            exact("a hundred square metres", 100.0, Some("m2")),
            ("less than a kilometre", T, Some(1.0), Some("km"), false),
            exact("a million", 1e6, N),
            exact("a thousand", 1000.0, N),
            (
                "more than a dozen times",
                Some(12.0),
                T,
                Some("times"),
                false,
            ),
            ("at least four times", Some(4.0), T, Some("times"), false),
            ("more than double", Some(2.0), T, Some("times"), false),
            ("nearly three times", T, Some(3.0), Some("times"), true),
            exact("fourfold", 4.0, Some("times")),
            exact("10-fold", 10.0, Some("times")),
            (
                "hundreds of millions of dollars",
                Some(2e8),
                T,
                Some("USD"),
                true,
            ),
            ("billions of dollars", Some(2e9), T, Some("USD"), true),
            (
                "hundreds of billions of CFA francs",
                Some(2e11),
                T,
                Some("XOF"),
                true,
            ),
            ("hundreds of kilometres", Some(200.0), T, Some("km"), true),
            (
                "tens of millions of dollars",
                Some(2e7),
                T,
                Some("USD"),
                true,
            ),
            ("tens", Some(20.0), T, N, true),
            ("a few dozen", Some(24.0), T, N, true),
            ("A few hundred kilograms", Some(200.0), T, Some("kg"), true),
            ("a few hundred metres", Some(200.0), T, Some("m"), true),
            exact("two or three", 2.0, N).range(3.0),
            exact("only two or three", 2.0, N).range(3.0),
            exact("five to 15", 5.0, N).range(15.0),
            exact("60 or 70 kilometres", 60.0, Some("km")).range(70.0),
            exact("15 to 20 percent", 15.0, Some("%")).range(20.0),
            exact("between 0.7 and 1 percent", 0.7, Some("%")).range(1.0),
            exact("$700 to $1,200", 700.0, Some("USD")).range(1200.0),
            exact("between $8 million and $12 million", 8e6, Some("USD")).range(12e6),
            exact("between AMD 2 million and AMD 5 million", 2e6, Some("AMD")).range(5e6),
            exact("between 1.5 and 3 million CFA francs", 1.5e6, Some("XOF")).range(3e6),
            exact("between 200,000 and 3 million CFA francs", 2e5, Some("XOF")).range(3e6),
            exact("between 3 million and 5 million kyat", 3e6, Some("MMK")).range(5e6),
            exact("$15 million to $30 million", 15e6, Some("USD")).range(30e6),
            exact("15-20m", 15e6, N).range(20e6),
            exact("between two and three million", 2e6, N).range(3e6),
            (
                "somewhere between $500 million and $700 million",
                Some(5e8),
                Some(7e8),
                Some("USD"),
                true,
            ),
            ("about 100 to 130", Some(100.0), Some(130.0), N, true),
            ("maybe 4,000 to 5,000", Some(4000.0), Some(5000.0), N, true),
            (
                "an estimated 7,000 to 12,000",
                Some(7000.0),
                Some(12000.0),
                N,
                true,
            ),
            ("5,000 to more than 20,000", Some(5000.0), T, N, false),
            ("five or more", Some(5.0), T, N, false),
            ("10 or more", Some(10.0), T, N, false),
            ("5,000-plus", Some(5000.0), T, N, false),
            ("3,000-odd", Some(3000.0), T, N, true),
            ("20 or so", Some(20.0), Some(20.0), N, true),
            ("no more than $200,000", T, Some(2e5), Some("USD"), false),
            ("closer to 30", Some(30.0), Some(30.0), N, true),
            ("perhaps 50,000", Some(5e4), Some(5e4), N, true),
            ("above 60", Some(60.0), T, N, false),
            ("below 60 percent", T, Some(60.0), Some("%"), false),
            ("just over 300", Some(300.0), T, N, true),
            ("as many as 50", T, Some(50.0), N, false),
            ("up to Ksh 5 million", T, Some(5e6), Some("KES"), false),
            exact("Twelve dollars", 12.0, Some("USD")),
            exact("Eighty-four", 84.0, N),
            exact("Five thousand", 5000.0, N),
            exact("two and a half million", 2.5e6, N),
            exact("one thousand two hundred", 1200.0, N),
            exact("two hundred thousand", 2e5, N),
            exact("one", 1.0, N),
            exact("0", 0.0, N),
            exact("60-bed", 60.0, N),
            exact("24-inch", 24.0, Some("in")),
            exact("10,000 feet", 10000.0, Some("ft")),
            exact("70 centimetres", 70.0, Some("cm")),
            exact("10-tonne", 10.0, Some("t")),
            exact("5,000-gourde", 5000.0, Some("HTG")),
            exact("about 70 nautical miles", 70.0, Some("nmi")).approx_row(),
            exact("some 2,500 megawatts", 2500.0, Some("MW")).approx_row(),
            exact("about 6,500 acres", 6500.0, Some("acre")).approx_row(),
            exact("about 3,000 dunams", 3000.0, Some("dunam")).approx_row(),
            exact("about 1.4 million square metres", 1.4e6, Some("m2")).approx_row(),
            exact("1.5 tonnes", 1.5, Some("t")),
            exact("20 litres", 20.0, Some("l")),
            exact("about 600 litres", 600.0, Some("l")).approx_row(),
            exact("two blocks", 2.0, Some("block")),
            exact("500,000 naira", 5e5, Some("NGN")),
            exact("300,000 Sudanese pounds", 3e5, Some("SDG")),
            exact("45,000 South Sudanese pounds", 45e3, Some("SSP")),
            exact("28,000 pounds", 28e3, Some("pound")),
            exact("4 million dinars", 4e6, Some("dinar")),
            exact("12 million pesos", 12e6, Some("peso")),
            exact("5,000 Congolese francs", 5000.0, Some("CDF")),
            exact("5,000 francs", 5000.0, Some("franc")),
            exact("300,000 rupees", 3e5, Some("PKR")),
            exact("15,000 birr", 15e3, Some("ETB")),
            exact("2.5 million kina", 2.5e6, Some("PGK")),
            exact("more than 50 shekels", 50.0, Some("ILS")).lower(),
            exact("€20 million", 20e6, Some("EUR")),
            exact("£5", 5.0, Some("GBP")),
            exact("US$5", 5.0, Some("USD")),
            exact("500 USD", 500.0, Some("USD")),
            exact("Rs. 6.5 billion", 6.5e9, Some("PKR")),
            exact("10,000 hryvnias", 1e4, Some("UAH")),
            exact("about 1 billion rand", 1e9, Some("ZAR")).approx_row(),
            exact("AZN 700", 700.0, Some("AZN")),
            exact("GEL 200", 200.0, Some("GEL")),
            exact("5 lakh", 5e5, N),
            exact("3 percentage points", 3.0, Some("pp")),
            exact("1/3", 1.0 / 3.0, Some("fraction")),
            exact("½", 0.5, Some("fraction")),
            exact("1.200.000", 1.2e6, N),
            exact("2,5 million", 2.5e6, N),
            exact("1 200 000", 1.2e6, N),
            exact("between three hundred and five hundred", 300.0, N).range(500.0),
            exact("a hundred and fifty", 150.0, N),
            exact("twenty one", 21.0, N),
            exact("15–20", 15.0, N).range(20.0),
            exact("15 - 20", 15.0, N).range(20.0),
            exact("US$ 5 million", 5e6, Some("USD")),
            exact("USD 5 million", 5e6, Some("USD")),
            exact("5 million USD", 5e6, Some("USD")),
            ("10+", Some(10.0), T, N, false),
            exact("one and a half million", 1.5e6, N),
            exact("1.5m", 1.5e6, N),
            ("several dozen", Some(36.0), T, N, true),
            exact("half a dozen", 6.0, N),
            exact("a couple", 2.0, N).approx_row(),
            exact("2 km²", 2.0, Some("km2")),
            exact("the 5,000-plus", 5000.0, N).lower(),
            exact("19 civilians", 19.0, N),
            exact("Three of the dead", 3.0, N),
            exact("1,000,000", 1e6, N),
            exact("$1.80", 1.8, Some("USD")),
            exact("5 000", 5000.0, N),
            exact("2 m", 2.0, Some("m")),
            exact("£5", 5.0, Some("GBP")),
        ]);
    }

    #[test]
    fn case_insensitive() {
        check(&[
            ("At least 14", Some(14.0), T, N, false),
            ("MORE THAN 300", Some(300.0), T, N, false),
            ("Tens of thousands", Some(20000.0), T, N, true),
            exact("Three", 3.0, N),
            exact("UAH 97 MILLION", 97e6, Some("UAH")),
        ]);
    }

    #[test]
    fn unreadable_is_none() {
        for text in [
            "",
            "   ",
            "several",
            "a few",
            "some",
            "...",
            "—",
            "civilians",
            "killed 12",
            "between",
            "a score of",
            "third",
            "hundred",
        ] {
            assert_eq!(normalise(text), None, "{text:?}");
        }
    }

    #[test]
    fn odd_input_never_panics() {
        let long = "9".repeat(400);
        let odd = [
            "999999999999999999999",
            &long,
            "½",
            "1½",
            "😀",
            "😀 19",
            "१२",
            "١٢",
            "--",
            "-",
            "%",
            "$",
            "$$",
            "1,2,3",
            "1..2",
            "1.2.3",
            ",,,",
            "between and",
            "a",
            "an",
            "half a",
            "the",
            "and",
            "of",
            "hundred",
            "a hundred and",
            "twenty-",
            "-five",
            "5-",
            "1 in 0",
            "0/0",
            "5/0",
            "km",
            "m²",
            "İstanbul 5",
            "ß",
            "9e999",
            "1e400 trillion",
            "99999 trillion trillion trillion trillion",
            "\u{0}",
            "\u{202f}1\u{202f}200",
            "ﬁve",
            "a a a a",
            "or more",
            "to 5",
            "5 to",
            "x²³",
        ];
        for text in odd {
            let v = normalise(text);
            if let Some(v) = v {
                assert!(v.low.map_or(true, f64::is_finite) && v.high.map_or(true, f64::is_finite));
            }
        }
        assert_eq!(
            normalise("999999999999999999999").and_then(|v| v.low),
            Some(1e21)
        );
        assert_eq!(normalise(&long), None);
        assert_eq!(
            normalise(&format!("{} trillion trillion", "9".repeat(300))),
            None
        );
    }

    trait RowExt {
        fn range(self, high: f64) -> Row;
        fn approx_row(self) -> Row;
        fn lower(self) -> Row;
    }

    impl RowExt for Row {
        fn range(self, high: f64) -> Row {
            (self.0, self.1, Some(high), self.3, self.4)
        }
        fn approx_row(self) -> Row {
            (self.0, self.1, self.2, self.3, true)
        }
        fn lower(self) -> Row {
            (self.0, self.1, None, self.3, self.4)
        }
    }
}
