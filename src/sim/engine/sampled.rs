//! The sampled engine: a bounded, stratified sample of each day's tasks, each standing for its
//! class's share of the day, with everything that depends on the true volume (prompt-cache
//! warmth, budgets, spend) taken from the true volume.

use super::{
    Compiled, PState, RunParams, STRAT_DIMS, STRAT_GROUPS, TaskDraws, class_of, key, rng_from, simulate_task, tag,
    unit_f64,
};

/// One sampled task's stratified uniforms.
#[derive(Clone, Copy, Default)]
pub(super) struct Strat {
    pub(super) class_u: f64,
    pub(super) u: [f64; STRAT_DIMS],
    /// The replicate group (0..STRAT_GROUPS) the task belongs to within its class.
    pub(super) group: usize,
}

/// `m` uniforms, one in each of the slices `[i/m, (i+1)/m)`, in an order shuffled by `k`
/// (one dimension of a Latin hypercube).
fn latin(k: u64, m: usize) -> Vec<f64> {
    let mut rng = rng_from(k);
    let mut slots: Vec<usize> = (0..m).collect();
    for i in (1..m).rev() {
        let j = ((unit_f64(&mut rng) * (i + 1) as f64) as usize).min(i);
        slots.swap(i, j);
    }
    let mf = m as f64;
    slots
        .into_iter()
        .map(|s| (s as f64 + unit_f64(&mut rng)) / mf)
        .collect()
}

/// The fewest tasks of each class (with a share above 0) the sampled engine simulates a day:
/// one per replicate group, so that every class is in every day's sample (a class rarer than
/// 1/k would otherwise be missing from most days and under-counted) and its sampling variance
/// can be estimated.
const MIN_PER_CLASS: usize = STRAT_GROUPS;

/// The sampled engine's draws for `k` of a day's tasks. Rather than `k` independent tasks it
/// draws a stratified sample, which estimates the same day (every uniform is still uniform)
/// with less noise: the class uniform is a Latin hypercube over the day (so the classes appear
/// in their shares), and within each class, the task's own draws (tokens, repeat, cache, batch,
/// difficulty) form a Latin hypercube in each of `STRAT_GROUPS` replicate groups (so a class's
/// token distribution is covered slice by slice, heavy tail included). A class the hypercube
/// gives fewer than [`MIN_PER_CLASS`] tasks gets extra ones, placed at random among the day's
/// arrivals; post-stratification ([`Strata`]) weights every class to its share of the day.
pub(super) fn stratified_sample(c: &Compiled, rp: &RunParams, day_key: u64, k: usize) -> Vec<(TaskDraws, usize)> {
    let strata_key = day_key ^ tag::STRATA;
    let class_u = latin(key(strata_key, tag::CLASS_STRATUM), k);
    // (arrival position, class uniform, task index): the hypercube's tasks in their order,
    // then each rare class's extra tasks at random positions.
    let mut slots: Vec<(f64, f64, u64)> = class_u
        .iter()
        .enumerate()
        .map(|(i, &u)| (i as f64, u, i as u64))
        .collect();
    let mut sampled = vec![0usize; c.classes.len()];
    for &u in &class_u {
        sampled[class_of(c, u)] += 1;
    }
    let mut next_index = k as u64;
    for (cls, (lo, hi)) in class_slices(c).into_iter().enumerate() {
        let missing = MIN_PER_CLASS.saturating_sub(sampled[cls]);
        if hi <= lo || missing == 0 {
            continue;
        }
        let mut rng = rng_from(key(key(strata_key ^ tag::EXTRA, cls as u64), 0));
        for u in latin(key(strata_key ^ tag::EXTRA, cls as u64 + 1), missing) {
            // A class uniform inside the class's slice of [0, 1), so class_of gives `cls`.
            let cu = (lo + (hi - lo) * u).clamp(lo, hi.next_down());
            slots.push((unit_f64(&mut rng) * k as f64, cu, next_index));
            next_index += 1;
        }
    }
    slots.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.2.cmp(&b.2)));
    let n = slots.len();
    let mut strat: Vec<Strat> = slots
        .iter()
        .map(|&(_, u, _)| Strat {
            class_u: u,
            ..Strat::default()
        })
        .collect();
    let classes: Vec<usize> = strat.iter().map(|s| class_of(c, s.class_u)).collect();
    for cls in 0..c.classes.len() {
        let members: Vec<usize> = (0..n).filter(|&i| classes[i] == cls).collect();
        for g in 0..STRAT_GROUPS {
            let group: Vec<usize> = members.iter().copied().skip(g).step_by(STRAT_GROUPS).collect();
            if group.is_empty() {
                continue;
            }
            let gk = key(key(strata_key, cls as u64), g as u64);
            for dim in 0..STRAT_DIMS {
                for (&i, u) in group.iter().zip(latin(key(gk, dim as u64), group.len())) {
                    strat[i].u[dim] = u;
                    strat[i].group = g;
                }
            }
        }
    }
    strat
        .iter()
        .zip(&slots)
        .map(|(s, &(_, _, index))| (TaskDraws::draw_with(c, rp, key(day_key, index), Some(s)), s.group))
        .collect()
}

