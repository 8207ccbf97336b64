package dev.attnref.experiment;

import dev.attnref.core.Checks;

/**
 * Eigenvalues and eigenvectors of a real symmetric matrix by the cyclic Jacobi method (Golub & Van
 * Loan, "Matrix Computations", 4th ed., §8.5): plane rotations that zero one off-diagonal entry at a
 * time, swept over all pairs until the off-diagonal norm is below {@code 1e-14 · ‖A‖_F}.
 *
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>argument</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>a</td><td>[n, n]</td><td>symmetric (checked to 1e-12 relative), finite; read only</td></tr>
 *   <tr><td>values</td><td>[n]</td><td>descending</td></tr>
 *   <tr><td>vectors</td><td>[n, n]</td><td>column j is the unit eigenvector of values[j]</td></tr>
 * </table>
 *
 * Used by E08 for the truncated SVD of a projection W (eigen-decomposition of WᵀW). Checked by
 * {@code SymmetricEigenTest}.
 */
public record SymmetricEigen(double[] values, double[] vectors, int n) {
    private static final int MAX_SWEEPS = 60;

    public static SymmetricEigen of(double[] a, int n) {
        Checks.positive("n", n);
        Checks.length("a", a, n * n);
        double norm = symmetricNorm(a, n);
        double[] m = a.clone();
        double[] v = new double[n * n];
        for (int i = 0; i < n; i++) {
            v[i * n + i] = 1;
        }
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            double off = 0;
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    off += 2 * m[i * n + j] * m[i * n + j];
                }
            }
            if (Math.sqrt(off) <= 1e-14 * Math.max(norm, Double.MIN_NORMAL)) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    rotate(m, v, n, p, q);
                }
            }
        }
        // sort descending by eigenvalue, moving the columns of V with them
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (x, y) -> Double.compare(m[y * n + y], m[x * n + x]));
        double[] values = new double[n];
        double[] vectors = new double[n * n];
        for (int j = 0; j < n; j++) {
            values[j] = m[order[j] * n + order[j]];
            for (int k = 0; k < n; k++) {
                vectors[k * n + j] = v[k * n + order[j]];
            }
        }
        return new SymmetricEigen(values, vectors, n);
    }

    /** ‖A‖_F, after checking that A is symmetric to 1e-12 relative. */
    private static double symmetricNorm(double[] a, int n) {
        double norm = 0;
        for (double x : a) {
            norm += x * x;
        }
        norm = Math.sqrt(norm);
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                if (Math.abs(a[i * n + j] - a[j * n + i]) > 1e-12 * Math.max(norm, 1)) {
                    throw new IllegalArgumentException("matrix is not symmetric: a[" + i + "," + j + "] = " + a[i * n + j]
                            + " but a[" + j + "," + i + "] = " + a[j * n + i]);
                }
            }
        }
        return norm;
    }

    /** One Jacobi rotation J in the plane (p, q) that zeroes m[p, q]: m ← Jᵀ m J, v ← v J. */
    private static void rotate(double[] m, double[] v, int n, int p, int q) {
        double apq = m[p * n + q];
        if (apq == 0) {
            return;
        }
        // rotation angle: cot 2θ = (a_qq − a_pp) / (2 a_pq); t = tan θ, the smaller root
        double tau = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        double t = Math.signum(tau == 0 ? 1 : tau) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        double c = 1 / Math.sqrt(1 + t * t);
        double s = t * c;
        // A ← Jᵀ A J on rows and columns p, q
        for (int k = 0; k < n; k++) {
            double akp = m[k * n + p];
            double akq = m[k * n + q];
            m[k * n + p] = c * akp - s * akq;
            m[k * n + q] = s * akp + c * akq;
        }
        for (int k = 0; k < n; k++) {
            double apk = m[p * n + k];
            double aqk = m[q * n + k];
            m[p * n + k] = c * apk - s * aqk;
            m[q * n + k] = s * apk + c * aqk;
        }
        // V ← V J
        for (int k = 0; k < n; k++) {
            double vkp = v[k * n + p];
            double vkq = v[k * n + q];
            v[k * n + p] = c * vkp - s * vkq;
            v[k * n + q] = s * vkp + c * vkq;
        }
    }
}
