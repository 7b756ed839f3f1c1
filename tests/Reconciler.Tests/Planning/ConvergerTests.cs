using System.Net;
using VnetReconciler.Reconciler.Apply;
using VnetReconciler.Reconciler.Planning;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Tests.Planning;

/// <summary>Plan, apply and verify against the in-memory kernel (the unit tier of SPEC §3, §6.1).</summary>
public sealed class ConvergerTests
{
    private static readonly VnetId V97 = VnetId.Parse("97");
    private static readonly VnetId V98 = VnetId.Parse("98");

    internal static DesiredState Fleet(params Vnet[] vnets) => new()
    {
        Vnets = vnets.ToEquatableArray(),
        Hosts =
        [
            new Host
            {
                Name = "host-a", Address = IPAddress.Parse("198.18.0.1"),
                Ports =
                [
                    new Port { Name = "vm-a97", Vnet = V97 },
                    new Port { Name = "tap-a97", Vnet = V97, Type = PortType.Tap, Owner = 1000 },
                ],
            },
            new Host { Name = "host-b", Address = IPAddress.Parse("198.18.0.2") },
        ],
    };

    private static Intent IntentFor(DesiredState state) =>
        IntentMapper.Map(state, "host-a", out var error) ?? throw new InvalidOperationException(error);

    [Fact]
    public void EmptyHostPlansEveryObjectInDependencyOrderAndApplyConverges()
    {
        var kernel = new FakeKernel();
        kernel.Add("vm-a97", KernelLinkKind.Veth);
        var converger = new HostConverger(kernel, new MemoryInventory());
        var intent = IntentFor(Fleet(Vnet.Create(V97)));

        var plan = converger.Plan(intent, "r1");
        Assert.Equal(
            ["create bridge vnet97", "create vnetif vnif0097", "create tap tap-a97", "update port vm-a97", "update mtu vm-a97"],
            plan.Changes.Select(c => $"{c.Action.ToString().ToLowerInvariant()} {c.Kind.ToString().ToLowerInvariant()} {c.Name}"));
        Assert.Equal(1436, plan.GuestMtu[V97.ToString()]);
        Assert.False(plan.TunnelObserved);

        var result = converger.Apply(plan, intent);
        Assert.Equal(ApplyOutcome.Converged, result.Outcome);
        Assert.False(converger.Plan(intent, "r1").HasChanges);
        Assert.Equal("vnet97", kernel["vnif0097"].Master);
        Assert.Equal("vnet97", kernel["vm-a97"].Master);
        Assert.Equal(1436, kernel["tap-a97"].Mtu);
        Assert.Equal(1000u, kernel["tap-a97"].TunOwner);
        Assert.True(Ownership.IsOwnedAlias(kernel["vnet97"].Alias));
        Assert.Null(kernel["vm-a97"].Alias); // adopted, not marked: it is not ours
    }

    [Fact]
    public void UnownedLinkWithDeclaredNameIsAConflictAndLeftUntouched()
    {
        var kernel = new FakeKernel();
        kernel.Add("vnet97", KernelLinkKind.Bridge, mtu: 9000);
        kernel.Add("somebr", KernelLinkKind.Bridge);
        var converger = new HostConverger(kernel, new MemoryInventory());
        var intent = IntentFor(Fleet(Vnet.Create(V97)));

        var plan = converger.Plan(intent, "r1");
        var conflict = Assert.Single(plan.Conflicts);
        Assert.Equal("vnet97", conflict.Name);
        Assert.Contains("not owned", conflict.Reason);
        Assert.DoesNotContain(plan.Changes, c => c.Name is "vnet97" or "somebr" or "vnif0097" or "tap-a97");

        converger.Apply(plan, intent);
        Assert.Equal(9000, kernel["vnet97"].Mtu);
        Assert.Null(kernel["vnet97"].Alias);
        Assert.DoesNotContain(kernel.Calls, c => c.Contains("somebr") || c.Contains(" vnet97"));
    }

    [Fact]
    public void LinkPortOnAForeignBridgeIsAConflict()
    {
        var kernel = new FakeKernel();
        kernel.Add("otherbr", KernelLinkKind.Bridge);
        kernel.Add("vm-a97", KernelLinkKind.Veth, master: "otherbr");
        var converger = new HostConverger(kernel, new MemoryInventory());
        var intent = IntentFor(Fleet(Vnet.Create(V97)));
        var plan = converger.Plan(intent, "r1");
        Assert.Contains(plan.Conflicts, c => c.Name == "vm-a97" && c.Reason.Contains("otherbr"));
        converger.Apply(plan, intent);
        Assert.Equal("otherbr", kernel["vm-a97"].Master);
    }

