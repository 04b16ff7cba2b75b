//! Sessions — conversations and agent loops. A task of a session class is a session of turns;
//! each turn re-sends the shared prefix and the whole history plus its new input, through a tool
//! loop (each step a call whose output is a tool call, then the tool's result) and the answer.
//! Turns follow at the user's think times, so a session's turns interleave with other tasks and
//! may cross midnight: they wait in a queue ordered by time and run when the clock reaches them,
//! each billed on the day it happens. A session's prompt-cache entry (per model) lives with the
//! session; the shared prefix's entry is the class's, as for single requests.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::draws::{AttemptDraws, CallCache, PolParams, RunParams, TaskDraws, tokens};
use super::sampled::Sampling;
use super::{Ctx, Gate, PState, T_INPUT, T_READ, T_WRITE, retries};
use crate::model::policy::CacheStrategy;
use crate::sim::compile::{ClassC, CompactionMethodC, Compiled, Rates, RouterC};
use crate::sim::rng::{key, rng_from, tag};

/// Turns are tallied by number up to this bin; later turns share the last one.
pub(super) const MAX_TURN_BINS: usize = crate::sim::results::MAX_TURN_ROWS;

/// The random numbers of one turn, shared by every policy.
struct TurnDraws {
    key: u64,
    input: u64,
    output: u64,
    /// (tool call output, tool result) tokens of each agent step.
    steps: Vec<(u64, u64)>,
    /// Minutes until the next turn.
    think_min: f64,
    att: AttemptDraws,
    calls: CallCache,
}

/// Draws turn `k` of the session keyed `session_key`; the first turn keeps the task's own input,
/// output and first attempt (so a one-turn session is the task it replaces).
fn draw_turn(class: &ClassC, first: Option<&TaskDraws>, session_key: u64, k: u32) -> TurnDraws {
    let s = class.session.as_ref().expect("a session class");
    let key_k = key(session_key ^ tag::TURN, u64::from(k));
    let mut rng = rng_from(key_k);
    let input = tokens(class.input_tokens.sample(&mut rng));
    let output = tokens(class.output_tokens.sample(&mut rng));
    let think_min = s.think_time_s.0.sample(&mut rng).max(0.0) / 60.0;
    let n_steps = s
        .tool_steps_per_turn
        .0
        .sample(&mut rng)
        .clamp(0.0, crate::model::limits::MAX_TOOL_STEPS_PER_TURN)
        .round() as usize;
    let steps = (0..n_steps)
        .map(|_| {
            let call = tokens(s.tool_call_tokens.0.sample(&mut rng));
            (call, tokens(s.tool_result_tokens.0.sample(&mut rng)))
        })
        .collect();
    let att = AttemptDraws::draw(&mut rng);
    match first {
        Some(d) => TurnDraws {
            key: d.key,
            input: d.input_var,
            output: d.output,
            steps,
            think_min,
            att: d.first,
            calls: CallCache::default(),
        },
        None => TurnDraws {
            key: key_k,
            input,
            output,
            steps,
            think_min,
            att,
            calls: CallCache::default(),
        },
    }
}

/// Turns in a session: the class's distribution at the task's batch uniform (a session is never
/// sent to a batch API, and the sampled engine stratifies that uniform, so the turn count — what
/// a session's cost varies with most — is stratified too), rounded, at least 1.
fn draw_turns(class: &ClassC, d: &TaskDraws) -> u32 {
    let s = class.session.as_ref().expect("a session class");
    s.turns
        .0
        .quantile(d.batch_u)
        .clamp(1.0, crate::model::limits::MAX_TURNS_PER_SESSION)
        .round() as u32
}

