using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Validation;

/// <summary>SPEC §4.5: <c>conf</c> needs an encrypting suite, <c>auth</c> an integrity-only one; none needs no suite.</summary>
internal sealed class VnetSuiteRule : RecordRule<Vnet>
{
    public override void Check(Vnet vnet, Reporter<Vnet> report)
    {
        var at = vnet.Fields.Of("suite", vnet.Span);
        if (vnet.Security == Security.None)
        {
            if (vnet.Fields.Has("suite"))
                report.Warning(at, DiagnosticCodes.Security, $"vnet {vnet.Id.ShortForm} has security none, so its suite is ignored");
            return;
        }
        var encrypts = vnet.Suite is EspSuite.AesGcm128 or EspSuite.AesCbc128HmacSha1_96;
        if (vnet.Security == Security.Conf && !encrypts)
            report.Error(at, DiagnosticCodes.Security,
                $"vnet {vnet.Id.ShortForm} has security conf, but suite {Spellings.Of(vnet.Suite!.Value)} does not encrypt: use aes-gcm-128 or aes-cbc-128-hmac-sha1-96");
        if (vnet.Security == Security.Auth && encrypts)
            report.Error(at, DiagnosticCodes.Security,
                $"vnet {vnet.Id.ShortForm} has security auth, but suite {Spellings.Of(vnet.Suite!.Value)} encrypts: use security conf, or null-hmac-sha256-128 or null-hmac-sha1-96");
    }
}
