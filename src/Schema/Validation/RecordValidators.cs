using FluentValidation;
using FluentValidation.Results;
using VnetReconciler.Schema.Model;
using FvSeverity = FluentValidation.Severity;

namespace VnetReconciler.Schema.Validation;

/// <summary>SPEC §2.1 rules on one vnet.</summary>
internal sealed class VnetValidator() : RuleSet<Vnet>(new VnetNamesRule(), new VnetLongIdRule(), new VxlanRule(), new VnetSuiteRule(), new VnetMtuRule());

/// <summary>SPEC §2.2 rules on one host, its ports and vifs.</summary>
internal sealed class HostValidator : RuleSet<Host>
{
    public HostValidator() : base(new HostRecordRule())
    {
        RuleForEach(h => h.Ports).SetValidator(new RuleSet<Port>(new PortRule()));
        RuleForEach(h => h.Vifs).SetValidator(new RuleSet<Vif>(new VifRule()));
    }
}

/// <summary>SPEC §2.4 rules on the fleet settings, its waves and windows.</summary>
internal sealed class FleetValidator : RuleSet<Fleet>
{
    public FleetValidator() : base(new FleetRecordRule(), new RolloutRule())
    {
        RuleForEach(f => f.Windows).SetValidator(new RuleSet<MaintenanceWindow>(new WindowRule()));
        RuleForEach(f => f.Rollout.Select(w => w.Window).OfType<MaintenanceWindow>())
            .SetValidator(new RuleSet<MaintenanceWindow>(new WindowRule())).OverridePropertyName("rollout.window");
    }
}

/// <summary>
/// The rules on single records, run file by file while loading (in parallel, since they need no other file);
/// <see cref="DesiredStateValidator"/> runs the rules across files afterwards.
/// </summary>
internal static class RecordValidators
{
    private static readonly VnetValidator Vnet = new();
    private static readonly HostValidator Host = new();
    private static readonly FleetValidator Fleet = new();

    public static void Diagnose(IEnumerable<Vnet> vnets, IEnumerable<Host> hosts, Fleet? fleet, List<Diagnostic> diagnostics)
    {
        foreach (var v in vnets) Add(Vnet.Validate(v), diagnostics);
        foreach (var h in hosts) Add(Host.Validate(h), diagnostics);
        if (fleet is not null) Add(Fleet.Validate(fleet), diagnostics);
    }

    public static void Add(ValidationResult result, List<Diagnostic> diagnostics)
    {
        foreach (var failure in result.Errors)
        {
            var at = failure.CustomState is SourceSpan span ? span : SourceSpan.None;
            diagnostics.Add(new Diagnostic(failure.Severity == FvSeverity.Error ? Model.Severity.Error : Model.Severity.Warning,
                at.File, at.Line, at.Column, failure.ErrorCode, failure.ErrorMessage));
        }
    }
}