/// One policy's side of a session.
#[derive(Clone, Default)]
struct SessPol {
    /// Tokens of history (every earlier turn's input, tool calls and results, and answer).
    history: u64,
    /// The history turn by turn (for dropping the oldest turns).
    turn_tokens: std::collections::VecDeque<u64>,
    /// The session's prompt-cache entry per model: (expiry minute, tokens cached).
    cache: Vec<(f64, u64)>,
    /// Success penalty from compaction (for the rest of the session).
    penalty: f64,
    /// The policy whose pipeline works on the session (a rollout column's pick, made when
    /// the session starts; the column itself otherwise).
    pipeline: usize,
    ended: bool,
    ok: bool,
    routed: bool,
    strong: bool,
    counted_reject: bool,
    counted_downgrade: bool,
    counted_truncation: bool,
    /// The session's spend so far (weighted).
    cost: f64,
}

/// A session under way.
struct Live {
    task_key: u64,
    class: usize,
    turns: u32,
    next: u32,
    sampling: Sampling,
    pols: Vec<SessPol>,
    /// Sampled engine: the day the session was sampled on and its stratum
    /// (`class * STRAT_GROUPS + group`), for its cost's share of the sampling variance.
    origin: Option<(usize, usize)>,
}

/// The sessions under way in a run, and their next turns in time order.
#[derive(Default)]
pub(super) struct Sessions {
    live: Vec<Option<Live>>,
    free: Vec<usize>,
    /// (minute as ordered bits, sequence, slot) of each session's next turn.
    queue: BinaryHeap<Reverse<(u64, u64, usize)>>,
    seq: u64,
}

/// The sessions of one run, and (sampled engine) each day's strata for the variance of the
/// cost of the sessions drawn that day, known once they end.
pub(super) struct SessionRun {
    pub(super) sessions: Sessions,
    pub(super) day_strata: Vec<Option<super::sampled::Strata>>,
}

impl SessionRun {
    /// `None` for a scenario without session classes.
    pub(super) fn new(c: &Compiled, states: &mut [PState]) -> Option<SessionRun> {
        if !any(c) {
            return None;
        }
        let days = c.horizon_days as usize;
        let mut day_strata = Vec::new();
        if c.sample_per_day.is_some() {
            day_strata.resize_with(days, || None);
            for st in states.iter_mut() {
                st.session_day_cost = vec![vec![(0.0, 0.0, 0.0); c.classes.len() * super::STRAT_GROUPS]; days];
            }
        }
        Some(SessionRun {
            sessions: Sessions::default(),
            day_strata,
        })
    }

    /// An exact day of `n` arrivals: queued turns due before each arrival run first; a session
    /// class's arrival starts a session, any other is simulated as a request.
    pub(super) fn exact_day(
        &mut self,
        r: &RunCtx,
        states: &mut [PState],
        (day_key, day, n): (u64, usize, u64),
        clock_min: &mut f64,
    ) {
        let mean_gap = 1440.0 / n as f64;
        for i in 0..n {
            let d = TaskDraws::draw(r.c, r.rp, key(day_key, i));
            *clock_min += d.gap * mean_gap;
            self.sessions.run_until(r, states, *clock_min, day);
            if !r.today.keeps(d.key, d.class) {
                continue;
            }
            if r.c.classes[d.class].session.is_some() {
                self.sessions
                    .start(r, states, &d, (*clock_min, day), Sampling::EXACT, None);
                continue;
            }
            for (pi, st) in states.iter_mut().enumerate() {
                let q = r.today.route(r.c, pi, d.key);
                let (p, pp) = (&r.c.policies[q], &r.pps[q]);
                super::simulate_task(r.c, r.rp, p, pp, st, &d, (*clock_min, day), Sampling::EXACT, r.today);
            }
        }
    }

    /// The day's end: turns after its last arrival run today, the rest tomorrow; the horizon's
    /// last day runs every turn left, so each session is billed whole.
    pub(super) fn end_of_day(&mut self, r: &RunCtx, states: &mut [PState], day: usize, clock_min: f64) {
        let until = if day + 1 == r.c.horizon_days as usize {
            f64::INFINITY
        } else {
            clock_min
        };
        self.sessions.run_until(r, states, until, day);
    }

