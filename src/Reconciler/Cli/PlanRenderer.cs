using System.Text;
using VnetReconciler.Reconciler.Planning;

namespace VnetReconciler.Reconciler.Cli;

/// <summary>Prints a plan for people (one line per change, sigils like Terraform's) or as JSON (SPEC §5).</summary>
internal static class PlanRenderer
{
    public static string Text(Plan plan, bool colour)
    {
        var sb = new StringBuilder();
        string C(string code, string text) => colour ? $"\u001b[{code}m{text}\u001b[0m" : text;
        sb.AppendLine($"Plan for host {plan.Host} at {Short(plan.Revision)}:");
        if (!plan.HasChanges) sb.AppendLine("  no changes: the host matches the desired state");
        foreach (var c in plan.Changes) sb.Append(ChangeLine(c, colour));
        if (plan.Conflicts.Count > 0)
        {
            sb.AppendLine("Conflicts (left untouched):");
            foreach (var c in plan.Conflicts) sb.Append("  ").Append(C("31;1", "! " + c.Name)).Append(": ").AppendLine(c.Reason);
        }
        foreach (var n in plan.Notes) sb.Append("  note: ").AppendLine(n);
        if (plan.GuestMtu.Count > 0)
            sb.AppendLine("Guest MTU: " + string.Join(", ", plan.GuestMtu.Select(kv => $"{ShortId(kv.Key)}={kv.Value}")));
        if (!plan.TunnelObserved)
            sb.AppendLine("Tunnel tables not observed: no agent is running on this host (kernel objects only).");
        var s = plan.Summary;
        sb.AppendLine($"Plan: {s.Create} to create, {s.Update} to update, {s.Delete} to delete" +
                      (plan.Conflicts.Count > 0 ? $", {plan.Conflicts.Count} conflict(s)." : "."));
        return sb.ToString();
    }

    /// <summary>One change as plan prints it: <c>  ~ port vm-a97  links[vm-a97].master: vnet97 -> none  (reason)</c>.</summary>
    public static string ChangeLine(Change c, bool colour)
    {
        string C(string code, string text) => colour ? $"\u001b[{code}m{text}\u001b[0m" : text;
        var (sigil, code) = c.Action switch
        {
            ChangeAction.Create => ("+", "32"),
            ChangeAction.Delete => ("-", "31"),
            _ => ("~", "33"),
        };
        var what = $"{c.Kind.ToString().ToLowerInvariant()} {c.Name}";
        var detail = c.Action switch
        {
            _ when c.Kind == ChangeKind.Peer && c.Vnet is { } vnet => $"on vnet {ShortId(vnet)}",
            ChangeAction.Create => c.After,
            ChangeAction.Delete => c.Before,
            _ => $"{c.Path}: {c.Before} -> {c.After}",
        };
        var sb = new StringBuilder("  ").Append(C(code, $"{sigil} {what,-26}")).Append(' ').Append(detail);
        if (c.WireChange) sb.Append(C("35", " [wire change]"));
        return sb.Append("  (").Append(c.Reason).AppendLine(")").ToString();
    }

    public static string Json(Plan plan) => Cli.Json.Serialize(new
    {
        revision = plan.Revision,
        host = plan.Host,
        changes = plan.Changes,
        conflicts = plan.Conflicts,
        guest_mtu = plan.GuestMtu,
        summary = plan.Summary,
        tunnel_observed = plan.TunnelObserved,
        notes = plan.Notes,
    });

    private static string Short(string? revision) => revision is { Length: 40 } ? revision[..12] : revision ?? "(none)";

    /// <summary>A vnet id in its short form where it has one (<c>97</c>), for human output.</summary>
    public static string ShortId(string canonical) =>
        canonical.StartsWith("0000:0000:0000:0000:0000:0000:0000:", StringComparison.Ordinal) ? canonical[35..].TrimStart('0') : canonical;
}
