//! The analysis charts as inline SVG: a heat map, diverging stacked bars and bars of shares.
//! Pure: figures in, markup out.
//!
//! Every chart is an `<svg role="img">` labelled by its own `<title>` and `<desc>`, and every
//! page that shows one has the same figures in a table beside it. Colour never carries meaning
//! alone: each figure is printed in the chart, agreement and disagreement sit on opposite sides
//! of a centre line, "strongly" answers are hatched as well as darker, and withheld figures
//! are hatched and say so in words. Text colours are chosen for contrast against the fill
//! (at least 4.5:1, checked by a test). No `style` attributes: the Content Security Policy
//! forbids inline styles, so only SVG presentation attributes are used.

use std::fmt::Write as _;

/// Near-black text (GOV.UK's text colour) and white.
pub const TEXT_DARK: &str = "#0b0c0c";
pub const TEXT_LIGHT: &str = "#ffffff";

/// Fills of the answer scale, 1 Strongly disagree to 4 Strongly agree, then Don't know.
pub const STRONGLY_DISAGREE: &str = "#942514";
pub const TEND_TO_DISAGREE: &str = "#f5b9ab";
pub const TEND_TO_AGREE: &str = "#a9cbe8";
pub const STRONGLY_AGREE: &str = "#12436d";
pub const DONT_KNOW: &str = "#d3d5d6";
/// The hatching over "strongly" answers: a darker line of the same hue.
const STRONGLY_DISAGREE_LINE: &str = "#5e170c";
const STRONGLY_AGREE_LINE: &str = "#06223a";
/// Bars of a single share (agreement by group).
pub const BAR: &str = "#1d70b8";
/// Hatching of withheld cells.
const WITHHELD_LINE: &str = "#b1b4b6";
/// Lines and outlines.
const INK: &str = "#0b0c0c";
const GRID: &str = "#505a5f";

/// The heat map's bands of agreement: (lowest share in the band, fill, legend label).
pub const HEAT_BANDS: [(f64, &str, &str); 5] = [
    (0.0, "#942514", "0–19%"),
    (0.195, "#f5b9ab", "20–39%"),
    (0.395, "#f3f2f1", "40–59%"),
    (0.595, "#a9cbe8", "60–79%"),
    (0.795, "#12436d", "80–100%"),
];

/// Average width of a character of Arial, as a share of the font size (for laying out text).
const CHAR_WIDTH: f64 = 0.56;

/// What a chart is and says, for its `<title>` and `<desc>`. `id` must be unique on the page
/// (it prefixes the ids of the chart's own elements).
pub struct ChartText<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub description: &'a str,
}

/// One figure a chart may show: a share, withheld, or nothing to show.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Share {
    /// From 0 to 1.
    Of(f64),
    /// Fewer than the smallest group shown (or withheld with one).
    Withheld,
    /// No ratings (no answers, or only "Don't know").
    Nothing,
}

/// Text safe inside XML (element content and attribute values).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A share as a whole percentage: "82%".
pub fn percent_text(share: f64) -> String {
    format!("{}%", super::stats::percent(share))
}

/// The words shown in place of a withheld figure.
pub fn withheld_text(k: u32) -> String {
    format!("fewer than {k} responses")
}

fn channel(c: u8) -> f64 {
    let c = f64::from(c) / 255.0;
    if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
}

/// WCAG relative luminance of a `#rrggbb` colour (black for anything else).
pub fn luminance(hex: &str) -> f64 {
    let hex = hex.trim_start_matches('#');
    let part = |i: usize| hex.get(i..i + 2).and_then(|p| u8::from_str_radix(p, 16).ok()).unwrap_or(0);
    0.2126 * channel(part(0)) + 0.7152 * channel(part(2)) + 0.0722 * channel(part(4))
}

/// WCAG contrast ratio of two `#rrggbb` colours, from 1 to 21.
pub fn contrast(a: &str, b: &str) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (light, dark) = if la > lb { (la, lb) } else { (lb, la) };
    (light + 0.05) / (dark + 0.05)
}

/// The text colour with the better contrast on `fill`.
pub fn text_on(fill: &str) -> &'static str {
    if contrast(fill, TEXT_DARK) >= contrast(fill, TEXT_LIGHT) { TEXT_DARK } else { TEXT_LIGHT }
}