    /// Sampled engine: each day's share of the variance from the sessions drawn that day.
    pub(super) fn add_sampling_variance(&self, states: &mut [PState]) {
        for st in states.iter_mut() {
            for (strata, sums) in self.day_strata.iter().zip(&st.session_day_cost) {
                if let Some(strata) = strata {
                    st.acc.sampling_var_usd2 += strata.variance(sums);
                }
            }
        }
    }
}

/// What a session's turns need from the run.
pub(super) struct RunCtx<'a> {
    pub(super) c: &'a Compiled,
    pub(super) rp: &'a RunParams,
    pub(super) pps: &'a [PolParams],
    /// What the events make of the day being simulated.
    pub(super) today: &'a super::Today,
}

impl Sessions {
    /// Starts the session of task `d` at minute `t` of `day`: its first turn now, the rest
    /// queued. `origin` is the sampled engine's (day, stratum) the session was drawn from.
    pub(super) fn start(
        &mut self,
        r: &RunCtx,
        states: &mut [PState],
        d: &TaskDraws,
        (t, day): (f64, usize),
        smp: Sampling,
        origin: Option<(usize, usize)>,
    ) {
        let class = &r.c.classes[d.class];
        let nm = r.c.models.len();
        let mut live = Live {
            task_key: d.key,
            class: d.class,
            turns: draw_turns(class, d),
            next: 0,
            sampling: smp,
            pols: (0..r.c.policies.len())
                .map(|pi| SessPol {
                    cache: vec![(f64::NEG_INFINITY, 0); nm],
                    pipeline: r.today.route(r.c, pi, d.key),
                    ..SessPol::default()
                })
                .collect(),
            origin,
        };
        for st in states.iter_mut() {
            st.acc.tasks += smp.w;
            st.acc.tasks_day[day] += smp.w;
            st.acc.tasks_simulated += 1.0;
            st.acc.sessions += smp.w;
        }
        let turn = draw_turn(class, Some(d), d.key, 0);
        run_turn(r, states, &mut live, &turn, Some(d), t, day);
        self.after_turn(states, live, t + turn.think_min);
    }

    /// Runs every queued turn due by minute `until`, in time order, billed on `day`.
    pub(super) fn run_until(&mut self, r: &RunCtx, states: &mut [PState], until: f64, day: usize) {
        while let Some(&Reverse((bits, _, slot))) = self.queue.peek() {
            let t = f64::from_bits(bits);
            if t > until {
                break;
            }
            self.queue.pop();
            let Some(mut live) = self.live[slot].take() else {
                continue;
            };
            self.free.push(slot);
            let class = &r.c.classes[live.class];
            let turn = draw_turn(class, None, live.task_key, live.next);
            run_turn(r, states, &mut live, &turn, None, t, day);
            self.after_turn(states, live, t + turn.think_min);
        }
    }

    /// Queues the session's next turn at minute `next_t`, or ends it.
    fn after_turn(&mut self, states: &mut [PState], mut live: Live, next_t: f64) {
        live.next += 1;
        if live.next < live.turns && live.pols.iter().any(|p| !p.ended) {
            let slot = self.free.pop().unwrap_or_else(|| {
                self.live.push(None);
                self.live.len() - 1
            });
            self.seq += 1;
            self.queue.push(Reverse((next_t.max(0.0).to_bits(), self.seq, slot)));
            self.live[slot] = Some(live);
            return;
        }
        let w = live.sampling.w;
        for (sp, st) in live.pols.iter().zip(states.iter_mut()) {
            if let Some((day, stratum)) = live.origin {
                let per_task = sp.cost / w;
                let sums = &mut st.session_day_cost[day][stratum];
                sums.0 += per_task;
                sums.1 += per_task * per_task;
                sums.2 += 1.0;
            }
            if sp.ok && !sp.ended {
                st.acc.successes += w;
                st.acc.session_successes += w;
            }
            if sp.routed {
                st.acc.routed_tasks += w;
                if sp.strong {
                    st.acc.strong_tasks += w;
                }
            }
        }
    }
}