    [Fact]
    public void RemovingAVnetDeletesExactlyWhatWeOwnAndReleasesAdoptedPorts()
    {
        var kernel = new FakeKernel();
        kernel.Add("vm-a97", KernelLinkKind.Veth);
        var inventory = new MemoryInventory();
        var converger = new HostConverger(kernel, inventory);
        var both = IntentFor(Fleet(Vnet.Create(V97), Vnet.Create(V98)));
        Assert.Equal(ApplyOutcome.Converged, converger.Apply(converger.Plan(both, "r1"), both).Outcome);
        kernel.Add("foreign0", KernelLinkKind.Veth, master: "vnet97"); // someone else's member of our bridge

        var state = Fleet(Vnet.Create(V98)) with { };
        state = state with { Hosts = [state.Hosts[0] with { Ports = [] }, state.Hosts[1]] };
        var only98 = IntentFor(state);
        var plan = converger.Plan(only98, "r2");
        Assert.Equal(
            ["update port vm-a97", "delete tap tap-a97", "delete vnetif vnif0097", "delete bridge vnet97"],
            plan.Changes.Select(c => $"{c.Action.ToString().ToLowerInvariant()} {c.Kind.ToString().ToLowerInvariant()} {c.Name}"));
        Assert.Equal(ApplyOutcome.Converged, converger.Apply(plan, only98).Outcome);
        Assert.True(kernel.Has("vm-a97"));
        Assert.Null(kernel["vm-a97"].Master);
        Assert.Equal(1500, kernel["vm-a97"].Mtu); // given back with the MTU it had when it was adopted
        Assert.True(kernel.Has("foreign0"));
        Assert.True(kernel.Has("vnet98") && kernel.Has("vnif0098"));
        Assert.DoesNotContain(inventory.Entries, e => e.Vnet == V97.ToString());
    }

    [Fact]
    public void VerifyNamesTheFirstMismatch()
    {
        var kernel = new FakeKernel { IgnoreMtuOf = "vm-a97" };
        kernel.Add("vm-a97", KernelLinkKind.Veth);
        var converger = new HostConverger(kernel, new MemoryInventory());
        var intent = IntentFor(Fleet(Vnet.Create(V97)));
        var result = converger.Apply(converger.Plan(intent, "r1"), intent);
        Assert.Equal(ApplyOutcome.VerifyFailed, result.Outcome);
        Assert.Equal("links[vm-a97].mtu: want 1436, got 1500", result.Mismatch);
    }

    [Fact]
    public void AKernelErrorStopsTheApplyAndSaysWhetherARetryHelps()
    {
        var kernel = new FakeKernel();
        kernel.Add("vm-a97", KernelLinkKind.Veth);
        var converger = new HostConverger(kernel, new MemoryInventory())
        {
            BeforeStep = s => { if (s.StartsWith("create tap", StringComparison.Ordinal)) throw new KernelOperationException("tap-a97: Device or resource busy", true); },
        };
        var intent = IntentFor(Fleet(Vnet.Create(V97)));
        var result = converger.Apply(converger.Plan(intent, "r1"), intent);
        Assert.Equal(ApplyOutcome.StepFailed, result.Outcome);
        Assert.True(result.Transient);
        Assert.Contains("busy", result.Error);
    }

    private sealed class Crash(string step) : Exception($"crash before: {step}");

    [Fact]
    public void AnApplyInterruptedAtAnyStepConvergesOnTheNextRun()
    {
        var intent = IntentFor(Fleet(Vnet.Create(V97), Vnet.Create(V98)));
        var total = 0;
        {
            var kernel = new FakeKernel();
            kernel.Add("vm-a97", KernelLinkKind.Veth);
            new HostConverger(kernel, new MemoryInventory()) { BeforeStep = _ => total++ }.Apply(
                new HostConverger(kernel, new MemoryInventory()).Plan(intent, "r1"), intent);
        }
        Assert.True(total > 8, $"only {total} steps");

        for (var crashAt = 0; crashAt < total; crashAt++)
        {
            var kernel = new FakeKernel();
            kernel.Add("vm-a97", KernelLinkKind.Veth);
            var inventory = new MemoryInventory(); // stands for the persisted inventory: it survives the crash
            var n = 0;
            var at = crashAt;
            var first = new HostConverger(kernel, inventory) { BeforeStep = s => { if (n++ == at) throw new Crash(s); } };
            Assert.Throws<Crash>(() => first.Apply(first.Plan(intent, "r1"), intent));

            var second = new HostConverger(kernel, inventory);
            var result = second.Apply(second.Plan(intent, "r1"), intent);
            Assert.True(result.Outcome == ApplyOutcome.Converged, $"crash at step {crashAt}: {result.Outcome} {result.Mismatch} {result.Error}");
            Assert.Empty(second.Plan(intent, "r1").Conflicts);
        }
    }

    [Fact]
    public void CreateWithoutAliasAfterACrashIsRecognisedFromTheInventory()
    {
        var kernel = new FakeKernel();
        var inventory = new MemoryInventory([new InventoryEntry("vnet98", LinkRole.Bridge, V98.ToString())]);
        kernel.Add("vnet98", KernelLinkKind.Bridge); // created, crash before the alias
        var converger = new HostConverger(kernel, inventory);
        var intent = IntentFor(Fleet(Vnet.Create(V98)));
        var plan = converger.Plan(intent, "r1");
        Assert.Empty(plan.Conflicts);
        Assert.Contains(plan.Changes, c => c.Path == "links[vnet98].alias");
        Assert.Equal(ApplyOutcome.Converged, converger.Apply(plan, intent).Outcome);
        Assert.True(Ownership.IsOwnedAlias(kernel["vnet98"].Alias));
    }
}