/// The heat map's fill for a share.
pub fn heat_fill(share: f64) -> &'static str {
    HEAT_BANDS
        .iter()
        .rev()
        .find(|(low, ..)| share >= *low)
        .map(|(_, fill, _)| *fill)
        .unwrap_or(HEAT_BANDS[0].1)
}

/// Splits `text` into lines of at most about `max_chars` characters, at spaces.
fn wrap(text: &str, max_chars: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= max_chars => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    lines
}

fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * CHAR_WIDTH
}

/// Rounds a coordinate to one decimal place, to keep the markup short.
fn n(x: f64) -> String {
    let rounded = (x * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 { format!("{rounded:.0}") } else { format!("{rounded:.1}") }
}

/// The opening of a chart: the element with its accessible name and description.
fn open(svg: &mut String, text: &ChartText<'_>, width: f64, height: f64) {
    let id = escape(text.id);
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"app-chart\" viewBox=\"0 0 {} {}\" \
         role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" focusable=\"false\" \
         font-family=\"arial, sans-serif\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        n(width),
        n(height),
        escape(text.title),
        escape(text.description),
    );
}

/// Hatch patterns: withheld cells, and "strongly" answers (the same hue, darker lines).
fn patterns(svg: &mut String, id: &str) {
    let id = escape(id);
    let hatch = |svg: &mut String, name: &str, fill: &str, line: &str| {
        let _ = write!(
            svg,
            "<pattern id=\"{id}-{name}\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" \
             patternTransform=\"rotate(45)\"><rect width=\"8\" height=\"8\" fill=\"{fill}\"/>\
             <line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"{line}\" stroke-width=\"3\"/></pattern>"
        );
    };
    svg.push_str("<defs>");
    hatch(svg, "withheld", TEXT_LIGHT, WITHHELD_LINE);
    hatch(svg, "strongly-disagree", STRONGLY_DISAGREE, STRONGLY_DISAGREE_LINE);
    hatch(svg, "strongly-agree", STRONGLY_AGREE, STRONGLY_AGREE_LINE);
    svg.push_str("</defs>");
}

/// A line of text: `anchor` is start, middle or end.
#[allow(clippy::too_many_arguments)]
fn label(svg: &mut String, x: f64, y: f64, size: f64, anchor: &str, fill: &str, bold: bool, text: &str) {
    let weight = if bold { " font-weight=\"bold\"" } else { "" };
    let _ = write!(
        svg,
        "<text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"{anchor}\" fill=\"{fill}\"{weight}>{}</text>",
        n(x),
        n(y),
        n(size),
        escape(text)
    );
}

/// Lines of text, the first at `y`, each `step` below the one before.
#[allow(clippy::too_many_arguments)]
fn lines(svg: &mut String, x: f64, y: f64, step: f64, size: f64, anchor: &str, fill: &str, text: &[String]) {
    for (i, line) in text.iter().enumerate() {
        label(svg, x, y + step * i as f64, size, anchor, fill, false, line);
    }
}

fn rect(svg: &mut String, x: f64, y: f64, width: f64, height: f64, fill: &str, stroke: Option<&str>) {
    let stroke = stroke.map(|s| format!(" stroke=\"{s}\" stroke-width=\"1\"")).unwrap_or_default();
    let _ = write!(
        svg,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\"{stroke}/>",
        n(x),
        n(y),
        n(width),
        n(height)
    );
}

/// A heat map: rows (quality statements) by columns (respondent groups), each cell the share
/// of ratings that agree.
pub struct HeatMap {
    pub columns: Vec<String>,
    pub rows: Vec<(String, Vec<Share>)>,
    /// The smallest group shown, for the words in withheld cells.
    pub k: u32,
}

