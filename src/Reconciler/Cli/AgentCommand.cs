using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using VnetReconciler.Reconciler.Agent;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Cli;

/// <summary><c>vnetctl agent</c> (SPEC §5, §6): the daemon. Stops on SIGTERM or SIGINT, leaving the kernel objects in place.</summary>
internal static class AgentCommand
{
    public static Command Create()
    {
        var options = new HostOptions();
        var interval = new Option<string?>("--interval") { Description = "Poll interval (500ms, 30s, 5m), overriding the fleet's interval" };
        var keyDir = new Option<string>("--key-dir") { Description = "Where the ESP key files are (SPEC §4.5)", DefaultValueFactory = _ => AgentOptions.DefaultKeyDir };
        var listen = ListenOption.Create();
        var logFormat = new Option<string>("--log-format") { Description = "Log format: text or json", DefaultValueFactory = _ => "text" };
        logFormat.AcceptOnlyFromAmong("text", "json");
        var tokenFile = new Option<string?>("--sync-token-file") { Description = "A file holding a token that lets non-loopback clients POST /sync" };
        var command = new Command("agent", "The daemon: schedule, reconcile, tunnel dataplane, status") { interval, keyDir, listen, logFormat, tokenFile };
        options.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var stderr = parse.InvocationConfiguration.Error;
            TimeSpan? every = null;
            if (parse.GetValue(interval) is { } text)
            {
                if (!Duration.TryParse(text, out var d) || d <= TimeSpan.Zero)
                {
                    stderr.WriteLine($"error: --interval '{text}' is not a positive duration (500ms, 30s, 5m, 1h)");
                    return 1;
                }
                every = d;
            }
            IPAddress? address = null;
            if (parse.GetValue(options.Address) is { } a && !IPAddress.TryParse(a, out address))
            {
                stderr.WriteLine($"error: --address '{a}' is not an IPv4 address");
                return 1;
            }
            if (!ListenOption.TryParse(parse.GetValue(listen)!, out var endpoint, out var listenError))
            {
                stderr.WriteLine($"error: {listenError}");
                return 1;
            }
            var trust = Sources.TrustFile.Load(parse.GetValue(options.Trust)!, required: false);
            if (!trust.Succeeded)
            {
                foreach (var e in trust.Errors) stderr.WriteLine(e);
                return 1;
            }
            var token = parse.GetValue(tokenFile) is { } tf ? File.ReadAllText(tf).Trim() : null;
            var agentOptions = new AgentOptions
            {
                Repo = parse.GetValue(options.Repo)!, Ref = parse.GetValue(options.Ref)!, Host = parse.GetValue(options.Host)!, Address = address,
                Interval = every, StateDir = parse.GetValue(options.StateDir)!, KeyDir = parse.GetValue(keyDir)!, TrustFile = parse.GetValue(options.Trust)!,
                Listen = endpoint!, JsonLogs = parse.GetValue(logFormat) == "json", SyncToken = token,
            };
            using var loggers = LoggerFactory.Create(b =>
            {
                b.SetMinimumLevel(LogLevel.Information);
                b.AddFilter("Microsoft", LogLevel.Warning).AddFilter("Quartz", LogLevel.Warning);
                if (agentOptions.JsonLogs) b.AddJsonConsole(o => o.TimestampFormat = "O");
                else b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
            });
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
            try
            {
                return await new AgentHost(agentOptions, trust.Policy!, loggers, TimeProvider.System).RunAsync(stop.Token);
            }
            catch (Exception e) when (e is IOException or Dataplane.Netlink.NetlinkException or InvalidDataException or UnauthorizedAccessException)
            {
                AgentLog.CannotStart(loggers.CreateLogger("vnetctl.agent"), e.Message);
                return 1;
            }
        });
        return command;
    }
}

/// <summary><c>--listen ADDR:PORT</c>, the agent's local HTTP (default 127.0.0.1:9797).</summary>
internal static class ListenOption
{
    public static Option<string> Create() =>
        new("--listen") { Description = "The agent's local HTTP address (ADDR:PORT)", DefaultValueFactory = _ => AgentOptions.DefaultListen };

    public static bool TryParse(string text, out IPEndPoint? endpoint, out string? error)
    {
        error = null;
        if (IPEndPoint.TryParse(text, out endpoint) && endpoint.Port != 0) return true;
        error = $"--listen '{text}' is not ADDR:PORT (e.g. {AgentOptions.DefaultListen})";
        return false;
    }
}
