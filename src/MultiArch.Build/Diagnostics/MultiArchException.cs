namespace MultiArch.Build.Diagnostics;

/// <summary>
/// Base of the domain exceptions thrown by library code. The task boundary turns one into the coded
/// diagnostic named by <see cref="ResourceName"/>; its message is that diagnostic's text.
/// </summary>
internal class MultiArchException : Exception
{
    public MultiArchException(string resourceName, params object?[] args)
        : this(resourceName, null, args)
    {
    }

    public MultiArchException(string resourceName, Exception? inner, params object?[] args)
        : base(DiagnosticText.FormatWithCode(resourceName, args), inner)
    {
        ResourceName = resourceName;
        Arguments = args;
    }

    public string ResourceName { get; }

    public IReadOnlyList<object?> Arguments { get; }

    public string Code => DiagnosticText.CodeOf(ResourceName);

    public Diagnostic ToDiagnostic() => Diagnostic.Error(ResourceName, Arguments.ToArray());
}
