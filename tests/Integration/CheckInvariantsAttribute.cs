using System.Reflection;
using Xunit.Sdk;

namespace VirtualLan.Tests.Integration;

/// <summary>
/// After each test of a class that builds a <see cref="World"/>, fails the test if the world broke
/// an invariant (found as it ended, before its sandbox was deleted).
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class CheckInvariantsAttribute : BeforeAfterTestAttribute
{
    public override void Before(MethodInfo methodUnderTest) => World.Violations.Clear();

    public override void After(MethodInfo methodUnderTest)
    {
        var violations = World.Violations.ToArray();
        World.Violations.Clear();
        if (violations.Length > 0)
        {
            throw new InvalidOperationException("Invariants broken:\n" + string.Join('\n', violations));
        }
    }
}
