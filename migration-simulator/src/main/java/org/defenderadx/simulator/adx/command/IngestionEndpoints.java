package org.defenderadx.simulator.adx.command;

/**
 * What {@code .show ingestion resources} and {@code .get kusto identity token} answer with; provided by the
 * data-management side when the stand-in runs with Azurite.
 */
public interface IngestionEndpoints {

  /** Rows of (ResourceTypeName, StorageRoot) with SAS-bearing URLs. */
  TabularResult ingestionResources();

  String identityToken();
}
