//! The two-level closed form (spec §5): exact velocity, the potential G and the certified
//! travel time.
//!
//! # Formula
//! ```text
//! y⋆ with r_hi, m outputs with r_lo sharing 1 − π equally; Δ = r_hi − r_lo
//! dπ/dt = Δ(1 + 1/m) π²(1 − π)²                                        (E10)
//! G(π) = 1/(1 − π) − 1/π + 2 ln(π/(1 − π)),  G'(π) = 1/(π²(1 − π)²)      (E11)
//! T(p → q) = [G(q) − G(p)] / (Δ(1 + 1/m))
//!          = R + c · ln Z,   R = [1/(1−q) − 1/q − 1/(1−p) + 1/p] / (Δ(1 + 1/m)),
//!                            c = 2 / (Δ(1 + 1/m)),  Z = q(1 − p) / ((1 − q)p)   (E12)
//! ```
//! R, c and Z are rational in rational inputs, so a stated closed form such as
//! 3920/99 + (4/5) ln 99 is checked exactly, and only ln Z needs an enclosure.

use num_rational::BigRational;
use num_traits::One;

use crate::error::Error;
use crate::exact::Interval;

/// The two-level family.
#[derive(Clone, Debug)]
pub struct TwoLevel {
    /// Reward of y⋆.
    pub high_reward: BigRational,
    /// Reward of the m other outputs.
    pub low_reward: BigRational,
    /// m.
    pub low_outputs: u64,
}

/// T(p → q) as R + c · ln Z, exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TravelTime {
    /// R.
    pub rational_part: BigRational,
    /// c.
    pub log_coefficient: BigRational,
    /// Z.
    pub log_argument: BigRational,
}

impl TwoLevel {
    /// Δ(1 + 1/m).
    pub fn rate(&self) -> BigRational {
        let m = BigRational::from_integer(self.low_outputs.into());
        (&self.high_reward - &self.low_reward) * (BigRational::one() + BigRational::one() / m)
    }

    /// π₀ with π(y⋆) = p and the rest shared equally.
    pub fn policy(&self, optimal: &BigRational) -> Vec<BigRational> {
        let m = BigRational::from_integer(self.low_outputs.into());
        let rest = (BigRational::one() - optimal) / m;
        std::iter::once(optimal.clone())
            .chain(std::iter::repeat_n(rest, self.low_outputs as usize))
            .collect()
    }

    /// Rewards (r_hi, r_lo, …, r_lo).
    pub fn rewards(&self) -> Vec<BigRational> {
        std::iter::once(self.high_reward.clone())
            .chain(std::iter::repeat_n(
                self.low_reward.clone(),
                self.low_outputs as usize,
            ))
            .collect()
    }

    /// (E10) dπ/dt.
    pub fn velocity(&self, optimal: &BigRational) -> BigRational {
        let complement = BigRational::one() - optimal;
        self.rate() * optimal * optimal * &complement * &complement
    }

    /// (E12) the travel time from p to q as R + c ln Z.
    pub fn travel_time(&self, from: &BigRational, to: &BigRational) -> TravelTime {
        let one = BigRational::one();
        let rational = |p: &BigRational| one.clone() / (&one - p) - one.clone() / p;
        let rate = self.rate();
        TravelTime {
            rational_part: (rational(to) - rational(from)) / &rate,
            log_coefficient: BigRational::from_integer(2.into()) / &rate,
            log_argument: (to * (&one - from)) / ((&one - to) * from),
        }
    }
}

impl TravelTime {
    /// The enclosure of R + c ln Z at `precision` bits.
    ///
    /// # Errors
    /// [`Error::Numerical`] when Z ≤ 0 (q or p outside (0, 1)).
    pub fn enclosure(&self, precision: usize) -> Result<Interval, Error> {
        let logarithm = Interval::from_rational(&self.log_argument, precision).ln()?;
        Ok(Interval::from_rational(&self.rational_part, precision)
            .add(&Interval::from_rational(&self.log_coefficient, precision).mul(&logarithm)))
    }
}

/// (E11) the partial-fraction identity 1/(π²(1−π)²) = 1/π² + 2/π + 1/(1−π)² + 2/(1−π).
pub fn partial_fractions_hold(probability: &BigRational) -> bool {
    let one = BigRational::one();
    let two = BigRational::from_integer(2.into());
    let complement = &one - probability;
    let left = one.clone() / (probability * probability * &complement * &complement);
    let right = one.clone() / (probability * probability)
        + &two / probability
        + one.clone() / (&complement * &complement)
        + &two / &complement;
    left == right
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::ratio;

    #[test]
    fn the_worked_example_decomposes_exactly() {
        let family = TwoLevel {
            high_reward: ratio(1, 1),
            low_reward: ratio(-1, 1),
            low_outputs: 4,
        };
        let time = family.travel_time(&ratio(1, 100), &ratio(1, 2));
        assert_eq!(time.rational_part, ratio(3920, 99));
        assert_eq!(time.log_coefficient, ratio(4, 5));
        assert_eq!(time.log_argument, ratio(99, 1));
        let enclosure = time.enclosure(128).unwrap();
        // T = 43.27205547606726…: the spec's 43.2720554760673 is the rounded value.
        assert!(
            enclosure.lower_f64() >= 43.2720554760672 && enclosure.upper_f64() <= 43.2720554760673
        );
    }

    #[test]
    fn partial_fractions_hold_at_rational_points() {
        for (n, d) in [(1, 3), (1, 100), (99, 100), (2, 7)] {
            assert!(partial_fractions_hold(&ratio(n, d)));
        }
    }
}
