using System.Text.Json.Serialization;

namespace VnetReconciler.Reconciler.State;

/// <summary>The on-disk form of the state directory's files (source-generated, no reflection).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UseStringEnumConverter = true,
    WriteIndented = true,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(AppliedStateDocument))]
[JsonSerializable(typeof(Inventory))]
[JsonSerializable(typeof(Suspension))]
[JsonSerializable(typeof(TunnelSnapshot))]
internal sealed partial class StateJsonContext : JsonSerializerContext;

/// <summary>The file <c>last-applied.json</c>: a format version around <see cref="LastApplied"/>.</summary>
internal sealed record AppliedStateDocument(int Version, LastApplied State)
{
    public const int CurrentVersion = 1;
}
