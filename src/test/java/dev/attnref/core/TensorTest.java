package dev.attnref.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Hand-computed cases for every {@link Tensor} operation. Expected values are written out with
 * the arithmetic in a comment; PyTorch's behaviour on a few hundred generated cases is replayed
 * separately by {@link TorchOracleTest}.
 */
class TensorTest {

    /** 0, 1, …, n−1 viewed as {@code shape}. */
    private static Tensor arange(int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return Tensor.arange(n).view(shape);
    }

    private static Tensor of(int[] shape, double... values) {
        return Tensor.of(values, shape);
    }

    private static int[] shape(int... sizes) {
        return sizes;
    }

    private static void assertTensor(int[] expectedShape, double[] expectedValues, Tensor actual) {
        assertArrayEquals(expectedShape, actual.shape(), "shape");
        assertArrayEquals(expectedValues, actual.toArray(), "values of " + actual);
    }

    private static IllegalArgumentException rejects(Runnable call) {
        return assertThrows(IllegalArgumentException.class, call::run);
    }

    @Nested
    class Construction {
        @Test
        void ofIsRowMajorWithContiguousStrides() {
            // [2, 3, 4]: strides (3·4, 4, 1) = (12, 4, 1); element [1, 2, 3] at 12 + 8 + 3 = 23.
            Tensor x = arange(2, 3, 4);
            assertArrayEquals(shape(12, 4, 1), x.strides());
            assertEquals(23.0, x.get(1, 2, 3));
            assertEquals(3, x.dim());
            assertEquals(24, x.numel());
            assertEquals(4, x.size(-1));
            assertTrue(x.isContiguous());
        }

        @Test
        void ofSharesTheGivenArray() {
            double[] values = {1, 2, 3};
            Tensor x = Tensor.of(values, 3);
            values[1] = 20;
            assertEquals(20.0, x.get(1));
        }

        @Test
        void ofRejectsAValueCountThatDoesNotFillTheShape() {
            assertEquals("shape [2, 3] holds 6 values but 5 were given",
                    rejects(() -> Tensor.of(new double[5], 2, 3)).getMessage());
        }

        @Test
        void ofRejectsNegativeSizesAndNull() {
            assertEquals("shape[1] of [2, -1] (-1) must be non-negative",
                    rejects(() -> Tensor.of(new double[0], 2, -1)).getMessage());
            assertEquals("values must not be null", rejects(() -> Tensor.of(null, 2)).getMessage());
            assertEquals("shape[0] of [-2] (-2) must be non-negative", rejects(() -> Tensor.zeros(-2)).getMessage());
        }

        @Test
        void scalarHasNoAxesAndOneElement() {
            Tensor s = Tensor.scalar(2.5);
            assertEquals(0, s.dim());
            assertEquals(1, s.numel());
            assertEquals(2.5, s.item());
            assertEquals(2.5, s.get());
        }

        @Test
        void factoriesFillAsNamed() {
            assertTensor(shape(2, 2), new double[] {0, 0, 0, 0}, Tensor.zeros(2, 2));
            assertTensor(shape(3), new double[] {1, 1, 1}, Tensor.ones(3));
            assertTensor(shape(1, 2), new double[] {-7, -7}, Tensor.full(-7, 1, 2));
            assertTensor(shape(4), new double[] {0, 1, 2, 3}, Tensor.arange(4));
            assertTensor(shape(0), new double[0], Tensor.arange(0));
            assertTensor(shape(2, 0, 3), new double[0], Tensor.zeros(2, 0, 3));
        }

        @Test
        void randomFactoriesDrawRowMajorFromTheGivenGenerator() {
            SeededRandom twin = new SeededRandom(9);
            Tensor g = Tensor.randn(new SeededRandom(9), 2.0, 2, 2);
            for (int i = 0; i < 4; i++) {
                assertEquals(2.0 * twin.nextGaussian(), g.toArray()[i], "randn element " + i);
            }
            Tensor u = Tensor.uniform(new SeededRandom(9), -1, 1, 3);
            twin = new SeededRandom(9);
            for (int i = 0; i < 3; i++) {
                assertEquals(-1 + 2 * twin.nextDouble(), u.toArray()[i], "uniform element " + i);
            }
        }

        @Test
        void getAndItemRejectBadIndices() {
            Tensor x = arange(2, 3);
            assertEquals("index [1] has 1 coordinates; tensor has shape [2, 3]", rejects(() -> x.get(1)).getMessage());
            assertEquals("index [2, 0] out of range for shape [2, 3]", rejects(() -> x.get(2, 0)).getMessage());
            assertEquals("index [0, -1] out of range for shape [2, 3]", rejects(() -> x.get(0, -1)).getMessage());
            assertEquals("item() needs one element; shape is [2, 3]", rejects(x::item).getMessage());
            assertEquals("axis 2 out of range for shape [2, 3]", rejects(() -> x.size(2)).getMessage());
            assertEquals("axis -3 out of range for shape [2, 3]", rejects(() -> x.size(-3)).getMessage());
        }
    }

    @Nested
    class Views {
        @Test
        void viewSplitsAndMergesAxes() {
            // [24] → [2, 3, 4]: strides (12, 4, 1); [2, 3, 4] → [6, 4]: strides (4, 1).
            Tensor x = Tensor.arange(24).view(2, 3, 4);
            assertArrayEquals(shape(12, 4, 1), x.strides());
            Tensor merged = x.view(6, 4);
            assertArrayEquals(shape(4, 1), merged.strides());
            // merged[5, 3] = x[1, 2, 3] = 23.
            assertEquals(23.0, merged.get(5, 3));
        }

        @Test
        void viewInfersOneMinusOne() {
            // 12 elements: [-1, 4] → 12 / 4 = 3; [2, -1, 2] → 12 / 4 = 3.
            assertArrayEquals(shape(3, 4), Tensor.arange(12).view(-1, 4).shape());
            assertArrayEquals(shape(2, 3, 2), Tensor.arange(12).view(2, -1, 2).shape());
            assertArrayEquals(shape(12), arange(3, 4).view(-1).shape());
        }

