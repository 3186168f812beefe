package org.defenderadx.simulator.adx.azurite;

/**
 * Where a running Azurite serves blob, queue and table storage, and the emulator's well-known account. The key is
 * the public development-storage key every Azurite instance accepts, not a secret.
 */
public record AzuriteEndpoints(String host, int blobPort, int queuePort, int tablePort) {
  public static final String ACCOUNT = "devstoreaccount1";
  public static final String ACCOUNT_KEY =
      "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

  public String blobEndpoint() {
    return "http://" + host + ":" + blobPort + "/" + ACCOUNT;
  }

  public String queueEndpoint() {
    return "http://" + host + ":" + queuePort + "/" + ACCOUNT;
  }

  public String tableEndpoint() {
    return "http://" + host + ":" + tablePort + "/" + ACCOUNT;
  }

  /** An Azure Storage connection string for all three services. */
  public String connectionString() {
    return "DefaultEndpointsProtocol=http;AccountName=" + ACCOUNT + ";AccountKey=" + ACCOUNT_KEY
        + ";BlobEndpoint=" + blobEndpoint() + ";QueueEndpoint=" + queueEndpoint() + ";TableEndpoint=" + tableEndpoint()
        + ";";
  }
}
