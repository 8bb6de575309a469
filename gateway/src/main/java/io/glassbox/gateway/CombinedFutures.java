package io.glassbox.gateway;

import static com.google.common.util.concurrent.MoreExecutors.directExecutor;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.SettableFuture;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.BiFunction;

/**
 * Parallel calls combined into one future that fails with the first failure, as soon as it
 * happens, and drops the later ones. Guava's allAsList and whenAllSucceed would do, but log every
 * failure after the first at SEVERE with its stack trace; with a dependency down, or the deadline
 * passed, all the calls fail, and once the caller has its answer the rest are cancelled.
 */
final class CombinedFutures {
  private CombinedFutures() {}

  /** Every result, in order, or the first failure. */
  static <T> ListenableFuture<List<T>> allOrFirstFailure(List<? extends ListenableFuture<? extends T>> inputs) {
    SettableFuture<List<T>> result = SettableFuture.create();
    Runnable onEach = () -> {
      for (ListenableFuture<? extends T> input : inputs) {
        if (input.isDone()) {
          try {
            Futures.getDone(input);
          } catch (ExecutionException | CancellationException failed) {
            result.setException(failed instanceof ExecutionException ? failed.getCause() : failed);
            return;
          }
        }
      }
      if (inputs.stream().allMatch(Future::isDone)) {
        result.set(inputs.stream().<T>map(Futures::getUnchecked).toList());
      }
    };
    inputs.forEach(input -> input.addListener(onEach, directExecutor()));
    return result;
  }

  /** Both results combined, or the first failure. */
  static <A, B, R> ListenableFuture<R> bothOrFirstFailure(
      ListenableFuture<A> first, ListenableFuture<B> second, BiFunction<A, B, R> combine) {
    return Futures.transform(allOrFirstFailure(List.of(first, second)),
        done -> combine.apply(Futures.getUnchecked(first), Futures.getUnchecked(second)), directExecutor());
  }
}
