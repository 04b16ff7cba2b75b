//! The engine: draws each run's parameters (`draws`), then simulates every task of every day —
//! or a stratified sample of it (`sampled`) — through every policy's pipeline (budget gate,
//! context cap, exact cache, semantic cache, router, model call, retries), with common random
//! numbers across policies.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rayon::prelude::*;

mod draws;
mod sampled;
mod session;
mod timeline;

pub use draws::parameter_uniform;
use draws::{AttemptDraws, CACHED_MODELS, CallCache, PolParams, Repeat, RunParams, TaskDraws, class_of, tokens};

use sampled::{Day, Sampling, Strat};
use timeline::Today;

use super::compile::{BreachC, Compiled, CondC, PolicyC, PriceC, RouterC};
use super::metrics::{self as m, LatencyHist, Metric, RunMetrics};
use super::rng::{key, rng_from, tag, unit_from_key};
use crate::model::dist::{std_normal_quantile, unit_f64};

/// Returned when a run is cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the simulation was cancelled")]
pub struct Cancelled;

/// Progress and cancellation for a long simulation.
pub struct Control<'a> {
    /// Set to stop at the next day boundary.
    pub cancel: &'a AtomicBool,
    /// Called with (runs done, runs in all) from worker threads.
    pub progress: &'a (dyn Fn(usize, usize) + Sync),
}

impl Control<'static> {
    /// No progress reports and no cancellation.
    pub fn none() -> Control<'static> {
        static NEVER: AtomicBool = AtomicBool::new(false);
        Control {
            cancel: &NEVER,
            progress: &|_, _| {},
        }
    }
}

/// The task draws of TaskDraws that come from one uniform each (input tokens, output tokens,
/// repeat, exact-cache, semantic-cache, batch) plus the first attempt's difficulty.
const TASK_UNIFORMS: usize = 6;
const STRAT_DIMS: usize = TASK_UNIFORMS + 1;

/// Replicate groups of the sampled engine's Latin hypercube within a class: the spread between
/// the groups' means is what estimates the sampling error (a single hypercube has no unbiased
/// variance estimate of its own).
const STRAT_GROUPS: usize = 4;

/// Running totals of one policy in one run. Counts are weighted: each simulated task adds its
/// weight (1 in the exact engine, where the sums are exact integers; `n / k` when the sampled
/// engine simulates `k` of a day's `n` tasks).
struct Acc {
    tasks: f64,
    successes: f64,
    calls: f64,
    /// Tasks that reached a model, and those of them that called the policy's strong model.
    routed_tasks: f64,
    strong_tasks: f64,
    cost: f64,
    tokens: [f64; 6],
    /// Billed chat tokens with cache reads weighted by their price ratio to input.
    efficiency_tokens: f64,
    wasted_tokens: f64,
    exact_hits: f64,
    sem_hits: f64,
    sem_wrong: f64,
    retries: f64,
    escalations: f64,
    truncated: f64,
    rejected: f64,
    downgraded: f64,
    latency: LatencyHist,
    spend_owner: Vec<f64>,
    spend_model: Vec<f64>,
    spend_embedding: f64,
    spend_day: Vec<f64>,
    /// Tasks arrived per day (a session counts on the day it starts).
    tasks_day: Vec<f64>,
    days_over_cap: u32,
    first_breach: Option<u32>,
    first_alert: Option<u32>,
    /// Variance of the total spend that comes from sampling (0 in the exact engine).
    sampling_var_usd2: f64,
    /// Tasks simulated, unweighted.
    tasks_simulated: f64,
    /// Sessions: how many started, their turns, their spend, the history part of their calls'
    /// input and all that input, and the compactions.
    sessions: f64,
    session_successes: f64,
    turns: f64,
    session_cost: f64,
    history_tokens: f64,
    session_input_tokens: f64,
    compactions: f64,
    /// Per turn number (from 0; the last bin holds every later turn): calls, input tokens of
    /// those calls, the spend of those turns, and the turns. Empty without session classes.
    by_turn: Vec<[f64; 4]>,
}

impl Acc {
    fn new(c: &Compiled) -> Acc {
        Acc {
            tasks: 0.0,
            successes: 0.0,
            calls: 0.0,
            routed_tasks: 0.0,
            strong_tasks: 0.0,
            cost: 0.0,
            tokens: [0.0; 6],
            efficiency_tokens: 0.0,
            wasted_tokens: 0.0,
            exact_hits: 0.0,
            sem_hits: 0.0,
            sem_wrong: 0.0,
            retries: 0.0,
            escalations: 0.0,
            truncated: 0.0,
            rejected: 0.0,
            downgraded: 0.0,
            latency: LatencyHist::default(),
            spend_owner: vec![0.0; c.owners.len()],
            spend_model: vec![0.0; c.models.len()],
            spend_embedding: 0.0,
            spend_day: vec![0.0; c.horizon_days as usize],
            tasks_day: vec![0.0; c.horizon_days as usize],
            days_over_cap: 0,
            first_breach: None,
            first_alert: None,
            sampling_var_usd2: 0.0,
            tasks_simulated: 0.0,
            sessions: 0.0,
            session_successes: 0.0,
            turns: 0.0,
            session_cost: 0.0,
            history_tokens: 0.0,
            session_input_tokens: 0.0,
            compactions: 0.0,
            by_turn: if c.classes.iter().any(|k| k.session.is_some()) {
                vec![[0.0; 4]; session::MAX_TURN_BINS]
            } else {
                Vec::new()
            },
        }
    }
}

