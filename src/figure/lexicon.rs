//! The FIGURE word tables and lookups: prefixes, suffixes, units,
//! currencies, number words, scales, fractions and multipliers.

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Mod {
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
pub(super) const PREFIXES: &[(&str, Mod)] = &[
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
pub(super) const SUFFIXES: &[(&str, Mod)] = &[
    ("or more|or above|or over|and more|and above|and over|plus|- plus|+|at least|or higher|or greater|and up", Mod::Lower),
    ("or fewer|or less|or under|or below|at most|or lower|at the most", Mod::Upper),
    ("- odd|odd|and odd", Mod::LowerApprox),
    ("or so|or thereabouts|more or less|approximately|roughly|or about", Mod::Approx),
];

/// Unit words after a quantity (also after a hyphen: "25-kilometre").
pub(super) const UNITS: &[(&str, &str)] = &[
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
    ("shekels|shekel|new shekels|nis", "ILS"),
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
pub(super) const PREFIX_CURRENCY: &[(&str, &str)] = &[
    ("$|us $|u s $", "USD"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("₦", "NGN"),
    ("₹", "INR"),
    ("₴", "UAH"),
    ("₽", "RUB"),
    ("₪|nis", "ILS"),
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
pub(super) const ISO: &[&str] = &[
    "USD", "EUR", "GBP", "NGN", "XOF", "XAF", "UAH", "PKR", "INR", "KES", "UGX", "TZS", "SOS",
    "ETB", "ERN", "SDG", "SSP", "EGP", "LBP", "SYP", "IQD", "LYD", "JOD", "YER", "IRR", "SAR",
    "AFN", "MMK", "THB", "BDT", "HTG", "MZN", "IDR", "GHS", "PGK", "RUB", "ZAR", "ILS", "AMD",
    "AZN", "GEL", "TRY", "COP", "MXN", "PHP", "CDF", "BIF", "RWF", "GNF", "CHF", "CNY", "JPY",
    "VES", "AED", "LKR", "NPR", "MGA", "MRU", "GMD", "SLE", "LRD", "CAD", "AUD", "BRL",
];

fn lookup<T: Copy>(table: &[(&str, T)], w: &str) -> Option<T> {
    table
        .iter()
        .find(|(k, _)| k.split('|').any(|a| a == w))
        .map(|&(_, v)| v)
}

pub(super) fn small(w: &str) -> Option<f64> {
    const W: &str = "zero one two three four five six seven eight nine ten eleven twelve \
                     thirteen fourteen fifteen sixteen seventeen eighteen nineteen";
    W.split_whitespace().position(|x| x == w).map(|p| p as f64)
}

pub(super) fn tens(w: &str) -> Option<f64> {
    const W: [&str; 8] = [
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    W.iter()
        .position(|&x| x == w)
        .map(|p| (p as f64 + 2.0) * 10.0)
}

/// Scale words that follow a number ("1.2 million", "two dozen").
pub(super) fn scale_word(w: &str) -> Option<f64> {
    lookup(
        &[
            ("dozen", 12.0),
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
pub(super) fn plural_scale(w: &str) -> Option<f64> {
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

pub(super) fn denominator(w: &str) -> Option<f64> {
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

pub(super) fn vulgar(w: &str) -> Option<f64> {
    let table = [
        ("½", 0.5),
        ("¼", 0.25),
        ("¾", 0.75),
        ("⅓", 1.0 / 3.0),
        ("⅔", 2.0 / 3.0),
    ];
    table.iter().find(|(k, _)| *k == w).map(|&(_, v)| v)
}

pub(super) fn multiplier(w: &str) -> Option<f64> {
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
