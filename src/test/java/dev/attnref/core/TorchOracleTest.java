package dev.attnref.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Replays every case of {@code torch_cases.json} (written by PyTorch 1.13 through
 * {@code make_torch_cases.py} beside it) on {@link Tensor}: PyTorch is the independent oracle for
 * view legality and strides, matmul broadcasting, repeat_interleave, cat and softmax.
 *
 * <p>Each test walks one section and collects every mismatch, so a failure lists all the cases
 * that disagree (with their index and inputs), not only the first.
 */
class TorchOracleTest {
    private static JsonNode cases;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = TorchOracleTest.class.getResourceAsStream("torch_cases.json")) {
            assertTrue(in != null, "torch_cases.json is missing from the test resources");
            cases = new ObjectMapper().readTree(in);
        }
    }

    @Test
    void everySectionHasCases() {
        // Guards against a generator change that silently empties a section.
        for (String section : List.of("view", "matmul", "bmm", "broadcast", "repeatInterleave", "cat", "softmax")) {
            assertTrue(cases.get(section).size() >= 5, section + " has too few cases");
        }
        assertTrue(cases.get("view").size() >= 300, "view should have a few hundred cases");
    }

    @Test
    void viewSucceedsExactlyWhenTorchViewDoesAndGivesTorchStrides() {
        List<String> failures = new ArrayList<>();
        int index = 0;
        int viewable = 0;
        int notViewable = 0;
        for (JsonNode c : cases.get("view")) {
            String where = "view case " + index++ + " " + c;
            int[] base = ints(c.get("base"));
            int numel = Arrays.stream(base).reduce(1, (x, y) -> x * y);
            double[] arange = new double[numel];
            for (int i = 0; i < numel; i++) {
                arange[i] = i;
            }
            Tensor t = Tensor.of(arange, base);
            for (JsonNode op : c.get("ops")) {
                t = applyOp(t, op);
            }
            check(failures, where, "shape after ops", ints(c.get("shape")), t.shape());
            check(failures, where, "strides after ops", ints(c.get("strides")), t.strides());
            check(failures, where, "elements after ops", doubles(c.get("values")), t.toArray());

            int[] target = ints(c.get("target"));
            boolean torchOk = c.get("viewOk").asBoolean();
            Tensor viewed = null;
            try {
                viewed = t.view(target);
            } catch (Tensor.ViewException e) {
                if (torchOk) {
                    failures.add(where + ": view threw " + e.getMessage() + " but torch succeeded");
                }
            }
            if (viewed != null) {
                if (!torchOk) {
                    failures.add(where + ": view succeeded with strides " + Arrays.toString(viewed.strides())
                            + " but torch refused");
                } else {
                    check(failures, where, "view shape", ints(c.get("viewShape")), viewed.shape());
                    check(failures, where, "view strides", ints(c.get("viewStrides")), viewed.strides());
                    check(failures, where, "view elements", t.toArray(), viewed.toArray());
                }
            }
            if (torchOk) {
                viewable++;
            } else {
                notViewable++;
            }

            Tensor reshaped = t.reshape(target);
            check(failures, where, "reshape shape", ints(c.get("reshapeShape")), reshaped.shape());
            check(failures, where, "reshape strides", ints(c.get("reshapeStrides")), reshaped.strides());
            check(failures, where, "reshape elements", t.toArray(), reshaped.toArray());
            if (t.numel() > 0 && c.get("reshapeIsView").asBoolean() != (viewed != null)) {
                failures.add(where + ": torch reshape " + (c.get("reshapeIsView").asBoolean() ? "is" : "is not")
                        + " a view, but Tensor.view " + (viewed != null ? "succeeded" : "failed"));
            }
        }
        assertTrue(viewable >= 50 && notViewable >= 50,
                "the cases must cover both outcomes: " + viewable + " viewable, " + notViewable + " not");
        assertNoFailures(failures);
    }

    @Test
    void matmulMatchesTorchMatmul() {
        List<String> failures = new ArrayList<>();
        int index = 0;
        for (JsonNode c : cases.get("matmul")) {
            String where = "matmul case " + index++ + " " + c;
            Tensor a = Tensor.of(doubles(c.get("a")), ints(c.get("aShape")));
            Tensor b = Tensor.of(doubles(c.get("b")), ints(c.get("bStoredShape")));
            if (c.get("bTransposed").asBoolean()) {
                b = b.transpose(-1, -2);
            }
            Tensor right = b;
            replayBinary(failures, where, c, () -> a.matmul(right));
        }
        assertNoFailures(failures);
    }

    @Test
    void bmmMatchesTorchBmm() {
        List<String> failures = new ArrayList<>();
        int index = 0;
        for (JsonNode c : cases.get("bmm")) {
            String where = "bmm case " + index++ + " " + c;
            Tensor a = Tensor.of(doubles(c.get("a")), ints(c.get("aShape")));
            Tensor b = Tensor.of(doubles(c.get("b")), ints(c.get("bShape")));
            replayBinary(failures, where, c, () -> a.bmm(b));
        }
        assertNoFailures(failures);
    }

    @Test
    void subtractionBroadcastsAsTorch() {
        List<String> failures = new ArrayList<>();
        int index = 0;
        for (JsonNode c : cases.get("broadcast")) {
            String where = "broadcast case " + index++ + " " + c;
            Tensor a = Tensor.of(doubles(c.get("a")), ints(c.get("aShape")));
            Tensor b = Tensor.of(doubles(c.get("b")), ints(c.get("bShape")));
            replayBinary(failures, where, c, () -> a.sub(b));
        }
        assertNoFailures(failures);
    }

    @Test
    void repeatInterleaveMatchesTorch() {
        List<String> failures = new ArrayList<>();
        int index = 0;
        for (JsonNode c : cases.get("repeatInterleave")) {
            String where = "repeatInterleave case " + index++ + " " + c;
            Tensor x = Tensor.of(doubles(c.get("x")), ints(c.get("storedShape")));
            if (c.get("transposed").asBoolean()) {
                x = x.transpose(0, -1);
            }
            Tensor out = x.repeatInterleave(c.get("repeats").asInt(), c.get("dim").asInt());
            check(failures, where, "shape", ints(c.get("outShape")), out.shape());
            check(failures, where, "values", doubles(c.get("out")), out.toArray());
        }
        assertNoFailures(failures);
    }

    @Test
    void catMatchesTorch() {
        List<String> failures = new ArrayList<>();
        int index = 0;
        for (JsonNode c : cases.get("cat")) {
            String where = "cat case " + index++ + " " + c;
            List<Tensor> parts = new ArrayList<>();
            for (int i = 0; i < c.get("parts").size(); i++) {
                parts.add(Tensor.of(doubles(c.get("parts").get(i)), ints(c.get("shapes").get(i))));
            }
            replayBinary(failures, where, c, () -> Tensor.cat(parts, c.get("dim").asInt()));
        }
        assertNoFailures(failures);
    }

    @Test
    void softmaxMatchesTorchIncludingNanForFullyMaskedRows() {
        List<String> failures = new ArrayList<>();
        int index = 0;
        int nanRows = 0;
        for (JsonNode c : cases.get("softmax")) {
            String where = "softmax case " + index++ + " " + c;
            Tensor x = Tensor.of(doubles(c.get("x")), ints(c.get("shape")));
            double[] expected = doubles(c.get("out"));
            double[] actual = x.softmax(c.get("dim").asInt()).toArray();
            for (int i = 0; i < expected.length; i++) {
                boolean bothNan = Double.isNaN(expected[i]) && Double.isNaN(actual[i]);
                if (Double.isNaN(expected[i])) {
                    nanRows++;
                }
                if (!bothNan && !(Math.abs(expected[i] - actual[i]) <= Tolerances.SOFTMAX_AGAINST_TORCH)) {
                    failures.add(where + ": element " + i + " is " + actual[i] + ", torch " + expected[i]);
                }
            }
        }
        assertTrue(nanRows > 0, "the cases must include fully masked rows");
        assertNoFailures(failures);
    }

    // ---------------------------------------------------------------- replay helpers

    private static Tensor applyOp(Tensor t, JsonNode op) {
        switch (op.get(0).asText()) {
            case "transpose":
                return t.transpose(op.get(1).asInt(), op.get(2).asInt());
            case "permute":
                return t.permute(ints(op.get(1)));
            case "narrow":
                return t.narrow(op.get(1).asInt(), op.get(2).asInt(), op.get(3).asInt());
            case "unsqueeze":
                return t.unsqueeze(op.get(1).asInt());
            case "expand":
                return t.expand(ints(op.get(1)));
            default:
                throw new IllegalArgumentException("unknown op " + op);
        }
    }

    /** Success/failure must agree with torch's; on success shape and exact values must. */
    private static void replayBinary(List<String> failures, String where, JsonNode c, Supplier<Tensor> op) {
        boolean torchOk = c.get("ok").asBoolean();
        Tensor out;
        try {
            out = op.get();
        } catch (IllegalArgumentException e) {
            if (torchOk) {
                failures.add(where + ": threw " + e.getMessage() + " but torch succeeded");
            }
            return;
        }
        if (!torchOk) {
            failures.add(where + ": gave shape " + Arrays.toString(out.shape()) + " but torch failed");
            return;
        }
        check(failures, where, "shape", ints(c.get("outShape")), out.shape());
        check(failures, where, "values", doubles(c.get("out")), out.toArray());
    }

    private static void check(List<String> failures, String where, String what, int[] expected, int[] actual) {
        if (!Arrays.equals(expected, actual)) {
            failures.add(where + ": " + what + " " + Arrays.toString(actual) + ", torch " + Arrays.toString(expected));
        }
    }

    private static void check(List<String> failures, String where, String what, double[] expected, double[] actual) {
        if (!Arrays.equals(expected, actual)) {
            failures.add(where + ": " + what + " " + Arrays.toString(actual) + ", torch " + Arrays.toString(expected));
        }
    }

    private static void assertNoFailures(List<String> failures) {
        assertEquals(0, failures.size(), () -> failures.size() + " mismatches with torch:\n"
                + String.join("\n", failures.subList(0, Math.min(20, failures.size()))));
    }

    private static int[] ints(JsonNode array) {
        return map(array, JsonNode::asInt).stream().mapToInt(Integer::intValue).toArray();
    }

    /** Numbers, or the strings "Infinity", "-Infinity", "NaN" that JSON cannot hold as numbers. */
    private static double[] doubles(JsonNode array) {
        return map(array, n -> n.isNumber() ? n.asDouble() : Double.parseDouble(n.asText()))
                .stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static <T> List<T> map(JsonNode array, Function<JsonNode, T> f) {
        List<T> out = new ArrayList<>();
        array.forEach(n -> out.add(f.apply(n)));
        return out;
    }
}
