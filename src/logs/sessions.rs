//! Sessions from logs: which requests belong to one conversation or agent run, its turns (calls
//! seconds apart are one turn's agent steps; a longer pause is the user thinking), and the fit of
//! turns, think time, tool steps and per-turn tokens that a session class needs.

use super::Record;
use crate::model::dist::DistSpec;

/// Requests of one user further apart than this start a new session (when the logs have no
/// session or trace id that groups requests).
pub const SESSION_GAP_S: f64 = 1800.0;

/// Calls of a session less than this apart (from the end of one to the start of the next, or
/// start to start where the logs have no latency) are one turn: an agent's tool steps.
pub const TURN_GAP_S: f64 = 10.0;

/// How sessions were formed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Formed {
    /// By the logs' session or trace id.
    SessionId,
    /// By user, a new session after [`SESSION_GAP_S`] without a request (every request had its
    /// own id, as LiteLLM writes by default, or none).
    UserGap,
    /// By growing input: a request whose provider cache read is exactly an earlier request's
    /// prompt (within an hour) continues that request's session.
    GrowingInput,
}

impl Formed {
    /// How, in words, for the fit's notes.
    pub fn words(self) -> String {
        match self {
            Formed::SessionId => "sessions by the logs' session or trace id".to_string(),
            Formed::UserGap => format!(
                "sessions by user, a new one after {} min without a request (no session id groups requests)",
                SESSION_GAP_S / 60.0
            ),
            Formed::GrowingInput => "sessions by growing input: a request whose cache read equals an earlier prompt within an hour continues it (no session id or user groups requests)".to_string(),
        }
    }
}

/// The sessions found in a set of logs.
pub struct Sessions {
    pub formed: Formed,
    /// Each session's rows in time order (retries left out).
    pub rows: Vec<Vec<usize>>,
    /// Per row: whether it starts a session, and whether it belongs to one.
    pub starts: Vec<bool>,
    pub member: Vec<bool>,
}

/// Forms sessions from per-request rows (`is_retry` rows are left out: a retry is no new call
/// of the conversation). `None` when the logs group nothing: no repeated session ids and no
/// user on most rows, or sessions of one request each.
pub fn form(records: &[Record], is_retry: &[bool], user_key: usize) -> Option<Sessions> {
    let rows: Vec<usize> = (0..records.len()).filter(|&i| !is_retry[i]).collect();
    let with_id = rows.iter().filter(|&&i| records[i].session.is_some()).count();
    let mut ids: Vec<u64> = rows.iter().filter_map(|&i| records[i].session).collect();
    ids.sort_unstable();
    ids.dedup();
    let by_id = with_id * 2 >= rows.len().max(1) && with_id as f64 >= 1.5 * ids.len().max(1) as f64;
    let with_user = rows.iter().filter(|&&i| records[i].keys[user_key].is_some()).count();
    let (formed, sessions) = if by_id {
        let keyed = rows
            .iter()
            .filter_map(|&i| records[i].session.map(|s| (s, records[i].start_unix_s, i)))
            .collect();
        (Formed::SessionId, group(keyed, Formed::SessionId))
    } else {
        let by_user = (with_user * 2 >= rows.len().max(1)).then(|| {
            let keyed = rows
                .iter()
                .filter_map(|&i| records[i].keys[user_key].map(|u| (u64::from(u), records[i].start_unix_s, i)))
                .collect();
            group(keyed, Formed::UserGap)
        });
        // A user's requests are a conversation only when its prompts grow (the history is
        // sent again); a busy account's independent requests are not one endless session.
        match by_user {
            Some(s) if conversation_like(records, &s) => (Formed::UserGap, s),
            _ => (
                Formed::GrowingInput,
                group(growing_input(records, &rows)?, Formed::GrowingInput),
            ),
        }
    };
    let calls: usize = sessions.iter().map(Vec::len).sum();
    if sessions.is_empty() || (calls as f64) < 1.2 * sessions.len() as f64 {
        return None;
    }
    let mut starts = vec![false; records.len()];
    let mut member = vec![false; records.len()];
    for s in &sessions {
        starts[s[0]] = true;
        for &i in s {
            member[i] = true;
        }
    }
    Some(Sessions {
        formed,
        rows: sessions,
        starts,
        member,
    })
}

/// Groups keyed rows `(key, start, row)` into sessions: one per key, and for [`Formed::UserGap`]
/// a new one after [`SESSION_GAP_S`] without a request.
fn group(mut keyed: Vec<(u64, f64, usize)>, formed: Formed) -> Vec<Vec<usize>> {
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut sessions: Vec<Vec<usize>> = Vec::new();
    let mut last: Option<(u64, f64)> = None;
    for &(k, t, i) in &keyed {
        let new = match last {
            Some((lk, lt)) => lk != k || (formed == Formed::UserGap && t - lt > SESSION_GAP_S),
            None => true,
        };
        if new {
            sessions.push(Vec::new());
        }
        if let Some(s) = sessions.last_mut() {
            s.push(i);
        }
        last = Some((k, t));
    }
    sessions
}

/// The least share of a session's consecutive calls whose prompt grows for sessions formed by
/// user and gap to be taken as conversations (independent requests grow about half the time).
pub const MIN_GROWING_SHARE: f64 = 0.8;

/// Whether sessions look like conversations or agent runs: most consecutive calls send a longer
/// prompt than the one before (the history grows).
fn conversation_like(records: &[Record], sessions: &[Vec<usize>]) -> bool {
    let (mut pairs, mut growing) = (0usize, 0usize);
    for s in sessions {
        for w in s.windows(2) {
            pairs += 1;
            growing += usize::from(records[w[1]].usage.prompt_tokens > records[w[0]].usage.prompt_tokens);
        }
    }
    pairs > 0 && growing as f64 >= MIN_GROWING_SHARE * pairs as f64
}

