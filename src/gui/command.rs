//! What a part of the window asks the app to do. Views, the menu and the status bar return
//! commands while they draw; the app applies them all after the frame in one place
//! (`CostPlanApp::run_cmd`), so no view changes the document or starts work mid-frame.

use std::path::PathBuf;

use super::calibration_view::Fitted;
use super::tabs::Tab;
use crate::model::policy::Policy;
use crate::sim::results::EngineChoice;

/// What a file dialog was opened for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogPurpose {
    OpenScenario,
    OpenTraffic,
    OpenPrices,
    SaveAs,
    ComparePolicy,
    ExportReport,
    /// Log files to fit a traffic profile to.
    ImportLogs,
    /// Log files to backtest the baseline against.
    BacktestLogs,
    /// Log files to draft a whole scenario from.
    DraftFromLogs,
}

/// One thing to do after the frame.
#[must_use = "a command does nothing until the app runs it"]
#[derive(Debug)]
pub enum Command {
    /// Show a message in the status bar (`error` shows it in the warning colour).
    Say {
        text: String,
        error: bool,
    },
    /// Open a file dialog (the system's, or the window's own when it cannot open).
    OpenDialog(DialogPurpose),
    /// Act on a path chosen in a dialog.
    Picked(DialogPurpose, PathBuf),
    /// Open a file (asking first when there are unsaved edits and it is a scenario).
    Open(PathBuf),
    Save,
    Undo,
    Redo,
    /// Ask to quit (through the unsaved-changes prompt when there are edits).
    Quit,
    /// Simulate the scenario again now.
    Run,
    /// Cancel the running simulation (the figures on screen stay, marked stale).
    CancelRun,
    /// The editor changed the draft in place.
    DraftEdited,
    /// Simulate the Compare view's chosen pair.
    RunCompare,
    /// Add a policy version (from the Sweep view) to the scenario.
    AddPolicyVersion(Box<Policy>),
    /// Use a profile fitted from logs as the scenario's traffic.
    UseTraffic(Box<Fitted>),
    /// Show a tab.
    ShowTab(Tab),
    /// Switch between the dark and the light theme.
    ToggleTheme,
    /// Choose the engine of the last pass (runs again when it changes).
    SetEngine(EngineChoice),
    /// Clear the status bar's message.
    DismissStatus,
    /// Show or hide the first-run hint.
    SetHint(bool),
    /// Show or hide Help ▸ About.
    SetAbout(bool),
    /// A file dialog closed without a path.
    DialogClosed,
    /// The answer to the unsaved-changes prompt.
    Prompt(PromptChoice),
}

/// The answers to "Unsaved changes — save them before you …?".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptChoice {
    Save,
    Discard,
    Cancel,
}

impl Command {
    /// A status message.
    pub fn say(text: impl Into<String>) -> Command {
        Command::Say {
            text: text.into(),
            error: false,
        }
    }

    /// A status message in the warning colour (stays until dismissed).
    pub fn warn(text: impl Into<String>) -> Command {
        Command::Say {
            text: text.into(),
            error: true,
        }
    }
}
