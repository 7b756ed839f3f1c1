using FluentValidation;
using FluentValidation.Results;
using VnetReconciler.Schema.Model;
using FvSeverity = FluentValidation.Severity;

namespace VnetReconciler.Schema.Validation;

/// <summary>Adds failures that carry their position (<see cref="SourceSpan"/> as the custom state) and a code.</summary>
internal readonly struct Reporter<T>(ValidationContext<T> context)
{
    /// <summary>Key of <see cref="ValidationContext{T}.RootContextData"/>: the files bound without errors, so references can be checked.</summary>
    public const string CompleteKey = "complete";

    public bool ReferencesCheckable =>
        !context.RootContextData.TryGetValue(CompleteKey, out var v) || v is true;

    public void Error(SourceSpan at, string code, string message) => Add(at, code, message, FvSeverity.Error);

    public void Warning(SourceSpan at, string code, string message) => Add(at, code, message, FvSeverity.Warning);

    private void Add(SourceSpan at, string code, string message, FvSeverity severity) =>
        context.AddFailure(new ValidationFailure("", message) { CustomState = at, ErrorCode = code, Severity = severity });
}

/// <summary>A rule over the whole state (cross-file): one per file, included by <see cref="DesiredStateValidator"/>.</summary>
internal abstract class StateRule : AbstractValidator<DesiredState>
{
    protected StateRule() => RuleFor(s => s).Custom((state, context) => Check(state, new Reporter<DesiredState>(context)));

    protected abstract void Check(DesiredState state, Reporter<DesiredState> report);
}

/// <summary>A rule over one record: one per file, included by the record's validator.</summary>
internal abstract class RecordRule<T> : AbstractValidator<T>
{
    protected RecordRule() => RuleFor(x => x).Custom((record, context) => Check(record, new Reporter<T>(context)));

    protected abstract void Check(T record, Reporter<T> report);
}