/// One turn of `live` at minute `t` for every policy.
fn run_turn(
    r: &RunCtx,
    states: &mut [PState],
    live: &mut Live,
    turn: &TurnDraws,
    first: Option<&TaskDraws>,
    t: f64,
    day: usize,
) {
    let bin = (live.next as usize).min(MAX_TURN_BINS - 1);
    for (pi, st) in states.iter_mut().enumerate() {
        let sp = &mut live.pols[pi];
        let (pol, pp) = (&r.c.policies[sp.pipeline], &r.pps[sp.pipeline]);
        if sp.ended {
            continue;
        }
        let before = st.acc.cost;
        std::mem::swap(&mut st.sess_cache, &mut sp.cache);
        st.turn_bin = Some(bin);
        st.task_routed = sp.routed;
        st.task_strong = sp.strong;
        let ctx = Ctx {
            c: r.c,
            rp: r.rp,
            pol,
            pp,
            class: live.class,
            owner: r.c.classes[live.class].owner,
            input_var: 0,
            output: turn.output,
            penalty: sp.penalty,
            batch: false,
            interactive: !r.c.classes[live.class].batchable,
            time_min: t,
            day,
            task_key: turn.key,
            calls: &turn.calls,
            w: live.sampling.w,
            unsampled_per_min: live.sampling.unsampled_per_min,
            warm_keep: live.sampling.warm_keep,
            sess: Some(0),
            new_input: turn.input,
            prices: &r.today.prices,
            live: &r.today.live,
        };
        policy_turn(ctx, st, sp, turn, first, live.next);
        sp.routed = st.task_routed;
        sp.strong = st.task_strong;
        st.turn_bin = None;
        std::mem::swap(&mut st.sess_cache, &mut sp.cache);
        let spent = st.acc.cost - before;
        sp.cost += spent;
        st.acc.session_cost += spent;
        st.acc.by_turn[bin][2] += spent;
        st.acc.by_turn[bin][3] += live.sampling.w;
        st.acc.turns += live.sampling.w;
    }
}

