//! Calendar dates (a leaf): written YYYY-MM-DD, counted in days since 1970-01-01 (UTC), over
//! jiff's civil dates — the one place the calendar is computed.

use jiff::civil;

/// A calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(civil::Date);

/// 1970-01-01, day 0 of the day counts.
const EPOCH: civil::Date = civil::date(1970, 1, 1);

impl Date {
    /// A date written exactly YYYY-MM-DD (a real day of a real month); `None` otherwise.
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let digits = |r: std::ops::Range<usize>| -> Option<i64> {
            let t = s.get(r)?;
            t.bytes().all(|c| c.is_ascii_digit()).then(|| t.parse().ok())?
        };
        let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
        civil::Date::new(y as i16, i8::try_from(m).ok()?, i8::try_from(d).ok()?)
            .ok()
            .map(Date)
    }

    /// The date `day` days after 1970-01-01 (clamped to the years −9999 to 9999).
    pub fn from_unix_day(day: i64) -> Date {
        let span = jiff::Span::new().try_days(day.clamp(-7_304_484, 7_304_484));
        let date = span.ok().and_then(|s| EPOCH.checked_add(s).ok());
        Date(date.unwrap_or(if day < 0 { civil::Date::MIN } else { civil::Date::MAX }))
    }

    /// Days since 1970-01-01.
    pub fn unix_day(self) -> i64 {
        self.0
            .since((jiff::Unit::Day, EPOCH))
            .map_or(0, |s| i64::from(s.get_days()))
    }

    /// The day of the week, Monday = 0 … Sunday = 6.
    pub fn weekday(self) -> usize {
        self.0.weekday().to_monday_zero_offset() as usize
    }

    /// Months since year 0 (year · 12 + month): equal for two dates of the same calendar month.
    pub fn month_index(self) -> i64 {
        i64::from(self.0.year()) * 12 + i64::from(self.0.month())
    }

    /// The days of this date's month (28 to 31).
    pub fn days_in_month(self) -> u32 {
        self.0.days_in_month() as u32
    }

    /// The first day of the month `k` months after this date's.
    pub fn first_of_month_after(self, k: i64) -> Date {
        let months = i64::from(self.0.year()) * 12 + i64::from(self.0.month()) - 1 + k;
        let (y, m) = (months.div_euclid(12), months.rem_euclid(12) + 1);
        civil::Date::new(y.clamp(-9999, 9999) as i16, m as i8, 1).map_or(self, Date)
    }

    /// The date a unix time (seconds) falls on, in UTC.
    pub fn of_unix_seconds(secs: f64) -> Date {
        Date::from_unix_day((secs / 86_400.0).floor() as i64)
    }

    /// Today (UTC).
    pub fn today() -> Date {
        Date::of_system_time(std::time::SystemTime::now())
    }

    /// The date of a system time (UTC).
    pub fn of_system_time(t: std::time::SystemTime) -> Date {
        let secs = t
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Date::from_unix_day((secs / 86_400) as i64)
    }
}

/// `YYYY-MM-DD`; a width and alignment (`{:<12}`) pad it as they would the text.
impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(&format!(
            "{:04}-{:02}-{:02}",
            self.0.year(),
            self.0.month(),
            self.0.day()
        ))
    }
}

/// Written as the text `YYYY-MM-DD` (JSON and CSV show dates as the files do).
impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
