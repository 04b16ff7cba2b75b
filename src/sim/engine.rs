//! The exact engine: draws each run's parameters, then simulates every task of every day through
//! every policy's pipeline (budget gate, context cap, exact cache, semantic cache, router, model
//! call, retries), with common random numbers across policies.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rand::Rng;
use rand::distr::Distribution as _;
use rayon::prelude::*;

use super::compile::{BreachC, ClassC, Compiled, CondC, MAX_STAGES, PolicyC, RouterC};
use super::metrics::{self as m, HIST_BUCKETS, RunMetrics, hist_bucket, hist_quantile};
use super::rng::{key, key_str, rng_from, tag, unit_from_key};
use crate::model::dist::unit_f64;

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

/// Parameters drawn once per run (shared by every policy).
struct RunParams {
    volume: f64,
    growth: f64,
    exact: Vec<f64>,
    near: Vec<f64>,
    retry: Vec<f64>,
    /// success[model * n_classes + class]
    success: Vec<f64>,
}

/// A policy's parameters drawn once per run.
#[derive(Default)]
struct PolParams {
    exact_hit: f64,
    sem_hit: f64,
    sem_wrong: f64,
    sem_false: f64,
    v_recall: f64,
    v_fa: f64,
    batch_share: f64,
}

fn param(run_key: u64, path: &str) -> f64 {
    unit_from_key(key_str(run_key ^ tag::PARAM, path))
}

impl RunParams {
    fn draw(c: &Compiled, run_key: u64) -> RunParams {
        let nc = c.classes.len();
        let mut success = vec![0.0; c.models.len() * nc];
        for (mi, model) in c.models.iter().enumerate() {
            for (ci, class) in c.classes.iter().enumerate() {
                let p = param(run_key, &format!("models[{}].success[{}]", model.name, class.name));
                success[mi * nc + ci] = model.success[ci].quantile(p);
            }
        }
        let per_class = |f: &dyn Fn(&ClassC) -> &crate::model::ProbDist, field: &str| -> Vec<f64> {
            c.classes
                .iter()
                .map(|k| f(k).quantile(param(run_key, &format!("traffic.classes[{}].{field}", k.name))))
                .collect()
        };
        let exact = per_class(&|k| &k.exact_repeat_rate, "exact_repeat_rate");
        let mut near = per_class(&|k| &k.near_repeat_rate, "near_repeat_rate");
        for (n, e) in near.iter_mut().zip(&exact) {
            *n = n.min(1.0 - e);
        }
        RunParams {
            volume: c.requests_per_day.quantile(param(run_key, "traffic.requests_per_day")),
            growth: c.growth_per_month.quantile(param(run_key, "traffic.growth_per_month")),
            exact,
            near,
            retry: per_class(&|k| &k.retry_on_failure, "retry_on_failure"),
            success,
        }
    }
}

impl PolParams {
    fn draw(p: &PolicyC, run_key: u64) -> PolParams {
        let mut out = PolParams {
            batch_share: 1.0,
            ..Default::default()
        };
        if let Some((hit, _)) = &p.exact_cache {
            out.exact_hit = hit.quantile(param(run_key, "exact_cache.hit_given_repeat"));
        }
        if let Some(s) = &p.semantic_cache {
            out.sem_hit = s.hit.quantile(param(run_key, "semantic_cache.hit_given_near_repeat"));
            out.sem_wrong = s
                .wrong_hit
                .quantile(param(run_key, "semantic_cache.wrong_hit_given_near_repeat"))
                .min(1.0 - out.sem_hit);
            out.sem_false = s.false_hit.quantile(param(run_key, "semantic_cache.false_hit_rate"));
        }
        if let RouterC::Cascade(_, v) = &p.router {
            out.v_recall = v.recall.quantile(param(run_key, "router.verifier.recall"));
            out.v_fa = v
                .false_alarm_rate
                .quantile(param(run_key, "router.verifier.false_alarm_rate"));
        }
        if let Some(b) = &p.batch_share {
            out.batch_share = b.quantile(param(run_key, "batch.share"));
        }
        out
    }
}

/// The random numbers of one attempt at a task.
#[derive(Clone, Copy)]
struct AttemptDraws {
    /// Difficulty: a model succeeds iff `u < success(model, class)`.
    u: f64,
    /// The learned router's signal noise.
    z: f64,
    verifier: [f64; MAX_STAGES],
    retry: f64,
}

