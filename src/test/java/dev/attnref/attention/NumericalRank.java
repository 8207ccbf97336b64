package dev.attnref.attention;

import dev.attnref.core.Tensor;

/**
 * Numerical rank of a matrix by Gram–Schmidt on its columns, for the rank laws of the latent
 * forms. Column j counts as independent when, after its components along the earlier independent
 * columns are removed (modified Gram–Schmidt, done twice for stability), what is left is longer
 * than {@code threshold} times the column's own length.
 */
final class NumericalRank {
    private NumericalRank() {
    }

    /** The numerical rank of {@code matrix [rows, cols]} at the given relative threshold. */
    static int of(Tensor matrix, double threshold) {
        if (matrix.dim() != 2) {
            throw new IllegalArgumentException("rank needs a matrix; got " + matrix.dim() + " axes");
        }
        int rows = matrix.size(0);
        int cols = matrix.size(1);
        double[] a = matrix.contiguous().toArray();   // [rows, cols]
        double[][] basis = new double[Math.min(rows, cols)][];
        int rank = 0;
        for (int j = 0; j < cols && rank < basis.length; j++) {
            double[] column = new double[rows];
            for (int r = 0; r < rows; r++) {
                column[r] = a[r * cols + j];
            }
            double length = norm(column);
            if (length == 0.0) {
                continue;
            }
            // column ← column − Σ_k (e_k·column) e_k, twice
            for (int pass = 0; pass < 2; pass++) {
                for (int k = 0; k < rank; k++) {
                    double dot = 0.0;
                    for (int r = 0; r < rows; r++) {
                        dot += basis[k][r] * column[r];
                    }
                    for (int r = 0; r < rows; r++) {
                        column[r] -= dot * basis[k][r];
                    }
                }
            }
            double left = norm(column);
            if (left > threshold * length) {
                for (int r = 0; r < rows; r++) {
                    column[r] /= left;
                }
                basis[rank++] = column;
            }
        }
        return rank;
    }

    private static double norm(double[] v) {
        double sum = 0.0;
        for (double x : v) {
            sum += x * x;
        }
        return Math.sqrt(sum);
    }
}
