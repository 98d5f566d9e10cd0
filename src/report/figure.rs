//! Figures: theorem modules describe them as data ([`Figure`]); this module draws them
//! as SVG with plotters' SVG backend, which needs no system fonts or C libraries (text is
//! left to the viewer's sans-serif font).

use std::path::Path;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;

use crate::error::Error;

/// How an axis maps values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Linear.
    Linear,
    /// Base-10 logarithmic (values must be positive).
    Log,
}

/// How a series is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// A solid line through the points.
    Line,
    /// A dashed line (predictions, fitted or reference slopes).
    Dashed,
    /// Markers only (measurements).
    Points,
}

/// Where the legend sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Corner {
    /// Top left.
    UpperLeft,
    /// Top right.
    UpperRight,
    /// Bottom left.
    LowerLeft,
    /// Bottom right.
    LowerRight,
}

/// One labelled series of points.
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend entry.
    pub label: String,
    /// The points (x, y).
    pub points: Vec<(f64, f64)>,
    /// How to draw it.
    pub style: Style,
}

/// A grid of values drawn as colored cells, with series drawn over it.
#[derive(Clone, Debug)]
pub struct Heatmap {
    /// Cell centres along x, increasing.
    pub x_values: Vec<f64>,
    /// Cell centres along y, increasing.
    pub y_values: Vec<f64>,
    /// `values[row][column]`: row follows y, column follows x; NaN leaves a cell blank.
    pub values: Vec<Vec<f64>>,
    /// The range mapped onto the color scale.
    pub range: (f64, f64),
    /// What the color shows.
    pub value_label: String,
}

/// A figure: a title naming the claim it illustrates, labelled axes, series, and
/// optionally a heatmap under the series.
#[derive(Clone, Debug)]
pub struct Figure {
    /// File stem of the SVG.
    pub name: String,
    /// Title, naming the claim.
    pub title: String,
    /// x-axis label.
    pub x_label: String,
    /// y-axis label.
    pub y_label: String,
    /// x-axis scale.
    pub x_scale: Scale,
    /// y-axis scale.
    pub y_scale: Scale,
    /// The series, in legend order.
    pub series: Vec<Series>,
    /// A heatmap drawn under the series.
    pub heatmap: Option<Heatmap>,
    /// Where the legend sits (chosen to leave the data visible).
    pub legend: Corner,
}

const PALETTE: [RGBColor; 8] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x17, 0xbe, 0xcf),
];

const OVERLAY: [RGBColor; 3] = [
    RGBColor(0, 0, 0),
    RGBColor(0xff, 0xd7, 0x00),
    RGBColor(0x2c, 0xa0, 0x2c),
];

fn plot_error(error: impl std::fmt::Display) -> Error {
    Error::Numerical(format!("drawing a figure failed: {error}"))
}

/// The data range of one axis, padded a little (multiplicatively on a log axis).
fn axis_range(
    values: impl Iterator<Item = f64> + Clone,
    scale: Scale,
) -> Result<(f64, f64), Error> {
    let usable = values.filter(|v| v.is_finite() && (scale == Scale::Linear || *v > 0.0));
    let low = usable.clone().fold(f64::INFINITY, f64::min);
    let high = usable.fold(f64::NEG_INFINITY, f64::max);
    if !low.is_finite() || !high.is_finite() {
        return Err(Error::Numerical(
            "a figure has no finite point to draw".into(),
        ));
    }
    Ok(match scale {
        Scale::Linear => {
            let pad = if high > low {
                0.04 * (high - low)
            } else {
                0.5 * low.abs().max(1.0)
            };
            (low - pad, high + pad)
        }
        Scale::Log => {
            let (low, high) = if high > low {
                (low, high)
            } else {
                (low / 2.0, high * 2.0)
            };
            let pad = (high / low).powf(0.04);
            (low / pad, high * pad)
        }
    })
}

/// A tick label: compact, in powers of ten on log axes far from 1.
fn tick(value: f64, scale: Scale) -> String {
    let magnitude = value.abs();
    if scale == Scale::Log && (magnitude >= 1e4 || magnitude < 1e-3) {
        let exponent = magnitude.log10().round() as i32;
        if (magnitude / 10f64.powi(exponent) - 1.0).abs() < 1e-9 {
            return format!("1e{exponent}");
        }
        return format!("{value:.0e}");
    }
    crate::claim::format_significant(value, 3)
}

