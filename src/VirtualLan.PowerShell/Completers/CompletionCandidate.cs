namespace VirtualLan.Completers;

/// <summary>A name a completer offers, and what it is, shown as the completion's tooltip.</summary>
/// <param name="Name">The name, as the parameter takes it.</param>
/// <param name="ToolTip">What the name is, such as "Namespace appliance 172.24.4.2/16 on virtualnet0".</param>
internal sealed record CompletionCandidate(string Name, string ToolTip);