pub fn heat_map(text: &ChartText<'_>, map: &HeatMap) -> String {
    const CELL_W: f64 = 116.0;
    const CELL_H: f64 = 44.0;
    const HEAD_SIZE: f64 = 13.0;
    const HEAD_LINE: f64 = 16.0;
    const ROW_SIZE: f64 = 14.0;
    let label_w =
        map.rows.iter().map(|(l, _)| text_width(l, ROW_SIZE)).fold(60.0_f64, f64::max).min(340.0) + 12.0;
    let head_chars = (CELL_W / (HEAD_SIZE * CHAR_WIDTH)).floor() as usize;
    let heads: Vec<Vec<String>> = map.columns.iter().map(|c| wrap(c, head_chars)).collect();
    let head_lines = heads.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let top = head_lines as f64 * HEAD_LINE + 10.0;
    let grid_h = map.rows.len() as f64 * CELL_H;
    let legend_y = top + grid_h + 20.0;
    let width = label_w + map.columns.len() as f64 * CELL_W + 2.0;
    let legend_w = (HEAT_BANDS.len() + 1) as f64 * 110.0;
    let width = width.max(legend_w + 10.0);
    let height = legend_y + 40.0;

    let mut svg = String::new();
    open(&mut svg, text, width, height);
    patterns(&mut svg, text.id);
    for (c, head) in heads.iter().enumerate() {
        let x = label_w + c as f64 * CELL_W + CELL_W / 2.0;
        let first = top - 8.0 - (head.len() as f64 - 1.0) * HEAD_LINE;
        lines(&mut svg, x, first, HEAD_LINE, HEAD_SIZE, "middle", INK, head);
    }
    let withheld_fill = format!("url(#{}-withheld)", escape(text.id));
    for (r, (row_label, cells)) in map.rows.iter().enumerate() {
        let y = top + r as f64 * CELL_H;
        label(&mut svg, label_w - 10.0, y + CELL_H / 2.0 + 5.0, ROW_SIZE, "end", INK, false, row_label);
        for (c, cell) in cells.iter().enumerate() {
            let x = label_w + c as f64 * CELL_W;
            let (cx, cy) = (x + CELL_W / 2.0, y + CELL_H / 2.0);
            match cell {
                Share::Of(share) => {
                    let fill = heat_fill(*share);
                    rect(&mut svg, x, y, CELL_W, CELL_H, fill, Some(TEXT_LIGHT));
                    label(&mut svg, cx, cy + 6.0, 16.0, "middle", text_on(fill), true, &percent_text(*share));
                }
                Share::Withheld => {
                    rect(&mut svg, x, y, CELL_W, CELL_H, &withheld_fill, Some(GRID));
                    let words = wrap(&withheld_text(map.k), 12);
                    lines(&mut svg, cx, cy - 2.0, 14.0, 12.0, "middle", INK, &words);
                }
                Share::Nothing => {
                    rect(&mut svg, x, y, CELL_W, CELL_H, TEXT_LIGHT, Some(GRID));
                    label(&mut svg, cx, cy + 5.0, 12.0, "middle", INK, false, "no ratings");
                }
            }
        }
    }
    // The legend: the bands, and what a hatched cell means.
    label(&mut svg, 0.0, legend_y - 4.0, 12.0, "start", INK, false, "Share of ratings that agree:");
    for (i, (_, fill, band)) in HEAT_BANDS.iter().enumerate() {
        let x = i as f64 * 110.0;
        rect(&mut svg, x, legend_y + 4.0, 104.0, 26.0, fill, Some(GRID));
        label(&mut svg, x + 52.0, legend_y + 22.0, 12.0, "middle", text_on(fill), false, band);
    }
    let x = HEAT_BANDS.len() as f64 * 110.0;
    rect(&mut svg, x, legend_y + 4.0, 104.0, 26.0, &withheld_fill, Some(GRID));
    label(&mut svg, x + 52.0, legend_y + 22.0, 12.0, "middle", INK, false, "withheld");
    svg.push_str("</svg>");
    svg
}

/// One bar of a diverging chart: an item's answers, 0 (Don't know) to 4, or withheld.
pub struct DivergingRow {
    pub label: String,
    /// `None` when withheld.
    pub counts: Option<[u64; 5]>,
}

/// The four ratings' fills and their patterns, 1 to 4.
fn rating_fill(id: &str, rating: usize) -> String {
    match rating {
        1 => format!("url(#{}-strongly-disagree)", escape(id)),
        2 => TEND_TO_DISAGREE.to_owned(),
        3 => TEND_TO_AGREE.to_owned(),
        _ => format!("url(#{}-strongly-agree)", escape(id)),
    }
}

