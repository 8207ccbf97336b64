package dev.attnref.experiment;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The log–log fit, its t-based 95% interval and the t quantile, against figures computed by hand. */
class PowerFitTest {

    @Test
    void aLineFittedByHandHasTheSlopeInterceptAndIntervalComputedByHand() {
        // u = 0,1,2,3; v = 0,1,1,3: ū = 1.5, v̄ = 1.25, Sᵤᵤ = 5, Sᵤᵥ = 4.5, Sᵥᵥ = 4.75
        // k = 0.9, ln a = 1.25 − 1.35 = −0.1; residuals 0.1, 0.2, −0.7, 0.4: SSE = 0.70
        // se(k) = √(0.70 / 2 / 5) = √0.07; t₀.₉₇₅,₂ = 0.95 / √(2·0.975·0.025) = 4.302653
        PowerFit fit = PowerFit.line(new double[] {0, 1, 2, 3}, new double[] {0, 1, 1, 3});
        double half = 4.302652729749464 * Math.sqrt(0.07);
        assertEquals(0.9, fit.exponent(), Tolerances.FIT);
        assertEquals(-0.1, fit.logIntercept(), Tolerances.FIT);
        assertEquals(4.5 * 4.5 / (5 * 4.75), fit.rSquared(), Tolerances.FIT);
        assertEquals(0.9 - half, fit.lower(), Tolerances.QUANTILE);
        assertEquals(0.9 + half, fit.upper(), Tolerances.QUANTILE);
        assertEquals(4, fit.points());
    }

    @Test
    void thePowerFitIsTheLineThroughTheLogsOfThePointsInRange() {
        // the same dataset as x = eᵘ, y = eᵛ, plus two points outside [1, e³] that must not count
        double[] x = {0.5, 1, Math.E, Math.exp(2), Math.exp(3), 100};
        double[] y = {1e6, 1, Math.E, Math.E, Math.exp(3), 1e-6};
        PowerFit fit = PowerFit.of(x, y, 1, Math.exp(3) * (1 + 1e-12));
        assertEquals(0.9, fit.exponent(), Tolerances.FIT);
        assertEquals(4, fit.points());
        double[] exact = {128, 256, 512, 1024};
        PowerFit quadratic = PowerFit.of(exact, new double[] {3 * 128 * 128, 3 * 256 * 256, 3 * 512 * 512,
                3 * 1024 * 1024}, 128, 1024);
        assertEquals(2.0, quadratic.exponent(), Tolerances.FIT);
        assertEquals(Math.log(3), quadratic.logIntercept(), Tolerances.QUANTILE);
        assertEquals(2.0, quadratic.lower(), Tolerances.QUANTILE);        // no residual: a zero-width interval
        assertEquals(4.0, PowerFit.octaves(128, 2048), Tolerances.FIT);
    }

    @Test
    void theTQuantileMatchesClosedFormsAndTables() {
        // ν = 1: Cauchy, t = tan(π(p − ½)); ν = 2: t = (2p − 1)/√(2p(1 − p)); p = 0.975
        assertEquals(Math.tan(Math.PI * 0.475), PowerFit.tQuantile975(1), Tolerances.QUANTILE);
        assertEquals(0.95 / Math.sqrt(2 * 0.975 * 0.025), PowerFit.tQuantile975(2), Tolerances.QUANTILE);
        // t₀.₉₇₅ from printed tables (3 decimals): ν = 3, 4, 5, 10, 30
        assertEquals(3.182, PowerFit.tQuantile975(3), Tolerances.PRINTED_QUANTILE);
        assertEquals(2.776, PowerFit.tQuantile975(4), Tolerances.PRINTED_QUANTILE);
        assertEquals(2.571, PowerFit.tQuantile975(5), Tolerances.PRINTED_QUANTILE);
        assertEquals(2.228, PowerFit.tQuantile975(10), Tolerances.PRINTED_QUANTILE);
        assertEquals(2.042, PowerFit.tQuantile975(30), Tolerances.PRINTED_QUANTILE);
    }

    @Test
    void aFitWithTooFewPointsInRangeSaysSo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PowerFit.of(new double[] {1, 2, 4}, new double[] {1, 4, 16}, 3, 10));
        assertEquals("fit needs ≥ 2 points with 3.0 ≤ x ≤ 10.0; got 1", e.getMessage());
    }
}
