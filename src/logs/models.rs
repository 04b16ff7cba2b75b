//! Model ids as logs write them: providers date their snapshots (`gpt-4o-2024-08-06`,
//! `claude-sonnet-4-5-20250929`, `claude-sonnet-4-5@20250929` on Vertex, `gpt-4-0613`) while
//! price tables and scenarios name the model (`gpt-4o`, `claude-sonnet-4-5`); this maps one to
//! the other.

/// The id without its snapshot date: `-YYYY-MM-DD`, `-YYYYMMDD`, `@YYYYMMDD` or `-MMDD` at the
/// end (a real calendar date); `None` when it has none.
pub fn undated(id: &str) -> Option<&str> {
    // Dates are ASCII: an id whose tail is not cannot end in one (and must not be cut mid-char).
    let ascii_tail = |n: usize| id.len() > n && id.is_char_boundary(id.len() - n) && id[id.len() - n..].is_ascii();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let real = |y: &str, m: &str, d: &str| crate::date::Date::parse(&format!("{y}-{m}-{d}")).is_some();
    // -YYYY-MM-DD
    if ascii_tail(11) {
        let (head, tail) = id.split_at(id.len() - 11);
        let t = tail.as_bytes();
        if t[0] == b'-'
            && t[5] == b'-'
            && t[8] == b'-'
            && real(&tail[1..5], &tail[6..8], &tail[9..11])
            && !head.is_empty()
        {
            return Some(head);
        }
    }
    // -YYYYMMDD or @YYYYMMDD
    if ascii_tail(9) {
        let (head, tail) = id.split_at(id.len() - 9);
        if (tail.starts_with('-') || tail.starts_with('@'))
            && digits(&tail[1..])
            && real(&tail[1..5], &tail[5..7], &tail[7..9])
            && !head.is_empty()
        {
            return Some(head);
        }
    }
    // -MMDD (OpenAI's older snapshots: gpt-4-0613, gpt-3.5-turbo-0125)
    if ascii_tail(5) {
        let (head, tail) = id.split_at(id.len() - 5);
        if tail.starts_with('-') && digits(&tail[1..]) && real("2024", &tail[1..3], &tail[3..5]) && !head.is_empty() {
            return Some(head);
        }
    }
    None
}

/// The name `known` accepts for a logged model id: the id itself, else the id without its
/// snapshot date. `None` when neither is known.
pub fn resolve(id: &str, known: impl Fn(&str) -> bool) -> Option<&str> {
    if known(id) {
        return Some(id);
    }
    undated(id).filter(|u| known(u))
}
