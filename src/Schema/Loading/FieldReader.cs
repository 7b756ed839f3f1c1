using System.Globalization;
using System.Net;
using System.Net.Sockets;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Loading;

/// <summary>
/// Reads the fields of one mapping (a vnet, a port, …): reports unknown fields (with a did-you-mean), duplicate fields
/// and values of the wrong type as diagnostics, and records where each value was written (<see cref="FieldSpans"/>).
/// </summary>
internal sealed partial class FieldReader
{
    private readonly DataMap _map;
    private readonly string _what;
    private readonly List<Diagnostic> _diagnostics;
    private readonly Fields<DataEntry> _single = new();
    private readonly Fields<List<DataEntry>> _repeated = new();
    private List<(string, SourceSpan)>? _spans;

    /// <param name="what">How messages name the mapping: <c>vnet</c>, <c>port</c>.</param>
    /// <param name="fields">The known fields.</param>
    /// <param name="repeatedFields">Fields that may appear several times (SXP) or hold a list (YAML).</param>
    public FieldReader(DataMap map, string what, ReadOnlySpan<string> fields, ReadOnlySpan<string> repeatedFields, List<Diagnostic> diagnostics)
    {
        _map = map;
        _what = what;
        _diagnostics = diagnostics;
        foreach (var entry in map.Entries)
        {
            if (repeatedFields.Contains(entry.Key))
            {
                if (!_repeated.TryGetValue(entry.Key, out var list)) _repeated.Add(entry.Key, list = []);
                list.Add(entry);
            }
            else if (!fields.Contains(entry.Key))
            {
                var suggestion = DidYouMean.Suggest(entry.Key, fields, repeatedFields);
                var hint = suggestion is null ? "" : $" (did you mean '{suggestion}'?)";
                Warning(entry.KeySpan, DiagnosticCodes.UnknownField, $"unknown field '{entry.Key}' in {what}{hint}; it is ignored");
            }
            else if (_single.TryGetValue(entry.Key, out var first))
                Error(entry.KeySpan, DiagnosticCodes.DuplicateField, $"duplicate field '{entry.Key}' in {what} (first at {first.KeySpan.Describe(entry.KeySpan.File)})");
            else
                _single.Add(entry.Key, entry);
        }
    }

    public SourceSpan Span => _map.Span;

    /// <summary>A few fields by name: a list searched linearly, cheaper than a dictionary for a record's handful.</summary>
    private sealed class Fields<T>
    {
        private readonly List<(string Key, T Value)> _items = new(8);

        public void Add(string key, T value) => _items.Add((key, value));

        public bool TryGetValue(string key, out T value)
        {
            foreach (var (k, v) in _items)
                if (string.Equals(k, key, StringComparison.Ordinal))
                {
                    value = v;
                    return true;
                }
            value = default!;
            return false;
        }
    }

    public bool Failed { get; private set; }

    public FieldSpans Spans => _spans is null ? FieldSpans.Empty : new FieldSpans(_spans.ToArray());

    public bool Has(string field) => _single.TryGetValue(field, out _) || _repeated.TryGetValue(field, out _);

    public void Error(SourceSpan at, string code, string message)
    {
        Failed = true;
        _diagnostics.Add(Diagnostic.Error(at, code, message));
    }

    public void Warning(SourceSpan at, string code, string message) => _diagnostics.Add(Diagnostic.Warning(at, code, message));

    private void Record(string key, SourceSpan span)
    {
        _spans ??= new List<(string, SourceSpan)>(8);
        _spans.Add((key, span));
    }

    /// <summary>The field's single scalar, or null (absent, or reported).</summary>
    public DataScalar? Scalar(string field, bool required = false)
    {
        if (!_single.TryGetValue(field, out var entry))
        {
            if (required) Error(_map.Span, DiagnosticCodes.MissingField, $"{_what} has no '{field}': it is required");
            return null;
        }
        if (entry.Value is DataList { Items.Count: 0 })
        {
            Error(entry.KeySpan, DiagnosticCodes.Type, $"'{field}' has no value");
            return null;
        }
        if (entry.Value is not DataScalar scalar)
        {
            Error(entry.Value.Span, DiagnosticCodes.Type, $"'{field}' must be a single value, found {entry.Value.Describe}");
            return null;
        }
        if (scalar.IsNull)
        {
            Error(entry.KeySpan, DiagnosticCodes.Type, $"'{field}' has no value");
            return null;
        }
        Record(field, scalar.Span);
        return scalar;
    }