const T_INPUT: usize = 0;
const T_READ: usize = 1;
const T_WRITE: usize = 2;
const T_OUTPUT: usize = 3;
const T_REASONING: usize = 4;
const T_EMBED: usize = 5;

/// One policy's state in one run.
struct PState {
    acc: Acc,
    /// Minute until which each (class, model) prefix stays warm in the provider cache.
    warm_until: Vec<f64>,
    budget_spent: Vec<f64>,
    /// Today's factor on the budget caps (events).
    cap_scale: f64,
    breach_today: bool,
    alert_today: bool,
    /// Whether the current task reached a model, and called the policy's strong model.
    task_routed: bool,
    task_strong: bool,
    /// Sampled engine: per (class, model) stream, the simulated tasks that called it (once per
    /// task: a retry arrives at its original's moment, so it is no new arrival) and the last
    /// task that did; tasks per class simulated so far in the run. Together they estimate the
    /// share of a class's tasks that reach each stream.
    stream_tasks: Vec<f64>,
    stream_last_task: Vec<u64>,
    class_tasks: Vec<f64>,
    /// Sampled engine: the simulated tasks so far in the run, numbered from 1.
    task_no: u64,
    /// Sampled engine: per class and replicate group (`class * STRAT_GROUPS + group`), the sum,
    /// sum of squares and count of the sampled tasks' cost today.
    day_cost: Vec<(f64, f64, f64)>,
    /// The session being worked on: its prompt-cache entry per model (expiry minute, tokens
    /// cached), swapped in from the session for its turn.
    sess_cache: Vec<(f64, u64)>,
    /// The session turn's bin in `Acc::by_turn`, while a session turn is worked on.
    turn_bin: Option<usize>,
    /// Sampled engine with sessions: per day sampled and stratum, the sum, sum of squares and
    /// count of the cost of the sessions drawn from it (added when each session ends).
    session_day_cost: Vec<Vec<(f64, f64, f64)>>,
}

/// What the budget gate lets a task (or a retry) do.
#[derive(Clone, Copy, PartialEq)]
enum Gate {
    Pass,
    Reject,
    Downgrade(usize),
}

/// What is fixed about one task while a policy works on it.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    c: &'a Compiled,
    rp: &'a RunParams,
    pol: &'a PolicyC,
    pp: &'a PolParams,
    class: usize,
    owner: usize,
    input_var: u64,
    output: u64,
    penalty: f64,
    batch: bool,
    interactive: bool,
    time_min: f64,
    day: usize,
    task_key: u64,
    calls: &'a CallCache,
    /// How many of the day's tasks this simulated task stands for (1 in the exact engine).
    w: f64,
    /// Sampled engine: the day's tasks of this task's class that were not simulated, per minute
    /// (0 when exact).
    unsampled_per_min: f64,
    /// Sampled engine: the share of this class's simulated calls that warm the cache (1 when
    /// exact).
    warm_keep: f64,
    /// A session turn: the length of the body (history and the turn's user input) that the
    /// `NoToolResults` cache strategy writes; `None` for a single request.
    sess: Option<u64>,
    /// A session turn's new user input (the rest of a call's body is history).
    new_input: u64,
    /// Per model: today's prices, and the model that answers a call to it (events).
    prices: &'a [PriceC],
    live: &'a [usize],
}

