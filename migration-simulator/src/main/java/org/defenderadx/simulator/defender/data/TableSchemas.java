package org.defenderadx.simulator.defender.data;

import java.util.ArrayList;
import java.util.List;
import org.defenderadx.simulator.kql.Column;
import org.defenderadx.simulator.kql.KqlType;

/**
 * Column lists of the simulated tables. DeviceProcessEvents, DeviceNetworkEvents, DeviceInfo and the two TVM
 * software tables follow defender-api.md §3.2; the others follow the public schema reference from memory
 * (same shared InitiatingProcess* block), which is close enough for an exporter that is driven by the
 * response schema.
 */
public final class TableSchemas {
  private TableSchemas() {
  }

  private static final String INITIATING =
      "InitiatingProcessAccountDomain:string,InitiatingProcessAccountName:string,InitiatingProcessAccountSid:string,"
      + "InitiatingProcessAccountUpn:string,InitiatingProcessAccountObjectId:string,InitiatingProcessSHA1:string,"
      + "InitiatingProcessSHA256:string,InitiatingProcessMD5:string,InitiatingProcessFileName:string,"
      + "InitiatingProcessFileSize:long,InitiatingProcessVersionInfoCompanyName:string,"
      + "InitiatingProcessVersionInfoProductName:string,InitiatingProcessVersionInfoProductVersion:string,"
      + "InitiatingProcessVersionInfoInternalFileName:string,InitiatingProcessVersionInfoOriginalFileName:string,"
      + "InitiatingProcessVersionInfoFileDescription:string,InitiatingProcessId:long,"
      + "InitiatingProcessCommandLine:string,InitiatingProcessCreationTime:datetime,"
      + "InitiatingProcessFolderPath:string,InitiatingProcessParentId:long,InitiatingProcessParentFileName:string,"
      + "InitiatingProcessParentCreationTime:datetime,InitiatingProcessIntegrityLevel:string,"
      + "InitiatingProcessTokenElevation:string";

  public static final List<Column> DEVICE_PROCESS_EVENTS = parse(
      "Timestamp:datetime,DeviceId:string,DeviceName:string,ActionType:string,FileName:string,FolderPath:string,"
      + "SHA1:string,SHA256:string,MD5:string,FileSize:long,ProcessVersionInfoCompanyName:string,"
      + "ProcessVersionInfoProductName:string,ProcessVersionInfoProductVersion:string,"
      + "ProcessVersionInfoInternalFileName:string,ProcessVersionInfoOriginalFileName:string,"
      + "ProcessVersionInfoFileDescription:string,ProcessId:long,ProcessCommandLine:string,"
      + "ProcessIntegrityLevel:string,ProcessTokenElevation:string,ProcessCreationTime:datetime,"
      + "AccountDomain:string,AccountName:string,AccountSid:string,AccountUpn:string,AccountObjectId:string,"
      + "LogonId:long,InitiatingProcessLogonId:long,"
      + INITIATING
      + ",InitiatingProcessSignerType:string,InitiatingProcessSignatureStatus:string,ReportId:long,"
      + "AppGuardContainerId:string,AdditionalFields:string");

  /** Added to DeviceProcessEvents part-way through the laid-out period (schema drift). */
  public static final List<Column> DEVICE_PROCESS_EVENTS_ADDED = parse(
      "ProcessUniqueId:string,InitiatingProcessUniqueId:string");

  public static final List<Column> DEVICE_NETWORK_EVENTS = parse(
      "Timestamp:datetime,DeviceId:string,DeviceName:string,ActionType:string,RemoteIP:string,RemotePort:int,"
      + "RemoteUrl:string,LocalIP:string,LocalPort:int,Protocol:string,LocalIPType:string,RemoteIPType:string,"
      + INITIATING
      + ",ReportId:long,AppGuardContainerId:string,AdditionalFields:string,InitiatingProcessSessionId:long,"
      + "IsInitiatingProcessRemoteSession:bool,InitiatingProcessRemoteSessionDeviceName:string,"
      + "InitiatingProcessRemoteSessionIP:string,InitiatingProcessUniqueId:string");

  /** The documented newest column of DeviceNetworkEvents; appears shortly after the simulation starts. */
  public static final List<Column> DEVICE_NETWORK_EVENTS_ADDED = parse("LogonID:long");

