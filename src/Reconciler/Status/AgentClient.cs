using System.Net;
using System.Net.Sockets;

namespace VnetReconciler.Reconciler.Status;

/// <summary>The CLI's side of the agent's local HTTP (<c>vnetctl sync</c>, <c>status</c>, and <c>plan</c>/<c>apply</c>/<c>drift</c> when an agent runs).</summary>
public sealed class AgentClient(IPEndPoint listen) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri($"http://{listen}/"), Timeout = TimeSpan.FromMinutes(5) };

    public IPEndPoint Listen => listen;

    /// <summary>The status code and body, or null when no agent listens there (connection refused).</summary>
    public async Task<(HttpStatusCode Code, string Body)?> SendAsync(HttpMethod method, string path, CancellationToken ct)
    {
        try
        {
            using var response = await _http.SendAsync(new HttpRequestMessage(method, path), ct).ConfigureAwait(false);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException or null && e.HttpRequestError == HttpRequestError.ConnectionError)
        {
            return null;
        }
    }

    /// <summary>True when an agent answers <c>/healthz</c> at this address.</summary>
    public async Task<bool> IsRunningAsync(CancellationToken ct) => await SendAsync(HttpMethod.Get, "healthz", ct).ConfigureAwait(false) is { Code: HttpStatusCode.OK };

    public string NotRunning => $"no agent is running on this host (nothing listens on {listen}); start one with `vnetctl agent`";

    public void Dispose() => _http.Dispose();
}
