//! How a score is written in the run's files, reasons and report: `12.5`,
//! `3`. The output folder itself (gangs.csv, leads.csv, ..., report.html,
//! manifest.json) is written by `crate::results`, which sits above `lead`
//! and `report`; this module keeps its name for the callers of [`num`]
//! (`lead::rank`, `report::page`) and is to be renamed with them.

/// `12.5`, `3`: scores with at most 4 decimals, no trailing zeros.
pub fn num(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::num;

    #[test]
    fn scores_lose_trailing_zeros_and_negative_zero() {
        assert_eq!(num(12.5), "12.5");
        assert_eq!(num(3.0), "3");
        assert_eq!(num(0.123456), "0.1235");
        assert_eq!(num(-0.00001), "0");
        assert_eq!(num(0.0), "0");
    }
}