impl Ctx<'_> {
    /// (reasoning tokens, ttft ms, tokens/s) of a call, from its keyed stream.
    #[inline]
    fn call_draws(&self, model: usize, call_key: u64, cacheable: bool) -> (u64, f64, f64) {
        let cacheable = cacheable && model < CACHED_MODELS;
        if cacheable && self.calls.mask.get() & (1 << model) != 0 {
            return self.calls.vals[model].get();
        }
        let mdl = &self.c.models[model];
        let mut rng = rng_from(call_key);
        let reasoning = if mdl.has_reasoning {
            tokens(mdl.reasoning_tokens.sample(&mut rng))
        } else {
            0
        };
        let (ttft, tps) = if self.interactive {
            (
                mdl.ttft_ms.sample(&mut rng).min(crate::model::limits::MAX_LATENCY_MS),
                mdl.output_tokens_per_s.sample(&mut rng).max(1.0),
            )
        } else {
            (0.0, 1.0)
        };
        if cacheable {
            self.calls.vals[model].set((reasoning, ttft, tps));
            self.calls.mask.set(self.calls.mask.get() | (1 << model));
        }
        (reasoning, ttft, tps)
    }

    #[inline]
    fn succeeds(&self, model: usize, u: f64) -> bool {
        u < self.rp.success[model * self.c.classes.len() + self.class] - self.penalty
    }

    #[inline]
    fn budget_bucket(&self) -> usize {
        match &self.pol.budget {
            Some(b) if b.per_owner => self.owner,
            _ => 0,
        }
    }

    /// Records spend everywhere it is counted.
    #[inline(always)]
    fn spend(&self, st: &mut PState, cost: f64, model: Option<usize>) {
        let cost = cost * self.w;
        st.acc.cost += cost;
        st.acc.spend_owner[self.owner] += cost;
        match model {
            Some(mi) => st.acc.spend_model[mi] += cost,
            None => st.acc.spend_embedding += cost,
        }
        st.acc.spend_day[self.day] += cost;
        if let Some(b) = &self.pol.budget {
            let bucket = self.budget_bucket();
            let cap = b.caps_usd[bucket] * st.cap_scale;
            st.budget_spent[bucket] += cost;
            if st.budget_spent[bucket] >= cap {
                st.breach_today = true;
            }
            if st.budget_spent[bucket] >= b.alert_at * cap {
                st.alert_today = true;
            }
        }
    }

    /// Bills one model call; returns (tokens billed, latency in ms). `cacheable` marks the first
    /// attempt's answer calls, whose draws every policy shares.
    #[allow(clippy::too_many_arguments)]
    fn call(
        &self,
        st: &mut PState,
        model: usize,
        uncached_in: u64,
        prefix: u64,
        output: u64,
        call_key: u64,
        cacheable: bool,
    ) -> (u64, f64) {
        let mdl = &self.c.models[model];
        let price = &self.prices[model];
        let rates = price.for_input(uncached_in + prefix);
        let (bin, bout) = if self.batch {
            (price.batch_input_ratio, price.batch_output_ratio)
        } else {
            (1.0, 1.0)
        };
        let w = self.w;
        let (mut cost, mut efficiency_tokens) = if self.sess.is_some() && uncached_in + prefix > 0 {
            // A session's prompt: the body (history and new input) may be cached too.
            let (input_cost, input_efficiency) =
                self.session_prompt(st, model, uncached_in, prefix, rates, bin, call_key);
            st.acc.tokens[T_OUTPUT] += output as f64 * w;
            if let Some(b) = st.turn_bin {
                st.acc.by_turn[b][0] += w;
                st.acc.by_turn[b][1] += (uncached_in + prefix) as f64 * w;
            }
            (
                input_cost + output as f64 * rates.output * bout,
                input_efficiency + output as f64,
            )
        } else {
            self.request_input(st, model, (uncached_in, prefix, output), (rates, bin, bout), call_key)
        };
        let mut reasoning = 0u64;
        let mut latency = 0.0;
        if mdl.has_reasoning || self.interactive {
            let (r, ttft, tps) = self.call_draws(model, call_key, cacheable);
            reasoning = r;
            cost += reasoning as f64 * rates.reasoning * bout;
            st.acc.tokens[T_REASONING] += reasoning as f64 * w;
            efficiency_tokens += reasoning as f64;
            if self.interactive {
                latency = ttft + (output + reasoning) as f64 / tps * 1000.0;
            }
        }
        st.acc.efficiency_tokens += efficiency_tokens * w;
        st.acc.calls += w;
        self.spend(st, cost, Some(model));
        (uncached_in + prefix + output + reasoning, latency)
    }

    /// A single request's input and output: the uncached part, and the class's prefix read from
    /// or written to the provider's prompt cache by its warmth; returns (cost, efficiency tokens)
    /// before reasoning.
    #[inline(always)]
    fn request_input(
        &self,
        st: &mut PState,
        model: usize,
        (uncached_in, prefix, output): (u64, u64, u64),
        (rates, bin, bout): (&super::compile::Rates, f64, f64),
        call_key: u64,
    ) -> (f64, f64) {
        let w = self.w;
        let price = &self.prices[model];
        let mut cost = uncached_in as f64 * rates.input * bin + output as f64 * rates.output * bout;
        let mut efficiency_tokens = (uncached_in + output) as f64;
        st.acc.tokens[T_INPUT] += uncached_in as f64 * w;
        st.acc.tokens[T_OUTPUT] += output as f64 * w;
        if prefix > 0 {
            match (self.pol.prompt_cache_ttl_min, rates.cache_read) {
                (Some(ttl), Some(read)) if prefix >= price.prompt_cache_min_tokens => {
                    let idx = self.class * self.c.models.len() + model;
                    let warm = st.warm_until[idx] >= self.time_min || self.warmed_unseen(st, idx, ttl, call_key);
                    if self.unsampled_per_min > 0.0 && st.stream_last_task[idx] != st.task_no {
                        st.stream_last_task[idx] = st.task_no;
                        st.stream_tasks[idx] += 1.0;
                    }
                    if warm {
                        cost += prefix as f64 * read * bin;
                        st.acc.tokens[T_READ] += prefix as f64 * w;
                        let weight = if rates.input > 0.0 { read / rates.input } else { 1.0 };
                        efficiency_tokens += prefix as f64 * weight;
                    } else {
                        let write = if self.pol.prompt_cache_1h {
                            rates.cache_write_1h
                        } else {
                            rates.cache_write
                        };
                        cost += prefix as f64 * write * bin;
                        st.acc.tokens[T_WRITE] += prefix as f64 * w;
                        efficiency_tokens += prefix as f64;
                    }
                    if self.warm_keep >= 1.0 || unit_from_key(call_key ^ tag::WARM_KEEP) < self.warm_keep {
                        st.warm_until[idx] = self.time_min + ttl;
                    }
                }
                _ => {
                    cost += prefix as f64 * rates.input * bin;
                    st.acc.tokens[T_INPUT] += prefix as f64 * w;
                    efficiency_tokens += prefix as f64;
                }
            }
        }
        (cost, efficiency_tokens)
    }

    /// The model that answers for a non-cascade router's pick (today's stand-in for a model
    /// launched later or retired).
    #[inline]
    fn pick(&self, att: &AttemptDraws, forced: Option<usize>) -> usize {
        self.live[self.router_pick(att, forced)]
    }

    /// The model a non-cascade router picks.
    #[inline]
    fn router_pick(&self, att: &AttemptDraws, forced: Option<usize>) -> usize {
        if let Some(m) = forced {
            return m;
        }
        match &self.pol.router {
            RouterC::Fixed(m) => *m,
            RouterC::Rules(rules, default) => {
                let total_in = self.input_var + self.c.classes[self.class].prefix_tokens;
                rules
                    .iter()
                    .find(|(cond, _)| match cond {
                        CondC::Class(k) => *k == self.class,
                        CondC::Owner(o) => *o == self.owner,
                        CondC::InputAbove(n) => total_in > *n,
                    })
                    .map(|(_, m)| *m)
                    .unwrap_or(*default)
            }
            RouterC::Learned {
                strong,
                weak,
                threshold,
                noise,
                ..
            } => {
                if att.u + noise * std_normal_quantile(att.z_u) > *threshold {
                    *strong
                } else {
                    *weak
                }
            }
            RouterC::Cascade(stages, _) => stages[0],
        }
    }

    /// Steps 3 and 4: the exact cache, then the semantic cache (its embedding is billed); the
    /// cached answer as (success, latency), else `Err` with the semantic lookup's latency, if
    /// any, that the model call adds to.
    // Always inlined: as a call of its own it cost 2 % more instructions per task (callgrind).
    #[inline(always)]
    fn cached_answer(&self, st: &mut PState, d: &TaskDraws, forced: Option<usize>) -> Result<(bool, f64), Option<f64>> {
        let (pol, pp, w) = (self.pol, self.pp, self.w);
        if let Some((_, latency_ms)) = pol.exact_cache
            && d.repeat == Repeat::Exact
            && d.cache_u < pp.exact_hit
        {
            st.acc.exact_hits += w;
            return Ok((self.dry_success(&d.first, forced), latency_ms));
        }
        let Some(sc) = &pol.semantic_cache else {
            return Err(None);
        };
        let emb = self.input_var;
        st.acc.tokens[T_EMBED] += emb as f64 * w;
        self.spend(st, emb as f64 * sc.embedding_usd_per_token, None);
        let lookup = sc.lookup_latency_ms;
        if d.repeat != Repeat::No {
            if d.sem_u < pp.sem_hit {
                st.acc.sem_hits += w;
                return Ok((self.dry_success(&d.first, forced), lookup));
            } else if d.sem_u < pp.sem_hit + pp.sem_wrong {
                st.acc.sem_wrong += w;
                return Ok((false, lookup));
            }
        } else if d.sem_u < pp.sem_false {
            st.acc.sem_wrong += w;
            return Ok((false, lookup));
        }
        Err(Some(lookup))
    }

    /// The cascade's walk, written once for the billed and the unbilled path: each stage reached
    /// answers (well or not, by the attempt's difficulty); after every stage but the last the
    /// verifier escalates or lets the answer stand. `visit(k, stage, escalated)` sees each stage
    /// reached (`escalated` is `None` for the last); returns whether the answer given succeeds.
    #[inline]
    fn cascade_walk(
        &self,
        stages: &[usize],
        att: &AttemptDraws,
        mut visit: impl FnMut(usize, usize, Option<bool>),
    ) -> bool {
        for (k, &s) in stages.iter().enumerate() {
            let s = self.live[s];
            let ok = self.succeeds(s, att.u);
            if k + 1 == stages.len() {
                visit(k, s, None);
                return ok;
            }
            let escalate = if ok {
                att.verifier[k] < self.pp.v_fa
            } else {
                att.verifier[k] < self.pp.v_recall
            };
            visit(k, s, Some(escalate));
            if !escalate {
                return ok;
            }
        }
        false
    }

    /// Whether the route would answer this attempt well, without billing (for cached answers).
    fn dry_success(&self, att: &AttemptDraws, forced: Option<usize>) -> bool {
        match (&self.pol.router, forced) {
            (RouterC::Cascade(stages, _), None) => self.cascade_walk(stages, att, |_, _, _| {}),
            // Every other router kind (and a forced model) makes one call; listed, not `_`, so a
            // new router kind does not compile until it is handled here.
            (RouterC::Cascade(..), Some(_)) | (RouterC::Fixed(_) | RouterC::Rules(..) | RouterC::Learned { .. }, _) => {
                self.succeeds(self.pick(att, forced), att.u)
            }
        }
    }

    /// One billed attempt through the router; returns (success, latency in ms).
    fn attempt(&self, st: &mut PState, att: &AttemptDraws, attempt_no: u64, forced: Option<usize>) -> (bool, f64) {
        let prefix = self.c.classes[self.class].prefix_tokens;
        let attempt_key = key(self.task_key ^ tag::ATTEMPT, attempt_no);
        match (&self.pol.router, forced) {
            (RouterC::Cascade(stages, v), None) => {
                let mut latency = 0.0;
                // Tokens of the answer kept (the last stage reached, and its verdict): wasted
                // when that answer fails. Escalated stages are wasted at once.
                let mut kept_tokens = 0u64;
                let ok = self.cascade_walk(stages, att, |k, s, escalated| {
                    self.mark_routed(st, s);
                    let call_key = key(attempt_key, self.c.models[s].call_tag);
                    let (tok, lat) = self.call(st, s, self.input_var, prefix, self.output, call_key, attempt_no == 0);
                    latency += lat;
                    let Some(escalate) = escalated else {
                        kept_tokens += tok;
                        return;
                    };
                    let v_in = if v.reads_task { self.input_var + self.output } else { 0 } + v.extra_input_tokens;
                    let v_key = key(attempt_key, tag::VERIFIER_CALL + k as u64);
                    // The verifier reads the answer, not the session's prompt.
                    let plain = Ctx { sess: None, ..*self };
                    let (vtok, vlat) = plain.call(st, self.live[v.model], v_in, 0, v.output_tokens, v_key, false);
                    latency += vlat;
                    if escalate {
                        st.acc.escalations += self.w;
                        st.acc.wasted_tokens += (tok + vtok) as f64 * self.w;
                    } else {
                        kept_tokens += tok + vtok;
                    }
                });
                if !ok {
                    st.acc.wasted_tokens += kept_tokens as f64 * self.w;
                }
                (ok, latency)
            }
            (RouterC::Cascade(..), Some(_)) | (RouterC::Fixed(_) | RouterC::Rules(..) | RouterC::Learned { .. }, _) => {
                let model = self.pick(att, forced);
                self.mark_routed(st, model);
                let (tok, lat) = self.call(
                    st,
                    model,
                    self.input_var,
                    prefix,
                    self.output,
                    key(attempt_key, self.c.models[model].call_tag),
                    attempt_no == 0,
                );
                let ok = self.succeeds(model, att.u);
                if !ok {
                    st.acc.wasted_tokens += tok as f64 * self.w;
                }
                (ok, lat)
            }
        }
    }

    /// Sampled engine: whether a prefix the simulated tasks left cold was warmed by one of the
    /// day's tasks that were not simulated. Those arrive on the (class, model) stream at the
    /// class's unsimulated rate times the share of the class's tasks that reach the stream,
    /// estimated from the tasks of the class simulated before this one (1 before the first:
    /// this task reaches it). A task counts once however many of its attempts call the stream:
    /// its retries arrive at the same moment, so they warm nothing a first call did not.
    #[inline]
    fn warmed_unseen(&self, st: &PState, idx: usize, ttl_min: f64, call_key: u64) -> bool {
        if self.unsampled_per_min <= 0.0 {
            return false;
        }
        let before = st.class_tasks[self.class];
        // This task's own earlier attempt may already be counted: leave it out.
        let mine = f64::from(u8::from(st.stream_last_task[idx] == st.task_no));
        let reach = if before > 0.0 {
            ((st.stream_tasks[idx] - mine) / before).min(1.0)
        } else {
            1.0
        };
        let x = self.unsampled_per_min * ttl_min;
        // P(warm) = 1 − exp(−reach·x) is concave in the estimated reach, so its noise (binomial,
        // over `before` tasks) would bias it low: the second-order (delta-method) term puts back
        // E[1 − exp(−r̂·x)] − (1 − exp(−r·x)) ≈ −½·x²·exp(−r·x)·r(1 − r)/before.
        let var = if before > 0.0 {
            reach * (1.0 - reach) / before
        } else {
            0.0
        };
        let p_warm = (-(-reach * x).exp_m1() + 0.5 * x * x * (-reach * x).exp() * var).min(1.0);
        unit_from_key(call_key ^ tag::WARM) < p_warm
    }

    /// Notes that the task reached `model` (for the strong-model share).
    #[inline]
    fn mark_routed(&self, st: &mut PState, model: usize) {
        st.task_routed = true;
        st.task_strong |= model == self.pol.strong_model;
    }

    /// The budget gate, on arrival and before each retry: a bucket that has spent its cap in
    /// the current period rejects, downgrades or only records the breach.
    #[inline]
    fn gate(&self, st: &mut PState) -> Gate {
        let Some(b) = &self.pol.budget else {
            return Gate::Pass;
        };
        let bucket = self.budget_bucket();
        if st.budget_spent[bucket] < b.caps_usd[bucket] * st.cap_scale {
            return Gate::Pass;
        }
        st.breach_today = true;
        match b.on_breach {
            BreachC::Reject => Gate::Reject,
            BreachC::Downgrade(m) => Gate::Downgrade(m),
            BreachC::AlertOnly => Gate::Pass,
        }
    }
}

