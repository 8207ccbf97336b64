package dev.attnref.experiment;

import dev.attnref.core.SeededRandom;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SymmetricEigenTest {

    @Test
    void twoByTwoHasEigenvaluesThreeAndOne() {
        // [[2, 1], [1, 2]]: λ = 3 with (1, 1)/√2, λ = 1 with (1, −1)/√2
        SymmetricEigen e = SymmetricEigen.of(new double[] {2, 1, 1, 2}, 2);
        assertEquals(3, e.values()[0], Tolerances.EIGEN_HAND_COMPUTED);
        assertEquals(1, e.values()[1], Tolerances.EIGEN_HAND_COMPUTED);
        assertEquals(1 / Math.sqrt(2), Math.abs(e.vectors()[0]), Tolerances.EIGEN_HAND_COMPUTED);
        assertEquals(e.vectors()[0], e.vectors()[2], Tolerances.EIGEN_HAND_COMPUTED);           // column 0 = ±(1, 1)/√2
        assertEquals(-e.vectors()[1], e.vectors()[3], Tolerances.EIGEN_HAND_COMPUTED);          // column 1 = ±(1, −1)/√2
    }

    @Test
    void randomSymmetricMatrixSatisfiesAvEqualsLambdaVWithOrthonormalVectors() {
        long seed = 42;
        int n = 7;
        double[] b = new SeededRandom(seed).gaussians(n * n, 1);
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                a[i * n + j] = b[i * n + j] + b[j * n + i];
            }
        }
        SymmetricEigen e = SymmetricEigen.of(a, n);
        for (int k = 0; k < n; k++) {
            if (k > 0) {
                assertTrue(e.values()[k - 1] >= e.values()[k], "eigenvalues must be descending (seed " + seed + ")");
            }
            for (int i = 0; i < n; i++) {
                double av = 0;
                for (int j = 0; j < n; j++) {
                    av += a[i * n + j] * e.vectors()[j * n + k];
                }
                assertEquals(e.values()[k] * e.vectors()[i * n + k], av, Tolerances.EIGEN_RESIDUAL, "A v = λ v, seed " + seed);
            }
            for (int l = 0; l < n; l++) {
                double dot = 0;
                for (int i = 0; i < n; i++) {
                    dot += e.vectors()[i * n + k] * e.vectors()[i * n + l];
                }
                assertEquals(k == l ? 1 : 0, dot, Tolerances.ORTHONORMAL, "VᵀV = I, seed " + seed);
            }
        }
    }

    @Test
    void asymmetricInputIsRejectedNamingTheEntries() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SymmetricEigen.of(new double[] {1, 2, 3, 4}, 2));
        assertEquals("matrix is not symmetric: a[0,1] = 2.0 but a[1,0] = 3.0", e.getMessage());
    }
}
