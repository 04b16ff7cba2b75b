//! The self-contained HTML report: no external assets, no JavaScript, inline SVG charts, a print
//! stylesheet, and colours for light and dark browsers.

use std::fmt::Write;

use super::charts;
use super::summary::{Block, Cell, sections};
use crate::model::Scenario;
use crate::sim::results::Results;

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Escapes text and turns `**bold**` into `<strong>`.
fn inline(s: &str) -> String {
    let e = esc(s);
    let mut out = String::new();
    for (i, part) in e.split("**").enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<strong>{part}</strong>");
        } else {
            out.push_str(part);
        }
    }
    out
}

pub(crate) const STYLE: &str = r#"
:root { --fg: #1d1f23; --muted: #5f6670; --bg: #ffffff; --card: #f5f6f8; --line: #d9dce1; --accent: #1a73e8; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e8eb; --muted: #a3aab4; --bg: #15171a; --card: #1f2226; --line: #343941; --accent: #8ab4f8; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header, main, footer { max-width: 1180px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 28px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
p.sub { color: var(--muted); margin: 0 0 12px; }
nav a { color: var(--accent); margin-right: 14px; text-decoration: none; }
table { border-collapse: collapse; width: 100%; margin: 10px 0 18px; font-size: 13px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--card); font-weight: 600; }
tr:nth-child(even) td { background: color-mix(in srgb, var(--card) 50%, transparent); }
td[data-value] { font-variant-numeric: tabular-nums; }
section#summary { background: var(--card); border-radius: 10px; padding: 4px 20px 12px; margin-top: 20px; }
section#summary h2 { border: none; }
figure.chart { margin: 14px 0 26px; }
figure.chart figcaption { color: var(--muted); font-size: 13px; margin-bottom: 6px; }
div.scroll { overflow-x: auto; }
figure.chart .frame { overflow-x: auto; }
/* Charts fill the column (their viewBox scales them); a phone gets the narrow drawing below. */
figure.chart svg { display: block; width: 100%; height: auto; background: #fff; border-radius: 8px; border: 1px solid var(--line); }
/* A phone shows each chart's narrow drawing (made for its width, text ≥ 11 px), never a shrunk wide one. */
figure.chart .narrow { display: none; }
footer { color: var(--muted); font-size: 12px; padding: 28px 24px 40px; }
@media (max-width: 700px) {
  header, main, footer { padding-left: 12px; padding-right: 12px; }
  table { font-size: 12px; }
  figure.chart .wide { display: none; }
  figure.chart .narrow { display: block; }
  figure.chart .narrow svg { max-width: 420px; }
  section#summary { padding: 4px 12px 10px; }
}
@media (prefers-color-scheme: dark) {
  /* Dark charts: the white SVGs inverted, hues turned back. */
  figure.chart svg { filter: invert(0.9) hue-rotate(180deg); border-color: #555; }
}
@media print {
  :root { --fg: #000; --muted: #444; --bg: #fff; --card: #f2f2f2; --line: #bbb; }
  nav { display: none; }
  body { font-size: 11pt; }
  h2 { break-after: avoid; }
  p:has(+ div.scroll), figcaption { break-after: avoid; }
  figure.chart, div.scroll, table, section#summary { break-inside: avoid; }
  figure.chart svg { filter: none; }
  figure.chart .wide { display: block; }
  figure.chart .narrow { display: none; }
  /* Paper does not scroll: wide tables wrap their cells and shrink to the page, every column kept. */
  div.scroll, figure.chart .frame { overflow: visible; }
  table { font-size: 8.5pt; width: 100%; }
  th, td { padding: 3px 4px; }
}
"#;

pub(crate) fn table(out: &mut String, header: &[String], rows: &[Vec<Cell>]) {
    // A wide table scrolls inside its own box on a narrow screen instead of widening the page.
    out.push_str("<div class=\"scroll\"><table><thead><tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for c in row {
            match &c.data {
                Some((metric, policy, stat, v)) => {
                    let _ = write!(
                        out,
                        "<td data-metric=\"{}\" data-policy=\"{}\" data-stat=\"{}\" data-value=\"{}\">{}</td>",
                        esc(metric),
                        esc(policy),
                        stat,
                        if v.is_finite() { format!("{v:?}") } else { String::new() },
                        esc(&c.text)
                    );
                }
                None => {
                    let _ = write!(out, "<td>{}</td>", esc(&c.text));
                }
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
}

/// A chart as a figure with its caption (or why it could not be drawn): the wide drawing, and
/// the narrow one a phone shows instead (see [`charts::Size::NARROW`]).
pub(crate) fn figure(out: &mut String, caption: &str, wide: &Result<String, String>, narrow: &Result<String, String>) {
    let _ = write!(out, "<figure class=\"chart\"><figcaption>{}</figcaption>", esc(caption));
    match (wide, narrow) {
        (Ok(wide), Ok(narrow)) => {
            let _ = write!(
                out,
                "<div class=\"frame wide\">{}</div><div class=\"frame narrow\">{}</div>",
                inline_svg(wide),
                inline_svg(narrow)
            );
        }
        (Err(e), _) | (_, Err(e)) => {
            let _ = write!(out, "<p>This chart could not be drawn: {}</p>", esc(e));
        }
    }
    out.push_str("</figure>\n");
}

/// Strips an XML declaration so the SVG can sit inside HTML.
pub(crate) fn inline_svg(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

/// The start of every CostPlan HTML page up to `<body>`: the document's head with `title`
/// (escaped here), the generator's version and the shared style.
pub(crate) fn page_head(title: &str, version: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"color-scheme\" content=\"light dark\">\n<meta name=\"generator\" content=\"CostPlan {version}\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(title)
    )
}

/// Renders the whole report.
pub fn render(scn: &Scenario, r: &Results) -> String {
    let charts = charts::all(r, charts::Size::WIDE);
    let narrow = charts::all(r, charts::Size::NARROW);
    let titles: Vec<String> = charts.iter().map(|c| c.1.clone()).collect();
    let secs = sections(scn, r, &titles);
    let mut out = String::new();
    let _ = write!(
        out,
        "{}<header>\n<h1>{}</h1>\n<p class=\"sub\">{}</p>\n<nav>",
        page_head(
            &format!("{} — CostPlan planning report", r.scenario),
            r.costplan_version
        ),
        esc(&r.scenario),
        esc(&super::summary::subtitle(r))
    );
    for s in &secs {
        let _ = write!(out, "<a href=\"#{}\">{}</a>", s.id, esc(&s.title));
    }
    out.push_str("</nav>\n</header>\n<main>\n");
    for s in &secs {
        let _ = write!(out, "<section id=\"{}\">\n<h2>{}</h2>\n", s.id, esc(&s.title));
        for b in &s.blocks {
            match b {
                Block::Para(t) => {
                    let _ = writeln!(out, "<p>{}</p>", inline(t));
                }
                Block::List(items) => {
                    out.push_str("<ul>");
                    for i in items {
                        let _ = write!(out, "<li>{}</li>", inline(i));
                    }
                    out.push_str("</ul>\n");
                }
                Block::Table { header, rows } => {
                    table(&mut out, header, rows);
                    out.push('\n');
                }
                Block::Chart(i) => {
                    let (_, title, svg) = &charts[*i];
                    figure(&mut out, title, svg, &narrow[*i].2);
                }
            }
        }
        out.push_str("</section>\n");
    }
    let _ = write!(
        out,
        "</main>\n<footer>Generated by CostPlan {} · scenario hash {} · seed {} · {} runs. Results are a pure function of the scenario files and the seed.</footer>\n</body>\n</html>\n",
        r.costplan_version, r.scenario_hash, r.seed, r.runs
    );
    out
}