/// Runs one task through one policy's pipeline.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn simulate_task(
    c: &Compiled,
    rp: &RunParams,
    pol: &PolicyC,
    pp: &PolParams,
    st: &mut PState,
    d: &TaskDraws,
    (time_min, day): (f64, usize),
    sampling: Sampling,
    today: &Today,
) {
    let Sampling {
        w,
        unsampled_per_min,
        warm_keep,
    } = sampling;
    let class = &c.classes[d.class];
    st.acc.tasks += w;
    st.acc.tasks_day[day] += w;
    st.acc.tasks_simulated += 1.0;
    let mut ctx = Ctx {
        c,
        rp,
        pol,
        pp,
        class: d.class,
        owner: class.owner,
        input_var: d.input_var,
        output: d.output,
        penalty: 0.0,
        batch: class.batchable && pol.batch_share.is_some() && d.batch_u < pp.batch_share,
        interactive: !class.batchable,
        time_min,
        day,
        task_key: d.key,
        calls: &d.calls,
        w,
        unsampled_per_min,
        warm_keep,
        sess: None,
        new_input: 0,
        prices: &today.prices,
        live: &today.live,
    };

    st.task_routed = false;
    st.task_strong = false;

    // 1. Budget gate.
    let mut forced = None;
    match ctx.gate(st) {
        Gate::Pass => {}
        Gate::Reject => {
            st.acc.rejected += w;
            return;
        }
        Gate::Downgrade(m) => {
            st.acc.downgraded += w;
            forced = Some(m);
        }
    }

    // 2. Context cap.
    if let Some((max_in, penalty)) = pol.context_cap
        && class.prefix_tokens + ctx.input_var > max_in
    {
        ctx.input_var = max_in.saturating_sub(class.prefix_tokens);
        ctx.penalty = penalty;
        st.acc.truncated += w;
    }

    // 3. Exact cache, 4. semantic cache, else 5. router and 6. model call.
    let (ok, latency_ms) = match ctx.cached_answer(st, d, forced) {
        Ok(answer) => answer,
        Err(None) => ctx.attempt(st, &d.first, 0, forced),
        // The semantic lookup's latency adds to the model call's.
        Err(Some(lookup_ms)) => {
            let (ok, lat) = ctx.attempt(st, &d.first, 0, forced);
            (ok, lat + lookup_ms)
        }
    };
    finish(&ctx, st, d, ok, forced, latency_ms);
}