  public static final List<Column> DEVICE_FILE_EVENTS = parse(
      "Timestamp:datetime,DeviceId:string,DeviceName:string,ActionType:string,FileName:string,FolderPath:string,"
      + "SHA1:string,SHA256:string,MD5:string,FileOriginUrl:string,FileOriginReferrerUrl:string,"
      + "FileOriginIP:string,PreviousFolderPath:string,PreviousFileName:string,FileSize:long,"
      + INITIATING
      + ",RequestProtocol:string,RequestSourceIP:string,RequestSourcePort:int,RequestAccountName:string,"
      + "RequestAccountDomain:string,RequestAccountSid:string,ShareName:string,SensitivityLabel:string,"
      + "SensitivitySubLabel:string,IsAzureInfoProtectionApplied:bool,ReportId:long,AppGuardContainerId:string,"
      + "AdditionalFields:string");

  public static final List<Column> DEVICE_LOGON_EVENTS = parse(
      "Timestamp:datetime,DeviceId:string,DeviceName:string,ActionType:string,LogonType:string,"
      + "AccountDomain:string,AccountName:string,AccountSid:string,Protocol:string,FailureReason:string,"
      + "IsLocalAdmin:bool,LogonId:long,RemoteDeviceName:string,RemoteIP:string,RemoteIPType:string,"
      + "RemotePort:int," + INITIATING + ",ReportId:long,AppGuardContainerId:string,AdditionalFields:string");

  public static final List<Column> DEVICE_REGISTRY_EVENTS = parse(
      "Timestamp:datetime,DeviceId:string,DeviceName:string,ActionType:string,RegistryKey:string,"
      + "RegistryValueType:string,RegistryValueName:string,RegistryValueData:string,PreviousRegistryKey:string,"
      + "PreviousRegistryValueName:string,PreviousRegistryValueData:string," + INITIATING
      + ",ReportId:long,AppGuardContainerId:string");

  /** DeviceEvents: the miscellaneous table; its AdditionalFields is dynamic and nested. */
  public static final List<Column> DEVICE_EVENTS = parse(
      "Timestamp:datetime,DeviceId:string,DeviceName:string,ActionType:string,FileName:string,FolderPath:string,"
      + "SHA1:string,SHA256:string,MD5:string,FileSize:long,AccountDomain:string,AccountName:string,"
      + "AccountSid:string,RemoteUrl:string,RemoteDeviceName:string,ProcessId:long,ProcessCommandLine:string,"
      + "ProcessCreationTime:datetime,ProcessTokenElevation:string,LogonId:long,RegistryKey:string,"
      + "RegistryValueName:string,RegistryValueData:string,RemoteIP:string,RemotePort:int,LocalIP:string,"
      + "LocalPort:int,FileOriginUrl:string,FileOriginIP:string," + INITIATING
      + ",ReportId:long,AppGuardContainerId:string,AdditionalFields:dynamic");

  public static final List<Column> DEVICE_INFO = parse(
      "Timestamp:datetime,DeviceId:string,DeviceName:string,ClientVersion:string,PublicIP:string,"
      + "OSArchitecture:string,OSPlatform:string,OSBuild:long,IsAzureADJoined:bool,JoinType:string,"
      + "AadDeviceId:string,LoggedOnUsers:string,RegistryDeviceTag:string,OSVersion:string,MachineGroup:string,"
      + "ReportId:long,OnboardingStatus:string,AdditionalFields:string,DeviceCategory:string,DeviceType:string,"
      + "DeviceSubtype:string,Model:string,Vendor:string,OSDistribution:string,OSVersionInfo:string,"
      + "MergedDeviceIds:string,MergedToDeviceId:string,IsInternetFacing:bool,SensorHealthState:string,"
      + "IsExcluded:bool,ExclusionReason:string,ExposureLevel:string,AssetValue:string,DeviceManualTags:string,"
      + "DeviceDynamicTags:string,ConnectivityType:string,HostDeviceId:string,AzureResourceId:string,"
      + "AwsResourceName:string,GcpFullResourceName:string,HardwareUuid:string,CloudPlatforms:string,"
      + "AzureVmId:string,AzureVmSubscriptionId:string,IsTransient:bool,OsBuildRevision:string,"
      + "MitigationStatus:string,Site:string,DiscoverySources:string,DeviceRoles:string,DlpInfo:string");

