//! The Calibration view, and real logs in the window: File ▸ Import traffic from logs… fits a
//! traffic profile as a background job and offers it as the scenario's traffic; the Calibration view backtests
//! the baseline against a log file — actual daily spend over the simulated band, and totals.

use std::path::PathBuf;

use egui::{RichText, Ui};
use egui_plot::{FilledArea, Line, PlotPoints, Points};

use super::command::{Command, DialogPurpose};
use super::job::{Job, Waker};
use crate::logs::LogError;
use crate::logs::backtest::{Backtest, backtest};
use crate::logs::fit::{FitOptions, fit};
use crate::logs::init::{DraftRequest, draft_files};
use crate::logs::read::read_sources;
use crate::logs::read::watch::ReadControl;
use crate::model::{Scenario, TrafficProfile};
use crate::sim::engine::Control;
use crate::sim::results::SimOptions;

/// A fitted profile ready to use, with a summary of where it came from.
#[derive(Debug)]
pub struct Fitted {
    pub profile: TrafficProfile,
    pub summary: String,
}

enum Outcome {
    Fitted(Box<Fitted>),
    /// A scenario drafted from logs, written to this path.
    Drafted(PathBuf, String),
    Backtested(Box<Backtest>),
    Failed(String),
    /// How the read goes, in words (rows, share, rate, time left).
    Reading(String),
}

/// Reading and fitting (or backtesting) as a job, with what it is doing in words.
struct LogJob {
    what: String,
    /// The read's latest progress line.
    reading: Option<String>,
    job: Job<Outcome>,
}

/// The Calibration view's and the import's state.
#[derive(Default)]
pub struct CalibrationView {
    job: Option<LogJob>,
    pub backtest: Option<Backtest>,
    pub problem: Option<String>,
}

/// Starts `work` as the job doing `what` on the thread `costplan-logs`.
fn spawn(
    what: String,
    waker: Waker,
    work: impl FnOnce(&ReadControl) -> Option<Outcome> + Send + 'static,
) -> Result<LogJob, String> {
    let job = Job::spawn("costplan-logs", waker, move |w| {
        // The read's progress, twice a second at most; Cancel (or dropping the job) stops it.
        let progress = crate::logs::read::watch::every(0.5, |p, t| {
            w.send(Outcome::Reading(crate::report::format::read_progress(p, t)));
        });
        let ctl = ReadControl {
            stop: w.cancel_flag(),
            progress: &progress,
        };
        if let Some(o) = work(&ctl) {
            w.send(o);
        }
    })
    .map_err(|e| format!("Reading the logs could not start: {e}"))?;
    Ok(LogJob {
        what,
        reading: None,
        job,
    })
}

impl CalibrationView {
    /// Starts fitting a traffic profile to `files`.
    pub fn start_import(&mut self, files: Vec<PathBuf>, waker: Waker) {
        self.problem = None;
        let what = format!("Fitting traffic from {}…", names(&files));
        let job = spawn(what, waker, move |ctl| {
            let paths: Vec<&std::path::Path> = files.iter().map(PathBuf::as_path).collect();
            Some(match read_sources(&paths, &Default::default(), ctl) {
                Err(LogError::Stopped { .. }) => return None,
                Err(e) => Outcome::Failed(e.to_string()),
                Ok(logs) => {
                    let f = fit(&logs, &FitOptions::default());
                    if let Err(e) = f.to_checked_ron(&logs, "fitted traffic") {
                        return Some(Outcome::Failed(e));
                    }
                    let mut summary = format!(
                        "Traffic fitted from {} rows of {} ({} skipped), {} to {}: {} classes by {}; the volume is the volume on {}.",
                        logs.records.len(),
                        names(&files),
                        logs.skipped_count,
                        f.start_date,
                        f.end_date,
                        f.profile.classes.len(),
                        f.class_by,
                        f.start_date
                    );
                    for n in logs.read_notes() {
                        summary.push_str("\n• ");
                        summary.push_str(&n);
                    }
                    Outcome::Fitted(Box::new(Fitted {
                        profile: f.profile,
                        summary,
                    }))
                }
            })
        });
        self.started(job);
    }