        @Test
        void viewRejectsBadTargetShapes() {
            Tensor x = Tensor.arange(6);
            assertEquals("shape [-1, -1]: only one axis can be -1", rejects(() -> x.view(-1, -1)).getMessage());
            assertEquals("shape [5] is invalid for input of size 6", rejects(() -> x.view(5)).getMessage());
            assertEquals("shape [-1, 4] is invalid for input of size 6", rejects(() -> x.view(-1, 4)).getMessage());
            assertEquals("shape [-2, -3] has invalid size -2", rejects(() -> x.view(-2, -3)).getMessage());
            assertEquals("shape [-1, 0] is invalid for input of size 6", rejects(() -> x.view(-1, 0)).getMessage());
        }

        @Test
        void viewOfATransposeFailsNamingShapeAndStrides() {
            // [2, 3] transposed is [3, 2] with strides (1, 3): flattening would need one stride
            // for a walk 0, 3, 1, 4, 2, 5, which does not exist.
            Tensor t = arange(2, 3).transpose(0, 1);
            Tensor.ViewException e = assertThrows(Tensor.ViewException.class, () -> t.view(6));
            assertTrue(e.getMessage().contains("cannot view shape [3, 2] with strides [1, 3] as [6]"), e.getMessage());
            assertTrue(e.getMessage().contains("reshape"), "the message should point at reshape: " + e.getMessage());
        }

        @Test
        void seed003HeadMergeAfterTransposeFailsForBatchTwoAndWorksForBatchOne() {
            // Q [B, T, H, D] = [B, 2, 3, 4], strides (24, 12, 4, 1); transpose(1, 2) → [B, 3, 2, 4]
            // with strides (24, 4, 12, 1). view(B·H, T, D) merges B (stride 24) with H (stride 4):
            // possible only if 24 = 3·4 = 12, false, unless B = 1 (a size-1 axis is free).
            Tensor two = arange(2, 2, 3, 4).transpose(1, 2);
            assertArrayEquals(shape(24, 4, 12, 1), two.strides());
            assertThrows(Tensor.ViewException.class, () -> two.view(6, 2, 4));
            Tensor one = arange(1, 2, 3, 4).transpose(1, 2);
            Tensor viewed = one.view(3, 2, 4);
            assertArrayEquals(shape(4, 12, 1), viewed.strides());
            // viewed[h, t, d] = q[0, t, h, d] = 12t + 4h + d: [2, 1, 3] → 4·2 + 12 + 3 = 23.
            assertEquals(23.0, viewed.get(2, 1, 3));
        }

        @Test
        void viewCanSplitANonContiguousAxisAndInsertSizeOneAxes() {
            // [3, 2] strides (1, 3) → [3, 1, 2]: the last axis keeps stride 3, the size-1 axis
            // gets 2·3 = 6 (ATen's rule: the running numel times the chunk's base stride), the
            // first keeps 1.
            Tensor t = arange(2, 3).transpose(0, 1).view(3, 1, 2);
            assertArrayEquals(shape(1, 6, 3), t.strides());
            assertArrayEquals(new double[] {0, 3, 1, 4, 2, 5}, t.toArray());
        }

        @Test
        void viewSharesStorage() {
            double[] values = {0, 1, 2, 3, 4, 5};
            Tensor v = Tensor.of(values, 6).view(2, 3);
            values[4] = 40;
            assertEquals(40.0, v.get(1, 1));
        }

        @Test
        void zeroDimensionalTensorsViewAsAllOnesShapes() {
            assertArrayEquals(shape(1, 1), Tensor.scalar(3).view(1, 1).strides());
            assertEquals(3.0, Tensor.scalar(3).view(1, 1).view().item());
        }

        @Test
        void reshapeIsAViewWhenPossibleAndACopyOtherwise() {
            double[] values = {0, 1, 2, 3, 4, 5};
            Tensor x = Tensor.of(values, 2, 3);
            Tensor shared = x.reshape(3, 2);
            Tensor copied = x.transpose(0, 1).reshape(6);
            values[0] = 100;
            assertEquals(100.0, shared.get(0, 0), "a viewable reshape shares storage");
            // The transpose walks 0, 3, 1, 4, 2, 5; the copy was taken before values[0] changed.
            assertTensor(shape(6), new double[] {0, 3, 1, 4, 2, 5}, copied);
            assertArrayEquals(shape(1), copied.strides());
            assertArrayEquals(shape(2, 3), Tensor.of(values, 6).reshape(-1, 3).shape());
        }

        @Test
        void transposeSwapsShapeAndStrides() {
            // [2, 3] strides (3, 1) → [3, 2] strides (1, 3); row-major walk 0, 3, 1, 4, 2, 5.
            Tensor t = arange(2, 3).transpose(0, 1);
            assertArrayEquals(shape(1, 3), t.strides());
            assertTensor(shape(3, 2), new double[] {0, 3, 1, 4, 2, 5}, t);
            assertTensor(shape(3, 2), new double[] {0, 3, 1, 4, 2, 5}, arange(2, 3).transpose(-1, -2));
            assertTensor(shape(2, 3), new double[] {0, 1, 2, 3, 4, 5}, arange(2, 3).transpose(1, 1));
            assertTrue(!t.isContiguous());
        }

        @Test
        void permuteReordersAxes() {
            // [2, 3, 4] strides (12, 4, 1), order (2, 0, 1) → shape [4, 2, 3], strides (1, 12, 4).
            Tensor p = arange(2, 3, 4).permute(2, 0, 1);
            assertArrayEquals(shape(4, 2, 3), p.shape());
            assertArrayEquals(shape(1, 12, 4), p.strides());
            // p[3, 1, 2] = x[1, 2, 3] = 23.
            assertEquals(23.0, p.get(3, 1, 2));
            assertArrayEquals(shape(4, 2, 3), arange(2, 3, 4).permute(-1, 0, 1).shape());
        }

