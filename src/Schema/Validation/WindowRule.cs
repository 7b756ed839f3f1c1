using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Validation;

/// <summary>
/// SPEC §2.4: a maintenance window has a Quartz cron expression (6 or 7 fields: seconds minutes hours day-of-month
/// month day-of-week [year]) and a positive duration. The Reconciler, which references Quartz, checks the fields' values.
/// </summary>
internal sealed class WindowRule : RecordRule<MaintenanceWindow>
{
    public override void Check(MaintenanceWindow window, Reporter<MaintenanceWindow> report)
    {
        var fields = window.Cron.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        if (fields is not (6 or 7))
            report.Error(window.Fields.Of("cron", window.Span), DiagnosticCodes.Value,
                $"cron '{window.Cron}' has {fields} fields: a Quartz cron expression has 6 or 7 (seconds minutes hours day-of-month month day-of-week [year]), such as '0 0 2 ? * SUN'");
        if (window.Duration <= TimeSpan.Zero)
            report.Error(window.Fields.Of("duration", window.Span), DiagnosticCodes.Value, "a window's duration must be more than 0");
    }
}