/// One policy's turn: the budget gate, compaction, the context window, the tool loop, the
/// answer (from a cache on the first turn, else through the router) and its retries.
fn policy_turn(mut ctx: Ctx, st: &mut PState, sp: &mut SessPol, turn: &TurnDraws, first: Option<&TaskDraws>, k: u32) {
    let w = ctx.w;
    let mut forced = None;
    match ctx.gate(st) {
        Gate::Pass => {}
        Gate::Reject => {
            if !sp.counted_reject {
                st.acc.rejected += w;
                sp.counted_reject = true;
            }
            sp.ended = true;
            sp.ok = false;
            return;
        }
        Gate::Downgrade(m) => {
            if !sp.counted_downgrade {
                st.acc.downgraded += w;
                sp.counted_downgrade = true;
            }
            forced = Some(m);
        }
    }
    let prefix = ctx.c.classes[ctx.class].prefix_tokens;
    // The user waits for a compaction's summary call too.
    let mut latency_ms = 0.0;
    if k > 0 {
        latency_ms += compact(&ctx, st, sp, prefix);
        ctx.penalty = sp.penalty;
    }
    fit_window(&mut ctx, st, sp, prefix, turn.input);
    let turn_start = sp.history + turn.input;
    ctx.sess = Some(turn_start);
    ctx.input_var = turn_start;
    // A first turn the exact or semantic cache answers makes no model call.
    let cached = match (k, first) {
        (0, Some(d)) => ctx.cached_answer(st, d, forced),
        _ => Err(None),
    };
    // The prompt so far (history, the turn's input, its tool calls and results), and the part
    // of it that is the turn's own input (until a compaction folds it into the summary).
    let mut body = turn_start;
    let mut new_input = turn.input;
    let mut compacted_mid_turn = false;
    let (ok, lat) = match cached {
        Ok(answer) => answer,
        Err(lookup) => {
            let tools_model = tool_model(&ctx, &turn.att, forced);
            for (j, &(call, result)) in turn.steps.iter().enumerate() {
                if j > 0
                    && let Some(l) = compact_loop(&mut ctx, st, sp, prefix, (&mut body, &mut new_input))
                {
                    compacted_mid_turn = true;
                    latency_ms += l;
                }
                let call_key = key(turn.key ^ tag::TOOL_STEP, j as u64);
                let (_, l) = ctx.call(st, tools_model, body, prefix, call, call_key, false);
                latency_ms += l;
                body += call + result;
            }
            if !turn.steps.is_empty()
                && let Some(l) = compact_loop(&mut ctx, st, sp, prefix, (&mut body, &mut new_input))
            {
                compacted_mid_turn = true;
                latency_ms += l;
            }
            ctx.input_var = body;
            let (ok, l) = ctx.attempt(st, &turn.att, 0, forced);
            (ok, l + lookup.unwrap_or(0.0))
        }
    };
    let (ok, lat) = retries(&ctx, st, turn.key, turn.att.retry, (ok, lat), forced);
    latency_ms += lat;
    if ctx.interactive {
        st.acc.latency.record(latency_ms, w);
    }
    if compacted_mid_turn {
        // The summary replaced everything before it: the history restarts from it.
        sp.history = body + turn.output;
        sp.turn_tokens.clear();
        sp.turn_tokens.push_back(sp.history);
    } else {
        let added = body - sp.history + turn.output;
        sp.history += added;
        sp.turn_tokens.push_back(added);
    }
    sp.ok = ok;
}

/// The model that makes a turn's tool calls: the router's pick (a cascade's first stage).
fn tool_model(ctx: &Ctx, att: &AttemptDraws, forced: Option<usize>) -> usize {
    match (&ctx.pol.router, forced) {
        (_, Some(m)) => ctx.live[m],
        (RouterC::Cascade(stages, _), None) => ctx.live[stages[0]],
        (RouterC::Fixed(_) | RouterC::Rules(..) | RouterC::Learned { .. }, None) => ctx.pick(att, None),
    }
}

/// Compaction inside an agent's tool loop: once the history (all of the prompt but the turn's
/// own input) passes the trigger, a summary call replaces the whole prompt so far. `KeepLastTurns`
/// acts between turns only (the turn under way is never dropped). Returns the summary call's
/// latency when it compacted.
fn compact_loop(
    ctx: &mut Ctx,
    st: &mut PState,
    sp: &mut SessPol,
    prefix: u64,
    (body, new_input): (&mut u64, &mut u64),
) -> Option<f64> {
    let cmp = ctx.pol.compaction.as_ref()?;
    let CompactionMethodC::Summarise { model, summary_tokens } = cmp.method else {
        return None;
    };
    if *body - *new_input <= cmp.trigger_tokens {
        return None;
    }
    let latency_ms = summarise(ctx, st, sp, (model, summary_tokens), (prefix, *body, *new_input), *body);
    ctx.penalty = ctx.penalty.max(sp.penalty);
    *body = summary_tokens;
    *new_input = 0;
    // The summary is the new start of the prompt: "no tool results" caches up to it.
    ctx.sess = Some(summary_tokens);
    ctx.new_input = 0;
    Some(latency_ms)
}

