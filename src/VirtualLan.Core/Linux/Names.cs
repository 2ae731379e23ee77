using System.Text;

namespace VirtualLan.Linux;

/// <summary>Checks names before they reach the kernel, so a bad name changes nothing.</summary>
public static class Names
{
    /// <summary>The kernel's limit on interface names (IFNAMSIZ less the terminating zero).</summary>
    public const int MaxInterfaceNameBytes = 15;

    /// <summary>
    /// Checks an interface name: not empty, at most 15 bytes, no '/', ':' or white space (the kernel
    /// refuses them), no leading '-' (it would read as an option), and only letters, digits, '-', '_'
    /// and '.' so that no name can be mistaken for shell or ip syntax when a user copies a command.
    /// </summary>
    /// <param name="name">The name.</param>
    /// <param name="parameter">The parameter it came from, for the message.</param>
    /// <returns>The name, unchanged.</returns>
    /// <exception cref="VlanException">The name is invalid; the message says why.</exception>
    public static string Interface(string? name, string parameter)
    {
        var reason = InterfaceProblem(name);
        if (reason is not null)
        {
            throw new VlanException(
                ErrorIds.InvalidInterfaceName,
                VlanErrorKind.InvalidArgument,
                name,
                $"-{parameter} '{name}' is not a valid interface name: {reason}. Use 1 to 15 letters, digits, '-', '_' or '.', not starting with '-', such as virtualnet0.");
        }

        return name!;
    }

    /// <summary>Checks a network namespace name: the rules of <see cref="Interface"/> but up to 64 bytes.</summary>
    /// <param name="name">The name.</param>
    /// <param name="parameter">The parameter it came from, for the message.</param>
    /// <returns>The name, unchanged.</returns>
    /// <exception cref="VlanException">The name is invalid; the message says why.</exception>
    public static string Namespace(string? name, string parameter)
    {
        var reason = CommonProblem(name, 64);
        if (reason is not null)
        {
            throw new VlanException(
                ErrorIds.InvalidNamespaceName,
                VlanErrorKind.InvalidArgument,
                name,
                $"-{parameter} '{name}' is not a valid namespace name: {reason}. Use 1 to 64 letters, digits, '-', '_' or '.', not starting with '-', such as router.");
        }

        return name!;
    }

    /// <summary>Says what is wrong with an interface name, or returns null when it is valid.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The problem, or null.</returns>
    public static string? InterfaceProblem(string? name) => CommonProblem(name, MaxInterfaceNameBytes);

    private static string? CommonProblem(string? name, int maxBytes)
    {
        if (name is null)
        {
            return "it is $null (leave the parameter out to use its default)";
        }

        if (name.Length == 0)
        {
            return "it is empty";
        }

        var bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > maxBytes)
        {
            return $"it is {bytes} bytes long and the limit is {maxBytes}";
        }

        if (name is "." or "..")
        {
            return "'.' and '..' are reserved";
        }

        if (name[0] == '-')
        {
            return "it starts with '-', which commands would read as an option";
        }

        foreach (var c in name)
        {
            if (c == '/' || c == ':')
            {
                return $"it contains '{c}', which the kernel does not allow";
            }

            if (char.IsWhiteSpace(c))
            {
                return "it contains white space, which the kernel does not allow";
            }

            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return $"it contains '{c}'";
            }
        }

        return null;
    }
}