impl AttemptDraws {
    #[inline]
    fn draw<R: Rng>(rng: &mut R) -> AttemptDraws {
        let u = unit_f64(rng);
        let z = statrs::distribution::Normal::standard().sample(rng);
        let mut verifier = [0.0; MAX_STAGES];
        for v in &mut verifier {
            *v = unit_f64(rng);
        }
        AttemptDraws {
            u,
            z,
            verifier,
            retry: unit_f64(rng),
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Repeat {
    No,
    Exact,
    Near,
}

/// Per-call draws (reasoning tokens, time to first token, tokens per second) of the first
/// attempt's model calls, computed once per task and model and shared by every policy. They come
/// from the call's own keyed stream, so caching them changes no number.
const CACHED_MODELS: usize = 8;

#[derive(Default)]
struct CallCache {
    mask: std::cell::Cell<u32>,
    vals: [std::cell::Cell<(u64, f64, f64)>; CACHED_MODELS],
}

/// The random numbers of one task, shared by every policy (common random numbers).
struct TaskDraws {
    calls: CallCache,
    key: u64,
    class: usize,
    input_var: u64,
    output: u64,
    repeat: Repeat,
    cache_u: f64,
    sem_u: f64,
    batch_u: f64,
    gap: f64,
    first: AttemptDraws,
}

impl TaskDraws {
    #[inline]
    fn draw(c: &Compiled, rp: &RunParams, task_key: u64) -> TaskDraws {
        let mut rng = rng_from(task_key);
        let cu = unit_f64(&mut rng);
        let class = c
            .classes
            .iter()
            .position(|k| cu < k.cum_share)
            .unwrap_or(c.classes.len() - 1);
        let k = &c.classes[class];
        let input_var = k.input_tokens.sample(&mut rng).round() as u64;
        let output = k.output_tokens.sample(&mut rng).round() as u64;
        let ru = unit_f64(&mut rng);
        let repeat = if ru < rp.exact[class] {
            Repeat::Exact
        } else if ru < rp.exact[class] + rp.near[class] {
            Repeat::Near
        } else {
            Repeat::No
        };
        let cache_u = unit_f64(&mut rng);
        let sem_u = unit_f64(&mut rng);
        let batch_u = unit_f64(&mut rng);
        let gap = -(1.0 - unit_f64(&mut rng)).ln();
        let first = AttemptDraws::draw(&mut rng);
        TaskDraws {
            calls: CallCache::default(),
            key: task_key,
            class,
            input_var,
            output,
            repeat,
            cache_u,
            sem_u,
            batch_u,
            gap,
            first,
        }
    }
}

/// Running totals of one policy in one run.
struct Acc {
    tasks: u64,
    successes: u64,
    calls: u64,
    strong_calls: u64,
    cost: f64,
    tokens: [u64; 6],
    wasted_tokens: u64,
    exact_hits: u64,
    sem_hits: u64,
    sem_wrong: u64,
    retries: u64,
    escalations: u64,
    truncated: u64,
    rejected: u64,
    downgraded: u64,
    hist: Vec<u32>,
    lat_n: u64,
    spend_owner: Vec<f64>,
    spend_model: Vec<f64>,
    spend_embedding: f64,
    spend_day: Vec<f64>,
    days_over_cap: u32,
    first_breach: Option<u32>,
    first_alert: Option<u32>,
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
    breach_today: bool,
    alert_today: bool,
    /// The most expensive model by output price (for the strong-share metric).
    strong_model: usize,
}

/// What is fixed about one task while a policy works on it.
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
            mdl.reasoning_tokens.sample(&mut rng).round() as u64
        } else {
            0
        };
        let (ttft, tps) = if self.interactive {
            (
                mdl.ttft_ms.sample(&mut rng),
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
    #[inline]
    fn spend(&self, st: &mut PState, cost: f64, model: Option<usize>) {
        st.acc.cost += cost;
        st.acc.spend_owner[self.owner] += cost;
        match model {
            Some(mi) => st.acc.spend_model[mi] += cost,
            None => st.acc.spend_embedding += cost,
        }
        st.acc.spend_day[self.day] += cost;
        if let Some(b) = &self.pol.budget {
            let bucket = self.budget_bucket();
            st.budget_spent[bucket] += cost;
            if st.budget_spent[bucket] >= b.caps_usd[bucket] {
                st.breach_today = true;
            }
            if st.budget_spent[bucket] >= b.alert_at * b.caps_usd[bucket] {
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
        let price = &mdl.price;
        let (pin, pout, pread, pwrite) = price.for_input(uncached_in + prefix);
        let (bin, bout) = if self.batch {
            (price.batch_input_ratio, price.batch_output_ratio)
        } else {
            (1.0, 1.0)
        };
        let mut cost = uncached_in as f64 * pin * bin + output as f64 * pout * bout;
        st.acc.tokens[T_INPUT] += uncached_in;
        st.acc.tokens[T_OUTPUT] += output;
        if prefix > 0 {
            match (self.pol.prompt_cache_ttl_min, pread) {
                (Some(ttl), Some(read)) if prefix >= price.prompt_cache_min_tokens => {
                    let idx = self.class * self.c.models.len() + model;
                    if st.warm_until[idx] >= self.time_min {
                        cost += prefix as f64 * read * bin;
                        st.acc.tokens[T_READ] += prefix;
                    } else {
                        cost += prefix as f64 * pwrite.unwrap_or(pin) * bin;
                        st.acc.tokens[T_WRITE] += prefix;
                    }
                    st.warm_until[idx] = self.time_min + ttl;
                }
                _ => {
                    cost += prefix as f64 * pin * bin;
                    st.acc.tokens[T_INPUT] += prefix;
                }
            }
        }
        let mut reasoning = 0u64;
        let mut latency = 0.0;
        if mdl.has_reasoning || self.interactive {
            let (r, ttft, tps) = self.call_draws(model, call_key, cacheable);
            reasoning = r;
            cost += reasoning as f64 * price.reasoning * bout;
            st.acc.tokens[T_REASONING] += reasoning;
            if self.interactive {
                latency = ttft + (output + reasoning) as f64 / tps * 1000.0;
            }
        }
        st.acc.calls += 1;
        if model == st.strong_model {
            st.acc.strong_calls += 1;
        }
        self.spend(st, cost, Some(model));
        (uncached_in + prefix + output + reasoning, latency)
    }

    /// The model a non-cascade router picks.
    #[inline]
    fn pick(&self, att: &AttemptDraws, forced: Option<usize>) -> usize {
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
                if att.u + noise * att.z > *threshold {
                    *strong
                } else {
                    *weak
                }
            }
            RouterC::Cascade(stages, _) => stages[0],
        }
    }

    /// Whether the route would answer this attempt well, without billing (for cached answers).
    fn dry_success(&self, att: &AttemptDraws, forced: Option<usize>) -> bool {
        match (&self.pol.router, forced) {
            (RouterC::Cascade(stages, _), None) => {
                for (k, &s) in stages.iter().enumerate() {
                    let ok = self.succeeds(s, att.u);
                    if k + 1 == stages.len() {
                        return ok;
                    }
                    let escalate = if ok {
                        att.verifier[k] < self.pp.v_fa
                    } else {
                        att.verifier[k] < self.pp.v_recall
                    };
                    if !escalate {
                        return ok;
                    }
                }
                false
            }
            _ => self.succeeds(self.pick(att, forced), att.u),
        }
    }

    /// One billed attempt through the router; returns (success, latency in ms).
    fn attempt(&self, st: &mut PState, att: &AttemptDraws, attempt_no: u64, forced: Option<usize>) -> (bool, f64) {
        let prefix = self.c.classes[self.class].prefix_tokens;
        let attempt_key = key(self.task_key ^ tag::ATTEMPT, attempt_no);
        match (&self.pol.router, forced) {
            (RouterC::Cascade(stages, v), None) => {
                let mut latency = 0.0;
                let mut attempt_tokens = 0u64;
                for (k, &s) in stages.iter().enumerate() {
                    let (tok, lat) = self.call(
                        st,
                        s,
                        self.input_var,
                        prefix,
                        self.output,
                        key(attempt_key, tag::CALL + s as u64),
                        attempt_no == 0,
                    );
                    latency += lat;
                    let ok = self.succeeds(s, att.u);
                    if k + 1 == stages.len() {
                        attempt_tokens += tok;
                        if !ok {
                            st.acc.wasted_tokens += attempt_tokens;
                        }
                        return (ok, latency);
                    }
                    let v_in = if v.reads_task { self.input_var + self.output } else { 0 } + v.extra_input_tokens;
                    let (vtok, vlat) = self.call(
                        st,
                        v.model,
                        v_in,
                        0,
                        v.output_tokens,
                        key(attempt_key, tag::CALL + 1000 + k as u64),
                        false,
                    );
                    latency += vlat;
                    let escalate = if ok {
                        att.verifier[k] < self.pp.v_fa
                    } else {
                        att.verifier[k] < self.pp.v_recall
                    };
                    if escalate {
                        st.acc.escalations += 1;
                        st.acc.wasted_tokens += tok + vtok;
                    } else {
                        attempt_tokens += tok + vtok;
                        if !ok {
                            st.acc.wasted_tokens += attempt_tokens;
                        }
                        return (ok, latency);
                    }
                }
                (false, latency)
            }
            _ => {
                let model = self.pick(att, forced);
                let (tok, lat) = self.call(
                    st,
                    model,
                    self.input_var,
                    prefix,
                    self.output,
                    key(attempt_key, tag::CALL + model as u64),
                    attempt_no == 0,
                );
                let ok = self.succeeds(model, att.u);
                if !ok {
                    st.acc.wasted_tokens += tok;
                }
                (ok, lat)
            }
        }
    }

    #[inline]
    fn record_latency(&self, st: &mut PState, ms: f64) {
        if self.interactive {
            st.acc.hist[hist_bucket(ms)] += 1;
            st.acc.lat_n += 1;
        }
    }
}

/// Runs one task through one policy's pipeline.
#[allow(clippy::too_many_arguments)]
fn simulate_task(
    c: &Compiled,
    rp: &RunParams,
    pol: &PolicyC,
    pp: &PolParams,
    st: &mut PState,
    d: &TaskDraws,
    time_min: f64,
    day: usize,
) {
    let class = &c.classes[d.class];
    st.acc.tasks += 1;
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
    };

    // 1. Budget gate.
    let mut forced = None;
    if let Some(b) = &pol.budget {
        let bucket = ctx.budget_bucket();
        if st.budget_spent[bucket] >= b.caps_usd[bucket] {
            st.breach_today = true;
            match b.on_breach {
                BreachC::Reject => {
                    st.acc.rejected += 1;
                    return;
                }
                BreachC::Downgrade(m) => {
                    st.acc.downgraded += 1;
                    forced = Some(m);
                }
                BreachC::AlertOnly => {}
            }
        }
    }

    // 2. Context cap.
    if let Some((max_in, penalty)) = pol.context_cap
        && class.prefix_tokens + ctx.input_var > max_in
    {
        ctx.input_var = max_in.saturating_sub(class.prefix_tokens);
        ctx.penalty = penalty;
        st.acc.truncated += 1;
    }

    // 3. Exact cache, 4. semantic cache: `served` is Some(success) when a cache answered.
    let mut served: Option<(bool, f64)> = None;
    if let Some((_, latency_ms)) = pol.exact_cache
        && d.repeat == Repeat::Exact
        && d.cache_u < pp.exact_hit
    {
        st.acc.exact_hits += 1;
        served = Some((ctx.dry_success(&d.first, forced), latency_ms));
    }
    if served.is_none()
        && let Some(sc) = &pol.semantic_cache
    {
        let emb = ctx.input_var;
        st.acc.tokens[T_EMBED] += emb;
        ctx.spend(st, emb as f64 * sc.embedding_usd_per_token, None);
        let lookup = sc.lookup_latency_ms;
        if d.repeat != Repeat::No {
            if d.sem_u < pp.sem_hit {
                st.acc.sem_hits += 1;
                served = Some((ctx.dry_success(&d.first, forced), lookup));
            } else if d.sem_u < pp.sem_hit + pp.sem_wrong {
                st.acc.sem_wrong += 1;
                served = Some((false, lookup));
            }
        } else if d.sem_u < pp.sem_false {
            st.acc.sem_wrong += 1;
            served = Some((false, lookup));
        }
        if served.is_none() {
            // The lookup's latency adds to the model call's below.
            let (ok, lat) = ctx.attempt(st, &d.first, 0, forced);
            ctx.record_latency(st, lat + lookup);
            finish(&ctx, st, d, ok, forced);
            return;
        }
    }

    let ok = match served {
        Some((ok, lat)) => {
            ctx.record_latency(st, lat);
            ok
        }
        None => {
            // 5. Router and 6. model call.
            let (ok, lat) = ctx.attempt(st, &d.first, 0, forced);
            ctx.record_latency(st, lat);
            ok
        }
    };
    finish(&ctx, st, d, ok, forced);
}

/// Step 7, outcome and retries: a failed task is retried with the class's probability, up to
/// the policy's limit, each attempt a fresh difficulty draw; retries bypass the caches.
#[inline]
fn finish(ctx: &Ctx, st: &mut PState, d: &TaskDraws, mut ok: bool, forced: Option<usize>) {
    let mut retry_u = d.first.retry;
    let mut k = 0;
    while !ok && k < ctx.pol.max_retries && retry_u < ctx.rp.retry[ctx.class] {
        k += 1;
        st.acc.retries += 1;
        let mut rng = rng_from(key(d.key ^ tag::ATTEMPT, 1_000_000 + k as u64));
        let att = AttemptDraws::draw(&mut rng);
        let (r_ok, lat) = ctx.attempt(st, &att, k as u64, forced);
        ctx.record_latency(st, lat);
        ok = r_ok;
        retry_u = att.retry;
    }
    if ok {
        st.acc.successes += 1;
    }
}

/// Simulates run `run` of the compiled scenario for every policy; one result per policy.
pub fn run_one(c: &Compiled, seed: u64, run: u64, cancel: &AtomicBool) -> Result<Vec<RunMetrics>, Cancelled> {
    let run_key = key(key(seed, tag::RUN), run);
    let rp = RunParams::draw(c, run_key);
    let pps: Vec<PolParams> = c.policies.iter().map(|p| PolParams::draw(p, run_key)).collect();
    let horizon = c.horizon_days as usize;
    let nm = c.models.len();
    let strong_model = (0..nm)
        .max_by(|a, b| c.models[*a].price.output.total_cmp(&c.models[*b].price.output))
        .unwrap_or(0);
    let mut states: Vec<PState> = c
        .policies
        .iter()
        .map(|p| PState {
            acc: Acc {
                tasks: 0,
                successes: 0,
                calls: 0,
                strong_calls: 0,
                cost: 0.0,
                tokens: [0; 6],
                wasted_tokens: 0,
                exact_hits: 0,
                sem_hits: 0,
                sem_wrong: 0,
                retries: 0,
                escalations: 0,
                truncated: 0,
                rejected: 0,
                downgraded: 0,
                hist: vec![0; HIST_BUCKETS],
                lat_n: 0,
                spend_owner: vec![0.0; c.owners.len()],
                spend_model: vec![0.0; nm],
                spend_embedding: 0.0,
                spend_day: vec![0.0; horizon],
                days_over_cap: 0,
                first_breach: None,
                first_alert: None,
            },
            warm_until: vec![f64::NEG_INFINITY; c.classes.len() * nm],
            budget_spent: vec![0.0; p.budget.as_ref().map(|b| b.caps_usd.len()).unwrap_or(0)],
            breach_today: false,
            alert_today: false,
            strong_model,
        })
        .collect();
    let growth = (1.0 + rp.growth).max(0.0);
    let sd = c.day_noise_sd;
    for day in 0..horizon {
        if cancel.load(Ordering::Relaxed) {
            return Err(Cancelled);
        }
        let day_key = key(run_key ^ tag::DAY, day as u64);
        let mut day_rng = rng_from(day_key);
        let z = statrs::distribution::Normal::standard().sample(&mut day_rng);
        let frac_u = unit_f64(&mut day_rng);
        let wf = c.weekday_factors[(c.start_weekday + day) % 7];
        let mean = rp.volume * growth.powf(day as f64 / 30.0) * wf * (sd * z - 0.5 * sd * sd).exp();
        let n = if mean.is_finite() && mean > 0.0 {
            let fl = mean.floor();
            fl as u64 + u64::from(frac_u < mean - fl)
        } else {
            0
        };
        for (p, st) in c.policies.iter().zip(states.iter_mut()) {
            if let Some(b) = &p.budget
                && (day as u32).is_multiple_of(b.period_days)
            {
                st.budget_spent.iter_mut().for_each(|s| *s = 0.0);
            }
            st.breach_today = false;
            st.alert_today = false;
        }
        let day_start = day as f64 * 1440.0;
        let mean_gap = if n > 0 { 1440.0 / n as f64 } else { 0.0 };
        let mut t = day_start;
        for i in 0..n {
            let d = TaskDraws::draw(c, &rp, key(day_key, i));
            t += d.gap * mean_gap;
            for ((p, pp), st) in c.policies.iter().zip(&pps).zip(states.iter_mut()) {
                simulate_task(c, &rp, p, pp, st, &d, t, day);
            }
        }
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
    Ok(states.into_iter().map(|st| finish_run(c, st)).collect())
}

fn finish_run(c: &Compiled, st: PState) -> RunMetrics {
    let a = st.acc;
    let mut v = vec![f64::NAN; m::N_METRICS];
    let billed: u64 = a.tokens.iter().sum();
    v[m::COST_TOTAL] = a.cost;
    v[m::COST_PER_REQUEST] = if a.tasks > 0 { a.cost / a.tasks as f64 } else { f64::NAN };
    v[m::COST_PER_SUCCESS] = if a.successes > 0 {
        a.cost / a.successes as f64
    } else {
        f64::NAN
    };
    v[m::SUCCESS_RATE] = if a.tasks > 0 {
        a.successes as f64 / a.tasks as f64
    } else {
        f64::NAN
    };
    v[m::TOKEN_EFFICIENCY] = if billed > 0 {
        a.successes as f64 / billed as f64 * 1e6
    } else {
        f64::NAN
    };
    v[m::WASTED_TOKEN_SHARE] = if billed > 0 {
        a.wasted_tokens as f64 / billed as f64
    } else {
        f64::NAN
    };
    v[m::LATENCY_P50] = hist_quantile(&a.hist, a.lat_n, 0.50);
    v[m::LATENCY_P95] = hist_quantile(&a.hist, a.lat_n, 0.95);
    v[m::LATENCY_P99] = hist_quantile(&a.hist, a.lat_n, 0.99);
    v[m::TASKS] = a.tasks as f64;
    v[m::SUCCESSES] = a.successes as f64;
    v[m::MODEL_CALLS] = a.calls as f64;
    v[m::TOKENS_INPUT] = a.tokens[T_INPUT] as f64;
    v[m::TOKENS_CACHE_READ] = a.tokens[T_READ] as f64;
    v[m::TOKENS_CACHE_WRITE] = a.tokens[T_WRITE] as f64;
    v[m::TOKENS_OUTPUT] = a.tokens[T_OUTPUT] as f64;
    v[m::TOKENS_REASONING] = a.tokens[T_REASONING] as f64;
    v[m::TOKENS_EMBEDDING] = a.tokens[T_EMBED] as f64;
    v[m::EXACT_CACHE_HITS] = a.exact_hits as f64;
    v[m::SEMANTIC_CACHE_HITS] = a.sem_hits as f64;
    v[m::SEMANTIC_WRONG_HITS] = a.sem_wrong as f64;
    v[m::RETRIES] = a.retries as f64;
    v[m::ESCALATIONS] = a.escalations as f64;
    v[m::TRUNCATED_TASKS] = a.truncated as f64;
    v[m::REJECTED_TASKS] = a.rejected as f64;
    v[m::DOWNGRADED_TASKS] = a.downgraded as f64;
    v[m::DAYS_OVER_CAP] = a.days_over_cap as f64;
    v[m::FIRST_BREACH_DAY] = a.first_breach.map(|d| d as f64).unwrap_or(f64::NAN);
    v[m::FIRST_ALERT_DAY] = a.first_alert.map(|d| d as f64).unwrap_or(f64::NAN);
    let unowned = c
        .owners
        .iter()
        .position(|o| o == super::compile::UNOWNED)
        .map(|i| a.spend_owner[i])
        .unwrap_or(0.0);
    v[m::UNOWNED_SPEND_SHARE] = if a.cost > 0.0 { unowned / a.cost } else { 0.0 };
    v[m::STRONG_SHARE] = if a.calls > 0 {
        a.strong_calls as f64 / a.calls as f64
    } else {
        f64::NAN
    };
    RunMetrics {
        values: v,
        spend_by_day_usd: a.spend_day,
        spend_by_owner_usd: a.spend_owner,
        spend_by_model_usd: a.spend_model,
        spend_embedding_usd: a.spend_embedding,
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
