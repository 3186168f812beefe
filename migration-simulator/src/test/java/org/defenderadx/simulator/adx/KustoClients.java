package org.defenderadx.simulator.adx;

import com.microsoft.azure.kusto.data.Client;
import com.microsoft.azure.kusto.data.ClientFactory;
import com.microsoft.azure.kusto.data.KustoOperationResult;
import com.microsoft.azure.kusto.data.KustoResultSetTable;
import com.microsoft.azure.kusto.data.auth.ConnectionStringBuilder;
import java.util.ArrayList;
import java.util.List;

/** Real SDK clients for a stand-in, and small readers for their results. */
final class KustoClients {

  private KustoClients() {
  }

  /** The production-style connection string; the SDK skips authentication for http://localhost URLs. */
  static ConnectionStringBuilder connection(AdxStandIn adx) {
    return ConnectionStringBuilder.createWithAadApplicationCredentials(adx.url(), "app-id", "app-key", "tenant-id");
  }

  static Client client(AdxStandIn adx) {
    try {
      return ClientFactory.createClient(connection(adx));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The values of one column of the primary result, as strings. */
  static List<String> column(KustoOperationResult r, String column) {
    KustoResultSetTable t = r.getPrimaryResults();
    List<String> out = new ArrayList<>();
    while (t.next()) {
      Object v = t.getObject(column);
      out.add(v == null ? null : v.toString());
    }
    return out;
  }
}