        @Test
        void permuteRejectsOrdersThatAreNotPermutations() {
            Tensor x = arange(2, 3, 4);
            assertEquals("permute order [0, 1] must name each of the 3 axes of shape [2, 3, 4] once",
                    rejects(() -> x.permute(0, 1)).getMessage());
            assertEquals("permute order [0, 0, 1] repeats axis 0", rejects(() -> x.permute(0, 0, 1)).getMessage());
            assertEquals("axis 3 out of range for shape [2, 3, 4]", rejects(() -> x.permute(0, 1, 3)).getMessage());
        }

        @Test
        void contiguousCopiesOnlyWhenNeeded() {
            Tensor x = arange(2, 3);
            assertSame(x, x.contiguous());
            Tensor c = x.transpose(0, 1).contiguous();
            assertNotSame(x, c);
            assertArrayEquals(shape(2, 1), c.strides());
            assertTensor(shape(3, 2), new double[] {0, 3, 1, 4, 2, 5}, c);
        }

        @Test
        void isContiguousIgnoresSizeOneAxesAndAcceptsEmptyTensors() {
            // narrow(1, 0, 2) of [2, 3]: shape [2, 2], strides (3, 1): a gap after each row.
            assertFalse(arange(2, 3).narrow(1, 0, 2).isContiguous());
            // narrow(0, 1, 1): shape [1, 3], strides (3, 1): one row, contiguous.
            assertTrue(arange(2, 3).narrow(0, 1, 1).isContiguous());
            assertFalse(Tensor.ones(3, 1).expand(3, 4).isContiguous());
            assertTrue(Tensor.zeros(0, 3).transpose(0, 1).isContiguous());
        }

        @Test
        void unsqueezeInsertsASizeOneAxisWithTorchStrides() {
            // [2, 3] strides (3, 1). The new axis takes size·stride of the axis it precedes, or 1
            // at the end: at 0 → 2·3 = 6; at 1 → 3·1 = 3; at 2 → 1.
            Tensor x = arange(2, 3);
            assertArrayEquals(shape(1, 2, 3), x.unsqueeze(0).shape());
            assertArrayEquals(shape(6, 3, 1), x.unsqueeze(0).strides());
            assertArrayEquals(shape(3, 3, 1), x.unsqueeze(1).strides());
            assertArrayEquals(shape(3, 1, 1), x.unsqueeze(2).strides());
            assertArrayEquals(shape(2, 3, 1), x.unsqueeze(-1).shape());
            assertArrayEquals(shape(1, 2, 3), x.unsqueeze(-3).shape());
            assertEquals("unsqueeze axis 3 out of range for shape [2, 3]", rejects(() -> x.unsqueeze(3)).getMessage());
            assertEquals("unsqueeze axis -4 out of range for shape [2, 3]", rejects(() -> x.unsqueeze(-4)).getMessage());
        }

        @Test
        void squeezeRemovesOnlySizeOneAxes() {
            Tensor x = arange(2, 1, 3);
            assertTensor(shape(2, 3), new double[] {0, 1, 2, 3, 4, 5}, x.squeeze(1));
            assertArrayEquals(shape(3, 1), x.squeeze(-2).strides());
            // Stricter than torch.squeeze(dim), which silently ignores a non-1 axis.
            assertEquals("squeeze axis 0 has size 2; expected 1", rejects(() -> x.squeeze(0)).getMessage());
        }

        @Test
        void expandStretchesSizeOneAxesWithStrideZero() {
            // [[1], [2], [3]] → [3, 4]: every row repeats its value; strides (1, 0).
            Tensor col = of(shape(3, 1), 1, 2, 3);
            Tensor e = col.expand(3, 4);
            assertArrayEquals(shape(1, 0), e.strides());
            assertTensor(shape(3, 4), new double[] {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3}, e);
            // −1 keeps a size; a new leading axis of size 2 has stride 0.
            Tensor lead = col.expand(2, -1, 2);
            assertArrayEquals(shape(2, 3, 2), lead.shape());
            assertArrayEquals(shape(0, 1, 0), lead.strides());
            // A new leading axis of size 1 takes 3·1 = 3 from the axis after it, as in torch.
            assertArrayEquals(shape(3, 1, 1), col.expand(1, 3, 1).strides());
        }

        @Test
        void expandRejectsWhatTorchRejects() {
            Tensor col = Tensor.ones(3, 1);
            assertEquals("expand: size 3 of axis 0 in shape [3, 1] cannot become 4 (only size-1 axes expand)",
                    rejects(() -> col.expand(4, 1)).getMessage());
            assertEquals("expand to [3] has fewer axes than shape [3, 1]", rejects(() -> col.expand(3)).getMessage());
            assertEquals("expand to [-1, 3, 1]: new leading axis 0 cannot be -1 (expected a size ≥ 0)",
                    rejects(() -> col.expand(-1, 3, 1)).getMessage());
            assertEquals("expand to [3, -2]: size -2 for axis 1 is invalid (expected a size ≥ 0, or −1 to keep 1)",
                    rejects(() -> col.expand(3, -2)).getMessage());
        }

        @Test
        void narrowSelectsAWindowThatSharesStorage() {
            // arange(3, 4) rows (0..3), (4..7), (8..11); columns 1..2 → 1, 2, 5, 6, 9, 10.
            Tensor n = arange(3, 4).narrow(1, 1, 2);
            assertTensor(shape(3, 2), new double[] {1, 2, 5, 6, 9, 10}, n);
            assertArrayEquals(shape(4, 1), n.strides());
            assertTensor(shape(1, 4), new double[] {8, 9, 10, 11}, arange(3, 4).narrow(0, 2, 1));
            assertTensor(shape(3, 0), new double[0], arange(3, 4).narrow(-1, 4, 0));
            assertEquals("narrow(1, 3, 2) out of range for shape [3, 4]",
                    rejects(() -> arange(3, 4).narrow(1, 3, 2)).getMessage());
            assertEquals("narrow(0, -1, 1) out of range for shape [3, 4]",
                    rejects(() -> arange(3, 4).narrow(0, -1, 1)).getMessage());
        }

