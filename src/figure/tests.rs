//! Unit tests of the FIGURE normaliser.

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
        let ok = got.as_ref().is_some_and(|g| {
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
        exact("5x", 5.0, Some("times")),
        ("100s", Some(200.0), T, N, true),
        ("10s of thousands", Some(20000.0), T, N, true),
        exact("ten to fifteen thousand", 1e4, N).range(1.5e4),
        exact("2-3 million", 2e6, N).range(3e6),
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
            assert!(v.low.is_none_or(f64::is_finite) && v.high.is_none_or(f64::is_finite));
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