/// Compaction before a turn whose history passed the trigger: a billed summary call that
/// replaces the history, or dropping all but the last turns. Returns the summary call's latency
/// (0 without one).
fn compact(ctx: &Ctx, st: &mut PState, sp: &mut SessPol, prefix: u64) -> f64 {
    let Some(cmp) = &ctx.pol.compaction else { return 0.0 };
    if sp.history <= cmp.trigger_tokens {
        return 0.0;
    }
    match cmp.method {
        CompactionMethodC::Summarise { model, summary_tokens } => {
            let latency_ms = summarise(ctx, st, sp, (model, summary_tokens), (prefix, sp.history, 0), 0);
            sp.history = summary_tokens;
            sp.turn_tokens.clear();
            sp.turn_tokens.push_back(summary_tokens);
            latency_ms
        }
        CompactionMethodC::KeepLastTurns(n) => {
            while sp.turn_tokens.len() > n as usize {
                if let Some(old) = sp.turn_tokens.pop_front() {
                    sp.history -= old;
                }
            }
            compacted(ctx, st, sp);
            0.0
        }
    }
}

/// A compaction's summary call on `model`: it reads the prompt so far (`body` tokens after the
/// `prefix`, `new_input` of them the turn's own) — from the cache where warm, like any session
/// call — and answers `summary_tokens`; `salt` keys its draws. Returns its latency.
fn summarise(
    ctx: &Ctx,
    st: &mut PState,
    sp: &mut SessPol,
    (model, summary_tokens): (usize, u64),
    (prefix, body, new_input): (u64, u64, u64),
    salt: u64,
) -> f64 {
    let reader = Ctx {
        sess: Some(0),
        new_input,
        ..*ctx
    };
    let call_key = key(ctx.task_key ^ tag::COMPACTION, salt);
    let (_, latency_ms) = reader.call(st, ctx.live[model], body, prefix, summary_tokens, call_key, false);
    compacted(ctx, st, sp);
    latency_ms
}

/// What every compaction does: it is counted, its success penalty holds for the rest of the
/// session, and the session's cache entries are gone (the prompt changed).
fn compacted(ctx: &Ctx, st: &mut PState, sp: &mut SessPol) {
    if let Some(cmp) = &ctx.pol.compaction {
        sp.penalty = sp.penalty.max(cmp.success_penalty);
    }
    st.acc.compactions += ctx.w;
    forget_session_cache(st);
}

/// The session's cache entries no longer match its prompt.
fn forget_session_cache(st: &mut PState) {
    st.sess_cache.iter_mut().for_each(|e| *e = (f64::NEG_INFINITY, 0));
}

/// The context window and the policy's context cap: the oldest history goes until the prompt
/// (prefix, history and the new input) fits; the cap's penalty applies to the turn.
fn fit_window(ctx: &mut Ctx, st: &mut PState, sp: &mut SessPol, prefix: u64, input: u64) {
    let class = &ctx.c.classes[ctx.class];
    let window = class.session.as_ref().and_then(|s| s.context_window_tokens);
    let cap = ctx.pol.context_cap.map(|(max_in, _)| max_in);
    let limit = match (window, cap) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => match a.or(b) {
            Some(l) => l,
            None => return,
        },
    };
    if prefix + sp.history + input <= limit {
        return;
    }
    let room = limit.saturating_sub(prefix + input);
    while sp.history > room {
        match sp.turn_tokens.pop_front() {
            Some(old) if sp.history - old >= room || sp.turn_tokens.is_empty() => sp.history -= old,
            Some(old) => {
                // Part of the oldest turn still fits: keep that part.
                let keep = room - (sp.history - old);
                sp.history = room;
                sp.turn_tokens.push_front(keep);
            }
            None => sp.history = room,
        }
    }
    sp.history = sp.history.min(room);
    if !sp.counted_truncation {
        st.acc.truncated += ctx.w;
        sp.counted_truncation = true;
    }
    if let Some((max_in, penalty)) = ctx.pol.context_cap
        && Some(max_in) == cap
        && window.is_none_or(|w| w >= max_in)
    {
        ctx.penalty += penalty;
    }
    // The history changed at its start: the session's cache entries no longer match.
    forget_session_cache(st);
}

