//! Figures of the reward-errors suite: the value curves of the authors' experiment and
//! the hitting-time scaling of the stalling theorem.

use super::configs::family_policy;
use super::dynamics::{self, Bandit, FlowPlan};
use crate::error::Error;
use crate::exact::{parse_rational, ratio, to_f64};
use crate::report::figure::{Corner, Figure, Scale, Series, Style};

const GROUND_TRUTH: [f64; 5] = [1.0, 0.8, -1.0, -1.0, -1.0];
const NO_MED: [f64; 5] = [1.0, -1.0, -1.0, -1.0, -1.0];

fn family_bandit(optimal: f64, training: &[f64]) -> Result<Bandit, Error> {
    let p = parse_rational(&optimal.to_string()).map_err(Error::Numerical)?;
    let policy: Vec<f64> = family_policy(&p, &ratio(1, 2), 3)
        .iter()
        .map(to_f64)
        .collect();
    Ok(Bandit::tabular(&policy, &GROUND_TRUTH, training))
}

/// V_G along gradient ascent (η = 0.1, 50 000 steps) at the three §8 initial policies,
/// trained on r_G and on the no-med proxy (RE-25).
pub fn value_curves() -> Result<Figure, Error> {
    let steps = 50_000;
    let sampled: Vec<usize> = (0..=200)
        .map(|k| (10f64.powf(4.7 * f64::from(k) / 200.0)).round() as usize)
        .collect();
    let mut series = Vec::new();
    for optimal in [0.15, 0.10, 0.05] {
        for (name, training, style) in [
            ("r_G", &GROUND_TRUTH, Style::Line),
            ("no-med proxy", &NO_MED, Style::Dashed),
        ] {
            let trace = dynamics::ascend_plain(&family_bandit(optimal, training)?, 0.1, steps)?;
            let mut points: Vec<(f64, f64)> = sampled
                .iter()
                .filter(|&&s| s < steps)
                .map(|&s| (s as f64, trace.ground_truth_values[s]))
                .collect();
            points.dedup_by(|a, b| a.0 == b.0);
            series.push(Series {
                label: format!("{name}, π₀(y⋆) = {optimal}"),
                points,
                style,
            });
        }
    }
    Ok(Figure {
        name: "reward_errors_value_curves".into(),
        title: "RE-25: V_G along gradient ascent, r_G against the no-med proxy".into(),
        x_label: "gradient-ascent step s".into(),
        y_label: "ground-truth value V_G(θ_s)".into(),
        x_scale: Scale::Log,
        y_scale: Scale::Linear,
        series,
        heatmap: None,
        legend: Corner::LowerRight,
    })
}

/// Least-squares slope and intercept of ln y on ln x.
fn fit(points: &[(f64, f64)]) -> (f64, f64) {
    let logs: Vec<(f64, f64)> = points.iter().map(|(x, y)| (x.ln(), y.ln())).collect();
    let count = logs.len() as f64;
    let (mean_x, mean_y) = (
        logs.iter().map(|p| p.0).sum::<f64>() / count,
        logs.iter().map(|p| p.1).sum::<f64>() / count,
    );
    let slope = logs
        .iter()
        .map(|(x, y)| (x - mean_x) * (y - mean_y))
        .sum::<f64>()
        / logs.iter().map(|(x, _)| (x - mean_x).powi(2)).sum::<f64>();
    (slope, mean_y - slope * mean_x)
}

/// t⋆(0.9) against π₀(y⋆) on the §6.3 grid for r_G and the no-med proxy, with fitted
/// lines and the predicted exponents (RE-17, RE-18, RE-20).
pub fn hitting_time_scaling() -> Result<Figure, Error> {
    let grid = [0.20, 0.15, 0.10, 0.07, 0.05, 0.03, 0.02, 0.01, 0.005];
    let plan = FlowPlan {
        relative_tolerance: 1e-10,
        horizon: 1e12,
    };
    let mut series = Vec::new();
    for (name, training, predicted_slope) in
        [("r_G", &GROUND_TRUTH, 4.0), ("no-med proxy", &NO_MED, 1.0)]
    {
        let mut points = Vec::new();
        for &p in &grid {
            if let Some(time) =
                dynamics::ground_truth_hitting_time(&family_bandit(p, training)?, 0.9, &plan)?
                    .time()
            {
                points.push((p, time));
            }
        }
        let (slope, intercept) = fit(&points);
        let ends = [grid[grid.len() - 1], grid[0]];
        let anchor = *points
            .last()
            .ok_or_else(|| Error::Numerical(format!("{name} never reached V_G = 0.9")))?;
        series.push(Series {
            label: format!("t⋆, {name}"),
            points: points.clone(),
            style: Style::Points,
        });
        series.push(Series {
            label: format!("fitted slope {:.2}, {name}", -slope),
            points: ends
                .iter()
                .map(|&p| (p, (intercept + slope * p.ln()).exp()))
                .collect(),
            style: Style::Line,
        });
        series.push(Series {
            label: format!("predicted asymptotic slope {predicted_slope} (p → 0), {name}"),
            points: ends
                .iter()
                .map(|&p| (p, anchor.1 * (anchor.0 / p).powf(predicted_slope)))
                .collect(),
            style: Style::Dashed,
        });
    }
    Ok(Figure {
        name: "reward_errors_hitting_times".into(),
        title: "RE-17/RE-18: hitting time t⋆(0.9) against π₀(y⋆), log-log".into(),
        x_label: "initial probability of the optimal output π₀(y⋆)".into(),
        y_label: "gradient-flow time t⋆ to V_G ≥ 0.9".into(),
        x_scale: Scale::Log,
        y_scale: Scale::Log,
        series,
        heatmap: None,
        legend: Corner::UpperRight,
    })
}