/// A blue-to-red color for a value in `range`.
fn heat_color(value: f64, range: (f64, f64)) -> RGBColor {
    let t = ((value - range.0) / (range.1 - range.0)).clamp(0.0, 1.0);
    let blend = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    RGBColor(blend(49.0, 215.0), blend(130.0, 48.0), blend(189.0, 39.0))
}

fn draw<X, Y>(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    figure: &Figure,
    x: X,
    y: Y,
) -> Result<(), Error>
where
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(area)
        .caption(&figure.title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(70)
        .build_cartesian_2d(x, y)
        .map_err(plot_error)?;
    let (x_scale, y_scale) = (figure.x_scale, figure.y_scale);
    chart
        .configure_mesh()
        .x_desc(&figure.x_label)
        .y_desc(&figure.y_label)
        .x_labels(8)
        .y_labels(8)
        .x_label_formatter(&|value| tick(*value, x_scale))
        .y_label_formatter(&|value| tick(*value, y_scale))
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(plot_error)?;
    if let Some(heatmap) = &figure.heatmap {
        let edges = |centres: &[f64]| -> Vec<f64> {
            let mut edges = Vec::with_capacity(centres.len() + 1);
            for (index, centre) in centres.iter().enumerate() {
                let previous = if index == 0 {
                    2.0 * centre - centres.get(1).copied().unwrap_or(centre + 1.0)
                } else {
                    centres[index - 1]
                };
                edges.push(0.5 * (previous + centre));
            }
            let last = centres.len() - 1;
            let before = if last == 0 {
                centres[0] - 1.0
            } else {
                centres[last - 1]
            };
            edges.push(centres[last] + 0.5 * (centres[last] - before));
            edges
        };
        let (x_edges, y_edges) = (edges(&heatmap.x_values), edges(&heatmap.y_values));
        let cells = heatmap.values.iter().enumerate().flat_map(|(row, values)| {
            let (x_edges, y_edges) = (&x_edges, &y_edges);
            values
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_finite())
                .map(move |(column, value)| {
                    Rectangle::new(
                        [
                            (x_edges[column], y_edges[row]),
                            (x_edges[column + 1], y_edges[row + 1]),
                        ],
                        heat_color(*value, heatmap.range).filled(),
                    )
                })
        });
        chart.draw_series(cells).map_err(plot_error)?;
        // Two legend swatches, the colors of the two ends of the scale.
        for end in [heatmap.range.0, heatmap.range.1] {
            let color = heat_color(end, heatmap.range);
            chart
                .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())
                .map_err(plot_error)?
                .label(format!(
                    "{} {}",
                    heatmap.value_label,
                    crate::claim::format_significant(end, 3)
                ))
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 18, y + 5)], color.filled())
                });
        }
    }
    for (index, series) in figure.series.iter().enumerate() {
        // Over a heatmap's blue and red, series take colors that stay visible on both:
        // black first (usually a predicted boundary), then gold and green.
        let color = if figure.heatmap.is_some() {
            OVERLAY[index % OVERLAY.len()]
        } else {
            PALETTE[index % PALETTE.len()]
        };
        let points: Vec<(f64, f64)> = series
            .points
            .iter()
            .copied()
            .filter(|(a, b)| a.is_finite() && b.is_finite())
            .collect();
        // Each legend entry shows the series' own glyph: a line, a dashed line or a dot.
        match series.style {
            Style::Line => {
                chart
                    .draw_series(LineSeries::new(points, color.stroke_width(2)))
                    .map_err(plot_error)?
                    .label(&series.label)
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                    });
            }
            Style::Dashed => {
                chart
                    .draw_series(DashedLineSeries::new(points, 6, 4, color.stroke_width(2)))
                    .map_err(plot_error)?
                    .label(&series.label)
                    .legend(move |(x, y)| {
                        EmptyElement::at((x, y))
                            + PathElement::new(vec![(0, 0), (6, 0)], color.stroke_width(2))
                            + PathElement::new(vec![(11, 0), (17, 0)], color.stroke_width(2))
                    });
            }
            Style::Points => {
                chart
                    .draw_series(
                        points
                            .into_iter()
                            .map(|point| Circle::new(point, 3, color.filled())),
                    )
                    .map_err(plot_error)?
                    .label(&series.label)
                    .legend(move |(x, y)| Circle::new((x + 9, y), 3, color.filled()));
            }
        }
    }
    chart
        .configure_series_labels()
        .position(match figure.legend {
            Corner::UpperLeft => SeriesLabelPosition::UpperLeft,
            Corner::UpperRight => SeriesLabelPosition::UpperRight,
            Corner::LowerLeft => SeriesLabelPosition::LowerLeft,
            Corner::LowerRight => SeriesLabelPosition::LowerRight,
        })
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 12))
        .draw()
        .map_err(plot_error)?;
    Ok(())
}