/// Step 7, outcome and retries: a failed task is retried with the class's probability, up to
/// the policy's limit, each attempt a fresh difficulty draw; retries bypass the caches but pass
/// the budget gate again. The task's latency is everything the user waits for: every attempt.
#[inline(always)]
fn finish(ctx: &Ctx, st: &mut PState, d: &TaskDraws, ok: bool, forced: Option<usize>, latency_ms: f64) {
    let (ok, latency_ms) = retries(ctx, st, d.key, d.first.retry, (ok, latency_ms), forced);
    if ctx.interactive {
        st.acc.latency.record(latency_ms, ctx.w);
    }
    if st.task_routed {
        st.acc.routed_tasks += ctx.w;
        if st.task_strong {
            st.acc.strong_tasks += ctx.w;
        }
    }
    if ok {
        st.acc.successes += ctx.w;
    }
}

/// The retries of a failed first attempt (see [`finish`]); returns the final (success,
/// latency in ms) with every attempt's latency added.
#[inline(always)]
fn retries(
    ctx: &Ctx,
    st: &mut PState,
    task_key: u64,
    first_retry_u: f64,
    (mut ok, mut latency_ms): (bool, f64),
    mut forced: Option<usize>,
) -> (bool, f64) {
    let mut retry_u = first_retry_u;
    let mut k = 0;
    while !ok && k < ctx.pol.max_retries && retry_u < ctx.rp.retry[ctx.class] {
        match ctx.gate(st) {
            Gate::Pass => {}
            Gate::Reject => {
                st.acc.rejected += ctx.w;
                break;
            }
            Gate::Downgrade(m) => {
                if forced.is_none() {
                    st.acc.downgraded += ctx.w;
                }
                forced = Some(m);
            }
        }
        k += 1;
        st.acc.retries += ctx.w;
        let mut rng = rng_from(key(task_key ^ tag::ATTEMPT, tag::RETRY_DRAWS + k as u64));
        let att = AttemptDraws::draw(&mut rng);
        let (r_ok, lat) = ctx.attempt(st, &att, k as u64, forced);
        latency_ms += lat;
        ok = r_ok;
        retry_u = att.retry;
    }
    (ok, latency_ms)
}

