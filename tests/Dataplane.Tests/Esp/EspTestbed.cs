using System.Net;
using Microsoft.Extensions.Logging;
using VnetReconciler.Dataplane.Esp;

namespace VnetReconciler.Dataplane.Tests.Esp;

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}

/// <summary>Keeps every formatted log line (with its event id) in memory.</summary>
internal sealed class CapturingLogger : ILogger
{
    public readonly List<(int Id, string Text)> Lines = [];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (Lines) Lines.Add((eventId.Id, formatter(state, exception)));
    }
}

/// <summary>A key directory in a temporary folder, files written with mode 0600 unless told otherwise.</summary>
internal sealed class KeyDirectory : IDisposable
{
    public KeyDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "esp-keys-" + Guid.NewGuid().ToString("n"));

    public string Write(string name, string text, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var file = System.IO.Path.Combine(Path, name + ".key");
        File.WriteAllText(file, text);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file, mode); // tests run on Linux; this satisfies CA1416
        return file;
    }

    /// <summary>A key file line: the epoch's secret is 32 bytes of <c>epoch</c>-derived hex.</summary>
    public static string Epoch(byte epoch) => $"{epoch} hex:{Convert.ToHexString(Enumerable.Range(0, 32).Select(i => (byte)(i + epoch * 7)).ToArray())}\n";

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>
/// Two ESP endpoints (A = 198.18.0.1, B = 198.18.0.2) on one secure vnet, joined by an in-memory handshake transport:
/// messages queue until <see cref="Pump"/> delivers them; each delivery's result is recorded.
/// </summary>
internal sealed class EspTestbed : IDisposable
{
    public static readonly IPAddress AddressA = IPAddress.Parse("198.18.0.1");
    public static readonly IPAddress AddressB = IPAddress.Parse("198.18.0.2");
    public static readonly VnetKey Vnet = new(0x97);
    public const string KeyName = "97";

    public readonly Queue<(byte[] Message, IPAddress From, IPAddress To)> Wire = new();
    public readonly List<(IPAddress At, HandshakeOpcode Opcode, HandshakeResult Result)> Results = [];
    public readonly KeyDirectory KeysA = new(), KeysB = new();
    public ManualTime ClockA, ClockB;
    public EspEndpoint A, B;
    public readonly EspSuite Suite;
    public readonly CapturingLogger Log = new();

    public EspTestbed(string keysA, string keysB, EspSuite suite = EspSuite.AesGcm128, string? keyLog = null)
    {
        Suite = suite;
        KeysA.Write(KeyName, keysA);
        KeysB.Write(KeyName, keysB);
        var start = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        ClockA = new ManualTime(start);
        ClockB = new ManualTime(start);
        A = Create(AddressA, AddressB, KeysA, ClockA, keyLog);
        B = Create(AddressB, AddressA, KeysB, ClockB, null);
    }

    public EspEndpoint Create(IPAddress local, IPAddress peer, KeyDirectory keys, ManualTime clock, string? keyLog)
    {
        var endpoint = new EspEndpoint(local, new KeyRing(keys.Path), (m, to) => Wire.Enqueue((m.ToArray(), local, to)), clock,
            keyLog is null ? null : new EspKeyLog(keyLog), Log);
        endpoint.Configure([new EspVnetConfig(Vnet, Suite, KeyName, [peer])]);
        return endpoint;
    }

    /// <summary>Restarts B: a new endpoint with no memory, same keys.</summary>
    public EspEndpoint RestartB()
    {
        var old = B;
        B = Create(AddressB, AddressA, KeysB, ClockB, null);
        return old;
    }

    public void Tick()
    {
        A.Tick();
        B.Tick();
    }

    /// <summary>Delivers queued messages (and those they cause) until the wire is empty.</summary>
    public void Pump(Func<byte[], bool>? drop = null)
    {
        while (Wire.TryDequeue(out var m))
        {
            if (drop?.Invoke(m.Message) == true) continue;
            var to = m.To.Equals(AddressA) ? A : B;
            HandshakeMessage.TryRead(m.Message, out var parsed);
            Results.Add((m.To, parsed.Opcode, to.HandleHandshake(m.Message, m.From)));
        }
    }

    public void Advance(TimeSpan by)
    {
        ClockA.Advance(by);
        ClockB.Advance(by);
    }

    /// <summary>Seals a frame at <paramref name="from"/> for the other side; null when no SA is up.</summary>
    public static byte[]? Seal(EspEndpoint from, IPAddress to, byte fill = 0x5a)
    {
        var buffer = new byte[200];
        Array.Fill(buffer, fill, 64, 60);
        return from.TrySeal(Vnet, to, buffer, 64, 60, 143, out var start, out var length) ? buffer.AsSpan(start, length).ToArray() : null;
    }

    public static EspOpenResult Deliver(EspEndpoint to, byte[] packet, IPAddress from) =>
        to.Open(packet.ToArray(), from, out _, out _, out _, out _);

    /// <summary>True when frames flow both ways.</summary>
    public bool Connected() =>
        Seal(A, AddressB) is { } ab && Deliver(B, ab, AddressA) == EspOpenResult.Ok &&
        Seal(B, AddressA) is { } ba && Deliver(A, ba, AddressB) == EspOpenResult.Ok;

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
        KeysA.Dispose();
        KeysB.Dispose();
    }
}