        @Test
        void splitBySizeLeavesAShorterLastPiece() {
            // [0..4] in pieces of 2: (0, 1), (2, 3), (4).
            List<Tensor> parts = Tensor.arange(5).split(2, 0);
            assertEquals(3, parts.size());
            assertTensor(shape(2), new double[] {0, 1}, parts.get(0));
            assertTensor(shape(2), new double[] {2, 3}, parts.get(1));
            assertTensor(shape(1), new double[] {4}, parts.get(2));
            // An empty axis gives one empty piece, as torch.split.
            List<Tensor> empty = Tensor.zeros(0, 2).split(3, 0);
            assertEquals(1, empty.size());
            assertArrayEquals(shape(0, 2), empty.get(0).shape());
            assertEquals("splitSize (0) must be positive", rejects(() -> Tensor.arange(5).split(0, 0)).getMessage());
        }

        @Test
        void splitBySizesAlongTheLastAxis() {
            // Columns of arange(2, 5) in widths 1, 3, 1: (0 | 5), (1 2 3 | 6 7 8), (4 | 9).
            List<Tensor> parts = arange(2, 5).split(new int[] {1, 3, 1}, -1);
            assertTensor(shape(2, 1), new double[] {0, 5}, parts.get(0));
            assertTensor(shape(2, 3), new double[] {1, 2, 3, 6, 7, 8}, parts.get(1));
            assertTensor(shape(2, 1), new double[] {4, 9}, parts.get(2));
            assertEquals("split sizes [2, 2] add up to 4; axis 1 of shape [2, 5] has 5",
                    rejects(() -> arange(2, 5).split(new int[] {2, 2}, 1)).getMessage());
        }
    }

    @Nested
    class Copies {
        @Test
        void repeatInterleaveRepeatsEachSliceInPlace() {
            Tensor x = of(shape(2, 2), 1, 2, 3, 4);
            // Axis 0: rows (1 2), (1 2), (3 4), (3 4).
            assertTensor(shape(4, 2), new double[] {1, 2, 1, 2, 3, 4, 3, 4}, x.repeatInterleave(2, 0));
            // Axis 1: each entry twice within its row.
            assertTensor(shape(2, 4), new double[] {1, 1, 2, 2, 3, 3, 4, 4}, x.repeatInterleave(2, 1));
            assertTensor(shape(2, 4), new double[] {1, 1, 2, 2, 3, 3, 4, 4}, x.repeatInterleave(2, -1));
            // Of a transpose ((1 3), (2 4)) along axis 1: 1 1 3 3 / 2 2 4 4.
            assertTensor(shape(2, 4), new double[] {1, 1, 3, 3, 2, 2, 4, 4}, x.transpose(0, 1).repeatInterleave(2, 1));
            assertTensor(shape(2, 2), new double[] {1, 2, 3, 4}, x.repeatInterleave(1, 0));
            assertEquals("repeats (0) must be positive", rejects(() -> x.repeatInterleave(0, 0)).getMessage());
        }

        @Test
        void repeatInterleaveGroupsKvHeadsContiguously() {
            // k [B=1, G=2, S=1, D=1] holding (10, 20), R = 3: query heads 0..5 read
            // g(h) = ⌊h/3⌋ = 0, 0, 0, 1, 1, 1 → 10 10 10 20 20 20 (not 10 20 10 20 10 20).
            Tensor k = of(shape(1, 2, 1, 1), 10, 20);
            assertTensor(shape(1, 6, 1, 1), new double[] {10, 10, 10, 20, 20, 20}, k.repeatInterleave(3, 1));
        }

        @Test
        void catJoinsAlongAnAxis() {
            Tensor a = of(shape(2, 2), 1, 2, 3, 4);
            // Axis 0 with [[5, 6]]: rows (1 2), (3 4), (5 6).
            assertTensor(shape(3, 2), new double[] {1, 2, 3, 4, 5, 6}, Tensor.cat(List.of(a, of(shape(1, 2), 5, 6)), 0));
            // Axis 1 with [[5], [6]]: rows (1 2 5), (3 4 6).
            assertTensor(shape(2, 3), new double[] {1, 2, 5, 3, 4, 6}, Tensor.cat(List.of(a, of(shape(2, 1), 5, 6)), 1));
            // A transposed input ((1 3), (2 4)) is read in its logical order.
            assertTensor(shape(2, 3), new double[] {1, 3, 5, 2, 4, 6},
                    Tensor.cat(List.of(a.transpose(0, 1), of(shape(2, 1), 5, 6)), -1));
            // Three pieces, one of them empty along the axis.
            assertTensor(shape(2, 3), new double[] {1, 2, 5, 3, 4, 6},
                    Tensor.cat(List.of(a, Tensor.zeros(2, 0), of(shape(2, 1), 5, 6)), 1));
        }

        @Test
        void catRejectsMismatchedShapes() {
            Tensor a = Tensor.zeros(2, 2);
            assertEquals("cat needs at least one tensor", rejects(() -> Tensor.cat(List.of(), 0)).getMessage());
            assertEquals("cat: shapes [2, 2] and [4] have different ranks",
                    rejects(() -> Tensor.cat(List.of(a, Tensor.zeros(4)), 0)).getMessage());
            assertEquals("cat along axis 0: shapes [2, 2] and [1, 3] differ on axis 1",
                    rejects(() -> Tensor.cat(List.of(a, Tensor.zeros(1, 3)), 0)).getMessage());
        }
    }

    @Nested
    class Elementwise {
        // a = [[1], [2]] (shape [2, 1]), b = [1, 2, 4] (shape [3]) broadcast to [2, 3].
        private final Tensor a = of(shape(2, 1), 1, 2);
        private final Tensor b = of(shape(3), 1, 2, 4);

