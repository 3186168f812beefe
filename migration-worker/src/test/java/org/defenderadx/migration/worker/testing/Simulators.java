package org.defenderadx.migration.worker.testing;

import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import java.io.FileInputStream;
import java.io.InputStream;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.defenderadx.simulator.defender.DefenderSimulator;

/** Wiring between the migrator's clients and the bundled simulators in tests. */
public final class Simulators {
  private Simulators() {
  }

  /** An Azure HTTP client that trusts the simulator's self-signed TLS certificate (and nothing else). */
  public static HttpClient trusting(DefenderSimulator sim) {
    return trusting(sim.certificatePath());
  }

  /**
   * As {@link #trusting(DefenderSimulator)}, from the certificate's file (a node in another JVM has only that); a
   * file of several PEM certificates (one per simulator, for several tenants) trusts them all.
   */
  public static HttpClient trusting(String certificatePath) {
    try {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      try (InputStream in = new FileInputStream(certificatePath)) {
        int n = 0;
        for (java.security.cert.Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          trust.setCertificateEntry("defender-simulator-" + n++, c);
        }
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, tmf.getTrustManagers(), null);
      return new JdkHttpClientBuilder(java.net.http.HttpClient.newBuilder().sslContext(ssl)).build();
    } catch (Exception e) {
      throw new IllegalStateException("cannot trust the simulator's certificate", e);
    }
  }
}