    /// Starts drafting a whole scenario from `files`, written beside the first as
    /// `<stem>-scenario.ron` (a free name), then opened.
    pub fn start_draft(&mut self, files: Vec<PathBuf>, waker: Waker) {
        self.problem = None;
        let what = format!("Drafting a scenario from {}…", names(&files));
        let first = files.first().cloned().unwrap_or_default();
        let dir = first.parent().map(std::path::Path::to_path_buf).unwrap_or_default();
        let stem = first
            .file_stem()
            .map_or("logs".into(), |s| s.to_string_lossy().into_owned());
        let name = crate::model::edit::unique_name(&format!("{stem}-scenario"), |n| {
            dir.join(format!("{n}.ron")).exists() || dir.join(format!("{n}-traffic.ron")).exists()
        });
        let output = dir.join(format!("{name}.ron"));
        let job = spawn(what, waker, move |ctl| {
            let req = DraftRequest {
                logs: files,
                output: output.clone(),
                prices: None,
                fit: FitOptions::default(),
                name: None,
                db: Default::default(),
            };
            Some(match draft_files(&req, ctl) {
                Err(crate::logs::init::InitError::Stopped { .. }) => return None,
                Err(e) => Outcome::Failed(e.to_string()),
                Ok(w) => {
                    let mut summary = format!(
                        "Drafted {} from the logs: {} models, {} classes, baseline {:?} as the logs show it; its success rates are assumed (see the file's header): replace them before comparing policies.",
                        output.display(),
                        w.models,
                        w.classes,
                        w.baseline
                    );
                    for n in w.logs.read_notes() {
                        summary.push_str("\n• ");
                        summary.push_str(&n);
                    }
                    Outcome::Drafted(output, summary)
                }
            })
        });
        self.started(job);
    }

    /// Keeps a started job, or says why it could not start.
    fn started(&mut self, job: Result<LogJob, String>) {
        match job {
            Ok(j) => self.job = Some(j),
            Err(e) => self.problem = Some(e),
        }
    }

    /// Starts backtesting `scn`'s baseline against `files`.
    pub fn start_backtest(&mut self, scn: &Scenario, files: Vec<PathBuf>, waker: Waker) {
        self.problem = None;
        let scn = scn.clone();
        let what = format!("Backtesting against {}…", names(&files));
        let job = spawn(what, waker, move |read_ctl| {
            let paths: Vec<&std::path::Path> = files.iter().map(PathBuf::as_path).collect();
            let logs = match read_sources(&paths, &Default::default(), read_ctl) {
                Ok(l) => l,
                Err(LogError::Stopped { .. }) => return None,
                Err(e) => return Some(Outcome::Failed(e.to_string())),
            };
            let ctl = Control {
                cancel: read_ctl.stop,
                progress: &|_, _| {},
            };
            match backtest(&scn, &logs, &SimOptions::default(), &ctl) {
                Ok(Ok(b)) => Some(Outcome::Backtested(Box::new(b))),
                Ok(Err(e)) => Some(Outcome::Failed(e)),
                Err(_) => None,
            }
        });
        self.started(job);
    }

    /// Whether a job is running.
    pub fn busy(&self) -> bool {
        self.job.is_some()
    }

    /// Takes a finished job's outcome: a fitted profile becomes a command to use it; a problem
    /// is shown in the view, or as a command for the status bar when the view is not showing.
    pub fn poll(&mut self, showing: bool) -> Vec<Command> {
        let mut commands = Vec::new();
        let Some(j) = &mut self.job else { return commands };
        for outcome in j.job.poll() {
            match outcome {
                Outcome::Fitted(f) => commands.push(Command::UseTraffic(f)),
                Outcome::Drafted(path, summary) => {
                    commands.push(Command::Open(path));
                    commands.push(Command::say(summary));
                }
                Outcome::Backtested(b) => self.backtest = Some(*b),
                Outcome::Failed(e) => self.problem = Some(e),
                Outcome::Reading(line) => j.reading = Some(line),
            }
        }
        if j.job.finished() {
            self.job = None;
        }
        if !showing && let Some(e) = self.problem.take() {
            commands.push(Command::warn(e));
        }
        commands
    }

    /// The Calibration view.
    pub fn ui(&mut self, ui: &mut Ui) -> Vec<Command> {
        let mut commands = self.poll(true);
        ui.label(
            "Check the baseline against what was actually spent: the scenario's baseline is simulated over the logs' own dates and their daily spend is drawn over the simulated band.",
        );
        ui.horizontal(|ui| {
            if ui
                .add_enabled(!self.busy(), egui::Button::new("Backtest against logs…"))
                .clicked()
            {
                commands.push(Command::OpenDialog(DialogPurpose::BacktestLogs));
            }
            if let Some(job) = &self.job {
                ui.spinner();
                ui.label(&job.what);
                if let Some(line) = &job.reading {
                    ui.label(RichText::new(line).weak());
                }
                if ui.button("Cancel").clicked() {
                    self.job = None;
                }
            }
        });
        if let Some(p) = &self.problem {
            ui.label(RichText::new(p).color(super::rgb(crate::report::theme::WORSE)));
        }
        if let Some(b) = &self.backtest {
            calibration(ui, b);
        }
        commands
    }
}

