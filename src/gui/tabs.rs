//! The tabs of the centre, declared once: each tab's view, the tab bar's order and labels, and
//! the one place that draws the chosen tab and collects the commands its view returns.

use egui::Ui;

use super::calibration_view::CalibrationView;
use super::command::Command;
use super::compare_view::CompareView;
use super::results_view::ResultsView;
use super::runner::Runner;
use super::sweep_view::SweepView;
use crate::model::Scenario;

/// Declares the tabs once: the enum, their order in the tab bar and their labels.
macro_rules! tabs {
    ($( $(#[$doc:meta])* $tab:ident ),* $(,)?) => {
        /// Which part of the results the centre shows.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Tab { $( $(#[$doc])* $tab ),* }

        impl Tab {
            /// Every tab, in the tab bar's order.
            pub const ALL: &[Tab] = &[ $( Tab::$tab ),* ];

            /// The tab's label in the tab bar.
            pub fn label(self) -> &'static str {
                match self { $( Tab::$tab => stringify!($tab) ),* }
            }
        }
    };
}

tabs!(
    Overview,
    Charts,
    Compare,
    Sweep,
    /// The baseline against real logs (backtest).
    Calibration,
);

/// Every view of the centre and the tab showing.
pub struct Views {
    pub tab: Tab,
    /// Overview and Charts.
    pub results: ResultsView,
    pub compare: CompareView,
    pub sweep: SweepView,
    pub calibration: CalibrationView,
}

impl Default for Views {
    fn default() -> Self {
        Views {
            tab: Tab::Overview,
            results: ResultsView::default(),
            compare: CompareView::default(),
            sweep: SweepView::default(),
            calibration: CalibrationView::default(),
        }
    }
}

impl Views {
    /// Forgets every result that belongs to the scenario being replaced (a comparison, a sweep
    /// and its goal seek, a backtest), cancelling their jobs: nothing of another scenario stays
    /// on screen unmarked. The tab showing stays.
    pub fn forget_results(&mut self) {
        self.compare = CompareView::default();
        self.sweep = SweepView::default();
        self.calibration = CalibrationView::default();
    }

    /// Draws the chosen tab; what its view asks for comes back as commands.
    pub fn ui(&mut self, ui: &mut Ui, scenario: &Scenario, runner: &Runner) -> Vec<Command> {
        match self.tab {
            Tab::Overview => self
                .results
                .overview(ui, runner.results.as_ref(), runner.preview, runner.running()),
            Tab::Charts => self.results.charts(ui, runner.results.as_ref(), runner.running()),
            Tab::Compare => self.compare.ui(ui, scenario),
            Tab::Sweep => self.sweep.ui(ui, scenario),
            Tab::Calibration => self.calibration.ui(ui),
        }
    }

    /// Work that finishes while its tab is not showing (a fit started from the File menu).
    pub fn poll_hidden(&mut self) -> Vec<Command> {
        self.calibration.poll(self.tab == Tab::Calibration)
    }
}
