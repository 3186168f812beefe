package org.defenderadx.simulator.adx.dm;

import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.data.tables.TableClient;
import com.azure.data.tables.TableServiceClient;
import com.azure.data.tables.TableServiceClientBuilder;
import com.azure.data.tables.models.TableServiceException;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobClientBuilder;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.sas.AccountSasPermission;
import com.azure.storage.common.sas.AccountSasResourceType;
import com.azure.storage.common.sas.AccountSasService;
import com.azure.storage.common.sas.AccountSasSignatureValues;
import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.QueueMessageEncoding;
import com.azure.storage.queue.QueueServiceClient;
import com.azure.storage.queue.QueueServiceClientBuilder;
import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.defenderadx.simulator.adx.azurite.AzuriteEndpoints;
import org.defenderadx.simulator.adx.command.IngestionEndpoints;
import org.defenderadx.simulator.adx.command.TabularResult;
import org.defenderadx.simulator.kql.KqlType;

/**
 * The Azure Storage side of queued ingestion, on Azurite: creates the temp container, the queues and the status
 * table, mints SAS tokens from the emulator's account key for {@code .show ingestion resources}, and gives the
 * data-management loop its clients. All HTTP goes through azure-core's JDK client.
 */
public final class StorageBackend implements IngestionEndpoints {
  public static final String TEMP_CONTAINER = "ingestdata";
  public static final String READY_QUEUE = "readyforaggregation-secured";
  public static final String FAILED_QUEUE = "failedingestions";
  public static final String SUCCESS_QUEUE = "successfulingestions";
  public static final String STATUS_TABLE = "ingestionsstatus";

  // Azurite is local: a few quick retries, so a stopped Azurite does not hold the loop (or a shutdown) for minutes.
  private static final RequestRetryOptions RETRIES =
      new RequestRetryOptions(RetryPolicyType.FIXED, 3, 30, 200L, 200L, null);

  private final AzuriteEndpoints endpoints;
  private final HttpClient http;
  private final BlobServiceClient blobs;
  private final QueueServiceClient queues;
  private final TableServiceClient tables;
  private final String identityToken = "standin-identity-" + UUID.randomUUID();
  private volatile String sas;
  private volatile OffsetDateTime sasExpiry = OffsetDateTime.MIN;

  public StorageBackend(AzuriteEndpoints endpoints) {
    this.endpoints = endpoints;
    this.http = new JdkHttpClientBuilder().build();
    String cs = endpoints.connectionString();
    this.blobs = new BlobServiceClientBuilder().connectionString(cs).httpClient(http).retryOptions(RETRIES)
        .buildClient();
    this.queues = new QueueServiceClientBuilder().connectionString(cs).httpClient(http).retryOptions(RETRIES)
        .buildClient();
    this.tables = new TableServiceClientBuilder().connectionString(cs).httpClient(http)
        .retryOptions(new RetryOptions(new FixedDelayOptions(2, Duration.ofMillis(200)))).buildClient();
  }

  /** Creates the container, queues and status table if they are not there yet. */
  public void createResources() {
    BlobContainerClient c = blobs.getBlobContainerClient(TEMP_CONTAINER);
    if (!c.exists()) {
      c.create();
    }
    for (String q : new String[] {READY_QUEUE, FAILED_QUEUE, SUCCESS_QUEUE}) {
      queues.getQueueClient(q).createIfNotExists();
    }
    try {
      tables.createTableIfNotExists(STATUS_TABLE);
    } catch (TableServiceException alreadyThere) {
      // created concurrently by another stand-in on the same Azurite
    }
  }

  /** An account SAS (blob, queue, table; all permissions), renewed a day before it expires. Uses real time. */
  synchronized String sas() {
    OffsetDateTime now = OffsetDateTime.now();
    if (sas == null || now.isAfter(sasExpiry.minusDays(1))) {
      sasExpiry = now.plusDays(7);
      sas = blobs.generateAccountSas(new AccountSasSignatureValues(sasExpiry,
          AccountSasPermission.parse("rwdlacup"), AccountSasService.parse("bqt"), AccountSasResourceType.parse("sco")));
    }
    return sas;
  }

  @Override
  public TabularResult ingestionResources() {
    String s = sas();
    return TabularResult.of("ResourceTypeName", KqlType.STRING, "StorageRoot", KqlType.STRING)
        .row("SecuredReadyForAggregationQueue", endpoints.queueEndpoint() + "/" + READY_QUEUE + "?" + s)
        .row("FailedIngestionsQueue", endpoints.queueEndpoint() + "/" + FAILED_QUEUE + "?" + s)
        .row("SuccessfulIngestionsQueue", endpoints.queueEndpoint() + "/" + SUCCESS_QUEUE + "?" + s)
        .row("TempStorage", endpoints.blobEndpoint() + "/" + TEMP_CONTAINER + "?" + s)
        .row("IngestionsStatusTable", endpoints.tableEndpoint() + "/" + STATUS_TABLE + "?" + s)
        .build();
  }

  @Override
  public String identityToken() {
    return identityToken;
  }

  /** A queue client that takes and gives message text as is (the loop decodes base64 itself, leniently). */
  public QueueClient queue(String name) {
    return queues.getQueueClient(name);
  }

  /** A queue client that base64-encodes what it sends, as the real service's notification queues carry. */
  public QueueClient base64Queue(String name) {
    return new QueueServiceClientBuilder().connectionString(endpoints.connectionString()).httpClient(http)
        .retryOptions(RETRIES).messageEncoding(QueueMessageEncoding.BASE64).buildClient().getQueueClient(name);
  }

  public TableClient table(String name) {
    return tables.getTableClient(name);
  }

  /** A client for a blob URL that carries its own SAS, as queued messages do. */
  public BlobClient blob(String urlWithSas) {
    return new BlobClientBuilder().endpoint(urlWithSas).httpClient(http).retryOptions(RETRIES).buildClient();
  }

  /** Downloads a blob by its SAS-bearing URL (streaming ingestion from a blob uses this too). */
  public byte[] download(String urlWithSas) {
    return blob(urlWithSas).downloadContent().toBytes();
  }

  public AzuriteEndpoints endpoints() {
    return endpoints;
  }

  public BlobServiceClient blobService() {
    return blobs;
  }
}
