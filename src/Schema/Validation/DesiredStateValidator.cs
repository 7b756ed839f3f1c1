using FluentValidation;
using VnetReconciler.Schema.Model;
using FvSeverity = FluentValidation.Severity;

namespace VnetReconciler.Schema.Validation;

/// <summary>Every rule of SPEC §2, per record then across files. Collects, never throws.</summary>
internal sealed class DesiredStateValidator : AbstractValidator<DesiredState>
{
    public static DesiredStateValidator Instance { get; } = new();

    private DesiredStateValidator()
    {
        var vnet = new InlineValidator<Vnet>();
        vnet.Include(new VnetNamesRule());
        vnet.Include(new VnetLongIdRule());
        vnet.Include(new VxlanRule());
        vnet.Include(new VnetSuiteRule());
        vnet.Include(new VnetMtuRule());
        RuleForEach(s => s.Vnets).SetValidator(vnet);

        var host = new InlineValidator<Host>();
        host.Include(new HostRecordRule());
        host.RuleForEach(h => h.Ports).SetValidator(new PortRule());
        host.RuleForEach(h => h.Vifs).SetValidator(new VifRule());
        RuleForEach(s => s.Hosts).SetValidator(host);

        var fleet = new InlineValidator<Fleet>();
        fleet.Include(new FleetRecordRule());
        fleet.Include(new RolloutRule());
        fleet.RuleForEach(f => f.Windows).SetValidator(new WindowRule());
        fleet.RuleForEach(f => f.Rollout.Select(w => w.Window).OfType<MaintenanceWindow>()).SetValidator(new WindowRule());
        RuleFor(s => s.Fleet).SetValidator(fleet);

        Include(new DuplicateVnetIdRule());
        Include(new SharedVnetNameRule());
        Include(new DuplicateHostRule());
        Include(new HostInterfaceNamesRule());
        Include(new PortReferenceRule());
        Include(new VnetHostsRule());
        Include(new PeerRule());
        Include(new WaveHostsRule());
        Include(new ComputedMtuRule());
    }

    /// <summary>Validates <paramref name="state"/>; with <paramref name="referencesCheckable"/> false (some file failed to
    /// bind) rules about references between files are skipped, since the referenced record may be the one that failed.</summary>
    public IEnumerable<Diagnostic> Diagnose(DesiredState state, bool referencesCheckable)
    {
        var context = new ValidationContext<DesiredState>(state);
        context.RootContextData[Reporter<DesiredState>.CompleteKey] = referencesCheckable;
        var result = Validate(context);
        foreach (var failure in result.Errors)
        {
            var at = failure.CustomState is SourceSpan span ? span : SourceSpan.None;
            yield return new Diagnostic(failure.Severity == FvSeverity.Error ? Model.Severity.Error : Model.Severity.Warning,
                at.File, at.Line, at.Column, failure.ErrorCode, failure.ErrorMessage);
        }
    }
}