/// The sampled engine's post-stratification of one day's sample by task class: each sampled
/// task of class c stands for `n_c / k_c` tasks, where `n_c = n · share_c · keep_c` is the
/// class's expected count (`keep_c`: an event's factor on the class ÷ the day's largest, 1
/// without events) and `k_c` its count in the sample — so that the sample's class mix adds no
/// noise.
pub(super) struct Strata {
    /// Per class: the weight of each of its sampled tasks.
    weight: Vec<f64>,
    /// Per class: (tasks represented, tasks sampled).
    counts: Vec<(f64, f64)>,
}

/// Each class's slice `[lo, hi)` of the unit interval its class uniform falls in (its share of
/// traffic is `hi − lo`).
pub(super) fn class_slices(c: &Compiled) -> Vec<(f64, f64)> {
    let mut prev = 0.0;
    c.classes
        .iter()
        .map(|k| {
            let slice = (prev, k.cum_share);
            prev = k.cum_share;
            slice
        })
        .collect()
}

impl Strata {
    fn new(c: &Compiled, sample: &[(TaskDraws, usize)], n: u64, keep: &[f64]) -> Strata {
        let nf = n as f64;
        let mut sampled = vec![0.0f64; c.classes.len()];
        for (d, _) in sample {
            sampled[d.class] += 1.0;
        }
        // Every class with traffic is in the sample (`MIN_PER_CLASS`): each is its own stratum.
        let counts: Vec<(f64, f64)> = class_slices(c)
            .iter()
            .zip(&sampled)
            .enumerate()
            .map(|(cls, (&(lo, hi), k))| (nf * (hi - lo) * keep.get(cls).copied().unwrap_or(1.0), *k))
            .collect();
        let weight = counts
            .iter()
            .map(|(n_c, k_c)| if *k_c > 0.0 { n_c / k_c } else { 0.0 })
            .collect();
        Strata { weight, counts }
    }

