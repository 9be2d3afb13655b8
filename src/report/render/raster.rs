//! Charts as PNG for the Word document: the chart's SVG drawn by resvg with typst's bundled
//! fonts (compiled in from `typst-assets`), so no system font is read and a chart looks the
//! same on every machine. The charts ask for "arial, sans-serif"; neither is bundled, so
//! both map to Libertinus Serif, the same face the PDF draws chart text in (typst falls back
//! to the document's font), and narrower than Arial, so labels sized for Arial still fit.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use resvg::{tiny_skia, usvg};
use sha2::{Digest, Sha256};

use super::RenderError;

/// The face chart text is drawn in (bundled with typst).
pub const CHART_FONT: &str = "Libertinus Serif";

/// Pixels drawn per SVG pixel: a chart the width of a Word page is about 1,300 pixels
/// across, some 200 dpi when printed.
pub const SCALE: f32 = 1.5;

static FONTS: LazyLock<Arc<usvg::fontdb::Database>> = LazyLock::new(|| {
    let mut db = usvg::fontdb::Database::new();
    for data in typst_assets::fonts() {
        db.load_font_data(data.to_vec());
    }
    db.set_serif_family(CHART_FONT);
    db.set_sans_serif_family(CHART_FONT);
    Arc::new(db)
});

/// Charts drawn lately, by the hash of their SVG: the report is often exported in several
/// formats at once (the pack), and its charts only change when the answers do.
static CACHE: LazyLock<Mutex<HashMap<[u8; 32], Arc<Png>>>> = LazyLock::new(|| Mutex::new(HashMap::new()));
const CACHE_ENTRIES: usize = 256;

/// A chart drawn as PNG, with its size in pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Png {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Draws `svg` as a PNG at [`SCALE`] times its own size, on white. `id` names the chart in
/// errors. Results are kept in a small process-wide cache.
pub fn png(id: &str, svg: &str) -> Result<Arc<Png>, RenderError> {
    let key: [u8; 32] = Sha256::digest(svg.as_bytes()).into();
    if let Some(hit) = CACHE.lock().ok().and_then(|cache| cache.get(&key).cloned()) {
        return Ok(hit);
    }
    let drawn = Arc::new(draw(id, svg)?);
    if let Ok(mut cache) = CACHE.lock() {
        if cache.len() >= CACHE_ENTRIES {
            cache.clear();
        }
        cache.insert(key, drawn.clone());
    }
    Ok(drawn)
}

/// Empties the cache (for the benchmark's cold figures).
pub fn clear_cache() {
    if let Ok(mut cache) = CACHE.lock() {
        cache.clear();
    }
}

/// Draws `svg` without the cache (for the benchmark's cold figures).
pub fn draw(id: &str, svg: &str) -> Result<Png, RenderError> {
    let fail = |reason: String| RenderError::Chart { id: id.to_owned(), reason };
    let options = usvg::Options {
        font_family: CHART_FONT.to_owned(),
        fontdb: FONTS.clone(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| fail(e.to_string()))?;
    let size = tree.size();
    let width = (size.width() * SCALE).ceil() as u32;
    let height = (size.height() * SCALE).ceil() as u32;
    let mut pixmap = tiny_skia::Pixmap::new(width, height)
        .ok_or_else(|| fail(format!("a {width}×{height} image is too large or empty")))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::from_scale(SCALE, SCALE), &mut pixmap.as_mut());
    // Opaque (drawn on white), so RGB; png's fast deflate is several times quicker than
    // tiny-skia's default encoder for a file a few per cent larger.
    let rgb: Vec<u8> = pixmap.data().chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
    let mut bytes = Vec::with_capacity(rgb.len() / 8);
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().map_err(|e| fail(e.to_string()))?;
    writer.write_image_data(&rgb).map_err(|e| fail(e.to_string()))?;
    writer.finish().map_err(|e| fail(e.to_string()))?;
    Ok(Png { bytes, width, height })
}

/// Draws every chart, on as many threads as there are cores (at most four), in order.
pub fn pngs(charts: &[(&str, &str)]) -> Result<Vec<Arc<Png>>, RenderError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
    if charts.len() < 2 || threads == 1 {
        return charts.iter().map(|(id, svg)| png(id, svg)).collect();
    }
    let per_thread = charts.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = charts
            .chunks(per_thread)
            .map(|chunk| scope.spawn(move || chunk.iter().map(|(id, svg)| png(id, svg)).collect::<Vec<_>>()))
            .collect();
        let mut out = Vec::with_capacity(charts.len());
        for handle in handles {
            let drawn = handle
                .join()
                .map_err(|_| RenderError::Chart { id: "(any)".into(), reason: "drawing panicked".into() })?;
            for png in drawn {
                out.push(png?);
            }
        }
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::document::{Block, ReportDocument};

    fn sample_svg() -> String {
        ReportDocument::sample()
            .blocks
            .into_iter()
            .find_map(|b| match b {
                Block::Chart(c) => Some(c.svg),
                _ => None,
            })
            .unwrap_or_default()
    }

    #[test]
    fn draws_a_chart_with_its_text_at_its_scale() {
        let png = draw("t", &sample_svg()).expect("draws");
        assert!(png.bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!((png.width, png.height), (600, 180));
        // The text is drawn: the same chart without its text differs.
        let without_text = sample_svg().replace("75%", "");
        let bare = draw("t", &without_text).expect("draws");
        assert_ne!(png.bytes, bare.bytes);
    }

    #[test]
    fn the_bundled_face_stands_in_for_arial() {
        let db = &*FONTS;
        let query = usvg::fontdb::Query {
            families: &[usvg::fontdb::Family::Name("arial"), usvg::fontdb::Family::SansSerif],
            ..Default::default()
        };
        let id = db.query(&query).expect("a face for sans-serif");
        let face = db.face(id).expect("the face");
        assert!(face.families.iter().any(|(name, _)| name == CHART_FONT), "{:?}", face.families);
    }

    #[test]
    fn bad_svg_is_an_error_naming_the_chart() {
        let err = draw("chart-x", "<svg").expect_err("not svg");
        assert!(err.to_string().contains("chart-x"), "{err}");
    }

    #[test]
    fn charts_drawn_together_come_back_in_order() {
        let a = sample_svg();
        let b = a.replace("75%", "80%");
        let drawn = pngs(&[("a", &a), ("b", &b), ("a2", &a)]).expect("draws");
        assert_eq!(drawn.len(), 3);
        assert_eq!(drawn[0], drawn[2]);
        assert_ne!(drawn[0], drawn[1]);
    }

    #[test]
    fn cached_charts_are_the_same_drawing() {
        let a = png("a", &sample_svg()).expect("draws");
        let b = png("b", &sample_svg()).expect("draws");
        assert_eq!(a, b);
    }
}
