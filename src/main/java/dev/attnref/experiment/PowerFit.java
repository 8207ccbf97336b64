package dev.attnref.experiment;

/**
 * Least-squares fit of {@code y ≈ a·x^k} on log–log axes, with a 95% confidence interval on the
 * exponent k from Student's t.
 *
 * <pre>
 *   u = ln x,  v = ln y,  n points,  ū, v̄ their means
 *   Sᵤᵤ = Σ(u − ū)²,  Sᵤᵥ = Σ(u − ū)(v − v̄),  Sᵥᵥ = Σ(v − v̄)²
 *   k = Sᵤᵥ / Sᵤᵤ,   ln a = v̄ − k·ū,   R² = Sᵤᵥ² / (Sᵤᵤ·Sᵥᵥ)
 *   s² = Σ(v − ln a − k·u)² / (n − 2),   se(k) = √(s² / Sᵤᵤ)
 *   95% CI = k ± t₀.₉₇₅,ₙ₋₂ · se(k)
 * </pre>
 *
 * The t quantile is found by bisection on the closed forms of Student's distribution for integer
 * degrees of freedom ν (Abramowitz and Stegun, Handbook of Mathematical Functions, 26.7.3 and 26.7.4),
 * with θ = atan(t/√ν):
 * <pre>
 *   P(|T| ≤ t) = sin θ · [1 + cos²θ/2 + 1·3·cos⁴θ/(2·4) + … + 1·3⋯(ν−3)/(2·4⋯(ν−2))·cos^(ν−2)θ]      ν even
 *              = (2/π)·(θ + sin θ cos θ · [1 + 2/3·cos²θ + … + 2·4⋯(ν−3)/(3·5⋯(ν−2))·cos^(ν−3)θ])   ν odd
 * </pre>
 * Checked by {@code PowerFitTest} (a dataset fitted by hand; the quantiles for ν = 1 and 2 against their
 * closed forms tan(π(p − ½)) and (2p − 1)/√(2p(1 − p)), and table values for larger ν).
 *
 * @param exponent    k
 * @param logIntercept ln a
 * @param rSquared    R² of the log–log line
 * @param points      n
 * @param lower       lower 95% bound of k (NaN for n = 2)
 * @param upper       upper 95% bound of k (NaN for n = 2)
 */
public record PowerFit(double exponent, double logIntercept, double rSquared, int points, double lower, double upper) {

    /** Fits the points with {@code from ≤ x ≤ to}. */
    public static PowerFit of(double[] x, double[] y, double from, double to) {
        int n = 0;
        double[] u = new double[x.length];
        double[] v = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            if (x[i] >= from && x[i] <= to) {
                u[n] = Math.log(x[i]);
                v[n] = Math.log(y[i]);
                n++;
            }
        }
        if (n < 2) {
            throw new IllegalArgumentException("fit needs ≥ 2 points with " + from + " ≤ x ≤ " + to + "; got " + n);
        }
        return line(java.util.Arrays.copyOf(u, n), java.util.Arrays.copyOf(v, n));
    }

    /** The least-squares line v ≈ ln a + k·u and the 95% interval of its slope. */
    static PowerFit line(double[] u, double[] v) {
        int n = u.length;
        double mu = 0;
        double mv = 0;
        for (int i = 0; i < n; i++) {
            mu += u[i] / n;
            mv += v[i] / n;
        }
        double suu = 0;
        double suv = 0;
        double svv = 0;
        for (int i = 0; i < n; i++) {
            suu += (u[i] - mu) * (u[i] - mu);
            suv += (u[i] - mu) * (v[i] - mv);
            svv += (v[i] - mv) * (v[i] - mv);
        }
        double k = suv / suu;
        double intercept = mv - k * mu;
        double residuals = 0;
        for (int i = 0; i < n; i++) {
            double r = v[i] - intercept - k * u[i];
            residuals += r * r;
        }
        double half = n > 2 ? tQuantile975(n - 2) * Math.sqrt(residuals / (n - 2) / suu) : Double.NaN;
        return new PowerFit(k, intercept, svv == 0 ? 1 : suv * suv / (suu * svv), n, k - half, k + half);
    }

    /** t with P(T ≤ t) = 0.975 for ν degrees of freedom: P(|T| ≤ t) = 0.95, by bisection. */
    static double tQuantile975(int nu) {
        double low = 0;
        double high = 1000;
        for (int i = 0; i < 200; i++) {
            double mid = (low + high) / 2;
            if (centralProbability(mid, nu) < 0.95) {
                low = mid;
            } else {
                high = mid;
            }
        }
        return (low + high) / 2;
    }

    /** P(|T| ≤ t) for Student's t with ν ≥ 1 degrees of freedom (A&amp;S 26.7.3–4). */
    static double centralProbability(double t, int nu) {
        double theta = Math.atan(t / Math.sqrt(nu));
        double c2 = Math.cos(theta) * Math.cos(theta);
        double sum = 1;
        double term = 1;
        if (nu % 2 == 0) {
            for (int j = 2; j <= nu - 2; j += 2) {
                term *= c2 * (j - 1) / j;
                sum += term;
            }
            return Math.sin(theta) * sum;
        }
        if (nu == 1) {
            return 2 * theta / Math.PI;
        }
        for (int j = 3; j <= nu - 2; j += 2) {
            term *= c2 * (j - 1) / j;
            sum += term;
        }
        return 2 / Math.PI * (theta + Math.sin(theta) * Math.cos(theta) * sum);
    }

    /** Octaves the fitted range spans: log₂(to / from). */
    public static double octaves(double from, double to) {
        return Math.log(to / from) / Math.log(2);
    }
}
