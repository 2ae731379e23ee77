using VirtualLan.Linux;
using VirtualLan.Planning;

namespace VirtualLan.Completers;

/// <summary>
/// Completes appliance names from the records on the host's links (no read inside any appliance);
/// with -Kind or -Bridge on the line, only the appliances of that kind or those bridges.
/// </summary>
internal sealed class ApplianceCompleter : VlanCompleter
{
    /// <summary>Says what an appliance is, as its tooltip: "Namespace appliance 172.24.4.2/16 on virtualnet0".</summary>
    /// <param name="appliance">The appliance.</param>
    /// <returns>The text.</returns>
    internal static string Describe(Appliance appliance) =>
        $"{KindName(appliance.Kind)} appliance{(appliance.Cidr is { } a ? " " + a : string.Empty)} on {appliance.Bridge}";

    /// <inheritdoc />
    protected override IEnumerable<CompletionCandidate> Candidates(CompletionRequest request, KernelState state)
    {
        var kind = request.Enum<ApplianceKind>("Kind");
        var bridges = request.Strings("Bridge");
        return new ApplianceService(Host, new Docker(System.Runner)).List(state, live: false)
            .Where(a => (kind is null || a.Kind == kind) && (bridges.Count == 0 || bridges.Contains(a.Bridge, StringComparer.Ordinal)))
            .Select(a => new CompletionCandidate(a.Name, Describe(a)));
    }

    private static string KindName(ApplianceKind kind) => kind switch
    {
        ApplianceKind.DockerNetwork => "Docker network",
        _ => kind.ToString(),
    };
}
