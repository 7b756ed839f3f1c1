using VnetReconciler.Reconciler.Sources;
using VnetReconciler.Reconciler.State;

namespace VnetReconciler.Reconciler.Tests.State;

public sealed class AppliedStateStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vnet-state-").FullName;

    private static LastApplied State(string commit, string vnet) => new()
    {
        Revision = new Revision(commit, new string('e', 40), "main", DateTimeOffset.FromUnixTimeSeconds(1_790_000_000), "subject \"quoted\" ünïcode"),
        Files =
        [
            new RevisionFile("fleet.yaml", "fleet: { interval: 30s }\n"),
            new RevisionFile("vnets/v.sxp", $"(vnet (id {vnet}))\n# comment\ttab\n"),
        ],
        Inventory = new Inventory
        {
            Objects =
            [
                new OwnedObject(OwnedKind.Bridge, $"vnet{vnet}", $"0000:0000:0000:0000:0000:0000:0000:00{vnet}", 7),
                new OwnedObject(OwnedKind.VnetIf, $"vnif00{vnet}", $"0000:0000:0000:0000:0000:0000:0000:00{vnet}", 8),
                new OwnedObject(OwnedKind.Tap, "vm12-eth0", null, null),
                new OwnedObject(OwnedKind.Port, "vif-a", $"0000:0000:0000:0000:0000:0000:0000:00{vnet}", 3),
            ],
        },
        AppliedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_123_456),
    };

    [Fact]
    public void A_host_that_never_applied_has_no_state() => Assert.Null(new AppliedStateStore(_dir).Load());

    [Fact]
    public void Round_trips_revision_files_and_inventory()
    {
        var saved = State(new string('a', 40), "97");
        new AppliedStateStore(_dir).Save(saved);

        var loaded = new AppliedStateStore(_dir).Load();

        Assert.Equal(saved, loaded);
        Assert.Equal(saved.Files, loaded!.Files);
        Assert.Equal(saved.Inventory.Objects, loaded.Inventory.Objects);
        Assert.NotEqual(saved, State(new string('a', 40), "98"));
    }

    [Fact]
    public void Writes_readable_json_with_string_enums()
    {
        new AppliedStateStore(_dir).Save(State(new string('a', 40), "97"));
        var json = File.ReadAllText(Path.Combine(_dir, AppliedStateStore.FileName));

        Assert.Contains("\"version\": 1", json);
        Assert.Contains("\"commit_id\": \"aaaa", json);
        Assert.Contains("\"kind\": \"VnetIf\"", json);
    }

    [Theory]
    [InlineData(AtomicWriteStep.WriteTemporary)]
    [InlineData(AtomicWriteStep.Flush)]
    [InlineData(AtomicWriteStep.Rename)]
    public void A_crash_before_the_rename_leaves_the_old_state(AtomicWriteStep crashAt)
    {
        var old = State(new string('a', 40), "97");
        new AppliedStateStore(_dir).Save(old);
        var store = new AppliedStateStore(_dir) { BeforeStep = step => { if (step == crashAt) throw new SimulatedCrash(); } };

        Assert.Throws<SimulatedCrash>(() => store.Save(State(new string('b', 40), "98")));

        // After the "restart" the old state is there; the next save replaces the leftover temporary file.
        var restarted = new AppliedStateStore(_dir);
        Assert.Equal(old, restarted.Load());
        var newer = State(new string('c', 40), "99");
        restarted.Save(newer);
        Assert.Equal(newer, new AppliedStateStore(_dir).Load());
        Assert.False(File.Exists(Path.Combine(_dir, AppliedStateStore.FileName + AtomicFile.TemporarySuffix)));
    }

    [Fact]
    public void A_crash_right_after_the_rename_leaves_the_new_state()
    {
        new AppliedStateStore(_dir).Save(State(new string('a', 40), "97"));
        var newer = State(new string('b', 40), "98");
        var crashed = new AtomicWriteStep?[1];
        var store = new AppliedStateStore(_dir) { BeforeStep = step => crashed[0] = step };
        store.Save(newer);

        Assert.Equal(AtomicWriteStep.Rename, crashed[0]);
        Assert.Equal(newer, new AppliedStateStore(_dir).Load());
    }

    [Fact]
    public void A_damaged_state_file_is_reported_with_its_path()
    {
        File.WriteAllText(Path.Combine(_dir, AppliedStateStore.FileName), "{\"version\": 1, \"state\": {\"revision\": ");
        var error = Assert.Throws<InvalidDataException>(() => new AppliedStateStore(_dir).Load());
        Assert.Contains(AppliedStateStore.FileName, error.Message);

        File.WriteAllText(Path.Combine(_dir, AppliedStateStore.FileName), "{\"version\": 9, \"state\": null}");
        Assert.Throws<InvalidDataException>(() => new AppliedStateStore(_dir).Load());
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class SimulatedCrash : Exception;
}
