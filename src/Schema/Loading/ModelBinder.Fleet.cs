using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Loading;

internal static partial class ModelBinder
{
    private static readonly string[] FleetFields =
    [
        "interval", "port", "esp_port", "vxlan_port", "underlay_mtu", "flood", "multicast_group",
        "accept_unknown_peers", "grace", "verify_window", "signatures", "status",
    ];
    private static readonly string[] FleetRepeated = ["rollout", "windows"];
    private static readonly string[] WaveFields = ["name", "hosts", "window"];
    private static readonly string[] WindowFields = ["cron", "duration"];
    private static readonly string[] StatusFields = ["push", "remote"];

    public static Fleet BindFleet(DataMap map, List<Diagnostic> diagnostics)
    {
        var r = new FieldReader(map, "fleet", FleetFields, FleetRepeated, diagnostics);
        var defaults = Fleet.Default;
        var interval = r.Duration("interval") ?? defaults.Interval;
        var waves = new List<RolloutWave>();
        foreach (var w in r.Maps("rollout"))
            if (BindWave(w, diagnostics) is { } wave) waves.Add(wave);
        var windows = new List<MaintenanceWindow>();
        foreach (var w in r.Maps("windows"))
            if (BindWindow(w, diagnostics) is { } window) windows.Add(window);
        return new Fleet
        {
            Interval = interval,
            Port = r.Integer("port") ?? defaults.Port,
            EspPort = r.Integer("esp_port") ?? defaults.EspPort,
            VxlanPort = r.Integer("vxlan_port") ?? defaults.VxlanPort,
            UnderlayMtu = r.Integer("underlay_mtu") ?? defaults.UnderlayMtu,
            Flood = r.Choice("flood", Spellings.FloodModes) ?? defaults.Flood,
            MulticastGroup = r.Ipv4("multicast_group") ?? defaults.MulticastGroup,
            AcceptUnknownPeers = r.Bool("accept_unknown_peers") ?? defaults.AcceptUnknownPeers,
            Rollout = waves.ToEquatableArray(),
            Grace = r.Duration("grace") ?? 5 * interval,
            VerifyWindow = r.Duration("verify_window") ?? defaults.VerifyWindow,
            Windows = windows.ToEquatableArray(),
            Signatures = r.Choice("signatures", Spellings.SignatureRequirements) ?? defaults.Signatures,
            Status = r.Map("status") is { } status ? BindStatus(status, diagnostics) : defaults.Status,
            Span = r.Span,
            Fields = r.Spans,
        };
    }

    private static RolloutWave? BindWave(DataMap map, List<Diagnostic> diagnostics)
    {
        var r = new FieldReader(map, "rollout wave", WaveFields, [], diagnostics);
        var name = r.Text("name", required: true);
        var hosts = r.TextList("hosts");
        var window = r.Map("window") is { } w ? BindWindow(w, diagnostics) : null;
        if (name is null) return null;
        return new RolloutWave { Name = name, Hosts = (hosts ?? []).Select(h => h.Text).ToEquatableArray(), Window = window, Span = r.Span, Fields = r.Spans };
    }

    private static MaintenanceWindow? BindWindow(DataMap map, List<Diagnostic> diagnostics)
    {
        var r = new FieldReader(map, "window", WindowFields, [], diagnostics);
        var cron = r.Text("cron", required: true);
        var duration = r.Duration("duration");
        if (!r.Has("duration")) r.Error(r.Span, DiagnosticCodes.MissingField, "window has no 'duration': it is required");
        if (cron is null || duration is not { } d) return null;
        return new MaintenanceWindow { Cron = cron, Duration = d, Span = r.Span, Fields = r.Spans };
    }

    private static FleetStatusSettings BindStatus(DataMap map, List<Diagnostic> diagnostics)
    {
        var r = new FieldReader(map, "status", StatusFields, [], diagnostics);
        return new FleetStatusSettings { Push = r.Bool("push") ?? true, Remote = r.Text("remote"), Span = r.Span, Fields = r.Spans };
    }
}
