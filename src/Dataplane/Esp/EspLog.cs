using System.Net;
using Microsoft.Extensions.Logging;

namespace VnetReconciler.Dataplane.Esp;

/// <summary>ESP's log events (fixed ids 5100-5199). None carries key material: SPIs, epochs and addresses only.</summary>
internal static partial class EspLog
{
    [LoggerMessage(EventId = 5101, Level = LogLevel.Information,
        Message = "ESP {Direction} SA installed: vnet {Vnet} peer {Peer} spi 0x{Spi:x8} {Suite} epoch {Epoch}")]
    public static partial void SaInstalled(ILogger logger, SaDirection direction, VnetKey vnet, IPAddress peer, uint spi, string suite, byte epoch);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Debug, Message = "ESP handshake message from {Peer} dropped: {Result}")]
    public static partial void HandshakeDropped(ILogger logger, IPAddress peer, HandshakeResult result);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "ESP key file problem: {Problem}")]
    public static partial void KeyFileProblem(ILogger logger, string problem);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Warning, Message = "ESP key log not written: {Problem}")]
    public static partial void KeyLogFailed(ILogger logger, string problem);
}
