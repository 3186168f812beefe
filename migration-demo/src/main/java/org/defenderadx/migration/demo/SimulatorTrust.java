package org.defenderadx.migration.demo;

import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.defenderadx.simulator.defender.DefenderSimulator;

/**
 * Trust in the Defender simulator's self-signed certificate, and in nothing else: its token endpoint is https
 * (the identity library insists), so the node's token calls must trust it.
 */
public final class SimulatorTrust {

  /** Password of the trust store {@link #writeTrustStore} writes; it guards nothing secret. */
  public static final String TRUST_STORE_PASSWORD = "changeit";

  private SimulatorTrust() {
  }

  /** A trust store holding only the simulator's certificate. */
  public static KeyStore trustStore(DefenderSimulator sim) {
    try {
      KeyStore trust = KeyStore.getInstance("JKS");
      trust.load(null, null);
      try (InputStream in = new FileInputStream(sim.certificatePath())) {
        trust.setCertificateEntry("defender-simulator",
            CertificateFactory.getInstance("X.509").generateCertificate(in));
      }
      return trust;
    } catch (Exception e) {
      throw new IllegalStateException("cannot read the Defender simulator's certificate " + sim.certificatePath(), e);
    }
  }

  /** An Azure HTTP client for the node's token calls that trusts the simulator. */
  public static HttpClient identityHttpClient(DefenderSimulator sim) {
    try {
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trustStore(sim));
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, tmf.getTrustManagers(), null);
      return new JdkHttpClientBuilder(java.net.http.HttpClient.newBuilder().sslContext(ssl)).build();
    } catch (Exception e) {
      throw new IllegalStateException("cannot set up trust in the Defender simulator's certificate", e);
    }
  }

  /** Writes the trust store to {@code file}, for a node in another JVM ({@code -Djavax.net.ssl.trustStore}). */
  public static Path writeTrustStore(DefenderSimulator sim, Path file) {
    try (OutputStream out = Files.newOutputStream(file)) {
      trustStore(sim).store(out, TRUST_STORE_PASSWORD.toCharArray());
      return file;
    } catch (Exception e) {
      throw new IllegalStateException("cannot write a trust store to " + file, e);
    }
  }
}