/// Simulates run `run` of the compiled scenario for every policy; one result per policy.
pub fn run_one(c: &Compiled, seed: u64, run: u64, cancel: &AtomicBool) -> Result<Vec<RunMetrics>, Cancelled> {
    let run_key = key(key(seed, tag::RUN), run);
    let rp = RunParams::draw(c, run_key);
    let pps: Vec<PolParams> = (0..c.policies.len())
        .map(|pi| PolParams::draw(c, pi, run_key))
        .collect();
    let mut states: Vec<PState> = c.policies.iter().map(|p| PState::new(c, p)).collect();
    let mut clock_min = 0.0f64;
    // Session turns queued across days (only for scenarios with session classes).
    let mut sessions = session::SessionRun::new(c, &mut states);
    let plain = Today::plain(c);
    let mut dated;
    for day in 0..c.horizon_days as usize {
        if cancel.load(Ordering::Relaxed) {
            return Err(Cancelled);
        }
        let today = if c.events.is_empty() {
            &plain
        } else {
            dated = Today::of(c, &rp, day);
            &dated
        };
        let r = session::RunCtx {
            c,
            rp: &rp,
            pps: &pps,
            today,
        };
        let day_key = key(run_key ^ tag::DAY, day as u64);
        let n = day_volume(c, &rp, (day_key, day), today.volume_factor);
        start_day(c, &mut states, day, today);
        // The sampled engine simulates k of the day's n tasks; with n <= k it is the exact engine.
        let k = c.sample_per_day.map_or(n, |cap| n.min(cap));
        // Arrivals form one Poisson process across the whole horizon: exponential gaps at the
        // day's rate, on a clock that never restarts at midnight (so a day's first task is never
        // placed before the previous day's last one). Only the gaps matter: the clock is read
        // by the prompt cache's TTL alone. A day without tasks still passes: its 24 hours go
        // by before the next day's first task.
        if n == 0 {
            clock_min += 1440.0;
        } else if let (true, Some(sessions)) = (k == n, sessions.as_mut()) {
            sessions.exact_day(&r, &mut states, (day_key, day, n), &mut clock_min);
        } else if k == n {
            exact_day(&r, &mut states, (day_key, day, n), &mut clock_min);
        } else {
            let day_ctx = Day {
                r: &r,
                day,
                day_key,
                n,
                k,
            };
            let strata = day_ctx.sampled(&mut states, &mut clock_min, sessions.as_mut().map(|s| &mut s.sessions));
            if let Some(sessions) = sessions.as_mut() {
                sessions.day_strata[day] = Some(strata);
            }
        }
        if let Some(sessions) = sessions.as_mut() {
            sessions.end_of_day(&r, &mut states, day, clock_min);
        }
        end_day(&mut states, day);
    }
    if let Some(sessions) = &sessions {
        sessions.add_sampling_variance(&mut states);
    }
    Ok(states
        .into_iter()
        .zip(&c.policies)
        .map(|(st, p)| finish_run(c, st, p.budget.is_some()))
        .collect())
}

