using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VnetReconciler.Reconciler.Agent;
using VnetReconciler.Reconciler.Cli;

namespace VnetReconciler.Reconciler.Status;

/// <summary>
/// The agent's local HTTP (SPEC §6.6) on Kestrel with minimal APIs: <c>GET /healthz</c>, <c>/readyz</c>, <c>/status</c>,
/// <c>/metrics</c>, <c>/plan</c>, and <c>POST /sync</c> (loopback only unless a token is configured and presented as
/// <c>Authorization: Bearer TOKEN</c>). Shapes in docs/status.md.
/// </summary>
public sealed class StatusServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StatusServer(WebApplication app) => _app = app;

    public static async Task<StatusServer> StartAsync(AgentHost agent, AgentOptions options, ILoggerFactory loggers, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.WebHost.ConfigureKestrel(k => k.Listen(options.Listen));
        var app = builder.Build();
        var log = loggers.CreateLogger("vnetctl.http");

        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", () =>
        {
            var ready = agent.Status.Conditions().FirstOrDefault(c => c.Type == "Ready");
            return ready?.Status == "True"
                ? Results.Text("ready\n")
                : Results.Text($"not ready: {ready?.Reason} {ready?.Message}\n", statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        app.MapGet("/status", (HttpContext ctx) => JsonResult(agent.Snapshot(ctx.Request.Query.ContainsKey("macs"))));
        app.MapGet("/metrics", () => Results.Text(agent.Metrics(), PrometheusText.ContentType));
        app.MapGet("/plan", async (HttpContext ctx) =>
        {
            var (plan, error) = await agent.PlanAsync(ctx.Request.Query["revision"] == "applied", ctx.RequestAborted);
            if (plan is null) return Results.Text(Json.Serialize(new { error }) + "\n", "application/json", statusCode: StatusCodes.Status409Conflict);
            return Results.Text(PlanRenderer.Json(plan) + "\n", "application/json");
        });
        app.MapGet("/drift", async (HttpContext ctx) =>
        {
            var (plan, error) = await agent.PlanAsync(inForce: true, ctx.RequestAborted);
            if (plan is null) return Results.Text(Json.Serialize(new { error }) + "\n", "application/json", statusCode: StatusCodes.Status409Conflict);
            return Results.Text(Json.Serialize(Cli.DriftCommand.Report(plan)) + "\n", "application/json");
        });
        app.MapPost("/sync", (Delegate)((HttpContext ctx) => Operate(ctx, options, log, agent.SyncAsync)));
        app.MapPost("/suspend", (Delegate)((HttpContext ctx) =>
        {
            TimeSpan? duration = null;
            if (ctx.Request.Query["for"].ToString() is { Length: > 0 } text)
            {
                if (!Schema.Model.Duration.TryParse(text, out var d) || d <= TimeSpan.Zero)
                    return Task.FromResult(Results.Text($"'{text}' is not a duration (30s, 5m, 1h)\n", statusCode: StatusCodes.Status400BadRequest));
                duration = d;
            }
            var reason = ctx.Request.Query["reason"].ToString();
            var by = ctx.Request.Query["by"].ToString();
            return Operate(ctx, options, log, () => agent.SuspendAsync(reason.Length > 0 ? Clip(reason) : null, by.Length > 0 ? Clip(by) : "unknown", duration));
        }));
        app.MapPost("/resume", (Delegate)((HttpContext ctx) => Operate(ctx, options, log, agent.ResumeAsync)));
        await app.StartAsync(ct).ConfigureAwait(false);
        return new StatusServer(app);
    }

    /// <summary>An operator's request (sync, suspend, resume): loopback or token only; answers with the cycle it caused.</summary>
    private static async Task<IResult> Operate(HttpContext ctx, AgentOptions options, ILogger log, Func<Task<CycleReport>> action)
    {
        if (!Allowed(ctx, options.SyncToken))
        {
            AgentLog.SyncRefused(log, ctx.Connection.RemoteIpAddress?.ToString() ?? "?");
            return Results.Text("allowed from loopback only (or with the configured token)\n", statusCode: StatusCodes.Status403Forbidden);
        }
        var report = await action().WaitAsync(ctx.RequestAborted);
        return JsonResult(new SyncResponse(report.Record, report.Plan?.Summary, StatusBook.Errors(report), report.Notes));
    }

    /// <summary>Operator text kept short for status, metrics labels and logs.</summary>
    private static string Clip(string text) => text.Length <= 200 ? text : text[..200];

    private static IResult JsonResult<T>(T value) => Results.Text(Json.Serialize(value) + "\n", "application/json");

    private static bool Allowed(HttpContext ctx, string? token)
    {
        if (ctx.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote)) return true;
        if (token is null) return false;
        var header = ctx.Request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        if (!header.StartsWith(bearer, StringComparison.Ordinal)) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[bearer.Length..]), Encoding.UTF8.GetBytes(token));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>The body of <c>POST /sync</c>: the cycle that served the request.</summary>
public sealed record SyncResponse(CycleRecord Cycle, Planning.PlanSummary? Summary, IReadOnlyList<StatusError> Errors, IReadOnlyList<string> Notes);
