using System.Net;
using VnetReconciler.Dataplane.Tunnel;

namespace VnetReconciler.Reconciler.Status;

/// <summary>
/// <c>GET /metrics</c> (SPEC §6.6), computed at scrape time from the status book and the tunnel's counters. Traffic
/// counters are kept by the tunnel per vnet and per peer (not per pair): a per-vnet series has <c>peer=""</c>, a
/// per-peer series <c>vnet=""</c> (docs/status.md).
/// </summary>
public static class AgentMetrics
{
    /// <summary>ESP drop reasons (SPEC §6.6), exported as zero until ESP is integrated.</summary>
    public static readonly string[] EspReasons = ["replay", "auth", "unknown_spi", "malformed"];

    /// <summary>What a pending revision waits for (<c>/status</c> <c>revision.wait</c>).</summary>
    public static readonly string[] RolloutWaits = ["wave", "window", "halted"];

    public static string Write(StatusBook book, AgentStatus status, TunnelSnapshot? tunnel, Dataplane.Esp.EspEndpoint? esp = null)
    {
        var p = new PrometheusText();
        var (results, buckets, sum, count) = book.Counters();
        p.Family("vnet_reconcile_total", "counter", "Reconcile cycles by result.");
        foreach (var (result, n) in results.OrderBy(kv => kv.Key))
            p.Sample("vnet_reconcile_total", n, ("result", result.ToString().ToLowerInvariant()));
        p.Family("vnet_reconcile_duration_seconds", "histogram", "Duration of reconcile cycles.");
        for (var i = 0; i < buckets.Length; i++)
            p.Sample("vnet_reconcile_duration_seconds_bucket", buckets[i], ("le", PrometheusText.Format(StatusBook.DurationBuckets[i])));
        p.Sample("vnet_reconcile_duration_seconds_bucket", count, ("le", "+Inf"));
        p.Sample("vnet_reconcile_duration_seconds_sum", sum);
        p.Sample("vnet_reconcile_duration_seconds_count", count);
        p.Family("vnet_last_success_timestamp_seconds", "gauge", "Unix time of the end of the last successful cycle (0: none yet).");
        p.Sample("vnet_last_success_timestamp_seconds", status.Revision.LastSuccess?.ToUnixTimeMilliseconds() / 1000.0 ?? 0);
        p.Family("vnet_applied_revision_info", "gauge", "The revision in force (value 1).");
        if (status.Revision.Applied is { } applied) p.Sample("vnet_applied_revision_info", 1, ("revision", applied));
        p.Family("vnet_rollout_pending", "gauge",
            "1 when a new revision waits (SPEC §6.4), by what it waits for: wave (earlier waves not Ready), window (maintenance window closed), halted (an earlier wave failed it).");
        foreach (var wait in RolloutWaits) p.Sample("vnet_rollout_pending", status.Revision.Wait == wait ? 1 : 0, ("wait", wait));
        p.Family("vnet_rollout_next_window_timestamp_seconds", "gauge", "Unix time the next maintenance window opens while a revision waits for one (0: none).");
        p.Sample("vnet_rollout_next_window_timestamp_seconds", status.Revision.NextWindow?.ToUnixTimeMilliseconds() / 1000.0 ?? 0);
        p.Family("vnet_drift_objects", "gauge", "Objects that differ from the revision in force after the last cycle.");
        p.Sample("vnet_drift_objects", status.Drift.Count);
        p.Family("vnet_conflicts", "gauge", "Declared objects held by something the agent does not own.");
        p.Sample("vnet_conflicts", status.Conflicts.Count);
        p.Family("vnet_suspended", "gauge", "1 while an operator has suspended converging (vnetctl suspend).");
        p.Sample("vnet_suspended", status.Suspended ? 1 : 0);
        p.Family("vnet_suspended_until_timestamp_seconds", "gauge", "Unix time a suspend --for ends by itself (0: not suspended, or until vnetctl resume).");
        p.Sample("vnet_suspended_until_timestamp_seconds", status.SuspendedUntil?.ToUnixTimeMilliseconds() / 1000.0 ?? 0);
        p.Family("vnet_suspension_info", "gauge", "Who suspended the agent and why (value 1; absent when not suspended).");
        if (status.SuspendedBy is { } by) p.Sample("vnet_suspension_info", 1, ("by", by), ("reason", status.SuspendedReason ?? ""));
        p.Family("vnet_condition", "gauge", "Status conditions (1 when the condition has that status).");
        foreach (var c in status.Conditions)
            p.Sample("vnet_condition", 1, ("type", c.Type), ("status", c.Status.ToLowerInvariant()));

        using (var self = System.Diagnostics.Process.GetCurrentProcess())
        {
            p.Family("process_resident_memory_bytes", "gauge", "Resident memory of the agent.");
            p.Sample("process_resident_memory_bytes", self.WorkingSet64);
        }
        p.Family("dotnet_gc_heap_size_bytes", "gauge", "Managed heap size after the last garbage collection.");
        p.Sample("dotnet_gc_heap_size_bytes", GC.GetGCMemoryInfo().HeapSizeBytes);

        Traffic(p, status, tunnel);
        p.Family("vnet_drops_total", "counter", "Frames and datagrams dropped, by vnet and reason (vnet=\"\": not attributable to a carried vnet).");
        foreach (var v in status.Vnets)
            foreach (var (reason, n) in v.Drops) p.Sample("vnet_drops_total", n, ("vnet", v.Id), ("reason", reason));
        if (tunnel is not null)
            foreach (var (reason, n) in tunnel.Total.Drops.OrderBy(kv => kv.Key))
                p.Sample("vnet_drops_total", n, ("vnet", ""), ("reason", StatusView.DropName(reason)));
        p.Family("vnet_offload_total", "counter", "The tunnel's offload path: super-frames segmented, runs coalesced, UDP GSO messages, UDP GRO windows (docs/tunnel.md).");
        if (tunnel is not null)
            foreach (var (counter, n) in tunnel.Offload.Pairs()) p.Sample("vnet_offload_total", n, ("counter", counter));
        p.Family("vnet_esp_drops_total", "counter", "ESP datagrams dropped, by vnet and reason.");
        foreach (var v in status.Vnets.Where(v => v.Security != "none"))
        {
            var c = esp?.Counters(Agent.EngineTunnelTables.KeyOf(v.Id));
            p.Sample("vnet_esp_drops_total", c?.Replay ?? 0, ("vnet", v.Id), ("reason", "replay"));
            p.Sample("vnet_esp_drops_total", c?.Auth ?? 0, ("vnet", v.Id), ("reason", "auth"));
            p.Sample("vnet_esp_drops_total", c?.UnknownSpi ?? 0, ("vnet", v.Id), ("reason", "unknown_spi"));
            p.Sample("vnet_esp_drops_total", c?.Malformed ?? 0, ("vnet", v.Id), ("reason", "malformed"));
        }
        if (esp is not null)
        {
            // Datagrams no SA could be charged to (an unknown SPI from an unknown sender).
            p.Sample("vnet_esp_drops_total", esp.Unattributed.UnknownSpi, ("vnet", ""), ("reason", "unknown_spi"));
            p.Sample("vnet_esp_drops_total", esp.Unattributed.Malformed, ("vnet", ""), ("reason", "malformed"));
        }
        p.Family("vnet_esp_epoch", "gauge", "The ESP key epoch in use with each peer of a secure vnet (0: no SA yet).");
        foreach (var v in status.Vnets.Where(v => v.Security != "none"))
            foreach (var peer in v.Peers)
                p.Sample("vnet_esp_epoch", esp is null || !IPAddress.TryParse(peer.Address, out var a) ? 0 : esp.Epoch(Agent.EngineTunnelTables.KeyOf(v.Id), a),
                    ("vnet", v.Id), ("peer", peer.Address));
        p.Family("vnet_peer_reachable", "gauge", "1 when the vnet has learned a MAC behind the peer.");
        foreach (var v in status.Vnets)
            foreach (var peer in v.Peers) p.Sample("vnet_peer_reachable", peer.Reachable ? 1 : 0, ("vnet", v.Id), ("peer", peer.Address));
        p.Family("vnet_mac_entries", "gauge", "MAC table entries per vnet.");
        foreach (var v in status.Vnets) p.Sample("vnet_mac_entries", v.MacCount, ("vnet", v.Id));
        return p.ToString();
    }

