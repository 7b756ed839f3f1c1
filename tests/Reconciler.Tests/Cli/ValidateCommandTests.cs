using System.CommandLine;
using System.Text.Json;
using VnetReconciler.Reconciler.Cli;

namespace VnetReconciler.Reconciler.Tests.Cli;

/// <summary><c>vnetctl validate</c> run in-process through the real command tree (SPEC §5).</summary>
public sealed class ValidateCommandTests
{
    private static readonly string Testdata = Path.Combine(AppContext.BaseDirectory, "testdata", "schema");

    private static async Task<(int Exit, string Output)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await VnetctlApp.Build().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString() + error.ToString());
    }

    [Fact]
    public async Task The_example_fleet_is_valid()
    {
        var (exit, output) = await RunAsync("validate", Path.Combine(Testdata, "valid-example-fleet", "input"));
        Assert.Equal(0, exit);
        Assert.Equal("valid: 3 vnets, 3 hosts, 1 peer\n", output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task A_bad_tree_exits_1_with_its_diagnostics()
    {
        var (exit, output) = await RunAsync("validate", Path.Combine(Testdata, "invalid-errors-in-several-files", "input"));
        Assert.Equal(1, exit);
        Assert.Contains("vnets/a.sxp:1:11: error: vnet id 0 is not allowed: vnet ids are non-zero", output);
        Assert.Contains("hosts/h.sxp:1:58: error: vnet id 'zz' is not hexadecimal", output);
        Assert.EndsWith("invalid: 3 errors\n", output.ReplaceLineEndings("\n"));
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public async Task Json_output_is_stable()
    {
        var (exit, output) = await RunAsync("validate", Path.Combine(Testdata, "invalid-id-zero", "input"), "-o", "json");
        Assert.Equal(1, exit);
        using var json = JsonDocument.Parse(output);
        Assert.False(json.RootElement.GetProperty("valid").GetBoolean());
        var d = Assert.Single(json.RootElement.GetProperty("diagnostics").EnumerateArray().ToList());
        Assert.Equal(("vnets/v.sxp", 1, 11, "error", "vnet-id"),
            (d.GetProperty("file").GetString(), d.GetProperty("line").GetInt32(), d.GetProperty("column").GetInt32(),
             d.GetProperty("severity").GetString(), d.GetProperty("code").GetString()));
        Assert.Equal("vnet id 0 is not allowed: vnet ids are non-zero", d.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Strict_makes_warnings_errors()
    {
        var dir = Path.Combine(Testdata, "valid-with-unknown-field-warning", "input");
        Assert.Equal(0, (await RunAsync("validate", dir)).Exit);
        var (exit, output) = await RunAsync("validate", dir, "--strict");
        Assert.Equal(1, exit);
        Assert.Contains("vnets/v.yaml:3:3: error: unknown field 'secuirty' in vnet (did you mean 'security'?); it is ignored", output);
    }

    [Fact]
    public async Task Help_and_version_work()
    {
        var (helpExit, help) = await RunAsync("--help");
        Assert.Equal(0, helpExit);
        Assert.Contains("validate", help);
        var (versionExit, version) = await RunAsync("--version");
        Assert.Equal(0, versionExit);
        Assert.Matches(@"^\d+\.\d+\.\d+", version); // in-process the entry assembly is the test host; vnetctl itself prints 0.1.0
    }
}