        @Test
        void addSubMulDivBroadcastFromTheRight() {
            // a + b: (1+1, 1+2, 1+4), (2+1, 2+2, 2+4).
            assertTensor(shape(2, 3), new double[] {2, 3, 5, 3, 4, 6}, a.add(b));
            // a − b: (0, −1, −3), (1, 0, −2); b − a is its negation.
            assertTensor(shape(2, 3), new double[] {0, -1, -3, 1, 0, -2}, a.sub(b));
            assertTensor(shape(2, 3), new double[] {0, 1, 3, -1, 0, 2}, b.sub(a));
            // a · b: (1, 2, 4), (2, 4, 8).
            assertTensor(shape(2, 3), new double[] {1, 2, 4, 2, 4, 8}, a.mul(b));
            // a / b: (1/1, 1/2, 1/4), (2/1, 2/2, 2/4), all exact in binary64.
            assertTensor(shape(2, 3), new double[] {1, 0.5, 0.25, 2, 1, 0.5}, a.div(b));
        }

        @Test
        void aZeroDimensionalOperandBroadcastsEverywhere() {
            assertTensor(shape(3), new double[] {11, 12, 14}, b.add(Tensor.scalar(10)));
            assertTensor(shape(), new double[] {7}, Tensor.scalar(3).add(Tensor.scalar(4)));
        }

        @Test
        void broadcastShapesAlignsFromTheRight() {
            // [2, 1, 3] with [4, 1]: align → [2, 1, 3] / [1, 4, 1] → [2, 4, 3].
            assertArrayEquals(shape(2, 4, 3), Tensor.broadcastShapes(shape(2, 1, 3), shape(4, 1)));
            assertArrayEquals(shape(0, 3), Tensor.broadcastShapes(shape(0, 1), shape(3)));
            assertEquals("shapes [2, 3] and [2] do not broadcast (axis 1: 3 vs 2)",
                    rejects(() -> Tensor.zeros(2, 3).add(Tensor.zeros(2))).getMessage());
        }

        @Test
        void scalarAndUnaryOps() {
            Tensor x = of(shape(3), 0, 2.25, 4);
            assertTensor(shape(3), new double[] {1, 3.25, 5}, x.add(1));
            assertTensor(shape(3), new double[] {0, 4.5, 8}, x.mul(2));
            assertTensor(shape(3), new double[] {0, 1.125, 2}, x.div(2));
            assertTensor(shape(3), new double[] {-0.0, -2.25, -4}, x.neg());
            // √0 = 0, √2.25 = 1.5, √4 = 2 (exact); e⁰ = 1; tanh 0 = 0.
            assertTensor(shape(3), new double[] {0, 1.5, 2}, x.sqrt());
            assertEquals(1.0, x.exp().get(0));
            assertEquals(0.0, x.tanh().get(0));
            assertTensor(shape(3), new double[] {0, 1, 0}, x.eq(2.25));
            assertTensor(shape(3), new double[] {1, 0, 0}, x.lt(1));
        }

        @Test
        void mapAndZipReadNonContiguousInputsInLogicalOrder() {
            // transpose of [[1, 2], [3, 4]] is [[1, 3], [2, 4]]; times 10 row-major: 10 30 20 40.
            Tensor t = of(shape(2, 2), 1, 2, 3, 4).transpose(0, 1);
            assertTensor(shape(2, 2), new double[] {10, 30, 20, 40}, t.mul(10));
            // t + [[1, 2], [3, 4]] = [[2, 5], [5, 8]].
            assertTensor(shape(2, 2), new double[] {2, 5, 5, 8}, t.add(of(shape(2, 2), 1, 2, 3, 4)));
        }

        @Test
        void maskedFillBroadcastsTheMaskAndTreatsNonZeroAsTrue() {
            Tensor scores = of(shape(2, 3), 1, 2, 3, 4, 5, 6);
            // Mask [3] = (0, 1, 0) hides column 1 in both rows.
            assertTensor(shape(2, 3), new double[] {1, -9, 3, 4, -9, 6}, scores.maskedFill(of(shape(3), 0, 1, 0), -9));
            // Mask [2, 1] = ((1), (0)) hides all of row 0.
            assertTensor(shape(2, 3), new double[] {-9, -9, -9, 4, 5, 6},
                    scores.maskedFill(of(shape(2, 1), 1, 0), -9));
            // Any non-zero counts as true (0.5, NaN, −1); −∞ is a fill like any other.
            double inf = Double.NEGATIVE_INFINITY;
            assertTensor(shape(2, 3), new double[] {inf, 2, inf, inf, 5, inf},
                    scores.maskedFill(of(shape(3), 0.5, 0, Double.NaN), inf));
            assertTensor(shape(2, 3), new double[] {1, inf, 3, 4, inf, 6}, scores.maskedFill(of(shape(3), 0, -1, 0), inf));
            assertTrue(scores.maskedFill(Tensor.zeros(3), 0).bitwiseEquals(scores));
        }

        @Test
        void maskedFillRejectsAMaskThatWouldGrowTheTensor() {
            // torch's out-of-place masked_fill would return [2, 2, 3]; here that is refused.
            assertEquals("maskedFill: mask of shape [2, 2, 3] does not broadcast to the tensor's shape [2, 3]",
                    rejects(() -> Tensor.zeros(2, 3).maskedFill(Tensor.ones(2, 2, 3), 1)).getMessage());
            assertEquals("shapes [2, 3] and [2] do not broadcast (axis 1: 3 vs 2)",
                    rejects(() -> Tensor.zeros(2, 3).maskedFill(Tensor.ones(2), 1)).getMessage());
        }

        @Test
        void maxAbsDiffTreatsEqualInfinitiesAsEqual() {
            double inf = Double.POSITIVE_INFINITY;
            assertEquals(0.5, of(shape(2), 1, 2).maxAbsDiff(of(shape(2), 1, 2.5)));
            assertEquals(0.0, of(shape(2), -inf, 1).maxAbsDiff(of(shape(2), -inf, 1)));
            assertEquals(inf, of(shape(2), -inf, 1).maxAbsDiff(of(shape(2), 0, 1)));
            assertEquals(inf, of(shape(1), inf).maxAbsDiff(of(shape(1), -inf)));
            assertTrue(Double.isNaN(of(shape(2), Double.NaN, 1).maxAbsDiff(of(shape(2), Double.NaN, 1))));
        }

