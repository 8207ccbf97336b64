package dev.attnref.fast;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed pool of {@code threads} workers (the calling thread is worker 0, so {@code threads − 1}
 * are started once and kept). {@link #run} hands out item indices 0, 1, … from a shared counter;
 * each worker knows its index and so its own scratch. Which worker takes which item varies from run
 * to run, which is harmless because an item's result does not depend on who computes it.
 */
final class WorkerPool implements AutoCloseable {
    /** The body of a parallel loop: item {@code item} computed by worker {@code worker}. */
    interface ItemBody {
        void run(int worker, int item);
    }

    private final int threads;
    private final ExecutorService executor;

    WorkerPool(int threads) {
        this.threads = threads;
        this.executor = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, runnable -> {
            Thread thread = new Thread(runnable, "attnref-fast");
            thread.setDaemon(true);
            return thread;
        });
    }

    int threads() {
        return threads;
    }

    /** Runs {@code body} for items 0 … {@code count − 1} on all workers and waits for every one. */
    void run(int count, ItemBody body) {
        if (threads == 1 || count == 1) {
            for (int item = 0; item < count; item++) {
                body.run(0, item);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        int helpers = Math.min(threads, count) - 1;
        List<Future<?>> futures = new ArrayList<>(helpers);
        for (int w = 1; w <= helpers; w++) {
            int worker = w;
            futures.add(executor.submit(() -> drain(worker, count, next, body)));
        }
        RuntimeException failure = null;
        try {
            drain(0, count, next, body);
        } catch (RuntimeException e) {
            failure = e;
        }
        for (Future<?> future : futures) {
            try {
                future.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for attention workers", e);
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static void drain(int worker, int count, AtomicInteger next, ItemBody body) {
        for (int item = next.getAndIncrement(); item < count; item = next.getAndIncrement()) {
            body.run(worker, item);
        }
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
