//! Chart keys drawn above a plot, never over it: a wrapped row of marks and names, so that no
//! legend covers data at any window size (egui_plot's in-plot legends did, at 1024 px).

use egui::{Color32, Pos2, Sense, Stroke, Ui, vec2};

/// How an entry's series is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    Line,
    Dashed,
    Dot,
    Ring,
    /// A filled block (bars, bands).
    Block,
}

/// One entry of a key: its mark, colour and name.
pub struct Entry {
    pub mark: Mark,
    pub colour: Color32,
    pub name: String,
}

impl Entry {
    pub fn new(mark: Mark, colour: Color32, name: impl Into<String>) -> Entry {
        Entry {
            mark,
            colour,
            name: name.into(),
        }
    }
}

/// Draws `entries` in a wrapped row (the chart below it keeps all its area for the data).
pub fn row(ui: &mut Ui, entries: &[Entry]) {
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 4.0;
        for e in entries {
            let (rect, _) = ui.allocate_exact_size(vec2(18.0, 12.0), Sense::hover());
            let p = ui.painter();
            let c = rect.center();
            let (left, right) = (Pos2::new(rect.left(), c.y), Pos2::new(rect.right(), c.y));
            match e.mark {
                Mark::Line => {
                    p.line_segment([left, right], Stroke::new(2.0, e.colour));
                }
                Mark::Dashed => {
                    p.extend(egui::Shape::dashed_line(
                        &[left, right],
                        Stroke::new(1.5, e.colour),
                        4.0,
                        3.0,
                    ));
                }
                Mark::Dot => {
                    p.circle_filled(c, 4.0, e.colour);
                }
                Mark::Ring => {
                    p.circle_stroke(c, 5.0, Stroke::new(1.5, e.colour));
                }
                Mark::Block => {
                    p.rect_filled(rect.shrink2(vec2(3.0, 1.0)), 2.0, e.colour);
                }
            }
            ui.label(&e.name);
            ui.add_space(10.0);
        }
    });
}

/// One entry per policy of `names`, in the policies' colours.
pub fn policies<'a>(mark: Mark, names: impl IntoIterator<Item = &'a str>) -> Vec<Entry> {
    names
        .into_iter()
        .enumerate()
        .map(|(i, n)| Entry::new(mark, super::results_view::colour(i), n))
        .collect()
}