        @Test
        void bitwiseEqualsComparesShapeAndBits() {
            assertTrue(of(shape(2), 1, Double.NaN).bitwiseEquals(of(shape(2), 1, Double.NaN)));
            assertFalse(of(shape(1), 0.0).bitwiseEquals(of(shape(1), -0.0)));
            assertFalse(of(shape(2), 1, 2).bitwiseEquals(of(shape(1, 2), 1, 2)));
            assertTrue(arange(2, 3).transpose(0, 1).bitwiseEquals(of(shape(3, 2), 0, 3, 1, 4, 2, 5)));
        }

        @Test
        void toStringShowsShapeAndSmallContents() {
            assertEquals("Tensor[2][1.0, 2.0]", of(shape(2), 1, 2).toString());
            assertEquals("Tensor[17]", Tensor.zeros(17).toString());
        }
    }

    @Nested
    class Dropout {
        @Test
        void zeroProbabilityIsTheIdentity() {
            Tensor x = of(shape(2, 2), 1.5, -2, 0, 7);
            assertTrue(x.dropout(0, new SeededRandom(1)).bitwiseEquals(x));
        }

        @Test
        void survivorsAreScaledByOneOverKeepProbabilityAndTheDrawDecides() {
            // p = 0.25: element i is dropped iff the i-th nextDouble() < 0.25; kept elements become
            // x / 0.75 (for x = 3: 4, exactly).
            double p = 0.25;
            Tensor x = Tensor.full(3.0, 4, 50);
            Tensor y = x.dropout(p, new SeededRandom(12));
            SeededRandom twin = new SeededRandom(12);
            int dropped = 0;
            double[] values = y.toArray();
            for (int i = 0; i < values.length; i++) {
                boolean drop = twin.nextDouble() < p;
                assertEquals(drop ? 0.0 : 4.0, values[i], "element " + i);
                dropped += drop ? 1 : 0;
            }
            // 200 Bernoulli(0.25): mean 50, σ ≈ 6.1; 5σ bounds.
            assertTrue(dropped > 19 && dropped < 81, dropped + " of 200 dropped at p = 0.25");
        }

        @Test
        void sameSeedSameMask() {
            Tensor x = Tensor.ones(3, 7);
            assertTrue(x.dropout(0.5, new SeededRandom(4)).bitwiseEquals(x.dropout(0.5, new SeededRandom(4))));
            assertFalse(x.dropout(0.5, new SeededRandom(4)).bitwiseEquals(x.dropout(0.5, new SeededRandom(5))));
        }

        @Test
        void drawsFollowTheLogicalRowMajorOrder() {
            // On a transpose the i-th draw decides the i-th element of the logical row-major walk.
            Tensor t = of(shape(2, 3), 1, 2, 3, 4, 5, 6).transpose(0, 1);   // walk 1 4 2 5 3 6
            Tensor y = t.dropout(0.5, new SeededRandom(8));
            SeededRandom twin = new SeededRandom(8);
            double[] walk = {1, 4, 2, 5, 3, 6};
            for (int i = 0; i < walk.length; i++) {
                assertEquals(twin.nextDouble() < 0.5 ? 0.0 : 2 * walk[i], y.toArray()[i], "element " + i);
            }
        }

        @Test
        void rejectsProbabilitiesOutsideZeroToOne() {
            Tensor x = Tensor.ones(2);
            SeededRandom r = new SeededRandom(0);
            assertEquals("dropout probability p (1.0) must be in [0, 1)", rejects(() -> x.dropout(1, r)).getMessage());
            assertEquals("dropout probability p (-0.1) must be in [0, 1)", rejects(() -> x.dropout(-0.1, r)).getMessage());
            assertEquals("dropout probability p (NaN) must be in [0, 1)",
                    rejects(() -> x.dropout(Double.NaN, r)).getMessage());
        }
    }

    @Nested
    class Softmax {
        @Test
        void equalLogitsGiveAUniformRow() {
            // e^x / Σ e^x with all x equal: 1/n, exact for n = 2, 4.
            assertTensor(shape(4), new double[] {0.25, 0.25, 0.25, 0.25}, Tensor.full(1.7, 4).softmax(0));
            assertTensor(shape(2), new double[] {0.5, 0.5}, Tensor.zeros(2).softmax(-1));
        }

        @Test
        void twoLogitsGiveTheLogisticFunction() {
            // softmax(0, 1) = (1/(1+e), e/(1+e)) = (0.26894142136999512074…, 0.73105857863000487925…),
            // within a few ulps (ulp ≈ 5.6e-17 and 1.1e-16).
            Tensor p = of(shape(2), 0, 1).softmax(0);
            assertEquals(0.26894142136999512074, p.get(0), Tolerances.SOFTMAX_ENTRY_NEAR_QUARTER);
            assertEquals(0.73105857863000487925, p.get(1), Tolerances.SOFTMAX_ENTRY_NEAR_ONE);
        }

        @Test
        void largeLogitsDoNotOverflow() {
            // e^1000 overflows binary64; subtracting the row max first gives e^0 / (e^0 + e^0).
            assertTensor(shape(2), new double[] {0.5, 0.5}, of(shape(2), 1000, 1000).softmax(0));
            assertTensor(shape(2), new double[] {0.5, 0.5}, of(shape(2), -1000, -1000).softmax(0));
            // (1000, 0): e^0 / (e^0 + e^−1000) = 1 / (1 + 0) = 1, and e^−1000 / 1 = 0 (underflow).
            assertTensor(shape(2), new double[] {1, 0}, of(shape(2), 1000, 0).softmax(0));
        }

