namespace VnetReconciler.Schema.Model;

/// <summary>Stable diagnostic codes (the <c>code</c> of <c>vnetctl validate -o json</c>, docs/validate.md).</summary>
public static class DiagnosticCodes
{
    public const string SxpSyntax = "sxp-syntax";
    public const string YamlSyntax = "yaml-syntax";
    public const string Form = "form";
    public const string UnknownField = "unknown-field";
    public const string DuplicateField = "duplicate-field";
    public const string MissingField = "missing-field";
    public const string Type = "type";
    public const string Value = "value";
    public const string VnetId = "vnet-id";
    public const string Name = "name";
    public const string Duplicate = "duplicate";
    public const string Reference = "reference";
    public const string Vxlan = "vxlan";
    public const string Security = "security";
    public const string Mtu = "mtu";
    public const string Io = "io";
}
