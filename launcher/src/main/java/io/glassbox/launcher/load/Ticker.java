package io.glassbox.launcher.load;

/** Time for the scheduler: the system clock in production, a virtual one in tests. */
public interface Ticker {
  /** Monotonic nanoseconds, as {@link System#nanoTime()}. */
  long nanoTime();

  /** Returns once {@link #nanoTime()} has reached {@code deadlineNanos} (at once if it has). */
  void sleepUntil(long deadlineNanos) throws InterruptedException;

  /** The system's monotonic clock; sleeps in parks, good to well under a millisecond. */
  static Ticker system() {
    return new Ticker() {
      @Override
      public long nanoTime() {
        return System.nanoTime();
      }

      @Override
      public void sleepUntil(long deadlineNanos) throws InterruptedException {
        for (long left = deadlineNanos - System.nanoTime(); left > 0;
            left = deadlineNanos - System.nanoTime()) {
          java.util.concurrent.locks.LockSupport.parkNanos(left);
          if (Thread.interrupted()) {
            throw new InterruptedException();
          }
        }
      }
    };
  }
}
