using FluentValidation;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Validation;

/// <summary>The rules of SPEC §2 across files (the per-record ones are <see cref="RecordValidators"/>). Collects, never throws.</summary>
internal sealed class DesiredStateValidator() : RuleSet<DesiredState>(
    new DuplicateVnetIdRule(),
    new SharedVnetNameRule(),
    new DuplicateHostRule(),
    new HostInterfaceNamesRule(),
    new PortReferenceRule(),
    new VnetHostsRule(),
    new PeerRule(),
    new WaveHostsRule(),
    new ComputedMtuRule())
{
    public static DesiredStateValidator Instance { get; } = new();

    /// <summary>Validates <paramref name="state"/>; with <paramref name="referencesCheckable"/> false (some file failed to
    /// bind) rules about references between files are skipped, since the referenced record may be the one that failed.</summary>
    public IReadOnlyList<Diagnostic> Diagnose(DesiredState state, bool referencesCheckable)
    {
        var context = new ValidationContext<DesiredState>(state);
        context.RootContextData[Reporter<DesiredState>.CompleteKey] = referencesCheckable;
        var diagnostics = new List<Diagnostic>();
        RecordValidators.Add(Validate(context), diagnostics);
        return diagnostics;
    }
}
