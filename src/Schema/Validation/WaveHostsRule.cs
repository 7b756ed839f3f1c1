using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Validation;

/// <summary>SPEC §2.4: a rollout wave names hosts of the fleet (globs are matched when rolling out).</summary>
internal sealed class WaveHostsRule : StateRule
{
    public override void Check(DesiredState state, Reporter<DesiredState> report)
    {
        if (!report.ReferencesCheckable) return;
        var hosts = state.Hosts.Select(h => h.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var wave in state.Fleet.Rollout)
            for (var i = 0; i < wave.Hosts.Count; i++)
            {
                var name = wave.Hosts[i];
                if (!RolloutWave.IsGlob(name) && !hosts.Contains(name))
                    report.Error(wave.Fields.Of("hosts", i, wave.Span), DiagnosticCodes.Reference,
                        $"rollout wave '{wave.Name}' names host {name}, which no file under hosts/ defines");
            }
    }
}
