namespace VirtualLan.HelpGen;

/// <summary>
/// Says how a parameter binds from the pipeline.
/// </summary>
[Flags]
public enum PipelineInput
{
    /// <summary>The parameter does not bind from the pipeline.</summary>
    None = 0,

    /// <summary>The parameter binds whole pipeline objects.</summary>
    ByValue = 1,

    /// <summary>The parameter binds a property of the same name of the pipeline object.</summary>
    ByPropertyName = 2,
}
