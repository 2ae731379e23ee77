namespace VirtualLan.Netlink;

/// <summary>The numbers of netlink and rtnetlink (linux/netlink.h, linux/rtnetlink.h, linux/if_link.h, linux/if_addr.h).</summary>
public static class Rtnl
{
#pragma warning disable CS1591 // The kernel's own names; linux/*.h documents them.
    public const ushort NlmsgNoop = 1;
    public const ushort NlmsgError = 2;
    public const ushort NlmsgDone = 3;

    public const ushort FlagRequest = 0x1;
    public const ushort FlagMulti = 0x2;
    public const ushort FlagAck = 0x4;
    public const ushort FlagDumpIntr = 0x10;
    public const ushort FlagRoot = 0x100;
    public const ushort FlagMatch = 0x200;
    public const ushort FlagDump = FlagRoot | FlagMatch;
    public const ushort FlagReplace = 0x100;
    public const ushort FlagExcl = 0x200;
    public const ushort FlagCreate = 0x400;
    public const ushort FlagAppend = 0x800;
    public const ushort FlagCapped = 0x100;
    public const ushort FlagAckTlvs = 0x200;

    public const ushort NewLink = 16;
    public const ushort DelLink = 17;
    public const ushort GetLink = 18;
    public const ushort SetLink = 19;
    public const ushort NewAddr = 20;
    public const ushort DelAddr = 21;
    public const ushort GetAddr = 22;
    public const ushort NewRoute = 24;
    public const ushort DelRoute = 25;
    public const ushort GetRoute = 26;
    public const ushort NewNeigh = 28;
    public const ushort DelNeigh = 29;
    public const ushort GetNeigh = 30;

    public const ushort IflaAddress = 1;
    public const ushort IflaBroadcast = 2;
    public const ushort IflaIfname = 3;
    public const ushort IflaMtu = 4;
    public const ushort IflaLink = 5;
    public const ushort IflaMaster = 10;
    public const ushort IflaOperstate = 16;
    public const ushort IflaLinkinfo = 18;
    public const ushort IflaNetNsPid = 19;
    public const ushort IflaIfalias = 20;
    public const ushort IflaGroup = 27;
    public const ushort IflaNetNsFd = 28;
    public const ushort IflaExtMask = 29;
    public const ushort IflaLinkNetnsid = 37;

    public const ushort IflaInfoKind = 1;
    public const ushort IflaInfoData = 2;
    public const ushort IflaInfoSlaveKind = 4;
    public const ushort VethInfoPeer = 1;

    public const ushort IflaVxlanId = 1;
    public const ushort IflaVxlanLink = 3;
    public const ushort IflaVxlanLocal = 4;
    public const ushort IflaVxlanLearning = 7;
    public const ushort IflaVxlanPort = 15;

    public const ushort IfaAddress = 1;
    public const ushort IfaLocal = 2;
    public const ushort IfaLabel = 3;
    public const ushort IfaBroadcast = 4;

    public const ushort RtaDst = 1;
    public const ushort RtaOif = 4;
    public const ushort RtaGateway = 5;
    public const ushort RtaPriority = 6;
    public const ushort RtaPrefsrc = 7;
    public const ushort RtaTable = 15;

    public const ushort NdaDst = 1;
    public const ushort NdaLladdr = 2;

    public const ushort NlmsgerrAttrMsg = 1;

    public const byte AfUnspec = 0;
    public const byte AfInet = 2;
    public const byte AfBridge = 7;
    public const byte AfInet6 = 10;

    public const uint IffUp = 0x1;

    public const byte RtTableMain = 254;
    public const byte RtprotBoot = 3;
    public const byte RtprotStatic = 4;
    public const byte RtScopeUniverse = 0;
    public const byte RtScopeLink = 253;
    public const byte RtScopeHost = 254;
    public const byte RtScopeNowhere = 255;
    public const byte RtnUnicast = 1;
    public const uint RtnhFOnlink = 0x4;

    /// <summary>Size of struct nlmsghdr.</summary>
    public const int HeaderSize = 16;

    /// <summary>Size of struct ifinfomsg.</summary>
    public const int IfInfoSize = 16;

    /// <summary>Size of struct ifaddrmsg.</summary>
    public const int IfAddrSize = 8;

    /// <summary>Size of struct rtmsg.</summary>
    public const int RtMsgSize = 12;

    /// <summary>Size of struct ndmsg.</summary>
    public const int NdMsgSize = 12;
#pragma warning restore CS1591
}