impl Ctx<'_> {
    /// A session call's input: `body` tokens of history and new input after the `prefix`.
    /// With prompt caching the call reads the longest warm entry (the session's own, else the
    /// class's prefix) and writes up to where its strategy puts the breakpoint; a read
    /// refreshes the entry's TTL. Returns (input cost, efficiency tokens).
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub(super) fn session_prompt(
        &self,
        st: &mut PState,
        model: usize,
        body: u64,
        prefix: u64,
        rates: &Rates,
        bin: f64,
        call_key: u64,
    ) -> (f64, f64) {
        let w = self.w;
        let total = body + prefix;
        let history = body.saturating_sub(self.new_input);
        st.acc.history_tokens += history as f64 * w;
        st.acc.session_input_tokens += total as f64 * w;
        let (Some(ttl), Some(read_rate)) = (self.pol.prompt_cache_ttl_min, rates.cache_read) else {
            st.acc.tokens[T_INPUT] += total as f64 * w;
            return (total as f64 * rates.input * bin, total as f64);
        };
        let min = self.c.models[model].price.prompt_cache_min_tokens;
        let t = self.time_min;
        let idx = self.class * self.c.models.len() + model;
        let prefix_cacheable = prefix > 0 && prefix >= min;
        let prefix_warm = prefix_cacheable && (st.warm_until[idx] >= t || self.warmed_unseen(st, idx, ttl, call_key));
        let step = self.c.models[model].price.automatic_cache_step;
        let (expires, entry) = st.sess_cache.get(model).copied().unwrap_or((f64::NEG_INFINITY, 0));
        // Automatic caching matches the prefix in steps (OpenAI: 128 tokens).
        let len = step.map_or(entry, |s| entry / s.max(1) * s.max(1));
        let session_hit = expires >= t && len > 0 && len >= min && len <= total;
        let read = if session_hit {
            len
        } else if prefix_warm {
            prefix
        } else {
            0
        };
        let write_to = match self.pol.cache_strategy {
            CacheStrategy::SystemPrompt => prefix,
            CacheStrategy::FullHistory => total,
            CacheStrategy::NoToolResults => prefix + body.min(self.sess.unwrap_or(0)),
        };
        let stored = write_to >= min && write_to > read;
        // Automatic caching stores the prompt without billing a write: it is plain input.
        let write = if stored && step.is_none() { write_to - read } else { 0 };
        let uncached = total - read - write;
        if session_hit {
            st.sess_cache[model].0 = t + ttl;
        }
        if self.unsampled_per_min > 0.0 {
            // Sampled engine: each call is an arrival at the class's prefix stream.
            st.stream_tasks[idx] += 1.0;
            st.class_tasks[self.class] += 1.0;
        }
        let keeps = self.warm_keep >= 1.0 || crate::sim::rng::unit_from_key(call_key ^ tag::WARM_KEEP) < self.warm_keep;
        if prefix_cacheable && (read > 0 || stored) && keeps {
            st.warm_until[idx] = t + ttl;
        }
        if stored && write_to > prefix && model < st.sess_cache.len() {
            st.sess_cache[model] = (t + ttl, write_to);
        }
        let write_rate = if self.pol.prompt_cache_1h {
            rates.cache_write_1h
        } else {
            rates.cache_write
        };
        st.acc.tokens[T_INPUT] += uncached as f64 * w;
        st.acc.tokens[T_READ] += read as f64 * w;
        st.acc.tokens[T_WRITE] += write as f64 * w;
        let read_weight = if rates.input > 0.0 {
            read_rate / rates.input
        } else {
            1.0
        };
        let cost = (uncached as f64 * rates.input + read as f64 * read_rate + write as f64 * write_rate) * bin;
        (cost, (uncached + write) as f64 + read as f64 * read_weight)
    }
}

/// Whether a scenario has session classes (only then are sessions queued).
pub(super) fn any(c: &Compiled) -> bool {
    c.classes.iter().any(|k| k.session.is_some())
}
