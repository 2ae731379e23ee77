namespace VirtualLan.HelpGen;

/// <summary>One entry of the Related Links section.</summary>
/// <param name="Text">The text shown, usually a command or about_ topic name.</param>
/// <param name="Address">The address, or an empty string for a topic that Get-Help finds by name (MAML allows it empty, so not a Uri).</param>
public sealed record RelatedLink(string Text, string Address);