/// Chains of requests whose cache read is an earlier request's whole prompt (what a
/// conversation's next call reads under full-history caching), keyed by the chain's first
/// request; `None` when no request continues another.
fn growing_input(records: &[Record], rows: &[usize]) -> Option<Vec<(u64, f64, usize)>> {
    let mut order = rows.to_vec();
    order.sort_by(|&a, &b| records[a].start_unix_s.total_cmp(&records[b].start_unix_s));
    // Open chains by their last prompt's size: (time of the last request, chain key).
    let mut open: std::collections::HashMap<u64, Vec<(f64, u64)>> = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(order.len());
    let mut linked = 0usize;
    for &i in &order {
        let r = &records[i];
        let read = r.usage.cache_read_tokens.round() as u64;
        let mut chain = None;
        if read > 0
            && let Some(cands) = open.get_mut(&read)
        {
            // The most recent chain that sent exactly this prompt within the hour.
            cands.retain(|(t, _)| r.start_unix_s - t <= 3600.0);
            chain = cands.pop().map(|(_, k)| k);
        }
        let key = match chain {
            Some(k) => {
                linked += 1;
                k
            }
            None => i as u64,
        };
        out.push((key, r.start_unix_s, i));
        open.entry(r.usage.prompt_tokens.round() as u64)
            .or_default()
            .push((r.start_unix_s, key));
    }
    (linked * 10 >= order.len()).then_some(out)
}

/// The per-turn measures of a set of sessions, for the session class's fit.
#[derive(Default)]
pub struct TurnStats {
    pub turns: Vec<f64>,
    pub think_s: Vec<f64>,
    pub tool_steps: Vec<f64>,
    pub tool_call_tokens: Vec<f64>,
    pub tool_result_tokens: Vec<f64>,
    /// New user input per turn (the first turn's beyond the shared prefix).
    pub input_tokens: Vec<f64>,
    pub output_tokens: Vec<f64>,
}

/// The shared prefix that reproduces the logged cache reads of sessions' first calls: what a
/// warm cache serves a new session — the mean of those reads (the median of a skewed read can
/// fall below the provider's minimum and read nothing at all); 0 when none reads the cache.
pub fn shared_prefix<'a>(records: &[Record], sessions: impl Iterator<Item = &'a Vec<usize>>) -> f64 {
    let (sum, n) = sessions
        .map(|s| records[s[0]].usage.cache_read_tokens)
        .filter(|read| *read > 0.0)
        .fold((0.0, 0.0), |(sum, n), read| (sum + read, n + 1.0));
    if n > 0.0 { (sum / n).round() } else { 0.0 }
}

/// Splits each session into turns and measures them; `prefix` is the shared prefix taken off the
/// first turn's input.
pub fn measure<'a>(records: &[Record], sessions: impl Iterator<Item = &'a Vec<usize>>, prefix: f64) -> TurnStats {
    let mut st = TurnStats::default();
    for s in sessions {
        let turns = split_turns(records, s);
        st.turns.push(turns.len() as f64);
        let mut prev_end: Option<f64> = None;
        let mut prev_start: Option<f64> = None;
        for turn in &turns {
            let c0 = &records[turn[0]];
            if let Some(t0) = prev_start {
                st.think_s.push((c0.start_unix_s - t0).max(0.0));
            }
            prev_start = Some(c0.start_unix_s);
            let new_input = match prev_end {
                None => c0.usage.prompt_tokens - prefix,
                Some(sent) => c0.usage.prompt_tokens - sent,
            };
            st.input_tokens.push(new_input.max(0.0));
            st.tool_steps.push((turn.len() - 1) as f64);
            for w in turn.windows(2) {
                let (a, b) = (&records[w[0]], &records[w[1]]);
                let out = (a.usage.output_tokens - a.usage.reasoning_tokens).max(0.0);
                st.tool_call_tokens.push(out);
                st.tool_result_tokens
                    .push((b.usage.prompt_tokens - a.usage.prompt_tokens - out).max(0.0));
            }
            let last = &records[turn[turn.len() - 1]];
            let out = (last.usage.output_tokens - last.usage.reasoning_tokens).max(0.0);
            st.output_tokens.push(out);
            prev_end = Some(last.usage.prompt_tokens + out);
        }
    }
    st
}

/// A session's rows cut into turns at pauses longer than [`TURN_GAP_S`].
fn split_turns(records: &[Record], rows: &[usize]) -> Vec<Vec<usize>> {
    let mut turns: Vec<Vec<usize>> = Vec::new();
    let mut prev_end = f64::NEG_INFINITY;
    for &i in rows {
        let r = &records[i];
        if r.start_unix_s - prev_end > TURN_GAP_S || turns.is_empty() {
            turns.push(Vec::new());
        }
        if let Some(t) = turns.last_mut() {
            t.push(i);
        }
        prev_end = r.start_unix_s + r.latency_ms.map_or(0.0, |l| f64::from(l) / 1000.0);
    }
    turns
}

/// A count's distribution: fixed when it never varies, else its quantiles (at most 40 values).
pub fn count_dist(values: &mut [f64]) -> DistSpec {
    if values.is_empty() {
        return DistSpec::Fixed(0.0);
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if values[0] == values[n - 1] {
        return DistSpec::Fixed(values[0]);
    }
    let k = n.min(40);
    DistSpec::Empirical(
        (0..k)
            .map(|i| values[(((i as f64 + 0.5) / k as f64) * n as f64) as usize])
            .collect(),
    )
}