/// The base colour behind a rating's fill, for choosing its text colour.
fn rating_base(rating: usize) -> &'static str {
    match rating {
        1 => STRONGLY_DISAGREE,
        2 => TEND_TO_DISAGREE,
        3 => TEND_TO_AGREE,
        _ => STRONGLY_AGREE,
    }
}

pub const RATING_NAMES: [&str; 5] =
    ["Don't know", "Strongly disagree", "Tend to disagree", "Tend to agree", "Strongly agree"];

/// Diverging stacked bars: for each row, the shares of ratings 1 and 2 to the left of a centre
/// line (strongly disagree outermost) and 3 and 4 to the right (strongly agree outermost), as
/// shares of the ratings 1–4; "Don't know" as a share of every answer in a bar of its own.
pub fn diverging(text: &ChartText<'_>, rows: &[DivergingRow], k: u32) -> String {
    const ROW_H: f64 = 30.0;
    const GAP: f64 = 10.0;
    const HALF: f64 = 230.0;
    const DK_W: f64 = 130.0;
    const SIZE: f64 = 13.0;
    let label_w = rows.iter().map(|r| text_width(&r.label, SIZE)).fold(40.0_f64, f64::max).min(200.0) + 10.0;
    // Room for the total disagreeing to the left of the bars.
    let centre = label_w + 44.0 + HALF;
    let dk_x = centre + HALF + 60.0;
    let width = dk_x + DK_W + 44.0;
    let top = 46.0;
    let legend_y = top + rows.len() as f64 * (ROW_H + GAP) + 10.0;
    let height = legend_y + 34.0;

    let mut svg = String::new();
    open(&mut svg, text, width, height);
    patterns(&mut svg, text.id);
    label(&mut svg, centre - 8.0, 16.0, 12.0, "end", INK, true, "Disagree");
    label(&mut svg, centre + 8.0, 16.0, 12.0, "start", INK, true, "Agree");
    label(&mut svg, centre, 34.0, 11.0, "middle", INK, false, "share of ratings 1–4");
    label(&mut svg, dk_x + DK_W / 2.0, 16.0, 12.0, "middle", INK, true, "Don't know");
    label(&mut svg, dk_x + DK_W / 2.0, 34.0, 11.0, "middle", INK, false, "share of all answers");
    let withheld_fill = format!("url(#{}-withheld)", escape(text.id));
    for (r, row) in rows.iter().enumerate() {
        let y = top + r as f64 * (ROW_H + GAP);
        let mid = y + ROW_H / 2.0 + 5.0;
        label(&mut svg, label_w - 6.0, mid, SIZE, "end", INK, false, &row.label);
        let Some(counts) = row.counts else {
            rect(&mut svg, centre - HALF, y, 2.0 * HALF, ROW_H, &withheld_fill, Some(GRID));
            label(&mut svg, centre, mid, 12.0, "middle", INK, false, &withheld_text(k));
            continue;
        };
        let rated: u64 = counts[1..].iter().sum();
        let all: u64 = counts.iter().sum();
        if rated == 0 {
            label(&mut svg, centre, mid, 12.0, "middle", INK, false, "no ratings");
        } else {
            let share = |r: usize| counts[r] as f64 / rated as f64;
            // Inner segments first, then outer: (rating, start, width), left growing leftwards.
            let (tend_d, strong_d) = (share(2) * HALF, share(1) * HALF);
            let (tend_a, strong_a) = (share(3) * HALF, share(4) * HALF);
            let segments = [
                (2, centre - tend_d, tend_d),
                (1, centre - tend_d - strong_d, strong_d),
                (3, centre, tend_a),
                (4, centre + tend_a, strong_a),
            ];
            for (rating, x, w) in segments {
                if w <= 0.0 {
                    continue;
                }
                rect(&mut svg, x, y, w, ROW_H, &rating_fill(text.id, rating), Some(INK));
                if w >= 30.0 {
                    let fill = text_on(rating_base(rating));
                    label(
                        &mut svg,
                        x + w / 2.0,
                        mid,
                        12.0,
                        "middle",
                        fill,
                        false,
                        &percent_text(share(rating)),
                    );
                }
            }
            let disagree = share(1) + share(2);
            label(
                &mut svg,
                centre - (strong_d + tend_d) - 5.0,
                mid,
                12.0,
                "end",
                INK,
                true,
                &percent_text(disagree),
            );
            label(
                &mut svg,
                centre + tend_a + strong_a + 5.0,
                mid,
                12.0,
                "start",
                INK,
                true,
                &percent_text(1.0 - disagree),
            );
        }
        // Don't know, apart.
        let dk = if all > 0 { counts[0] as f64 / all as f64 } else { 0.0 };
        rect(&mut svg, dk_x, y, DK_W, ROW_H, TEXT_LIGHT, Some(GRID));
        if dk > 0.0 {
            rect(&mut svg, dk_x, y, dk * DK_W, ROW_H, DONT_KNOW, Some(INK));
        }
        if all > 0 {
            label(&mut svg, dk_x + DK_W + 5.0, mid, 12.0, "start", INK, false, &percent_text(dk));
        }
    }
    let _ = write!(
        svg,
        "<line x1=\"{c}\" y1=\"{}\" x2=\"{c}\" y2=\"{}\" stroke=\"{INK}\" stroke-width=\"2\"/>",
        n(top - 4.0),
        n(legend_y - 6.0),
        c = n(centre)
    );
    // The legend, in the order of the scale.
    let entries = [
        (rating_fill(text.id, 1), STRONGLY_DISAGREE, RATING_NAMES[1]),
        (rating_fill(text.id, 2), TEND_TO_DISAGREE, RATING_NAMES[2]),
        (rating_fill(text.id, 3), TEND_TO_AGREE, RATING_NAMES[3]),
        (rating_fill(text.id, 4), STRONGLY_AGREE, RATING_NAMES[4]),
        (DONT_KNOW.to_owned(), DONT_KNOW, RATING_NAMES[0]),
    ];
    let step = (width / entries.len() as f64).min(150.0);
    for (i, (fill, _, name)) in entries.iter().enumerate() {
        let x = i as f64 * step;
        rect(&mut svg, x, legend_y + 6.0, 18.0, 18.0, fill, Some(INK));
        label(&mut svg, x + 24.0, legend_y + 20.0, 12.0, "start", INK, false, name);
    }
    svg.push_str("</svg>");
    svg
}