/// A day of `n` single requests, every one simulated through every policy.
fn exact_day(r: &session::RunCtx, states: &mut [PState], (day_key, day, n): (u64, usize, u64), clock_min: &mut f64) {
    let (c, today) = (r.c, r.today);
    let mean_gap = if n > 0 { 1440.0 / n as f64 } else { 0.0 };
    for i in 0..n {
        let d = TaskDraws::draw(c, r.rp, key(day_key, i));
        *clock_min += d.gap * mean_gap;
        if !today.keeps(d.key, d.class) {
            continue;
        }
        for (pi, st) in states.iter_mut().enumerate() {
            let q = today.route(c, pi, d.key);
            let (p, pp) = (&c.policies[q], &r.pps[q]);
            simulate_task(c, r.rp, p, pp, st, &d, (*clock_min, day), Sampling::EXACT, today);
        }
    }
}

impl PState {
    /// A policy's state at the start of a run.
    fn new(c: &Compiled, p: &PolicyC) -> PState {
        let nm = c.models.len();
        PState {
            acc: Acc::new(c),
            warm_until: vec![f64::NEG_INFINITY; c.classes.len() * nm],
            budget_spent: vec![0.0; budget_buckets(c, p)],
            cap_scale: 1.0,
            breach_today: false,
            alert_today: false,
            task_routed: false,
            task_strong: false,
            stream_tasks: vec![0.0; c.classes.len() * nm],
            stream_last_task: vec![0; c.classes.len() * nm],
            class_tasks: vec![0.0; c.classes.len()],
            task_no: 0,
            day_cost: vec![(0.0, 0.0, 0.0); c.classes.len() * STRAT_GROUPS],
            sess_cache: Vec::new(),
            turn_bin: None,
            session_day_cost: Vec::new(),
        }
    }
}

/// The budget buckets a policy's state keeps: its own budget's, or for a rollout column the
/// most either pipeline has.
fn budget_buckets(c: &Compiled, p: &PolicyC) -> usize {
    let own = |p: &PolicyC| p.budget.as_ref().map_or(0, |b| b.caps_usd.len());
    match p.rollout {
        Some((to, _)) => own(p).max(own(&c.policies[to])),
        None => own(p),
    }
}

/// The day's number of tasks: the run's volume, grown, by weekday, with the day's noise (mean
/// 1), rounded at random so the mean is kept.
fn day_volume(c: &Compiled, rp: &RunParams, (day_key, day): (u64, usize), factor: f64) -> u64 {
    let growth = (1.0 + rp.growth).max(0.0);
    let sd = c.day_noise_sd;
    let mut day_rng = rng_from(day_key);
    let z = std_normal_quantile(unit_f64(&mut day_rng).clamp(1e-12, 1.0 - 1e-12));
    let frac_u = unit_f64(&mut day_rng);
    let wf = c.weekday_factors[(c.start_weekday + day) % 7];
    let mean = rp.volume * growth.powf(day as f64 / 30.0) * wf * (sd * z - 0.5 * sd * sd).exp() * factor;
    if mean.is_finite() && mean > 0.0 {
        let fl = mean.floor();
        fl as u64 + u64::from(frac_u < mean - fl)
    } else {
        0
    }
}

/// A new day: budgets reset at their period's start; today's caps set; today's breach and
/// alert marks clear.
fn start_day(c: &Compiled, states: &mut [PState], day: usize, today: &Today) {
    for ((p, st), scale) in c.policies.iter().zip(states.iter_mut()).zip(&today.cap_scale) {
        st.cap_scale = *scale;
        if let Some(b) = &p.budget
            && day > 0
            && b.period_of_day[day] != b.period_of_day[day - 1]
        {
            st.budget_spent.iter_mut().for_each(|s| *s = 0.0);
        }
        st.breach_today = false;
        st.alert_today = false;
    }
}