/// Renders a figure as SVG text.
///
/// # Errors
/// [`Error::Numerical`] when the figure has nothing finite to draw.
pub fn svg(figure: &Figure) -> Result<String, Error> {
    let points = || {
        figure
            .series
            .iter()
            .flat_map(|series| series.points.iter().copied())
            .chain(figure.heatmap.iter().flat_map(|heatmap| {
                let corners = [heatmap.x_values.first(), heatmap.x_values.last()]
                    .into_iter()
                    .flatten()
                    .copied();
                corners.zip(
                    [heatmap.y_values.first(), heatmap.y_values.last()]
                        .into_iter()
                        .flatten()
                        .copied(),
                )
            }))
    };
    let x_range = axis_range(points().map(|(x, _)| x), figure.x_scale)?;
    let y_range = axis_range(points().map(|(_, y)| y), figure.y_scale)?;
    let mut text = String::new();
    {
        let area = SVGBackend::with_string(&mut text, (900, 600)).into_drawing_area();
        area.fill(&WHITE).map_err(plot_error)?;
        let (x, y) = (x_range.0..x_range.1, y_range.0..y_range.1);
        match (figure.x_scale, figure.y_scale) {
            (Scale::Linear, Scale::Linear) => draw(&area, figure, x, y)?,
            (Scale::Log, Scale::Linear) => draw(&area, figure, x.log_scale(), y)?,
            (Scale::Linear, Scale::Log) => draw(&area, figure, x, y.log_scale())?,
            (Scale::Log, Scale::Log) => draw(&area, figure, x.log_scale(), y.log_scale())?,
        }
        area.present().map_err(plot_error)?;
    }
    Ok(text)
}

/// Writes `DIRECTORY/NAME.svg` for each figure; returns the files written.
///
/// # Errors
/// Drawing or writing failed.
pub fn write_all(figures: &[Figure], directory: &Path) -> Result<Vec<std::path::PathBuf>, Error> {
    std::fs::create_dir_all(directory).map_err(|source| Error::Io {
        path: directory.to_path_buf(),
        source,
    })?;
    figures
        .iter()
        .map(|figure| {
            let path = directory.join(format!("{}.svg", figure.name));
            std::fs::write(&path, svg(figure)?).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            Ok(path)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(heatmap: bool) -> Figure {
        Figure {
            name: "example".into(),
            title: "X-1: a line and points".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            x_scale: Scale::Log,
            y_scale: Scale::Log,
            series: vec![
                Series {
                    label: "measured".into(),
                    points: vec![(1.0, 2.0), (10.0, 20.0)],
                    style: Style::Points,
                },
                Series {
                    label: "slope 1".into(),
                    points: vec![(1.0, 2.0), (10.0, 20.0)],
                    style: Style::Dashed,
                },
            ],
            heatmap: heatmap.then(|| Heatmap {
                x_values: vec![1.0, 10.0],
                y_values: vec![2.0, 20.0],
                values: vec![vec![0.0, 0.5], vec![1.0, f64::NAN]],
                range: (0.0, 1.0),
                value_label: "error".into(),
            }),
            legend: Corner::UpperRight,
        }
    }

    #[test]
    fn svg_has_title_axes_and_legend() {
        let text = svg(&example(false)).unwrap();
        assert!(text.starts_with("<svg"));
        for label in ["X-1: a line and points", "measured", "slope 1"] {
            assert!(text.contains(label), "{label} missing");
        }
        assert!(svg(&example(true)).unwrap().contains("<rect"));
    }

    #[test]
    fn figures_without_finite_points_are_errors() {
        let mut figure = example(false);
        figure
            .series
            .iter_mut()
            .for_each(|series| series.points = vec![(f64::NAN, 1.0)]);
        assert!(svg(&figure).is_err());
    }
}
