package org.defenderadx.migration.worker.adx;

import com.azure.data.tables.TableAsyncClient;
import com.azure.data.tables.models.TableEntity;
import com.azure.data.tables.models.TableServiceException;
import com.microsoft.azure.kusto.ingest.result.IngestionResult;
import com.microsoft.azure.kusto.ingest.result.IngestionStatusInTableDescription;
import com.microsoft.azure.kusto.ingest.result.TableReportIngestionResult;
import com.microsoft.azure.kusto.ingest.utils.TableWithSas;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Reads the ingestion status table of the data-management service directly, by source id, for sends this process
 * did not make: the SDK writes a {@code Pending} entity (PartitionKey = RowKey = source id) before it enqueues a
 * blob, so a restarted node can find what an earlier process sent and wait for it instead of sending it again.
 * The table's URL and SAS come from {@code .show ingestion resources} on the data-management endpoint; they are
 * looked up again when a read fails (the SAS may have been rotated).
 */
public final class IngestionStatusTable {

  private final AdxClient dataManagement;
  private final WorkerExecutor sdkPool;
  private volatile TableAsyncClient table;
  private volatile String tableUrl;

  /** @param dataManagement a client of the data-management ({@code ingest-}) endpoint */
  public IngestionStatusTable(AdxClient dataManagement, WorkerExecutor sdkPool) {
    this.dataManagement = dataManagement;
    this.sdkPool = sdkPool;
  }

  /**
   * The send known by {@code sourceId}, as an SDK result whose status can be read again, or empty when the status
   * table has no entity under that id (nothing was sent under it, or the SDK died before registering it).
   */
  public Future<Optional<IngestionResult>> find(UUID sourceId) {
    return client().compose(c -> read(c, sourceId)).recover(e -> {
      // Once more with a fresh URL and SAS: the resources may have changed since they were read.
      table = null;
      return client().compose(c -> read(c, sourceId));
    });
  }

  private Future<Optional<IngestionResult>> read(TableAsyncClient client, UUID sourceId) {
    String key = sourceId.toString();
    return sdkPool.executeBlocking(() -> {
      try {
        TableEntity entity = client.getEntity(key, key).block();
        if (entity == null) {
          return Optional.<IngestionResult>empty();
        }
      } catch (TableServiceException e) {
        if (e.getResponse() != null && e.getResponse().getStatusCode() == 404) {
          return Optional.<IngestionResult>empty();
        }
        throw e;
      }
      IngestionStatusInTableDescription d = new IngestionStatusInTableDescription();
      d.setTableConnectionString(tableUrl);
      d.setPartitionKey(key);
      d.setRowKey(key);
      d.setAsyncTableClient(client);
      return Optional.<IngestionResult>of(new TableReportIngestionResult(List.of(d)));
    }, false);
  }

  private Future<TableAsyncClient> client() {
    TableAsyncClient c = table;
    if (c != null) {
      return Future.succeededFuture(c);
    }
    return dataManagement.mgmt(".show ingestion resources").compose(rows -> {
      for (Map<String, Object> r : rows) {
        if ("IngestionsStatusTable".equalsIgnoreCase(String.valueOf(r.get("ResourceTypeName")))) {
          String url = String.valueOf(r.get("StorageRoot"));
          try {
            TableAsyncClient created = TableWithSas.createTableClientFromUrl(url, null);
            tableUrl = url;
            table = created;
            return Future.succeededFuture(created);
          } catch (Exception e) {
            return Future.failedFuture(new IllegalStateException("the ingestion status table's URL from .show "
                + "ingestion resources cannot be used: " + e.getMessage(), e));
          }
        }
      }
      return Future.failedFuture(new IllegalStateException(".show ingestion resources named no "
          + "IngestionsStatusTable"));
    });
  }
}
