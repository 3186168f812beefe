package org.defenderadx.migration.worker.defender;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Memory per call is bounded, shown the hard way: the hostile answers of {@link HostileResponsesUnderSmallHeap} (a
 * 512 MB body, a 300 MB row, four 60 MB rows at once, a gigabyte of rows) against the real client in a JVM with a
 * 256 MB heap (a 16 MB row being parsed takes about twice its size as text, so four at once need about 130 MB) that exits on its first OutOfMemoryError.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class HostileResponsesSmallHeapTest {

  @Test
  void hostileAnswersEndAsClearOutcomesInA256MbHeap() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Process p = new ProcessBuilder(List.of(java, "-Xmx256m", "-XX:+ExitOnOutOfMemoryError", "-XX:+UseSerialGC",
        "-Djava.net.preferIPv4Stack=true", "-cp", classPath, HostileResponsesUnderSmallHeap.class.getName()))
        .redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(7, TimeUnit.MINUTES)).isTrue();
    String output = new String(out, StandardCharsets.UTF_8);
    output.lines().filter(l -> l.startsWith("OK ") || l.startsWith("FAIL ") || l.startsWith("max heap"))
        .forEach(System.out::println);

    assertThat(output).as(output).doesNotContain("OutOfMemoryError");
    long maxHeapMb = output.lines().filter(l -> l.startsWith("max heap ")).mapToLong(l -> Long.parseLong(
        l.replaceAll("\\D", ""))).findFirst().orElseThrow();
    assertThat(maxHeapMb).as("the child's heap").isLessThanOrEqualTo(256);
    assertThat(output.lines().filter(l -> l.startsWith("OK ")).count()).as(output).isEqualTo(7);
    assertThat(p.exitValue()).as(output).isZero();
  }
}
