using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Validation;

/// <summary>SPEC §6.4: wave names are unique and a host is named in one wave at most.</summary>
internal sealed class RolloutRule : RecordRule<Fleet>
{
    public override void Check(Fleet fleet, Reporter<Fleet> report)
    {
        var waves = new Dictionary<string, RolloutWave>(StringComparer.Ordinal);
        var hosts = new Dictionary<string, RolloutWave>(StringComparer.Ordinal);
        foreach (var wave in fleet.Rollout)
        {
            if (!waves.TryAdd(wave.Name, wave))
                report.Error(wave.Fields.Of("name", wave.Span), DiagnosticCodes.Duplicate,
                    $"rollout wave '{wave.Name}' is already defined at {waves[wave.Name].Span.Describe(wave.Span.File)}");
            for (var i = 0; i < wave.Hosts.Count; i++)
            {
                var host = wave.Hosts[i];
                if (RolloutWave.IsGlob(host)) continue;
                if (!hosts.TryAdd(host, wave))
                    report.Error(wave.Fields.Of("hosts", i, wave.Span), DiagnosticCodes.Duplicate,
                        $"host {host} is already in rollout wave '{hosts[host].Name}' ({hosts[host].Span.Describe(wave.Span.File)}): a host belongs to one wave");
            }
        }
    }
}
