package org.defenderadx.migration.worker.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What a JVM measures about itself at the end of a benchmark run: peak resident set (VmHWM from
 * {@code /proc/self/status}), peak heap (sum of the heap pools' peaks, an upper bound of the true peak), CPU time
 * of the whole process.
 */
public record ProcessFigures(long peakRssBytes, long peakHeapBytes, double cpuSeconds, long maxHeapBytes) {

  public static ProcessFigures ofThisJvm() {
    long heapPeak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
        heapPeak += pool.getPeakUsage().getUsed();
      }
    }
    double cpu = ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO).toNanos() / 1e9;
    return new ProcessFigures(vmHwmBytes(), heapPeak, cpu, Runtime.getRuntime().maxMemory());
  }

  /** -1 where /proc is not available (not Linux). */
  static long vmHwmBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  public JsonObject toJson() {
    return new JsonObject().put("peakRssBytes", peakRssBytes).put("peakHeapBytes", peakHeapBytes)
        .put("cpuSeconds", cpuSeconds).put("maxHeapBytes", maxHeapBytes);
  }

  public static ProcessFigures fromJson(JsonObject j) {
    return new ProcessFigures(j.getLong("peakRssBytes"), j.getLong("peakHeapBytes"), j.getDouble("cpuSeconds"),
        j.getLong("maxHeapBytes"));
  }
}