/// Horizontal bars of one share each (agreement by group), 0 to 100%.
pub fn share_bars(text: &ChartText<'_>, bars: &[(String, Share)], k: u32) -> String {
    const ROW_H: f64 = 28.0;
    const GAP: f64 = 10.0;
    const BAR_W: f64 = 400.0;
    const SIZE: f64 = 13.0;
    // Long names wrap onto two or three lines rather than run off the left edge.
    const LABEL_MAX: f64 = 300.0;
    let max_chars = (LABEL_MAX / (SIZE * CHAR_WIDTH)).floor() as usize;
    let labels: Vec<Vec<String>> = bars.iter().map(|(l, _)| wrap(l, max_chars)).collect();
    let label_w =
        labels.iter().flatten().map(|l| text_width(l, SIZE)).fold(60.0_f64, f64::max).min(LABEL_MAX) + 12.0;
    let top = 10.0;
    let axis_y = top + bars.len() as f64 * (ROW_H + GAP);
    let width = label_w + BAR_W + 60.0;
    let height = axis_y + 30.0;

    let mut svg = String::new();
    open(&mut svg, text, width, height);
    patterns(&mut svg, text.id);
    let withheld_fill = format!("url(#{}-withheld)", escape(text.id));
    // Gridlines at every quarter.
    for q in 0..=4 {
        let x = label_w + BAR_W * f64::from(q) / 4.0;
        let _ = write!(
            svg,
            "<line x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\" stroke=\"{GRID}\" stroke-width=\"1\" stroke-dasharray=\"3 3\"/>",
            n(top - 4.0),
            n(axis_y),
            x = n(x)
        );
        label(&mut svg, x, axis_y + 16.0, 12.0, "middle", INK, false, &format!("{}%", q * 25));
    }
    for (i, ((_, share), name)) in bars.iter().zip(&labels).enumerate() {
        let y = top + i as f64 * (ROW_H + GAP);
        let mid = y + ROW_H / 2.0 + 5.0;
        let step = 13.0;
        let first = mid - step * (name.len() as f64 - 1.0) / 2.0;
        let size = if name.len() > 1 { 12.0 } else { SIZE };
        lines(&mut svg, label_w - 8.0, first, step, size, "end", INK, name);
        match share {
            Share::Of(s) => {
                let w = (s * BAR_W).max(0.0);
                if w > 0.0 {
                    rect(&mut svg, label_w, y, w, ROW_H, BAR, Some(INK));
                }
                label(&mut svg, label_w + w + 6.0, mid, 13.0, "start", INK, true, &percent_text(*s));
            }
            Share::Withheld => {
                rect(&mut svg, label_w, y, BAR_W, ROW_H, &withheld_fill, Some(GRID));
                label(&mut svg, label_w + BAR_W / 2.0, mid, 12.0, "middle", INK, false, &withheld_text(k));
            }
            Share::Nothing => {
                label(&mut svg, label_w + 6.0, mid, 12.0, "start", INK, false, "no ratings");
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text() -> ChartText<'static> {
        ChartText {
            id: "chart-1",
            title: "Agreement by group",
            description: "The same figures are in the table.",
        }
    }

    fn assert_accessible(svg: &str) {
        assert!(svg.starts_with("<svg "), "{svg}");
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("aria-labelledby=\"chart-1-title chart-1-desc\""));
        assert!(svg.contains("<title id=\"chart-1-title\">Agreement by group</title>"));
        assert!(svg.contains("<desc id=\"chart-1-desc\">"));
        assert!(!svg.contains("style="), "no inline styles (CSP): {svg}");
        assert!(svg.ends_with("</svg>"));
        // Well formed enough: every element opened is closed.
        assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">Tom & Jerry's</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
        );
        let map = HeatMap {
            columns: vec!["<script>alert(1)</script>".into()],
            rows: vec![("QS1 & co".into(), vec![Share::Of(0.5)])],
            k: 5,
        };
        let svg = heat_map(&text(), &map);
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("QS1 &amp; co"));
    }

    #[test]
    fn every_text_colour_has_enough_contrast() {
        let fills = HEAT_BANDS.iter().map(|(_, f, _)| *f).chain([
            STRONGLY_DISAGREE,
            STRONGLY_DISAGREE_LINE,
            TEND_TO_DISAGREE,
            TEND_TO_AGREE,
            STRONGLY_AGREE,
            STRONGLY_AGREE_LINE,
            DONT_KNOW,
        ]);
        for fill in fills {
            let ratio = contrast(fill, text_on(fill));
            assert!(ratio >= 4.5, "{fill}: {ratio:.2}");
        }
        // Text on the hatched "strongly" bars reads on both the base and the lines.
        for (base, line) in
            [(STRONGLY_DISAGREE, STRONGLY_DISAGREE_LINE), (STRONGLY_AGREE, STRONGLY_AGREE_LINE)]
        {
            assert!(contrast(line, text_on(base)) >= 4.5, "{line}");
        }
        // Withheld cells: dark text on white and on the hatching.
        assert!(contrast(WITHHELD_LINE, INK) >= 4.5);
        // Bars stand out from the white page (non-text contrast, 3:1).
        assert!(contrast(BAR, TEXT_LIGHT) >= 3.0);
        assert!((contrast("#000000", "#ffffff") - 21.0).abs() < 1e-9);
    }

    #[test]
    fn heat_map_prints_every_figure_and_says_what_is_withheld() {
        let map = HeatMap {
            columns: vec!["All respondents".into(), "People who draw on care and support".into()],
            rows: vec![
                ("QS1 Assessing needs".into(), vec![Share::Of(0.823), Share::Withheld]),
                ("QS2 Supporting people".into(), vec![Share::Of(0.1), Share::Nothing]),
            ],
            k: 5,
        };
        let svg = heat_map(&text(), &map);
        assert_accessible(&svg);
        assert!(svg.contains(">82%</text>"), "{svg}");
        assert!(svg.contains(">10%</text>"));
        assert!(svg.contains(">fewer than 5</text>") && svg.contains(">responses</text>"), "{svg}");
        assert!(svg.contains(">no ratings</text>"));
        // Long headings wrap rather than overlap.
        assert!(svg.contains(">People who draw</text>"), "{svg}");
        // Low agreement is dark red with white text; high is dark blue.
        assert_eq!(heat_fill(0.1), "#942514");
        assert_eq!(heat_fill(0.823), "#12436d");
        assert_eq!(heat_fill(0.795), "#12436d", "80% when rounded is in the top band");
        assert_eq!(heat_fill(0.5), "#f3f2f1");
        assert!(svg.contains("url(#chart-1-withheld)"));
    }

    #[test]
    fn diverging_bars_put_disagreement_left_and_dont_know_apart() {
        let rows = vec![
            DivergingRow { label: "QS1.1".into(), counts: Some([2, 1, 1, 4, 2]) },
            DivergingRow { label: "QS1.2".into(), counts: None },
            DivergingRow { label: "QS1.3".into(), counts: Some([3, 0, 0, 0, 0]) },
        ];
        let svg = diverging(&text(), &rows, 5);
        assert_accessible(&svg);
        // 1 + 1 of 8 ratings disagree (25%), 6 agree (75%); 2 of 10 answers don't know (20%).
        assert!(svg.contains(">25%</text>"), "{svg}");
        assert!(svg.contains(">75%</text>"));
        assert!(svg.contains(">20%</text>"));
        assert!(svg.contains(">50%</text>"), "tend to agree: 4 of 8");
        assert!(svg.contains(">fewer than 5 responses</text>"));
        assert!(svg.contains(">no ratings</text>"), "only don't know");
        assert!(svg.contains(">100%</text>"), "QS1.3: all don't know");
        for name in RATING_NAMES {
            assert!(svg.contains(&format!(">{}</text>", escape(name))), "legend has {name}");
        }
        // Strongly answers are hatched, so colour is not all that tells them apart.
        assert!(svg.contains("fill=\"url(#chart-1-strongly-agree)\""));
        assert!(svg.contains("fill=\"url(#chart-1-strongly-disagree)\""));
    }

    #[test]
    fn segments_of_a_bar_add_up_to_its_halves() {
        // Every rating 1–4 once: each segment a quarter of the two halves (230 each).
        let svg = diverging(&text(), &[DivergingRow { label: "A".into(), counts: Some([0, 1, 1, 1, 1]) }], 5);
        let widths: Vec<f64> = svg
            .split("<rect ")
            .skip(1)
            .filter(|r| r.contains("stroke=\"#0b0c0c\"") && r.contains("height=\"30\""))
            .filter_map(|r| r.split("width=\"").nth(1)?.split('"').next()?.parse().ok())
            .collect();
        let segments: Vec<f64> = widths.into_iter().filter(|w| *w < 130.0).collect();
        assert_eq!(segments.len(), 4, "{svg}");
        assert!((segments.iter().sum::<f64>() - 230.0).abs() < 0.5, "{segments:?}");
    }

    #[test]
    fn share_bars_show_each_share_and_withheld_groups_in_words() {
        let bars = vec![
            ("All respondents".to_owned(), Share::Of(0.75)),
            ("Frontline staff".to_owned(), Share::Withheld),
            ("Partners".to_owned(), Share::Nothing),
        ];
        let svg = share_bars(&text(), &bars, 7);
        assert_accessible(&svg);
        assert!(svg.contains(">75%</text>"));
        assert!(svg.contains(">fewer than 7 responses</text>"));
        assert!(svg.contains(">no ratings</text>"));
        assert!(svg.contains(">100%</text>"), "axis");
        // A long name wraps, each line ending at the bars.
        let long = "Partners (health, care providers, voluntary and community sector)".to_owned();
        let svg = share_bars(&text(), &[(long, Share::Of(0.5))], 5);
        assert!(svg.contains(">Partners (health, care providers,</text>"), "{svg}");
        assert!(svg.contains(">voluntary and community sector)</text>"), "{svg}");
    }

    #[test]
    fn wrapping_keeps_words_whole() {
        assert_eq!(
            wrap("People who draw on care and support", 16),
            ["People who draw", "on care and", "support"]
        );
        assert_eq!(wrap("Partners", 16), ["Partners"]);
        assert_eq!(n(12.04), "12");
        assert_eq!(n(12.25), "12.3");
    }
}
