package org.defenderadx.migration.api.bus;

import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.defenderadx.migration.common.config.ClusterConfig;
import org.defenderadx.migration.common.config.ConfigException;

/**
 * TLS with client certificates on the clustered event bus, the same for nodes and migrationctl: each side presents
 * its key and certificate, trusts the configured authority only (the event bus's default is to trust any
 * certificate), and requires a certificate of every peer. Both sides are servers and clients of each other (a reply
 * travels over a connection the answering side opens), so both need the same settings.
 */
public final class EventBusTlsOptions {
  private EventBusTlsOptions() {
  }

  /** {@code options} with TLS applied when {@code tls} is enabled; unchanged otherwise. */
  public static EventBusOptions apply(EventBusOptions options, ClusterConfig.EventBusTls tls) {
    if (!tls.enabled()) {
      return options;
    }
    for (String[] file : new String[][] {{"keyFile", tls.keyFile()}, {"certFile", tls.certFile()},
        {"caFile", tls.caFile()}}) {
      if (!Files.isReadable(Path.of(file[1]))) {
        throw new ConfigException(List.of("cluster.tls." + file[0] + ": cannot read " + file[1]));
      }
    }
    return options.setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions().setKeyPath(tls.keyFile()).setCertPath(tls.certFile()))
        .setTrustOptions(new PemTrustOptions().addCertPath(tls.caFile()))
        .setTrustAll(false)
        .setClientAuth(ClientAuth.REQUIRED);
  }
}