    public string? Text(string field, bool required = false) => Scalar(field, required)?.Text;

    public VnetId? Id(string field, bool required = false) => Scalar(field, required) is { } s ? ParseId(s) : null;

    public VnetId? ParseId(DataScalar s)
    {
        var error = VnetId.TryParse(s.Text, out var id);
        if (error == VnetIdError.None) return id;
        Error(s.Span, DiagnosticCodes.VnetId, VnetId.Describe(error, s.Text));
        return null;
    }

    /// <summary>A decimal integer (range rules belong to the validators).</summary>
    public int? Integer(string field)
    {
        if (Scalar(field) is not { } s) return null;
        if (int.TryParse(s.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)) return v;
        Error(s.Span, DiagnosticCodes.Type, $"'{field}' must be a decimal integer, found '{s.Text}'");
        return null;
    }

    /// <summary>A numeric uid or gid.</summary>
    public uint? Unsigned(string field)
    {
        if (Scalar(field) is not { } s) return null;
        if (uint.TryParse(s.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v != uint.MaxValue) return v;
        Error(s.Span, DiagnosticCodes.Type, $"'{field}' must be a numeric id (0 to 4294967294), found '{s.Text}'");
        return null;
    }

    public bool? Bool(string field)
    {
        if (Scalar(field) is not { } s) return null;
        switch (s.Text)
        {
            case "true": return true;
            case "false": return false;
        }
        Error(s.Span, DiagnosticCodes.Type, $"'{field}' must be true or false, found '{s.Text}'");
        return null;
    }

    public TimeSpan? Duration(string field)
    {
        if (Scalar(field) is not { } s) return null;
        if (Model.Duration.TryParse(s.Text, out var v)) return v;
        Error(s.Span, DiagnosticCodes.Type, $"'{field}' must be a duration such as 500ms, 30s, 5m or 1h, found '{s.Text}'");
        return null;
    }

    public Mac? Mac(string field, bool required = false)
    {
        if (Scalar(field, required) is not { } s) return null;
        if (Model.Mac.TryParse(s.Text, out var v)) return v;
        Error(s.Span, DiagnosticCodes.Value, $"invalid MAC address '{s.Text}': write six hex octets separated by ':', such as aa:00:00:11:00:12");
        return null;
    }

    public IPAddress? Ipv4(string field, bool required = false)
    {
        if (Scalar(field, required) is not { } s) return null;
        if (TryParseIpv4(s.Text, out var v)) return v;
        Error(s.Span, DiagnosticCodes.Value, $"invalid IPv4 address '{s.Text}' in '{field}': write four decimal numbers 0-255 separated by '.', such as 198.18.0.1");
        return null;
    }

    /// <summary>Dotted-quad only (no <c>inet_aton</c> shorthands such as <c>10.1</c>).</summary>
    public static bool TryParseIpv4(string text, out IPAddress address)
    {
        address = IPAddress.None;
        var parts = 0;
        foreach (var part in text.Split('.'))
        {
            parts++;
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit) || int.Parse(part, CultureInfo.InvariantCulture) > 255) return false;
        }
        if (parts != 4 || !IPAddress.TryParse(text, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetwork) return false;
        address = parsed;
        return true;
    }

    public T? Choice<T>(string field, IReadOnlyList<(string Text, T Value)> table) where T : struct, Enum
    {
        if (Scalar(field) is not { } s) return null;
        foreach (var (text, value) in table)
            if (text == s.Text) return value;
        var suggestion = DidYouMean.Suggest(s.Text, table.Select(t => t.Text).ToArray(), []);
        var hint = suggestion is null ? "" : $" (did you mean '{suggestion}'?)";
        Error(s.Span, DiagnosticCodes.Value, $"unknown {field} '{s.Text}': expected {Spellings.Choices(table)}{hint}");
        return null;
    }
}
