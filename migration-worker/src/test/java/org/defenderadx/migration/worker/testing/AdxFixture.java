package org.defenderadx.migration.worker.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.defenderadx.migration.api.config.ConfigLoader;
import org.defenderadx.migration.common.config.AdxConfig;

/** ADX configuration pointing at the stand-in, built through the real configuration parser. */
public final class AdxFixture {
  private AdxFixture() {
  }

  public static AdxConfig config(String standInUrl, String database) {
    JsonObject tree = new JsonObject()
        .put("tenants", new JsonArray().add(new JsonObject().put("tenantId", "t")
            .put("credential", new JsonObject().put("kind", "none"))))
        .put("adx", new JsonObject().put("clusterUrl", standInUrl).put("database", database)
            .put("credential", new JsonObject().put("kind", "none")));
    return ConfigLoader.parse(tree, Map.of()).adx();
  }
}
