package org.defenderadx.simulator.defender.data;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import org.defenderadx.simulator.kql.Column;
import org.defenderadx.simulator.kql.KqlType;

/**
 * Turns a column into a value generator, chosen once by column name and type, so a row costs one call per
 * column. Values are plausible rather than faithful; what matters for an exporter is that they have the real
 * types and widths, and that some of them are hostile: multi-byte UTF-8, quotes, backslashes, newlines, nulls
 * and nested dynamic values.
 */
public final class ValueFactory {

  /** What a row's columns share: its device, times and position. */
  public static final class RowCtx {
    public int device;
    public Instant timestamp;
    public Instant ingestion;
    public long index;
    public String actionType;
  }

  /** Generates one column's value for a row. */
  @FunctionalInterface
  public interface Gen {
    Object next(RowCtx ctx, SplittableRandom r);
  }

  static final String[] FILES = {
      "powershell.exe", "cmd.exe", "svchost.exe", "explorer.exe", "chrome.exe", "msedge.exe", "teams.exe",
      "OUTLOOK.EXE", "csc.exe", "conhost.exe", "rundll32.exe", "wmic.exe", "python3", "bash", "rapport_été.exe",
      "更新程序.exe"};
  static final String[] FOLDERS = {
      "C:\\Windows\\System32\\", "C:\\Program Files\\Google\\Chrome\\Application\\",
      "C:\\Users\\José\\AppData\\Local\\Temp\\", "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\",
      "/usr/bin/", "/home/jürgen/.local/bin/", "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\"};
  static final String[] USERS = {
      "alice", "bob", "josé.garcía", "jürgen.müller", "王伟", "søren", "ольга", "o'brien", "system",
      "network service", "admin\"quoted"};
  static final String[] DOMAINS = {"CONTOSO", "NT AUTHORITY", "FABRIKAM", "ДОМЕН"};
  static final String[] COMPANIES = {"Microsoft Corporation", "Google LLC", "Python Software Foundation", "",
      "Contoso Ltd. \"Tools\""};
  static final String[] COMMANDS = {
      "\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\" --type=renderer --lang=de "
          + "--field-trial-handle=1234,i,5678 /prefetch:1",
      "powershell.exe -NoProfile -ExecutionPolicy Bypass -Command \"Get-ChildItem 'C:\\Users\\José\\Documents' "
          + "| Where-Object { $_.Length -gt 1MB } | Export-Csv -Path \\\\srv\\share\\out.csv\"",
      "cmd.exe /c \"echo first line\nsecond line\r\nthird\tline\" > C:\\temp\\x.txt",
      "svchost.exe -k netsvcs -p -s Schedule",
      "/bin/bash -c 'for f in /var/log/*.log; do grep -H \"error\" \"$f\"; done'",
      "rundll32.exe C:\\Windows\\System32\\shell32.dll,Control_RunDLL \"Ωmega ☃ 🙂\"",
      "python3 -c \"print('it\\'s a \\\\ backslash')\"",
      "msiexec.exe /i \"C:\\Users\\王伟\\Downloads\\安装程序.msi\" /qn",
      "explorer.exe", "conhost.exe 0xffffffff -ForceV1", "svchost.exe -k LocalService -p", "\"teams.exe\"",
      "C:\\Windows\\system32\\wbem\\wmiprvse.exe -Embedding", "/usr/sbin/sshd -D"};
  static final String[] URLS = {"login.microsoftonline.com", "www.contoso.com", "cdn.例え.jp", "api.github.com",
      "update.googleapis.com", "xn--bcher-kva.example"};

  private ValueFactory() {
  }

  public static Gen forColumn(Column c, Devices devices) {
    String n = c.name();
    KqlType t = c.type();
    switch (n) {
      case "Timestamp": return (x, r) -> x.timestamp;
      case "DeviceId": return (x, r) -> devices.id(x.device);
      case "DeviceName": return (x, r) -> devices.name(x.device);
      case "ActionType": return (x, r) -> x.actionType;
      case "OSPlatform": return (x, r) -> devices.osPlatform(x.device);
      case "OSVersion": return (x, r) -> devices.osVersion(x.device);
      case "OSArchitecture": return (x, r) -> devices.osArchitecture(x.device);
      case "OSBuild": return (x, r) -> devices.osBuild(x.device);
      case "ReportId": return (x, r) -> (x.index * 7 + x.device) % 20_000; // a repeating counter, as documented
      case "AppGuardContainerId": return (x, r) -> "";
      case "Severity": return (x, r) -> Rows.pick(r, new String[] {"High", "Medium", "Low", "Informational"});
      case "Category":
        return (x, r) -> Rows.pick(r, new String[] {"Execution", "CredentialAccess", "Persistence", "Malware",
            "InitialAccess", "SuspiciousActivity"});
      case "ServiceSource":
        return (x, r) -> Rows.pick(r, new String[] {"Microsoft Defender for Endpoint",
            "Microsoft Defender for Office 365", "Microsoft Defender XDR"});
      case "DetectionSource":
        return (x, r) -> Rows.pick(r, new String[] {"EDR", "Antivirus", "Custom detection", "AutomatedInvestigation"});
      case "AttackTechniques":
        return (x, r) -> r.nextInt(3) == 0 ? "" : "[\"PowerShell (T1059.001)\",\"Process Injection (T1055)\"]";
      case "LogonType":
        return (x, r) -> Rows.pick(r, new String[] {"Interactive", "Network", "RemoteInteractive", "Batch", "Service"});
      case "FailureReason":
        return (x, r) -> r.nextInt(3) == 0 ? "InvalidUserNameOrPassword" : "";
      case "SoftwareVendor":
        return (x, r) -> Rows.pick(r, new String[] {"microsoft", "google", "mozilla", "adobe", "oracle", "7-zip"});
      case "SoftwareName":
        return (x, r) -> Rows.pick(r, new String[] {"edge", "chrome", "firefox", "acrobat_reader", "jre", "7-zip",
            "office"});
      case "VulnerabilitySeverityLevel":
        return (x, r) -> Rows.pick(r, new String[] {"Critical", "High", "Medium", "Low"});
      case "CveTags":
        return (x, r) -> r.nextInt(2) == 0 ? List.of() : List.of("ExploitVerified", "ZeroDay");
      case "Protocol": return (x, r) -> Rows.pick(r, new String[] {"Tcp", "Udp", "TcpV6", "Kerberos", "Ntlm"});
      case "LoggedOnUsers":
        return (x, r) -> "[{\"UserName\":\"" + Rows.pick(r, USERS).replace("\"", "\\\"")
            + "\",\"DomainName\":\"CONTOSO\",\"Sid\":\"S-1-5-21-1004336348-1177238915-682003330-"
            + (1000 + r.nextInt(500)) + "\"}]";
      case "AdditionalFields":
        if (t == KqlType.DYNAMIC) {
          return ValueFactory::nestedDynamic;
        }
        return (x, r) -> r.nextInt(3) == 0 ? ""
            : "{\"Command\":\"" + Rows.pick(r, new String[] {"Invoke-WebRequest", "net use", "reg add"})
                + "\",\"Note\":\"caf\\u00e9 \\\"q\\\" \\\\ end\",\"Depth\":" + r.nextInt(9) + "}";
      default: break;
    }
    if (t == KqlType.STRING) {
      if (n.contains("VersionInfo")) {
        // Often absent in real data (unsigned or stripped binaries).
        Gen inner = versionInfo(n);
        return (x, r) -> r.nextInt(2) == 0 ? "" : inner.next(x, r);
      }
      if (n.endsWith("SHA1")) {
        return (x, r) -> Rows.hex(r, 40);
      }
      if (n.endsWith("SHA256")) {
        return (x, r) -> r.nextInt(20) == 0 ? "" : Rows.hex(r, 64);
      }
      if (n.endsWith("MD5")) {
        return (x, r) -> Rows.hex(r, 32);
      }
      if (n.endsWith("CommandLine")) {
        return (x, r) -> Rows.pick(r, COMMANDS);
      }
      if (n.endsWith("FileName")) {
        return (x, r) -> Rows.pick(r, FILES);
      }
      if (n.endsWith("FolderPath")) {
        return (x, r) -> Rows.pick(r, FOLDERS) + Rows.pick(r, FILES);
      }
      if (n.endsWith("CompanyName")) {
        return (x, r) -> Rows.pick(r, COMPANIES);
      }
      if (n.endsWith("ProductVersion") || n.endsWith("ClientVersion") || n.endsWith("Version")) {
        return (x, r) -> (10 + r.nextInt(3)) + ".0." + (19000 + r.nextInt(4000)) + "." + r.nextInt(5000);
      }
      if (n.endsWith("AccountDomain")) {
        return (x, r) -> Rows.pick(r, DOMAINS);
      }
      if (n.endsWith("AccountName")) {
        return (x, r) -> Rows.pick(r, USERS);
      }
      if (n.endsWith("Sid")) {
        return (x, r) -> "S-1-5-21-1004336348-1177238915-682003330-" + (500 + r.nextInt(2000));
      }
      if (n.endsWith("Upn")) {
        return (x, r) -> r.nextInt(4) == 0 ? null : Rows.pick(r, USERS).replace(' ', '.') + "@contoso.com";
      }
      if (n.endsWith("ObjectId") || n.endsWith("AadDeviceId") || n.endsWith("Uuid") || n.endsWith("AlertId")
          || n.endsWith("VmId") || n.endsWith("SubscriptionId") || n.equals("ProfileId")) {
        return (x, r) -> r.nextInt(10) == 0 ? null : Rows.guid(r);
      }
      if (n.endsWith("IP")) {
        return (x, r) -> r.nextInt(8) == 0 ? "fe80::" + Integer.toHexString(r.nextInt(0x10000)) + ":"
            + Integer.toHexString(r.nextInt(0x10000))
            : (10 + r.nextInt(180)) + "." + r.nextInt(256) + "." + r.nextInt(256) + "." + (1 + r.nextInt(254));
      }
      if (n.endsWith("IPType")) {
        return (x, r) -> Rows.pick(r, new String[] {"Public", "Private", "Loopback", "LinkLocal"});
      }
      if (n.endsWith("Url")) {
        return (x, r) -> r.nextInt(5) == 0 ? "" : "https://" + Rows.pick(r, URLS) + "/p?q=" + r.nextInt(100000)
            + "&x=%22a%22";
      }
      if (n.endsWith("IntegrityLevel")) {
        return (x, r) -> Rows.pick(r, new String[] {"High", "Medium", "System", "Low"});
      }
      if (n.endsWith("TokenElevation")) {
        return (x, r) -> Rows.pick(r, new String[] {"TokenElevationTypeDefault", "TokenElevationTypeFull",
            "TokenElevationTypeLimited"});
      }
      if (n.endsWith("UniqueId")) {
        return (x, r) -> Long.toString(r.nextLong() & Long.MAX_VALUE);
      }
      if (n.equals("RegistryKey") || n.equals("PreviousRegistryKey")) {
        return (x, r) -> "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\"
            + Rows.pick(r, FILES);
      }
      if (n.endsWith("ValueData")) {
        return (x, r) -> "\"" + Rows.pick(r, FOLDERS) + Rows.pick(r, FILES) + "\" --flag";
      }
      if (n.equals("Title") || n.endsWith("Description")) {
        return (x, r) -> Rows.pick(r, new String[] {"Suspicious PowerShell command line",
            "Possible credential theft — lsass access", "Ransomware behaviour detected: « chiffrement »",
            "Multi-line\ndescription with \"quotes\" and \\ backslash"});
      }
      if (n.equals("CveId")) {
        return (x, r) -> "CVE-20" + (18 + r.nextInt(9)) + "-" + (1000 + r.nextInt(40000));
      }
      return (x, r) -> word(n, r);
    }
    switch (t) {
      case LONG:
        if (n.endsWith("Size")) {
          return (x, r) -> r.nextInt(15) == 0 ? null : (long) r.nextInt(50_000_000);
        }
        return (x, r) -> (long) r.nextInt(1_000_000);
      case INT:
        if (n.endsWith("Port")) {
          return (x, r) -> r.nextInt(4) == 0 ? 443 : r.nextInt(65536);
        }
        return (x, r) -> r.nextInt(4096);
      case BOOL:
        return (x, r) -> r.nextInt(12) == 0 ? null : r.nextBoolean();
      case REAL:
        return (x, r) -> r.nextInt(100) / 10.0;
      case DATETIME:
        return (x, r) -> {
          Instant base = x.timestamp != null ? x.timestamp : x.ingestion;
          return base.minusSeconds(r.nextInt(86_400 * 30)).minusNanos(100L * r.nextInt(10_000_000));
        };
      case TIMESPAN:
        return (x, r) -> Duration.ofMillis(r.nextInt(100_000));
      case GUID:
        return (x, r) -> new UUID(r.nextLong(), r.nextLong());
      case DYNAMIC:
        return ValueFactory::nestedDynamic;
      default:
        return (x, r) -> null;
    }
  }

  private static Gen versionInfo(String n) {
    if (n.endsWith("CompanyName")) {
      return (x, r) -> Rows.pick(r, COMPANIES);
    }
    if (n.endsWith("ProductVersion")) {
      return (x, r) -> (10 + r.nextInt(3)) + ".0." + (19000 + r.nextInt(4000)) + "." + r.nextInt(5000);
    }
    if (n.endsWith("FileName")) {
      return (x, r) -> Rows.pick(r, FILES);
    }
    return (x, r) -> Rows.pick(r, new String[] {"Microsoft® Windows® Operating System", "Google Chrome",
        "Windows Command Processor", "Python"});
  }

  private static final String[] WORDS = {"Enabled", "Disabled", "Unknown", "Active", "None", "Managed",
      "Onboarded", "High", "Low", "Medium", "Workstation", "Server", "Windows", "Ümlaut-Wert", "значение"};

  private static String word(String column, SplittableRandom r) {
    int k = r.nextInt(WORDS.length + 3);
    return k >= WORDS.length ? "" : WORDS[k];
  }

  /** A nested JSON object with arrays, numbers, booleans, nulls and awkward strings. */
  static Object nestedDynamic(RowCtx x, SplittableRandom r) {
    if (r.nextInt(10) == 0) {
      return null;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ProcessName", Rows.pick(r, FILES));
    m.put("Count", (long) r.nextInt(1000));
    m.put("Ratio", r.nextInt(1000) / 8.0);
    m.put("Flag", r.nextBoolean());
    m.put("Missing", null);
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("Path", Rows.pick(r, FOLDERS));
    inner.put("Tags", List.of("a\"b", "c\\d", "é\n2"));
    inner.put("Deep", Map.of("Level", 3L));
    m.put("Details", inner);
    return m;
  }
}
