package org.defenderadx.migration.common.window;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * How far a table has been copied: every row with watermark below {@code watermark} is loaded, and, when the
 * next instant is being paged by buckets, every bucket up to and including {@code lastBucketDone} (in planning
 * order) of the instant starting at {@code watermark} is loaded too. This is what a commit persists; the planner
 * resumes from it.
 */
public record WindowProgress(Instant watermark, Optional<Bucket> lastBucketDone) {
  public WindowProgress {
    Objects.requireNonNull(watermark, "watermark");
    Objects.requireNonNull(lastBucketDone, "lastBucketDone");
    if (lastBucketDone.isPresent() && lastBucketDone.get().isAll()) {
      throw new IllegalArgumentException("a finished instant advances the watermark instead");
    }
  }

  public static WindowProgress at(Instant watermark) {
    return new WindowProgress(watermark, Optional.empty());
  }

  /**
   * The progress once {@code committed} is loaded. Windows must be committed in planning order; a bucket that is
   * the last of its instant in that order completes the instant and moves the watermark past it.
   */
  public static WindowProgress after(Window committed) {
    if (!committed.isBucketed() || committed.bucket().isLastInOrder()) {
      return at(committed.hi());
    }
    return new WindowProgress(committed.lo(), Optional.of(committed.bucket()));
  }
}
