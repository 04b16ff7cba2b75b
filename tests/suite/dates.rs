//! The calendar in one place (`costplan::date`): day counts, weekdays and months checked against
//! an independent civil-from-days computation, and YYYY-MM-DD parsed strictly.

use costplan::date::Date;

/// (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's civil_from_days),
/// written here independently of the crate.
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[test]
fn day_counts_weekdays_and_months_match_an_independent_calendar() {
    // Every day from 1900 to 2100.
    for day in -25_567..47_482 {
        let date = Date::from_unix_day(day);
        let (y, m, d) = civil(day);
        assert_eq!(date.to_string(), format!("{y:04}-{m:02}-{d:02}"), "day {day}");
        assert_eq!(date.unix_day(), day);
        assert_eq!(Date::parse(&date.to_string()), Some(date));
        // 1970-01-01 was a Thursday (Monday = 0).
        assert_eq!(date.weekday(), (day + 3).rem_euclid(7) as usize, "{date}");
        assert_eq!(date.month_index(), y * 12 + m);
    }
    assert_eq!(Date::parse("2026-12-06").unwrap().weekday(), 6, "a Sunday");
    for (date, days) in [
        ("2024-02-10", 29),
        ("2100-02-01", 28),
        ("2000-02-01", 29),
        ("2026-04-30", 30),
    ] {
        assert_eq!(Date::parse(date).unwrap().days_in_month(), days, "{date}");
    }
    let d = Date::parse("2026-12-15").unwrap();
    assert_eq!(d.first_of_month_after(0).to_string(), "2026-12-01");
    assert_eq!(d.first_of_month_after(1).to_string(), "2027-01-01");
    assert_eq!(d.first_of_month_after(14).to_string(), "2028-02-01");
}

#[test]
fn only_a_real_day_written_yyyy_mm_dd_parses() {
    for good in ["2026-01-31", "2024-02-29", "1999-12-31", "0001-01-01"] {
        assert!(Date::parse(good).is_some(), "{good}");
    }
    for bad in [
        "2026-02-29",
        "2026-13-01",
        "2026-00-10",
        "2026-04-31",
        "2026-1-05",
        "26-01-05",
        "2026/01/05",
        "2026-01-05T00:00",
        "+202-01-05",
        "2026-0a-05",
        "",
        "2026-01-00",
    ] {
        assert!(Date::parse(bad).is_none(), "{bad:?}");
    }
}

/// A date pads like the text it is written as, so tables of dates stay aligned.
#[test]
fn a_date_pads_like_its_text() {
    let d = costplan::date::Date::parse("2025-10-01").unwrap();
    assert_eq!(format!("[{d:<12}]"), "[2025-10-01  ]");
    assert_eq!(format!("[{d:>12}]"), "[  2025-10-01]");
    assert_eq!(serde_json::to_string(&d).unwrap(), "\"2025-10-01\"");
}
