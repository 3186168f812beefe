package org.defenderadx.migration.worker.adx;

import com.microsoft.azure.kusto.data.Client;
import com.microsoft.azure.kusto.data.KustoOperationResult;
import com.microsoft.azure.kusto.data.KustoResultColumn;
import com.microsoft.azure.kusto.data.KustoResultSetTable;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Queries and management commands against the ADX database, through the Kusto SDK. The SDK blocks, so every call
 * runs on a named worker pool and comes back as a {@link Future}. Rows come back as maps by column name, never by
 * position: fresh and upgraded databases order their columns differently.
 */
public final class AdxClient {

  private final Client client;
  private final String database;
  private final WorkerExecutor sdkPool;

  public AdxClient(Client client, String database, WorkerExecutor sdkPool) {
    this.client = client;
    this.database = database;
    this.sdkPool = sdkPool;
  }

  public String database() {
    return database;
  }

  public Future<List<Map<String, Object>>> query(String kql) {
    return sdkPool.executeBlocking(() -> rows(client.executeQuery(database, kql)), false);
  }

  public Future<List<Map<String, Object>>> mgmt(String command) {
    return sdkPool.executeBlocking(() -> rows(client.executeMgmt(database, command)), false);
  }

  static List<Map<String, Object>> rows(KustoOperationResult result) {
    KustoResultSetTable table = result.getPrimaryResults();
    KustoResultColumn[] columns = table.getColumns();
    List<Map<String, Object>> rows = new ArrayList<>();
    while (table.next()) {
      Map<String, Object> row = new LinkedHashMap<>();
      for (KustoResultColumn c : columns) {
        row.put(c.getColumnName(), table.getObject(c.getOrdinal()));
      }
      rows.add(row);
    }
    return rows;
  }
}