fn names(files: &[PathBuf]) -> String {
    files
        .iter()
        .map(|f| {
            f.file_name()
                .map_or_else(|| f.display().to_string(), |n| n.to_string_lossy().into_owned())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The series of a backtest's chart: the band (days, p5, p95), the median line and the actual
/// points (inside, outside), by day index. Pure, for tests.
pub struct CalibrationSeries {
    pub days: Vec<f64>,
    pub p5: Vec<f64>,
    pub p95: Vec<f64>,
    pub median: Vec<[f64; 2]>,
    pub inside: Vec<[f64; 2]>,
    pub outside: Vec<[f64; 2]>,
}

/// Turns a backtest into plot series.
pub fn calibration_series(b: &Backtest) -> CalibrationSeries {
    let point = |(i, d): (usize, &crate::logs::backtest::BacktestDay)| [i as f64, d.actual_spend_usd];
    CalibrationSeries {
        days: (0..b.daily.len()).map(|i| i as f64).collect(),
        p5: b.daily.iter().map(|d| d.simulated_p5_usd).collect(),
        p95: b.daily.iter().map(|d| d.simulated_p95_usd).collect(),
        median: b
            .daily
            .iter()
            .enumerate()
            .map(|(i, d)| [i as f64, d.simulated_p50_usd])
            .collect(),
        inside: b
            .daily
            .iter()
            .enumerate()
            .filter(|(_, d)| d.inside)
            .map(point)
            .collect(),
        outside: b
            .daily
            .iter()
            .enumerate()
            .filter(|(_, d)| !d.inside)
            .map(point)
            .collect(),
    }
}

fn calibration(ui: &mut Ui, b: &Backtest) {
    ui.add_space(6.0);
    ui.label(RichText::new(crate::report::backtest::sentence(b)).strong());
    for n in crate::report::backtest::notes(b) {
        ui.label(RichText::new(n).color(super::rgb(crate::report::theme::WARNING)));
    }
    let s = calibration_series(b);
    let grey = super::rgb(crate::report::theme::NEUTRAL);
    let dates: Vec<String> = b.daily.iter().map(|d| d.date.to_string()).collect();
    // Dots in the text colour (dark on light, light on dark).
    let ink = ui.visuals().strong_text_color();
    let top = s
        .p95
        .iter()
        .copied()
        .chain(s.inside.iter().chain(&s.outside).map(|p| p[1]))
        .fold(0.0f64, f64::max);
    {
        use crate::gui::key::{Entry, Mark, row};
        let mut entries = vec![
            Entry::new(Mark::Line, grey, "simulated median"),
            Entry::new(Mark::Block, grey.gamma_multiply(0.4), "simulated p5–p95"),
            Entry::new(Mark::Dot, ink, "actual (inside the band)"),
        ];
        if !s.outside.is_empty() {
            entries.push(Entry::new(
                Mark::Dot,
                super::rgb(crate::report::theme::WORSE),
                "actual (outside)",
            ));
        }
        row(ui, &entries);
    }
    crate::gui::results_view::plot(ui, "calibration")
        .height(280.0)
        .x_axis_label("day")
        .y_axis_label("spend per day")
        .x_axis_formatter(move |m, _| {
            let i = m.value.round();
            if (m.value - i).abs() < 1e-6 && i >= 0.0 {
                dates.get(i as usize).map(|d| d[5..].to_string()).unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_axis_formatter(|m, _| crate::report::format::usd(m.value))
        .include_y(top * 1.1)
        .show(ui, |plot| {
            let name = "simulated median, p5–p95";
            plot.line(Line::new(name, PlotPoints::from(s.median)).color(grey).width(2.0));
            plot.add(FilledArea::new(name, &s.days, &s.p5, &s.p95).fill_color(grey.gamma_multiply(0.25)));
            plot.points(
                Points::new("actual (inside the band)", PlotPoints::from(s.inside))
                    .radius(3.5)
                    .color(ink),
            );
            if !s.outside.is_empty() {
                plot.points(
                    Points::new("actual (outside)", PlotPoints::from(s.outside))
                        .radius(3.5)
                        .color(super::rgb(crate::report::theme::WORSE)),
                );
            }
        });
    egui::Grid::new("backtest_totals").striped(true).show(ui, |ui| {
        for h in [
            "total",
            "actual",
            "simulated p50 [p5 – p95]",
            "error of the median",
            "band",
        ] {
            ui.strong(h);
        }
        ui.end_row();
        for row in crate::report::backtest::total_rows(b) {
            for c in row {
                ui.label(c);
            }
            ui.end_row();
        }
    });
}
