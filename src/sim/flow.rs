//! Gradient flow over long horizons: an explicit adaptive 8th-order Runge–Kutta pair
//! (DOP853 from the `differential-equations` crate) run in log-time, with located
//! threshold crossings.
//!
//! # Formula
//! ```text
//! dx/dt = F(x)        integrated as        dx/du = (1 + t) · F(x),   u = ln(1 + t)
//! ```
//! Stalls make hitting times span many decades (1 to 10¹²). In log-time a stall of
//! length proportional to t costs a bounded number of steps, and the right-hand side
//! stays of order one through it, so no stiff solver is needed.
//!
//! Outputs and crossings use accepted step points and exact integrations to chosen
//! times, never the integrator's interpolant: in version 0.7 of the crate the dense
//! output of DOP853 was measured to be ~1000 times less accurate than its steps (an
//! interpolated V_G was off by 9e-8 at relative tolerance 1e-10 where the step point
//! was exact to 1e-13), which would have made every hitting time inaccurate.

use differential_equations::prelude::*;

use crate::error::Error;

/// Tolerances and horizon of a flow run.
#[derive(Clone, Copy, Debug)]
pub struct FlowSettings {
    /// Relative tolerance of the integrator.
    pub relative_tolerance: f64,
    /// Absolute tolerance of the integrator.
    pub absolute_tolerance: f64,
    /// Last flow time integrated to.
    pub horizon: f64,
    /// Step budget; exceeding it is a numerical failure.
    pub max_steps: usize,
}

impl FlowSettings {
    /// Relative tolerance `relative_tolerance`, absolute 1e-2 of it, horizon `horizon`.
    pub fn new(relative_tolerance: f64, horizon: f64) -> Self {
        FlowSettings {
            relative_tolerance,
            absolute_tolerance: relative_tolerance * 1e-2,
            horizon,
            max_steps: 2_000_000,
        }
    }
}

/// A located crossing: flow time and state there.
#[derive(Clone, Debug)]
pub struct Crossing {
    /// Flow time t of the crossing.
    pub time: f64,
    /// State at that time.
    pub state: Vec<f64>,
}

struct LogTime<'a, F> {
    velocity: &'a F,
}

impl<F: Fn(&[f64], &mut [f64])> ODE<f64, Vec<f64>> for LogTime<'_, F> {
    fn diff(&self, log_time: f64, state: &Vec<f64>, derivative: &mut Vec<f64>) {
        (self.velocity)(state, derivative);
        let scale = log_time.exp();
        for value in derivative.iter_mut() {
            *value *= scale;
        }
    }
}

/// The configured DOP853 method (a macro because the builder's type is long and
/// generic).
///
/// The first step is given explicitly: the crate's initial-step heuristic probes with
/// an Euler step whose length grows as the derivative shrinks, and in log-time the
/// factor e^u of such a probe overflows near equilibria.
macro_rules! dop853 {
    ($settings:expr, $first_step:expr) => {
        ExplicitRungeKutta::dop853()
            .rtol($settings.relative_tolerance)
            .atol($settings.absolute_tolerance)
            .max_steps($settings.max_steps)
            .h0($first_step)
    };
}

/// First log-time step of an integration over `length`.
const FIRST_STEP: f64 = 1e-3;

fn finite(state: &[f64], time: f64) -> Result<(), Error> {
    if state.iter().all(|value| value.is_finite()) {
        Ok(())
    } else {
        Err(Error::Numerical(format!(
            "non-finite state in gradient flow at t = {time:e}"
        )))
    }
}

/// Log-time length of the pieces a crossing search integrates at a time, so that it
/// stops soon after the crossing instead of running to the horizon.
const SEARCH_PIECE: f64 = 2.0;