  public static final List<Column> ALERT_INFO = parse(
      "Timestamp:datetime,AlertId:string,Title:string,Category:string,Severity:string,ServiceSource:string,"
      + "DetectionSource:string,AttackTechniques:string");

  public static final List<Column> TVM_SOFTWARE_INVENTORY = parse(
      "DeviceId:string,DeviceName:string,OSPlatform:string,OSVersion:string,OSArchitecture:string,"
      + "SoftwareVendor:string,SoftwareName:string,SoftwareVersion:string,EndOfSupportStatus:string,"
      + "EndOfSupportDate:datetime,ProductCodeCpe:string");

  public static final List<Column> TVM_SOFTWARE_VULNERABILITIES = parse(
      "DeviceId:string,DeviceName:string,OSPlatform:string,OSVersion:string,OSArchitecture:string,"
      + "SoftwareVendor:string,SoftwareName:string,SoftwareVersion:string,CveId:string,"
      + "VulnerabilitySeverityLevel:string,RecommendedSecurityUpdate:string,RecommendedSecurityUpdateId:string,"
      + "CveTags:dynamic");

  public static final List<Column> TVM_SECURE_CONFIGURATION_ASSESSMENT = parse(
      "DeviceId:string,DeviceName:string,OSPlatform:string,Timestamp:datetime,ConfigurationId:string,"
      + "ConfigurationCategory:string,ConfigurationSubcategory:string,ConfigurationImpact:real,"
      + "IsCompliant:bool,IsApplicable:bool,Context:dynamic,IsExpectedUserImpact:bool");

  public static final List<Column> TVM_HARDWARE_FIRMWARE = parse(
      "DeviceId:string,DeviceName:string,ComponentType:string,Manufacturer:string,ComponentName:string,"
      + "ComponentFamily:string,ComponentVersion:string,AdditionalFields:dynamic");

  public static final List<Column> BASELINE_COMPLIANCE_PROFILES = parse(
      "ProfileId:string,ProfileName:string,ProfileDescription:string,OSPlatform:string,OSVersion:string,"
      + "Benchmark:string,Version:string,ProfileLevel:string,CreatedBy:string,CreatedOn:datetime,"
      + "LastUpdatedBy:string,LastUpdatedOn:datetime,IsActive:bool");

  public static final List<Column> BASELINE_COMPLIANCE_ASSESSMENT_KB = parse(
      "ConfigurationId:string,ConfigurationName:string,ConfigurationDescription:string,"
      + "RemediationOptions:string,ConfigurationBenchmark:string,ConfigurationCategory:string,"
      + "ConfigurationSubcategory:string,Source:dynamic");

  public static final List<Column> BASELINE_COMPLIANCE_ASSESSMENT = parse(
      "DeviceId:string,DeviceName:string,OSPlatform:string,OSVersion:string,ConfigurationId:string,"
      + "ProfileId:string,ProfileName:string,IsCompliant:bool,IsApplicable:bool,CurrentValue:string,"
      + "RecommendedValue:string,Source:dynamic,IsExempt:bool");

  public static final List<Column> TVM_BROWSER_EXTENSIONS = parse(
      "DeviceId:string,BrowserName:string,ExtensionId:string,ExtensionName:string,ExtensionDescription:string,"
      + "ExtensionVersion:string,ExtensionRisk:string,ExtensionVendor:string,IsActivated:bool,"
      + "InstallationTime:datetime");

  public static final List<Column> TVM_CERTIFICATE_INFO = parse(
      "DeviceId:string,Thumbprint:string,Path:string,SignatureAlgorithm:string,KeySize:int,IssueDate:datetime,"
      + "ExpirationDate:datetime,SerialNumber:string,IssuedTo:dynamic,IssuedBy:dynamic,FriendlyName:string,"
      + "KeyUsage:string,ExtendedKeyUsage:dynamic");

  /** {@code "Name:type,Name:type"} into columns. */
  public static List<Column> parse(String spec) {
    List<Column> cols = new ArrayList<>();
    for (String part : spec.split(",")) {
      String[] nt = part.trim().split(":");
      cols.add(new Column(nt[0], KqlType.fromName(nt[1])));
    }
    return List.copyOf(cols);
  }
}