    /// The variance the sample adds to the day's spend. Within a class whose every replicate
    /// group has a task, from the spread between the groups' mean costs (each group is an
    /// independent Latin hypercube, so this captures what stratification removed); otherwise
    /// from the tasks' sample variance, as for independent draws (then conservative). Without
    /// replacement: times `1 − k/n`.
    pub(super) fn variance(&self, groups: &[(f64, f64, f64)]) -> f64 {
        let iid = |n: f64, g: &[(f64, f64, f64)]| {
            let (sum, sumsq, k) = g.iter().fold((0.0, 0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
            if k <= 1.0 {
                return 0.0;
            }
            let var = (sumsq - sum * sum / k).max(0.0) / (k - 1.0);
            n * n / k * var * (1.0 - (k / n).min(1.0))
        };
        self.counts
            .iter()
            .zip(groups.chunks_exact(STRAT_GROUPS))
            .map(|(&(n, k), g)| {
                if g.iter().any(|x| x.2 == 0.0) || k <= 0.0 {
                    return iid(n, g);
                }
                let mean = g.iter().map(|x| x.0).sum::<f64>() / k;
                let r = STRAT_GROUPS as f64;
                let between: f64 = g.iter().map(|x| (x.2 / k * (x.0 / x.2 - mean)).powi(2)).sum();
                n * n * between * r / (r - 1.0) * (1.0 - (k / n).min(1.0))
            })
            .sum()
    }
}

/// How a simulated task stands for the day's tasks of its class.
#[derive(Clone, Copy)]
pub(super) struct Sampling {
    /// How many of the day's tasks it stands for (1 in the exact engine).
    pub(super) w: f64,
    /// The day's tasks of its class that were not simulated, per minute (0 when exact).
    pub(super) unsampled_per_min: f64,
    /// The share of the class's simulated calls that warm the provider cache: below 1 when the
    /// sample holds more of the class's tasks than the day has (a rare class's minimum), so
    /// that the simulated arrivals warm the prefix at the true rate, not the sample's.
    pub(super) warm_keep: f64,
}

impl Sampling {
    pub(super) const EXACT: Sampling = Sampling {
        w: 1.0,
        unsampled_per_min: 0.0,
        warm_keep: 1.0,
    };
}

/// A day the sampled engine simulates `k` of its `n` tasks.
pub(super) struct Day<'a> {
    pub(super) r: &'a super::session::RunCtx<'a>,
    pub(super) day: usize,
    pub(super) day_key: u64,
    pub(super) n: u64,
    pub(super) k: u64,
}

impl Day<'_> {
    /// The stratified sample, each task weighted by its class's stratum, with the day's sampling
    /// variance of cost added to each policy's.
    /// Sessions sampled today start here and run their turns through `sessions` (their whole
    /// cost enters the sampling variance when they end, with the day's strata returned).
    pub(super) fn sampled(
        &self,
        states: &mut [PState],
        clock_min: &mut f64,
        mut sessions: Option<&mut super::session::Sessions>,
    ) -> Strata {
        let (c, r) = (self.r.c, self.r);
        let sample = stratified_sample(c, r.rp, self.day_key, self.k as usize);
        let strata = Strata::new(c, &sample, self.n, &r.today.class_keep);
        let sampling: Vec<Sampling> = strata
            .counts
            .iter()
            .zip(&strata.weight)
            .zip(&c.classes)
            .map(|((&(n_c, k_c), &w), class)| Sampling {
                w,
                // A session reaches the class's prefix stream once per turn (its tool steps
                // follow at once, so they warm nothing the turn's first call did not): its
                // unsimulated sessions make that many arrivals each.
                unsampled_per_min: (n_c - k_c).max(0.0) / 1440.0
                    * class
                        .session
                        .as_ref()
                        .map_or(1.0, crate::model::traffic::Session::expected_turns),
                warm_keep: if k_c > n_c { n_c / k_c } else { 1.0 },
            })
            .collect();
        // The sample's arrivals spread over the day (a rare class's extra tasks included).
        let mean_gap = 1440.0 / sample.len() as f64;
        for (d, group) in &sample {
            *clock_min += d.gap * mean_gap;
            let smp = sampling[d.class];
            if let Some(sessions) = sessions.as_deref_mut() {
                sessions.run_until(r, states, *clock_min, self.day);
                if c.classes[d.class].session.is_some() {
                    let origin = (self.day, d.class * STRAT_GROUPS + group);
                    sessions.start(r, states, d, (*clock_min, self.day), smp, Some(origin));
                    continue;
                }
            }
            for (pi, st) in states.iter_mut().enumerate() {
                st.task_no += 1;
                let before = st.acc.cost;
                let q = r.today.route(c, pi, d.key);
                simulate_task(
                    c,
                    r.rp,
                    &c.policies[q],
                    &r.pps[q],
                    st,
                    d,
                    (*clock_min, self.day),
                    smp,
                    r.today,
                );
                st.class_tasks[d.class] += 1.0;
                let task_cost = (st.acc.cost - before) / smp.w;
                let sums = &mut st.day_cost[d.class * STRAT_GROUPS + group];
                sums.0 += task_cost;
                sums.1 += task_cost * task_cost;
                sums.2 += 1.0;
            }
        }
        for st in states.iter_mut() {
            st.acc.sampling_var_usd2 += strata.variance(&st.day_cost);
            st.day_cost.iter_mut().for_each(|x| *x = (0.0, 0.0, 0.0));
        }
        strata
    }
}