        @Test
        void negativeInfinityLogitsGetZeroAndAnAllNegativeInfinityRowIsNan() {
            double inf = Double.NEGATIVE_INFINITY;
            // Row 0: (0, −∞) → (1, 0). Row 1: all −∞ → max −∞, e^(−∞ − (−∞)) = e^NaN → NaN (torch).
            Tensor p = of(shape(2, 2), 0, inf, inf, inf).softmax(1);
            assertEquals(1.0, p.get(0, 0));
            assertEquals(0.0, p.get(0, 1));
            assertTrue(Double.isNaN(p.get(1, 0)) && Double.isNaN(p.get(1, 1)), p.toString());
        }

        @Test
        void softmaxRunsAlongTheRequestedAxis() {
            // x = [[0, 5], [0, 5]]: along axis 0 every column is (0, 0) or (5, 5) → 0.5 each;
            // along axis 1 each row is (0, 5) → (1/(1+e⁵), e⁵/(1+e⁵))
            // = (0.0066928509242848556…, 0.9933071490757151444…); a few ulps of tolerance
            // for exp and the division (ulp(0.0067) ≈ 8.7e-19, ulp(0.99) ≈ 1.1e-16).
            Tensor x = of(shape(2, 2), 0, 5, 0, 5);
            assertTensor(shape(2, 2), new double[] {0.5, 0.5, 0.5, 0.5}, x.softmax(0));
            Tensor rows = x.softmax(-1);
            assertEquals(0.0066928509242848555, rows.get(1, 0), Tolerances.SOFTMAX_ENTRY_SMALL);
            assertEquals(0.9933071490757151445, rows.get(1, 1), Tolerances.SOFTMAX_ENTRY_NEAR_ONE);
            // A middle axis of a 3-D tensor: [2, 2, 1] pairs (x[b, 0, 0], x[b, 1, 0]) = (0, 0).
            assertTensor(shape(2, 2, 1), new double[] {0.5, 0.5, 0.5, 0.5}, Tensor.zeros(2, 2, 1).softmax(1));
        }

        @Test
        void softmaxOfATransposeMatchesSoftmaxOfItsCopy() {
            Tensor t = Tensor.randn(new SeededRandom(3), 2.0, 3, 4).transpose(0, 1);
            assertTrue(t.softmax(1).bitwiseEquals(t.contiguous().softmax(1)));
        }
    }

    @Nested
    class Reductions {
        // x[a, b, c] = 12a + 4b + c over [2, 3, 4].
        private final Tensor x = arange(2, 3, 4);

        @Test
        void sumOverEachAxis() {
            // Axis 0: x[0,b,c] + x[1,b,c] = 12 + 8b + 2c.
            double[] axis0 = {12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34};
            assertTensor(shape(3, 4), axis0, x.sum(0, false));
            assertTensor(shape(1, 3, 4), axis0, x.sum(0, true));
            // Axis 1: Σ_b (12a + 4b + c) = 36a + 12 + 3c.
            double[] axis1 = {12, 15, 18, 21, 48, 51, 54, 57};
            assertTensor(shape(2, 4), axis1, x.sum(1, false));
            assertTensor(shape(2, 1, 4), axis1, x.sum(1, true));
            // Axis 2: Σ_c (12a + 4b + c) = 48a + 16b + 6.
            double[] axis2 = {6, 22, 38, 54, 70, 86};
            assertTensor(shape(2, 3), axis2, x.sum(2, false));
            assertTensor(shape(2, 3, 1), axis2, x.sum(-1, true));
            // All: 0 + 1 + … + 23 = 23·24/2 = 276.
            assertEquals(276.0, x.sum());
        }

        @Test
        void meanOverEachAxis() {
            // The sums above divided by 2, 3 and 4.
            assertTensor(shape(1, 3, 4), new double[] {6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}, x.mean(0, true));
            assertTensor(shape(2, 4), new double[] {4, 5, 6, 7, 16, 17, 18, 19}, x.mean(-2, false));
            assertTensor(shape(2, 3, 1), new double[] {1.5, 5.5, 9.5, 13.5, 17.5, 21.5}, x.mean(2, true));
        }

        @Test
        void maxOverEachAxis() {
            // Axis 0: x[1,b,c] = 12 + 4b + c; axis 1: x[a,2,c] = 12a + 8 + c; axis 2: x[a,b,3] = 12a + 4b + 3.
            assertTensor(shape(3, 4), new double[] {12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23}, x.max(0, false));
            assertTensor(shape(2, 1, 4), new double[] {8, 9, 10, 11, 20, 21, 22, 23}, x.max(1, true));
            assertTensor(shape(2, 3), new double[] {3, 7, 11, 15, 19, 23}, x.max(-1, false));
            // A negative row: max(−5, −2, −9) = −2; NaN propagates, as torch.max.
            assertTensor(shape(1), new double[] {-2}, of(shape(1, 3), -5, -2, -9).max(1, false));
            assertTrue(Double.isNaN(of(shape(3), 1, Double.NaN, 3).max(0, false).item()));
        }

        @Test
        void reductionsReadNonContiguousInputs() {
            // xᵀ of [[0, 1, 2], [3, 4, 5]] is [[0, 3], [1, 4], [2, 5]]: row sums 3, 5, 7.
            assertTensor(shape(3), new double[] {3, 5, 7}, arange(2, 3).transpose(0, 1).sum(1, false));
        }
    }

    @Nested
    class MatrixProducts {
        @Test
        void vectorDotVectorIsZeroDimensional() {
            // (1, 2, 3)·(4, 5, 6) = 4 + 10 + 18 = 32.
            Tensor d = of(shape(3), 1, 2, 3).matmul(of(shape(3), 4, 5, 6));
            assertTensor(shape(), new double[] {32}, d);
        }

        @Test
        void vectorTimesMatrixDropsThePrependedAxis() {
            // (1, 2) @ [[1, 2, 3], [4, 5, 6]] = (1+8, 2+10, 3+12) = (9, 12, 15).
            assertTensor(shape(3), new double[] {9, 12, 15}, of(shape(2), 1, 2).matmul(of(shape(2, 3), 1, 2, 3, 4, 5, 6)));
        }