/// Integrates in log-time from `start` to exactly `end`; returns the accepted step
/// points (log-time, state), the last one at `end`.
///
/// Only step points are used, never the integrator's interpolant: step points carry
/// the method's full accuracy, and crossings are located by integrating to candidate
/// times exactly.
fn integrate<F: Fn(&[f64], &mut [f64])>(
    field: &LogTime<'_, F>,
    start: f64,
    state: &[f64],
    end: f64,
    settings: &FlowSettings,
) -> Result<(Vec<f64>, Vec<Vec<f64>>), Error> {
    // An interval below the resolution of log-time changes nothing representable.
    if end - start <= 8.0 * f64::EPSILON * end.abs().max(1.0) {
        return Ok((vec![end], vec![state.to_vec()]));
    }
    let solution = IVP::ode(field, start, end, state.to_vec())
        .method(dop853!(settings, (end - start).min(FIRST_STEP)))
        .solve()
        .map_err(|error| {
            Error::Numerical(format!(
                "gradient-flow integration from u = {start} to {end} failed: {error:?}"
            ))
        })?;
    for (log_time, state) in solution.t.iter().zip(&solution.y) {
        finite(state, log_time.exp_m1())?;
    }
    Ok((solution.t, solution.y))
}

fn state_at<F: Fn(&[f64], &mut [f64])>(
    field: &LogTime<'_, F>,
    start: f64,
    state: &[f64],
    end: f64,
    settings: &FlowSettings,
) -> Result<Vec<f64>, Error> {
    let (_, mut states) = integrate(field, start, state, end, settings)?;
    Ok(states.pop().expect("an integration returns its end point"))
}

/// Locates the zero of `event` between two step points (event < 0 at `lower`, ≥ 0 at
/// `upper`) by the Illinois variant of regula falsi; every trial integrates exactly
/// from the lower step point to the trial time.
fn refine<F, G>(
    field: &LogTime<'_, F>,
    event: &G,
    lower: (f64, &[f64]),
    upper: (f64, Vec<f64>),
    settings: &FlowSettings,
) -> Result<Crossing, Error>
where
    F: Fn(&[f64], &mut [f64]),
    G: Fn(&[f64]) -> f64,
{
    let (base_time, base_state) = lower;
    let (mut left, mut right) = (base_time, upper.0);
    let (mut left_value, mut right_value) = (event(base_state), event(&upper.1));
    let mut right_state = upper.1;
    let mut side = 0i8;
    for _ in 0..200 {
        if right - left <= 4.0 * f64::EPSILON * right.abs().max(1.0) {
            break;
        }
        let mut trial = right - right_value * (right - left) / (right_value - left_value);
        if !(trial > left && trial < right) {
            trial = 0.5 * (left + right);
        }
        let state = state_at(field, base_time, base_state, trial, settings)?;
        let value = event(&state);
        if value >= 0.0 {
            right = trial;
            right_value = value;
            right_state = state;
            if side == 1 {
                left_value *= 0.5;
            }
            side = 1;
        } else {
            left = trial;
            left_value = value;
            if side == -1 {
                right_value *= 0.5;
            }
            side = -1;
        }
    }
    Ok(Crossing {
        time: right.exp_m1(),
        state: right_state,
    })
}

/// The first time t ≤ horizon at which `event(x(t))` crosses zero upward, with the
/// state there; `None` when it does not happen within the horizon. A start at or above
/// zero is a crossing at t = 0.
///
/// The crossing is found between two accepted steps and then located to machine
/// precision in log-time.
///
/// # Errors
/// [`Error::Numerical`] when the integration fails or produces non-finite values.
pub fn first_crossing<F, G>(
    velocity: &F,
    initial: &[f64],
    event: &G,
    settings: &FlowSettings,
) -> Result<Option<Crossing>, Error>
where
    F: Fn(&[f64], &mut [f64]),
    G: Fn(&[f64]) -> f64,
{
    finite(initial, 0.0)?;
    if event(initial) >= 0.0 {
        return Ok(Some(Crossing {
            time: 0.0,
            state: initial.to_vec(),
        }));
    }
    let field = LogTime { velocity };
    let end = settings.horizon.ln_1p();
    let (mut time, mut state) = (0.0, initial.to_vec());
    while time < end {
        let piece_end = (time + SEARCH_PIECE).min(end);
        let (times, states) = integrate(&field, time, &state, piece_end, settings)?;
        let (mut previous_time, mut previous_state) = (time, state.clone());
        for (step_time, step_state) in times.into_iter().zip(states).skip(1) {
            if event(&step_state) >= 0.0 {
                return refine(
                    &field,
                    event,
                    (previous_time, &previous_state),
                    (step_time, step_state),
                    settings,
                )
                .map(Some);
            }
            previous_time = step_time;
            previous_state = step_state;
        }
        time = piece_end;
        state = previous_state;
    }
    Ok(None)
}

