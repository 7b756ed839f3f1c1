using VnetReconciler.Reconciler.Rollout;

namespace VnetReconciler.Reconciler.Tests.Rollout;

/// <summary>The published <c>status.json</c> is a stable format (docs/fleet.md): byte for byte against a golden file.</summary>
public sealed class StatusDocumentGoldenTests
{
    private static readonly string s_golden = Path.Combine(AppContext.BaseDirectory, "testdata", "rollout", "status-document", "status.json");

    private static HostStatusDocument Sample() => new()
    {
        Host = "host-a",
        AgentVersion = "1.0.0",
        Revision = new RevisionStatus
        {
            Applied = "3f1c2a0e5b6d7c8f9a0b1c2d3e4f5a6b7c8d9e0f",
            Attempted = "9ab2c3d4e5f60718293a4b5c6d7e8f9012345678",
            Result = RevisionResult.Pending,
            Message = "outside the maintenance windows; the next opens at 2026-11-29 02:00:00Z",
            NextWindow = new DateTimeOffset(2026, 11, 29, 2, 0, 0, TimeSpan.Zero),
        },
        Conditions =
        [
            new StatusCondition("Ready", ConditionStatus.True, "Converged", "revision 3f1c2a0e5b6d applied and verified"),
            new StatusCondition("Reconciling", ConditionStatus.False, "Pending", "waiting for a maintenance window"),
        ],
        DriftObjects = 1,
        Conflicts = 0,
        Vnets = [new VnetReachability("0000:0000:0000:0000:0000:0000:0000:0097", 2, 1)],
        ReportedAt = new DateTimeOffset(2026, 11, 22, 4, 0, 0, TimeSpan.Zero),
    };

    [Fact]
    public void The_document_serializes_exactly_as_the_golden_file()
    {
        Assert.Equal(File.ReadAllText(s_golden).ReplaceLineEndings("\n").TrimEnd(), Sample().ToJson().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void The_golden_file_reads_back_to_the_same_document()
    {
        var read = HostStatusDocument.Parse(File.ReadAllBytes(s_golden));
        Assert.Equal(Sample().ToJson(), read.ToJson());
        Assert.Equal(ConditionStatus.True, read.ReadyCondition);
    }
}
