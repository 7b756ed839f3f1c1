using System.Net;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Validation;

/// <summary>SPEC §2.5: host names are unique, and two hosts with one address are an error.</summary>
internal sealed class DuplicateHostRule : StateRule
{
    public override void Check(DesiredState state, Reporter<DesiredState> report)
    {
        var names = new Dictionary<string, Host>(StringComparer.Ordinal);
        var addresses = new Dictionary<IPAddress, Host>();
        foreach (var host in state.Hosts)
        {
            var nameAt = host.Fields.Of("name", host.Span);
            if (names.TryGetValue(host.Name, out var first))
            {
                report.Error(nameAt, DiagnosticCodes.Duplicate, $"host {host.Name} is already defined at {first.Fields.Of("name", first.Span).Describe(nameAt.File)}");
                continue;
            }
            names[host.Name] = host;
            var addressAt = host.Fields.Of("address", host.Span);
            if (addresses.TryGetValue(host.Address, out var other))
                report.Error(addressAt, DiagnosticCodes.Duplicate,
                    $"address {host.Address} of host {host.Name} is already the address of host {other.Name} ({other.Fields.Of("address", other.Span).Describe(addressAt.File)})");
            else
                addresses[host.Address] = host;
        }
    }
}
