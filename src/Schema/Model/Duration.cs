using System.Globalization;

namespace VnetReconciler.Schema.Model;

/// <summary>Durations as written in the desired state (SPEC §2.4): <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>.</summary>
public static class Duration
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        var span = text.AsSpan().Trim();
        var unitAt = 0;
        while (unitAt < span.Length && char.IsAsciiDigit(span[unitAt])) unitAt++;
        if (unitAt == 0 || unitAt > 9) return false;
        var n = long.Parse(span[..unitAt], CultureInfo.InvariantCulture);
        switch (span[unitAt..])
        {
            case "ms": value = TimeSpan.FromMilliseconds(n); return true;
            case "s": value = TimeSpan.FromSeconds(n); return true;
            case "m": value = TimeSpan.FromMinutes(n); return true;
            case "h": value = TimeSpan.FromHours(n); return true;
            default: return false;
        }
    }

    /// <summary>The largest unit that divides the duration exactly (<c>90s</c>, <c>5m</c>).</summary>
    public static string Format(TimeSpan value)
    {
        var ms = (long)value.TotalMilliseconds;
        if (ms == 0) return "0s";
        if (ms % 3_600_000 == 0) return $"{ms / 3_600_000}h";
        if (ms % 60_000 == 0) return $"{ms / 60_000}m";
        if (ms % 1000 == 0) return $"{ms / 1000}s";
        return $"{ms}ms";
    }
}
