//! The Markdown report: the same sections as the HTML one, charts as SVG files beside it.

use std::fmt::Write;

use super::charts;
use super::summary::{Block, sections};
use crate::model::Scenario;
use crate::sim::results::Results;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Renders the report; returns the Markdown text and the charts to write into `charts_dir`
/// (file name, SVG), which the text links to relatively.
pub fn render(scn: &Scenario, r: &Results, charts_dir: &str) -> (String, Vec<(String, String)>) {
    let charts = charts::all(r, charts::Size::WIDE);
    let titles: Vec<String> = charts.iter().map(|c| c.1.clone()).collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {}

{}
",
        r.scenario,
        super::summary::subtitle(r)
    );
    let mut files = Vec::new();
    for s in sections(scn, r, &titles) {
        let _ = writeln!(out, "## {}\n", s.title);
        for b in &s.blocks {
            match b {
                Block::Para(t) => {
                    let _ = writeln!(out, "{t}\n");
                }
                Block::List(items) => {
                    for i in items {
                        let _ = writeln!(out, "- {i}");
                    }
                    out.push('\n');
                }
                Block::Table { header, rows } => {
                    let _ = writeln!(
                        out,
                        "| {} |",
                        header.iter().map(|h| cell(h)).collect::<Vec<_>>().join(" | ")
                    );
                    let _ = writeln!(out, "|{}|", vec!["---"; header.len()].join("|"));
                    for row in rows {
                        let _ = writeln!(
                            out,
                            "| {} |",
                            row.iter().map(|c| cell(&c.text)).collect::<Vec<_>>().join(" | ")
                        );
                    }
                    out.push('\n');
                }
                Block::Chart(i) => {
                    let (name, title, svg) = &charts[*i];
                    match svg {
                        Ok(svg) => {
                            let name = super::charts::content_name(name, svg);
                            files.push((name.clone(), svg.clone()));
                            let _ = writeln!(out, "![{title}]({charts_dir}/{name})\n");
                        }
                        Err(e) => {
                            let _ = writeln!(out, "*{title}: the chart could not be drawn: {e}*\n");
                        }
                    }
                }
            }
        }
    }
    (out, files)
}
