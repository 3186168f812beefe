package org.defenderadx.simulator.defender.http;

import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import org.defenderadx.simulator.defender.ApiFlavour;
import org.defenderadx.simulator.defender.DefenderSimConfig.ByteCap;
import org.defenderadx.simulator.defender.ServedValues;
import org.defenderadx.simulator.kql.Column;
import org.defenderadx.simulator.kql.QueryResult;

/**
 * Serialises a query result in one flavour's shape while enforcing the row cap and the byte cap. Rows past a cap
 * are dropped without any marker (the documented silence); a byte cap configured as an error reports
 * {@link Outcome#tooLarge()} instead.
 */
public final class ResultWriter {

  /** What was written; {@code body} is null when the result was too large for an erroring byte cap. */
  public record Outcome(Buffer body, long rows, long rowBytes, boolean truncated, boolean tooLarge) {
  }

  private ResultWriter() {
  }

  /** Writes the rows part ({@code {...},{...}}) and returns what it took. */
  public static Outcome write(ApiFlavour flavour, QueryResult result, int rowCap, ByteCap byteCap,
                              StatsSupplier stats) {
    List<Column> cols = result.columns();
    byte[][] keys = new byte[cols.size()][];
    for (int c = 0; c < cols.size(); c++) {
      JsonSink k = new JsonSink(cols.get(c).name().length() + 4);
      k.string(cols.get(c).name()).raw(':');
      keys[c] = k.bytes();
    }
    JsonSink rows = new JsonSink(1 << 16);
    Iterator<Object[]> it = result.rows();
    long n = 0;
    boolean truncated = false;
    while (it.hasNext()) {
      if (n >= rowCap) {
        truncated = true;
        break;
      }
      Object[] v = it.next();
      int mark = rows.length();
      if (n > 0) {
        rows.raw(',');
      }
      rows.raw('{');
      for (int c = 0; c < keys.length; c++) {
        if (c > 0) {
          rows.raw(',');
        }
        rows.rawBytes(keys[c]);
        rows.value(c < v.length ? v[c] : null);
      }
      rows.raw('}');
      if (rows.length() > byteCap.bytes()) {
        if (byteCap.errorWhenExceeded()) {
          return new Outcome(null, n, rows.length(), false, true);
        }
        rows.truncate(mark);
        truncated = true;
        break;
      }
      n++;
    }
    JsonSink head = new JsonSink(1024);
    switch (flavour) {
      case GRAPH -> {
        head.raw("{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.security."
            + "huntingQueryResults\",\"schema\":");
        schema(head, cols, "name", "type");
        head.raw(",\"results\":[");
      }
      case XDR -> {
        head.raw("{\"Stats\":");
        head.raw(stats.stats(n, rows.length()));
        head.raw(",\"Schema\":");
        schema(head, cols, "Name", "Type");
        head.raw(",\"Results\":[");
      }
      case MDE -> {
        head.raw("{\"Schema\":");
        schema(head, cols, "Name", "Type");
        head.raw(",\"Results\":[");
      }
      default -> throw new IllegalStateException();
    }
    Buffer body = Buffer.buffer(head.length() + rows.length() + 4);
    body.appendBytes(head.array(), 0, head.length());
    body.appendBytes(rows.array(), 0, rows.length());
    body.appendString("]}");
    return new Outcome(body, n, rows.length(), truncated, false);
  }

  private static void schema(JsonSink sink, List<Column> cols, String nameKey, String typeKey) {
    sink.raw('[');
    for (int c = 0; c < cols.size(); c++) {
      if (c > 0) {
        sink.raw(',');
      }
      sink.raw("{\"").raw(nameKey).raw("\":").string(cols.get(c).name())
          .raw(",\"").raw(typeKey).raw("\":").string(ServedValues.schemaTypeName(cols.get(c).type())).raw('}');
    }
    sink.raw(']');
  }

  /** Supplies the legacy XDR {@code Stats} object once the rows are known (ASCII JSON). */
  @FunctionalInterface
  public interface StatsSupplier {
    String stats(long rows, long bytes);
  }

  /** The XDR {@code Stats} object, shaped like the documented example. */
  public static String xdrStats(Duration cpu, long rows, long bytes, long peakMemory) {
    String total = ServedValues.timespan(cpu);
    return "{\"ExecutionTime\":" + (cpu.toNanos() / 1e9) + ",\"resource_usage\":{\"cache\":{\"memory\":{\"hits\":0,"
        + "\"misses\":0,\"total\":0},\"disk\":{\"hits\":0,\"misses\":0,\"total\":0}},\"cpu\":{\"user\":\"" + total
        + "\",\"kernel\":\"00:00:00.0000000\",\"total cpu\":\"" + total + "\"},\"memory\":{\"peak_per_node\":"
        + peakMemory + "}},\"dataset_statistics\":[{\"table_row_count\":" + rows + ",\"table_size\":" + bytes + "}]}";
  }
}
