using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Loading;

internal sealed partial class FieldReader
{
    /// <summary>A field holding one value or a list of values (<c>(hosts a b)</c>, <c>hosts: [a, b]</c>); null when absent.</summary>
    public List<DataScalar>? TextList(string field)
    {
        if (!_single.TryGetValue(field, out var entry)) return null;
        var items = entry.Value switch
        {
            DataList list => list.Items,
            DataScalar { IsNull: true } => [],
            DataScalar s => [s],
            _ => null,
        };
        if (items is null)
        {
            Error(entry.Value.Span, DiagnosticCodes.Type, $"'{field}' must be a list of values, found {entry.Value.Describe}");
            return null;
        }
        var result = new List<DataScalar>(items.Count);
        Record(field, entry.Value.Span);
        foreach (var item in items)
        {
            if (item is DataScalar { IsNull: false } s)
            {
                Record(FieldSpans.ItemKey(field, result.Count), s.Span);
                result.Add(s);
            }
            else
                Error(item.Span, DiagnosticCodes.Type, $"each item of '{field}' must be a single value, found {item.Describe}");
        }
        return result;
    }

    /// <summary>A field holding one mapping; null when absent or reported.</summary>
    public DataMap? Map(string field)
    {
        if (!_single.TryGetValue(field, out var entry)) return null;
        if (entry.Value is DataMap map)
        {
            Record(field, map.Span);
            return map;
        }
        Error(entry.Value.Span, DiagnosticCodes.Type, $"'{field}' must be a mapping of fields, found {entry.Value.Describe}");
        return null;
    }

    /// <summary>
    /// The mappings of a repeated field: each SXP <c>(port …)</c>, or each item of a YAML list <c>port: [ … ]</c>.
    /// </summary>
    public List<DataMap> Maps(string field)
    {
        var result = new List<DataMap>();
        if (!_repeated.TryGetValue(field, out var entries)) return result;
        foreach (var entry in entries)
        {
            if (entry.Value is DataMap single)
            {
                result.Add(single);
                continue;
            }
            if (entry.Value is DataList list)
            {
                foreach (var item in list.Items)
                {
                    if (item is DataMap m) result.Add(m);
                    else Error(item.Span, DiagnosticCodes.Type, $"each '{field}' must be a mapping of fields, found {item.Describe}");
                }
                continue;
            }
            if (entry.Value is DataScalar { IsNull: true }) continue;
            Error(entry.Value.Span, DiagnosticCodes.Type, $"'{field}' must be a mapping of fields (or a list of them), found {entry.Value.Describe}");
        }
        return result;
    }
}
