using VirtualLan.Configuration;

namespace VirtualLan.Tests.Unit;

public class LanDocumentTests
{
    private const string Valid = """
        {
          "version": 1,
          "bridges": [ { "name": "virtualnet0", "address": "172.24.0.1/16", "mtu": 1500 } ],
          "routers": [ { "name": "router", "bridge": "virtualnet0", "uplink": "eth1", "uplinkMode": "dhcp" } ],
          "appliances": [
            { "kind": "namespace", "name": "c1", "bridge": "virtualnet0", "address": "172.24.4.2/16", "create": true },
            { "kind": "tap", "name": "qemutap0", "bridge": "virtualnet0" }
          ],
          "portForwards": [ { "router": "router", "protocol": "tcp", "externalPort": "4000", "internalAddress": "172.24.4.2" } ]
        }
        """;

    [Fact]
    public void A_valid_document_reads_and_writes_back_sorted_and_the_same_twice()
    {
        var document = LanDocumentJson.Read(Valid, "lan.json");
        var text = LanDocumentJson.Write(document);
        Assert.Equal(text, LanDocumentJson.Write(LanDocumentJson.Read(text, "again")));
        Assert.EndsWith("}\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"create\": false", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf("\"namespace\"", StringComparison.Ordinal) < text.IndexOf("\"tap\"", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{ \"version\": 1, \"bridges\": [ { \"name\": \"b\" ", ErrorIds.ConfigurationNotJson, "$.bridges[0].name")]
    [InlineData("{ \"version\": 2 }", ErrorIds.ConfigurationSchemaViolation, "$.version")]
    [InlineData("{ \"version\": 1, \"bridges\": [ { \"name\": \"b\", \"address\": \"10.0.0.1/8\", \"colour\": 1 } ] }", ErrorIds.ConfigurationSchemaViolation, "$.bridges[0].colour")]
    [InlineData("{ \"version\": 1, \"bridges\": [ { \"name\": \"b\", \"address\": \"10.0.0.1/8\" } ], \"appliances\": [ { \"kind\": \"vm\", \"name\": \"x\", \"bridge\": \"b\" } ] }", ErrorIds.ConfigurationSchemaViolation, "$.appliances[0].kind")]
    [InlineData("{ \"version\": 1, \"bridges\": [ { \"name\": \"b\", \"address\": \"10.0.0.1/8\" } ], \"appliances\": [ { \"kind\": \"tap\", \"name\": \"x\", \"bridge\": \"b\", \"address\": \"11.0.0.2/8\" } ] }", ErrorIds.ConfigurationInvalid, "$.appliances[0].address")]
    [InlineData("{ \"version\": 1, \"bridges\": [ { \"name\": \"b\", \"address\": \"10.0.0.1/8\" } ], \"appliances\": [ { \"kind\": \"tap\", \"name\": \"x\", \"bridge\": \"b\", \"address\": \"10.0.0.2/8\" }, { \"kind\": \"tap\", \"name\": \"y\", \"bridge\": \"b\", \"address\": \"10.0.0.2/8\" } ] }", ErrorIds.ConfigurationInvalid, "$.appliances[1].address")]
    [InlineData("{ \"version\": 1, \"appliances\": [ { \"kind\": \"tap\", \"name\": \"x\", \"bridge\": \"nope\" } ] }", ErrorIds.ConfigurationInvalid, "$.appliances[0].bridge")]
    [InlineData("{ \"version\": 1, \"bridges\": [ { \"name\": \"b\", \"address\": \"10.0.0.1/8\" } ], \"appliances\": [ { \"kind\": \"tap\", \"name\": \"x\", \"bridge\": \"b\", \"create\": true } ] }", ErrorIds.ConfigurationInvalid, "$.appliances[0].create")]
    [InlineData("{ \"version\": 1, \"routers\": [ { \"name\": \"r\", \"bridge\": \"b\", \"uplink\": \"u\", \"uplinkGateway\": \"1.2.3.4\" } ] }", ErrorIds.ConfigurationSchemaViolation, "$.routers[0]")]
    [InlineData("{ \"version\": 1, \"bridges\": [ { \"name\": \"b\", \"address\": \"10.0.0.1/8\" } ], \"routers\": [ { \"name\": \"r\", \"bridge\": \"b\", \"uplink\": \"u\", \"uplinkMode\": \"keep\" } ], \"appliances\": [ { \"kind\": \"tap\", \"name\": \"x\", \"bridge\": \"b\", \"address\": \"10.0.0.2\" } ] }", ErrorIds.ConfigurationSchemaViolation, "$.appliances[0].address")]
    public void A_bad_document_is_refused_with_the_json_path_of_the_problem(string text, string id, string path)
    {
        var error = Assert.Throws<VlanException>(() => LanDocumentJson.Read(text, "lan.json"));
        Assert.Equal(id, error.ErrorId);
        Assert.Equal(VlanErrorKind.InvalidData, error.Kind);
        Assert.Equal(path, error.Target);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_units_run_pwsh_and_the_module_by_absolute_path_and_read_back_to_the_same_argv()
    {
        var command = SystemdUnits.Command(new[] { "/usr/bin/dotnet", "/opt/pwsh/pwsh.dll" }, "/opt/VirtualLan/VirtualLan.psd1", "/etc/virtuallan.json");
        var unit = SystemdUnits.Unit(SystemdUnits.DockerUnit, command, "/etc/virtuallan.json", null);
        Assert.Equal(command, SystemdUnits.ExecStart(unit));
        Assert.Contains("PartOf=docker.service\n", unit, StringComparison.Ordinal);
        Assert.DoesNotContain("$", unit, StringComparison.Ordinal);
        var error = Assert.Throws<VlanException>(() => SystemdUnits.Command(new[] { "pwsh" }, "/m.psd1", "/d.json"));
        Assert.Equal(ErrorIds.UnitPathInvalid, error.ErrorId);
        Assert.Throws<VlanException>(() => SystemdUnits.Command(new[] { "/usr/bin/pwsh" }, "/m.psd1", "/100%.json"));
    }
}
