using VirtualLan.Netlink;

namespace VirtualLan.Tests.Unit;

/// <summary>The netlink encoder and decoder, byte for byte against messages iproute2 sends and the kernel answers.</summary>
public class NetlinkMessageTests
{
    private static byte[] Hex(string text) => Convert.FromHexString(text.Replace(" ", string.Empty, StringComparison.Ordinal));

    [Fact]
    public void A_bridge_creation_encodes_as_ip_link_add_name_br0_type_bridge_sends_it()
    {
        // strace -xx of "ip link add name br0 type bridge" (iproute2 6.1), seq 7: header, ifinfomsg,
        // IFLA_IFNAME "br0" with its NUL, IFLA_LINKINFO { IFLA_INFO_KIND "bridge" without one } padded to 4 bytes.
        var message = NetlinkMessage.Link(Rtnl.NewLink, Rtnl.FlagCreate | Rtnl.FlagExcl, 0)
            .Text(Rtnl.IflaIfname, "br0")
            .BeginNested(Rtnl.IflaLinkinfo)
            .Text(Rtnl.IflaInfoKind, "bridge", terminated: false)
            .EndNested();

        var bytes = message.ToBytes(7, Rtnl.FlagRequest | Rtnl.FlagAck);

        Assert.Equal(
            Hex("38000000 1000 0506 07000000 00000000"
                + "00 00 0000 00000000 00000000 00000000"
                + "0800 0300 62723000"
                + "1000 1200 0a00 0100 627269646765 0000"),
            bytes);
    }

    [Fact]
    public void Nested_attributes_count_their_padded_content_and_integers_are_host_or_network_order()
    {
        var bytes = new NetlinkMessage(Rtnl.NewLink)
            .BeginNested(Rtnl.IflaLinkinfo)
            .BeginNested(Rtnl.IflaInfoData)
            .U32(Rtnl.IflaVxlanId, 42)
            .Be16(Rtnl.IflaVxlanPort, 4789)
            .U8(Rtnl.IflaVxlanLearning, 1)
            .EndNested()
            .EndNested()
            .ToBytes(1);

        Assert.Equal(
            Hex("30000000 1000 0000 01000000 00000000"
                + "2000 1200"
                + "1c00 0200"
                + "0800 0100 2a000000"
                + "0600 0f00 12b5 0000"
                + "0500 0700 01 000000"),
            bytes);
    }

    [Fact]
    public void An_address_and_a_route_encode_their_fixed_structures()
    {
        var address = new NetlinkMessage(Rtnl.NewAddr, Rtnl.FlagCreate | Rtnl.FlagExcl)
            .IfAddr(Rtnl.AfInet, 16, 0, 0, 5)
            .Bytes(Rtnl.IfaLocal, [172, 24, 0, 1])
            .ToBytes(3, Rtnl.FlagRequest | Rtnl.FlagAck);
        Assert.Equal(Hex("20000000 1400 0506 03000000 00000000 02 10 00 00 05000000 0800 0200 ac180001"), address);

        var route = new NetlinkMessage(Rtnl.NewRoute, Rtnl.FlagCreate | Rtnl.FlagExcl)
            .RtMsg(Rtnl.AfInet, 0, Rtnl.RtTableMain, Rtnl.RtprotBoot, Rtnl.RtScopeUniverse, Rtnl.RtnUnicast)
            .Bytes(Rtnl.RtaGateway, [198, 51, 100, 1])
            .ToBytes(4, Rtnl.FlagRequest | Rtnl.FlagAck);
        Assert.Equal(Hex("24000000 1800 0506 04000000 00000000 02 00 00 00 fe 03 00 01 00000000 0800 0500 c6336401"), route);
    }

    [Fact]
    public void A_datagram_of_two_messages_is_walked_with_their_attributes_and_nested_ones()
    {
        var first = NetlinkMessage.Link(Rtnl.NewLink, Rtnl.FlagMulti, 3, Rtnl.IffUp)
            .Text(Rtnl.IflaIfname, "vl-c1")
            .U32(Rtnl.IflaMtu, 1500)
            .BeginNested(Rtnl.IflaLinkinfo).Text(Rtnl.IflaInfoKind, "veth").EndNested()
            .ToBytes(9);
        var done = new NetlinkMessage(Rtnl.NlmsgDone, Rtnl.FlagMulti).Fixed(new byte[4]).ToBytes(9);

        var replies = NetlinkReader.Messages(first.Concat(done).ToArray()).ToArray();

        Assert.Equal(2, replies.Length);
        Assert.Equal(Rtnl.NewLink, replies[0].Type);
        Assert.Equal(9u, replies[0].Sequence);
        Assert.Equal(3, System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(replies[0].Payload.Span[4..]));
        var attributes = replies[0].Attributes(Rtnl.IfInfoSize).ToArray();
        Assert.Equal("vl-c1", attributes.Find(Rtnl.IflaIfname)!.Value.Text);
        Assert.Equal(1500u, attributes.Find(Rtnl.IflaMtu)!.Value.U32);
        Assert.Equal("veth", attributes.Find(Rtnl.IflaLinkinfo)!.Value.Nested.Find(Rtnl.IflaInfoKind)!.Value.Text);
        Assert.Equal(Rtnl.NlmsgDone, replies[1].Type);
    }

    [Fact]
    public void An_error_ack_gives_the_negative_errno_and_the_extended_acks_message()
    {
        // A capped NLMSG_ERROR with NLMSGERR_ATTR_MSG, as the kernel answers a veth whose name is taken.
        var ack = Hex("34000000 0200 0003 07000000 d2040000"
            + "efffffff"
            + "38000000 1000 0506 07000000 00000000"
            + "1000 0100 4c696e6b20657869737473 00");
        var reply = Assert.Single(NetlinkReader.Messages(ack));

        var (error, message) = NetlinkReader.Error(reply);

        Assert.Equal(-17, error);
        Assert.Equal("Link exists", message);
    }

    [Fact]
    public void An_uncapped_ack_skips_the_echoed_request_and_a_plain_ack_has_no_message()
    {
        var echoed = Hex("34000000 0200 0002 01000000 00000000"
            + "edffffff"
            + "18000000 1300 0500 01000000 00000000 00000000 00000000"
            + "0800 0100 6e6f00 00");
        Assert.Equal((-19, (string?)"no"), NetlinkReader.Error(Assert.Single(NetlinkReader.Messages(echoed))));

        var plain = Hex("24000000 0200 0001 01000000 00000000 00000000 14000000 1000 0500 01000000 00000000");
        Assert.Equal((0, (string?)null), NetlinkReader.Error(Assert.Single(NetlinkReader.Messages(plain))));
    }
}