/// The day's end: days over the cap, the first breach and the first alert.
fn end_day(states: &mut [PState], day: usize) {
    for st in states.iter_mut() {
        if st.breach_today {
            st.acc.days_over_cap += 1;
            st.acc.first_breach.get_or_insert(day as u32);
        }
        if st.alert_today || st.breach_today {
            st.acc.first_alert.get_or_insert(day as u32);
        }
    }
}

fn finish_run(c: &Compiled, st: PState, has_budget: bool) -> RunMetrics {
    let a = st.acc;
    let unowned = c
        .owners
        .iter()
        .position(|o| o == super::compile::UNOWNED)
        .map(|i| a.spend_owner[i])
        .unwrap_or(0.0);
    let v = m::MetricValues::from_fn(|metric| metric_value(metric, &a, unowned, has_budget));
    RunMetrics {
        values: v,
        spend_by_day_usd: a.spend_day,
        tasks_by_day: a.tasks_day,
        by_turn: a.by_turn,
        spend_by_owner_usd: a.spend_owner,
        spend_by_model_usd: a.spend_model,
        spend_embedding_usd: a.spend_embedding,
        sampling_se_cost_usd: a.sampling_var_usd2.sqrt(),
        tasks_simulated: a.tasks_simulated,
    }
}

/// A ratio, NaN when its denominator is 0.
#[inline]
fn ratio(num: f64, den: f64) -> f64 {
    if den > 0.0 { num / den } else { f64::NAN }
}

/// One metric's value at the end of a run: one arm per metric, so a new metric does not
/// compile until it says how it is computed. `unowned_usd` is the spend on unowned classes.
fn metric_value(metric: Metric, a: &Acc, unowned_usd: f64, has_budget: bool) -> f64 {
    let billed: f64 = a.tokens.iter().sum();
    let day = |d: Option<u32>| d.map_or(f64::NAN, f64::from);
    match metric {
        Metric::CostTotal => a.cost,
        Metric::CostPerRequest => ratio(a.cost, a.tasks),
        Metric::CostPerSuccess => ratio(a.cost, a.successes),
        Metric::SuccessRate => ratio(a.successes, a.tasks),
        Metric::TokenEfficiency => ratio(a.successes, a.efficiency_tokens) * 1e6,
        Metric::WastedTokenShare => ratio(a.wasted_tokens, billed),
        Metric::LatencyP50 => a.latency.quantile(0.50),
        Metric::LatencyP95 => a.latency.quantile(0.95),
        Metric::LatencyP99 => a.latency.quantile(0.99),
        Metric::Tasks => a.tasks,
        Metric::Successes => a.successes,
        Metric::ModelCalls => a.calls,
        Metric::TokensInput => a.tokens[T_INPUT],
        Metric::TokensCacheRead => a.tokens[T_READ],
        Metric::TokensCacheWrite => a.tokens[T_WRITE],
        Metric::TokensOutput => a.tokens[T_OUTPUT],
        Metric::TokensReasoning => a.tokens[T_REASONING],
        Metric::TokensEmbedding => a.tokens[T_EMBED],
        Metric::ExactCacheHits => a.exact_hits,
        Metric::SemanticCacheHits => a.sem_hits,
        Metric::SemanticWrongHits => a.sem_wrong,
        Metric::Retries => a.retries,
        Metric::Escalations => a.escalations,
        Metric::TruncatedTasks => a.truncated,
        Metric::RejectedTasks => a.rejected,
        Metric::DowngradedTasks => a.downgraded,
        Metric::DaysOverCap => f64::from(a.days_over_cap),
        Metric::BudgetBreached if has_budget => f64::from(u8::from(a.first_breach.is_some())),
        Metric::BudgetBreached => f64::NAN,
        Metric::FirstBreachDay => day(a.first_breach),
        Metric::FirstAlertDay => day(a.first_alert),
        Metric::UnownedSpendShare if a.cost > 0.0 => unowned_usd / a.cost,
        Metric::UnownedSpendShare => 0.0,
        Metric::StrongShare => ratio(a.strong_tasks, a.routed_tasks),
        Metric::PromptCacheReadShare => ratio(
            a.tokens[T_READ],
            a.tokens[T_INPUT] + a.tokens[T_READ] + a.tokens[T_WRITE],
        ),
        Metric::PromptCacheWriteShare => ratio(
            a.tokens[T_WRITE],
            a.tokens[T_INPUT] + a.tokens[T_READ] + a.tokens[T_WRITE],
        ),
        Metric::Sessions => a.sessions,
        Metric::TurnsPerSession => ratio(a.turns, a.sessions),
        Metric::CostPerSession => ratio(a.session_cost, a.sessions),
        Metric::HistoryShare => ratio(a.history_tokens, a.session_input_tokens),
        Metric::Compactions => a.compactions,
    }
}

/// Runs `runs` runs in parallel (deterministic order of results); `out[run][policy]`.
pub fn run_all(c: &Compiled, seed: u64, runs: u32, ctl: &Control) -> Result<Vec<Vec<RunMetrics>>, Cancelled> {
    let done = AtomicUsize::new(0);
    let total = runs as usize;
    (0..runs as u64)
        .into_par_iter()
        .map(|r| {
            let out = run_one(c, seed, r, ctl.cancel);
            if out.is_ok() {
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                (ctl.progress)(n, total);
            }
            out
        })
        .collect()
}