    private static void Traffic(PrometheusText p, AgentStatus status, TunnelSnapshot? tunnel)
    {
        var series = new (string Name, string Help, Func<VnetStatus, long> Vnet, Func<Dataplane.Forwarding.TrafficCounterSnapshot, long> Peer)[]
        {
            ("vnet_rx_packets_total", "Frames received from the tunnel.", v => v.RxPackets, c => c.RxPackets),
            ("vnet_tx_packets_total", "Frames sent into the tunnel.", v => v.TxPackets, c => c.TxPackets),
            ("vnet_rx_bytes_total", "Bytes received from the tunnel.", v => v.RxBytes, c => c.RxBytes),
            ("vnet_tx_bytes_total", "Bytes sent into the tunnel.", v => v.TxBytes, c => c.TxBytes),
        };
        foreach (var (name, help, ofVnet, ofPeer) in series)
        {
            p.Family(name, "counter", help + " Per vnet (peer=\"\") and per peer (vnet=\"\").");
            foreach (var v in status.Vnets) p.Sample(name, ofVnet(v), ("vnet", v.Id), ("peer", ""));
            if (tunnel is null) continue;
            foreach (var (peer, c) in tunnel.PeerCounters.OrderBy(kv => kv.Key.ToString(), StringComparer.Ordinal))
                p.Sample(name, ofPeer(c), ("vnet", ""), ("peer", peer.ToString()));
        }
    }
}