        @Test
        void matrixTimesVectorDropsTheAppendedAxis() {
            // [[1, 2, 3], [4, 5, 6]] @ (1, 0, −1) = (1 − 3, 4 − 6) = (−2, −2).
            assertTensor(shape(2), new double[] {-2, -2}, of(shape(2, 3), 1, 2, 3, 4, 5, 6).matmul(of(shape(3), 1, 0, -1)));
        }

        @Test
        void matrixTimesMatrix() {
            // [[1, 2], [3, 4]] @ [[5, 6], [7, 8]] = [[5+14, 6+16], [15+28, 18+32]] = [[19, 22], [43, 50]].
            Tensor a = of(shape(2, 2), 1, 2, 3, 4);
            Tensor b = of(shape(2, 2), 5, 6, 7, 8);
            assertTensor(shape(2, 2), new double[] {19, 22, 43, 50}, a.matmul(b));
            // a @ bᵀ = [[1·5+2·6, 1·7+2·8], [3·5+4·6, 3·7+4·8]] = [[17, 23], [39, 53]].
            assertTensor(shape(2, 2), new double[] {17, 23, 39, 53}, a.matmul(b.transpose(0, 1)));
        }

        @Test
        void batchAxesBroadcast() {
            // a [2, 1, 3, 4] with a[i, 0, r, k] = (i+1)·[k = r] selects row r of b's batch j, times i+1;
            // b [5, 4, 2] with b[j, k, c] = 10j + 2k + c. So out [2, 5, 3, 2] holds
            // out[i, j, r, c] = (i+1)·(10j + 2r + c).
            double[] aValues = new double[2 * 3 * 4];
            for (int i = 0; i < 2; i++) {
                for (int r = 0; r < 3; r++) {
                    aValues[i * 12 + r * 4 + r] = i + 1;
                }
            }
            double[] bValues = new double[5 * 4 * 2];
            for (int j = 0; j < 5; j++) {
                for (int k = 0; k < 4; k++) {
                    for (int c = 0; c < 2; c++) {
                        bValues[j * 8 + k * 2 + c] = 10 * j + 2 * k + c;
                    }
                }
            }
            Tensor out = Tensor.of(aValues, 2, 1, 3, 4).matmul(Tensor.of(bValues, 5, 4, 2));
            assertArrayEquals(shape(2, 5, 3, 2), out.shape());
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 5; j++) {
                    for (int r = 0; r < 3; r++) {
                        for (int c = 0; c < 2; c++) {
                            assertEquals((i + 1) * (10 * j + 2 * r + c), out.get(i, j, r, c),
                                    "out[" + i + ", " + j + ", " + r + ", " + c + "]");
                        }
                    }
                }
            }
        }

        @Test
        void vectorAgainstABatch() {
            // (1, 1) @ b [2, 2, 2] sums the rows of each batch: b = [[[1,2],[3,4]], [[5,6],[7,8]]]
            // → [[1+3, 2+4], [5+7, 6+8]] = [[4, 6], [12, 14]] (shape [2, 2]).
            Tensor b = Tensor.arange(8).add(1).view(2, 2, 2);
            assertTensor(shape(2, 2), new double[] {4, 6, 12, 14}, of(shape(2), 1, 1).matmul(b));
            // b @ (1, −1) = first column minus second: [[−1, −1], [−1, −1]].
            assertTensor(shape(2, 2), new double[] {-1, -1, -1, -1}, b.matmul(of(shape(2), 1, -1)));
        }

        @Test
        void emptyInnerAxisGivesZeros() {
            assertTensor(shape(2, 3), new double[] {0, 0, 0, 0, 0, 0}, Tensor.zeros(2, 0).matmul(Tensor.zeros(0, 3)));
        }

        @Test
        void matmulRejectsMismatchedShapes() {
            assertEquals("matmul: shapes [2, 3] and [2, 3] cannot be multiplied (3 vs 2)",
                    rejects(() -> Tensor.zeros(2, 3).matmul(Tensor.zeros(2, 3))).getMessage());
            assertEquals("matmul: shapes [3] and [4] cannot be multiplied (3 vs 4)",
                    rejects(() -> Tensor.zeros(3).matmul(Tensor.zeros(4))).getMessage());
            assertEquals("matmul needs operands of rank ≥ 1; got shapes [] and [2]",
                    rejects(() -> Tensor.scalar(1).matmul(Tensor.zeros(2))).getMessage());
            assertEquals("shapes [2] and [3] do not broadcast (axis 0: 2 vs 3)",
                    rejects(() -> Tensor.zeros(2, 2, 3).matmul(Tensor.zeros(3, 3, 1))).getMessage());
        }

        @Test
        void bmmMultipliesEqualBatches() {
            // Batch 0: (1, 2)·(1, 1) = 3; batch 1: (3, 4)·(2, 0) = 6.
            Tensor a = of(shape(2, 1, 2), 1, 2, 3, 4);
            Tensor b = of(shape(2, 2, 1), 1, 1, 2, 0);
            assertTensor(shape(2, 1, 1), new double[] {3, 6}, a.bmm(b));
        }

        @Test
        void bmmRejectsWhatMatmulWouldBroadcast() {
            assertEquals("bmm needs two 3-D tensors with the same batch; got [2, 2, 3] and [1, 3, 4]",
                    rejects(() -> Tensor.zeros(2, 2, 3).bmm(Tensor.zeros(1, 3, 4))).getMessage());
            assertEquals("bmm needs two 3-D tensors with the same batch; got [2, 3] and [3, 4]",
                    rejects(() -> Tensor.zeros(2, 3).bmm(Tensor.zeros(3, 4))).getMessage());
            assertEquals("matmul: shapes [2, 2, 3] and [2, 2, 4] cannot be multiplied (3 vs 2)",
                    rejects(() -> Tensor.zeros(2, 2, 3).bmm(Tensor.zeros(2, 2, 4))).getMessage());
        }
    }
}
