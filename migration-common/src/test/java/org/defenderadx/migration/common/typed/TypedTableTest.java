package org.defenderadx.migration.common.typed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.defenderadx.migration.common.kql.InvalidIdentifierException;
import org.defenderadx.migration.common.kql.KustoTypes;
import org.junit.jupiter.api.Test;

/** Typed-table names, columns, schema comparison and the KQL of their commands. */
class TypedTableTest {

  private static Map<String, String> columns(String... nameType) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < nameType.length; i += 2) {
      m.put(nameType[i], nameType[i + 1]);
    }
    return m;
  }

  @Test
  void everyServicesSpellingOfATypeMeansOneKustoType() {
    assertThat(KustoTypes.scalar("DateTime")).contains("datetime");
    assertThat(KustoTypes.scalar("System.DateTime")).contains("datetime");
    assertThat(KustoTypes.scalar("Int64")).contains("long");
    assertThat(KustoTypes.scalar("Int32")).contains("int");
    assertThat(KustoTypes.scalar("SByte")).contains("bool");
    assertThat(KustoTypes.scalar("Boolean")).contains("bool");
    assertThat(KustoTypes.scalar("Object")).contains("dynamic");
    assertThat(KustoTypes.scalar("Double")).contains("real");
    assertThat(KustoTypes.scalar("Guid")).contains("guid");
    assertThat(KustoTypes.scalar("string")).contains("string");
    assertThat(KustoTypes.scalar("Sentinel")).isEmpty();
    assertThat(KustoTypes.scalar(null)).isEmpty();
  }

  @Test
  void observingASchemaLeavesOutOurColumnsAndUnsafeNamesAndKeepsUnknownTypesAsDynamic() {
    TypedColumns.Observed o = TypedColumns.observe("DeviceInfo", columns("Timestamp", "DateTime",
        "DeviceId", "String", "__SourceIngestionTime", "DateTime", "_TenantId", "String", "Bad Name", "String",
        "Odd", "Hyperloglog"));
    assertThat(o.columns()).containsExactly(Map.entry("Timestamp", "datetime"), Map.entry("DeviceId", "string"),
        Map.entry("Odd", "dynamic"));
    assertThat(o.problems()).hasSize(3)
        .anySatisfy(p -> assertThat(p).contains("_TenantId", "provenance"))
        .anySatisfy(p -> assertThat(p).contains("'Bad Name'").contains("raw table"))
        .anySatisfy(p -> assertThat(p).contains("Odd", "dynamic"));
  }

  @Test
  void theDifferenceIsNewColumnsToAddAndChangedTypesToReport() {
    TypedColumns.Difference d = TypedColumns.difference(columns("Timestamp", "datetime", "RemotePort", "int"),
        columns("Timestamp", "datetime", "RemotePort", "long", "LogonID", "long"));
    assertThat(d.added()).containsExactly(Map.entry("LogonID", "long"));
    assertThat(d.changed()).singleElement().satisfies(c -> {
      assertThat(c.column()).isEqualTo("RemotePort");
      assertThat(c.describe("DeviceNetworkEvents")).contains("RemotePort", "DeviceNetworkEvents", "long", "int",
          "raw table");
    });
    assertThat(TypedColumns.difference(columns("A", "string"), columns("A", "string")).isEmpty()).isTrue();
  }

  @Test
  void anEventTableKeepsDefendersNameAndASnapshotTableAHistoryAndAFunction() {
    TypedTable events = TypedTable.create("DeviceProcessEvents", "DeviceProcessEventsRaw", false,
        columns("Timestamp", "datetime", "FileSize", "long", "AdditionalFields", "dynamic"));
    assertThat(events.typedTable()).isEqualTo("DeviceProcessEvents");
    assertThat(events.policyFunction()).isEqualTo("DeviceProcessEvents_From_DeviceProcessEventsRaw");
    assertThat(events.columns().keySet()).containsExactly("Timestamp", "FileSize", "AdditionalFields", "_TenantId",
        "_WindowId", "_SourceIngestionTime");
    assertThat(events.hasProvenance()).isTrue();
    assertThat(events.createTableCommand()).startsWith(".create-merge table DeviceProcessEvents (['Timestamp']:datetime,"
        + " ['FileSize']:long, ['AdditionalFields']:dynamic, ['_TenantId']:string, ['_WindowId']:string,"
        + " ['_SourceIngestionTime']:datetime) with (folder=\"Typed\"");
    String entry = "{\"IsEnabled\":true,\"Source\":\"DeviceProcessEventsRaw\",\"Query\":"
        + "\"DeviceProcessEvents_From_DeviceProcessEventsRaw()\",\"IsTransactional\":true,"
        + "\"PropagateIngestionProperties\":true}";
    assertThat(events.addUpdatePolicyCommand())
        .isEqualTo(".alter-merge table DeviceProcessEvents policy update @'[" + entry + "]'");
    assertThat(events.setUpdatePolicyCommand(List.of("{\"Source\":\"DeviceProcessEventsContoso\"}")))
        .isEqualTo(".alter table DeviceProcessEvents policy update @'[{\"Source\":\"DeviceProcessEventsContoso\"},"
            + entry + "]'");
    assertThatThrownBy(events::latestSnapshotFunctionCommand).isInstanceOf(IllegalStateException.class);

    TypedTable tvm = TypedTable.create("DeviceTvmSoftwareInventory", "DeviceTvmSoftwareInventoryRaw", true,
        columns("DeviceId", "string"));
    assertThat(tvm.typedTable()).isEqualTo("DeviceTvmSoftwareInventory_History");
    assertThat(tvm.columns()).containsKey("_SnapshotTime");
    assertThat(tvm.latestSnapshotFunctionCommand()).contains(") DeviceTvmSoftwareInventory() {",
        "Status == 'SnapshotCommitted'", "SourceTable == \"DeviceTvmSoftwareInventory\"",
        "DeviceTvmSoftwareInventory_History", "join kind=leftsemi latest on _TenantId, _SnapshotTime");
  }

  @Test
  void theProjectionConvertsEveryFlavourAlikeInTheTablesOwnOrder() {
    TypedTable t = TypedTable.create("DeviceNetworkEvents", "DeviceNetworkEventsRaw", false,
        columns("Timestamp", "datetime", "RemotePort", "int", "AdditionalFields", "dynamic"))
        .withColumns(columns("LogonID", "long"));
    String p = t.projection("");
    assertThat(p).startsWith("DeviceNetworkEventsRaw\n| where isempty(tostring(Records['__SourceTable'])) or "
        + "tostring(Records['__SourceTable']) == \"DeviceNetworkEvents\"\n| project ");
    List<String> order = List.of("['Timestamp'] = todatetime(Records[\"Timestamp\"])",
        "['RemotePort'] = toint(Records[\"RemotePort\"])",
        "['AdditionalFields'] = iff(gettype(Records[\"AdditionalFields\"]) == 'string', "
            + "parse_json(tostring(Records[\"AdditionalFields\"])), Records[\"AdditionalFields\"])",
        "['_TenantId'] = tostring(Records[\"__TenantId\"])", "['_WindowId'] = tostring(Records[\"__WindowId\"])",
        "['_SourceIngestionTime'] = todatetime(Records[\"__SourceIngestionTime\"])",
        "['LogonID'] = tolong(Records[\"LogonID\"])");
    int at = -1;
    for (String item : order) {
      int next = p.indexOf(item);
      assertThat(next).as(item).isGreaterThan(at);
      at = next;
    }
    assertThat(t.projection("x == 1")).contains("\n| where x == 1\n| project ");
    assertThat(t.addColumnsCommand(columns("LogonID", "long")))
        .isEqualTo(".alter-merge table DeviceNetworkEvents (['LogonID']:long)");
  }

  @Test
  void namesAndTypesAreCheckedBeforeAnyKqlIsWritten() {
    assertThatThrownBy(() -> TypedTable.create("Device|Events", "Raw", false, Map.of()))
        .isInstanceOf(InvalidIdentifierException.class);
    assertThatThrownBy(() -> TypedTable.create("DeviceEvents", "DeviceEventsRaw", false,
        columns("x']:string) | drop", "string"))).isInstanceOf(InvalidIdentifierException.class);
    assertThatThrownBy(() -> TypedTable.create("DeviceEvents", "DeviceEventsRaw", false,
        columns("A", "string); .drop table X"))).isInstanceOf(IllegalArgumentException.class);
    TypedTable foreign = new TypedTable("DeviceEvents", "DeviceEventsRaw", false, columns("A", "string"));
    assertThat(foreign.hasProvenance()).isFalse();
  }
}