/// The states at the given increasing flow times, each reached by integrating exactly
/// to it from the previous one.
///
/// # Errors
/// [`Error::Numerical`] when the integration fails or produces non-finite values.
pub fn states_at<F>(
    velocity: &F,
    initial: &[f64],
    times: &[f64],
    settings: &FlowSettings,
) -> Result<Vec<Vec<f64>>, Error>
where
    F: Fn(&[f64], &mut [f64]),
{
    finite(initial, 0.0)?;
    let field = LogTime { velocity };
    let mut states = Vec::with_capacity(times.len());
    let (mut time, mut state) = (0.0, initial.to_vec());
    for &target in times {
        let log_target = target.ln_1p();
        if log_target < time {
            return Err(Error::Numerical(format!(
                "output times must increase; {target:e} comes after a later time"
            )));
        }
        state = state_at(&field, time, &state, log_target, settings)?;
        time = log_target;
        states.push(state.clone());
    }
    Ok(states)
}

/// Log-spaced times from `first` to `last`, both included, about `per_decade` to a
/// decade (the spacing is adjusted so that the last point is exactly `last`).
pub fn log_spaced(first: f64, last: f64, per_decade: usize) -> Vec<f64> {
    let decades = (last / first).log10();
    let count = ((decades * per_decade as f64).round() as usize).max(1);
    (0..=count)
        .map(|index| {
            if index == count {
                last
            } else {
                first * (last / first).powf(index as f64 / count as f64)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logistic_flow_hits_its_closed_form_time() {
        // dx/dt = x(1 − x) from 1/100: x(t) = 1/(1 + 99 e^{−t}), reaching 1/2 at ln 99.
        let velocity = |x: &[f64], out: &mut [f64]| out[0] = x[0] * (1.0 - x[0]);
        let settings = FlowSettings::new(1e-12, 1e6);
        let crossing = first_crossing(&velocity, &[0.01], &|x: &[f64]| x[0] - 0.5, &settings)
            .unwrap()
            .unwrap();
        assert!(
            (crossing.time - 99f64.ln()).abs() < 1e-9,
            "{}",
            crossing.time
        );
        assert!(
            first_crossing(&velocity, &[0.01], &|x: &[f64]| x[0] - 2.0, &settings)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn states_follow_a_power_law_decay_over_many_decades() {
        // dx/dt = −x² from 1: x(t) = 1/(1 + t).
        let velocity = |x: &[f64], out: &mut [f64]| out[0] = -x[0] * x[0];
        let times = log_spaced(1.0, 1e10, 2);
        let settings = FlowSettings {
            absolute_tolerance: 1e-30,
            ..FlowSettings::new(1e-11, 1e10)
        };
        let states = states_at(&velocity, &[1.0], &times, &settings).unwrap();
        for (state, time) in states.iter().zip(&times) {
            assert!(
                (state[0] * (1.0 + time) - 1.0).abs() < 1e-8,
                "t = {time}: {}",
                state[0]
            );
        }
    }

    #[test]
    fn non_finite_initial_states_are_numerical_errors() {
        let velocity = |_: &[f64], out: &mut [f64]| out[0] = 0.0;
        let result = first_crossing(
            &velocity,
            &[f64::NAN],
            &|x: &[f64]| x[0],
            &FlowSettings::new(1e-10, 1.0),
        );
        assert!(matches!(result, Err(Error::Numerical(_))));
    }

    #[test]
    fn log_spacing_includes_both_ends() {
        let times = log_spaced(1e2, 1e6, 10);
        assert_eq!(times.len(), 41);
        assert_eq!(times[40], 1e6);
        assert!((times[10] - 1e3).abs() < 1e-9);
        assert_eq!(*log_spaced(16.7, 1e8, 10).last().unwrap(), 1e8);
    }
}
