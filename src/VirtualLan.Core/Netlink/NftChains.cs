using System.Buffers.Binary;
using VirtualLan.Execution;
using VirtualLan.Linux;

namespace VirtualLan.Netlink;

/// <summary>
/// Reads the policies of the IPv4 base chains of a namespace from nf_tables over a netfilter
/// netlink socket (NFT_MSG_GETCHAIN), without iptables-save: iptables-nft keeps each table as an
/// nf_tables table of the ip family and each built-in chain as a base chain whose policy is the
/// iptables policy. A router's FORWARD and INPUT policies are read this way, so listing routers
/// does not print and parse their whole firewall. Only when iptables is the nf_tables variant; with
/// iptables-legacy the rules are not in nf_tables, and the caller reads iptables-save.
/// </summary>
public static class NftChains
{
    private const int NetlinkNetfilter = 12;
    private const ushort GetTable = (10 << 8) | 1;
    private const ushort NewTable = 10 << 8;
    private const ushort GetChain = (10 << 8) | 4;
    private const ushort NewChain = (10 << 8) | 3;
    private const byte FamilyIpv4 = 2;
    private const int NfGenMsgSize = 4;
    private const ushort AttrTable = 1;
    private const ushort AttrName = 3;
    private const ushort AttrPolicy = 5;

    // The built-in chains of each iptables table: iptables-save prints them, ACCEPT when nf_tables
    // has not made them yet, as soon as the table exists.
    private static readonly Dictionary<string, string[]> BuiltIn = new(StringComparer.Ordinal)
    {
        ["filter"] = ["INPUT", "FORWARD", "OUTPUT"],
        ["nat"] = ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
        ["mangle"] = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
        ["raw"] = ["PREROUTING", "OUTPUT"],
        ["security"] = ["INPUT", "FORWARD", "OUTPUT"],
    };

    private static readonly Lazy<bool> IptablesIsNft = new(() => IsNft(new ToolLocator().Find("iptables")));

    /// <summary>Gets a value indicating whether the iptables the module runs is iptables-nft.</summary>
    public static bool Usable => IptablesIsNft.Value;

    /// <summary>Reads the policies of the IPv4 base chains of a namespace.</summary>
    /// <param name="at">The namespace.</param>
    /// <returns>"table/chain" → ACCEPT or DROP, for every base chain with a policy.</returns>
    /// <exception cref="NetlinkException">The namespace cannot be entered, or the dump failed.</exception>
    public static IReadOnlyDictionary<string, string> Policies(NetNamespace at)
    {
        NetlinkSocket? socket = null;
        NamespaceOpener.Run(at, () => socket = NetlinkSocket.Open(NetlinkNetfilter), () => socket?.Dispose());
        using (socket)
        {
            var header = new byte[NfGenMsgSize];
            header[0] = FamilyIpv4;
            var tables = socket!.Dump(new NetlinkMessage(GetTable).Fixed(header));
            return Parse(tables.Concat(socket.Dump(new NetlinkMessage(GetChain).Fixed(header))));
        }
    }

    /// <summary>Reads the policies from the replies of a table dump and a chain dump, as iptables-save prints them.</summary>
    /// <param name="replies">The NFT_MSG_NEWTABLE and NFT_MSG_NEWCHAIN replies.</param>
    /// <returns>"table/chain" → ACCEPT or DROP.</returns>
    public static IReadOnlyDictionary<string, string> Parse(IEnumerable<NetlinkReply> replies)
    {
        ArgumentNullException.ThrowIfNull(replies);
        var all = replies.ToArray();
        var policies = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var reply in all.Where(r => r.Type == NewTable))
        {
            if (reply.Attributes(NfGenMsgSize).Find(AttrTable) is { } table && BuiltIn.TryGetValue(table.Text, out var chains))
            {
                foreach (var chain in chains)
                {
                    policies[table.Text + "/" + chain] = "ACCEPT";
                }
            }
        }

        foreach (var reply in all.Where(r => r.Type == NewChain))
        {
            var attributes = reply.Attributes(NfGenMsgSize).ToArray();
            if (attributes.Find(AttrTable) is { } table && attributes.Find(AttrName) is { } name && attributes.Find(AttrPolicy) is { Value.Length: >= 4 } policy)
            {
                // NF_DROP is 0, NF_ACCEPT 1 (big-endian, as every nf_tables number).
                policies[table.Text + "/" + name.Text] = BinaryPrimitives.ReadUInt32BigEndian(policy.Value.Span) == 0 ? "DROP" : "ACCEPT";
            }
        }

        return policies;
    }

    /// <summary>Tells whether an iptables program is iptables-nft: xtables-nft-multi, through its links (the alternatives).</summary>
    /// <param name="iptables">The program's path, or null when it is not installed.</param>
    /// <returns>True for iptables-nft.</returns>
    public static bool IsNft(string? iptables)
    {
        if (iptables is null)
        {
            return false;
        }

        var target = File.ResolveLinkTarget(iptables, returnFinalTarget: true)?.FullName ?? iptables;
        return Path.GetFileName(target).Contains("nft", StringComparison.Ordinal);
    }
}
