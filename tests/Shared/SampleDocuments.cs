namespace VirtualLan.Tests;

/// <summary>LAN documents both test tiers use.</summary>
internal static class SampleDocuments
{
    /// <summary>A bridge, a router, two namespace appliances (one made with -Create at a given address), a tap, a forward and DHCP: one object of every stage of a sync.</summary>
    public const string EveryStage = """
        {
          "version": 1,
          "bridges": [ { "name": "virtualnet0", "address": "172.24.0.1/16", "mtu": 1500 } ],
          "routers": [ { "name": "router", "bridge": "virtualnet0", "uplink": "uplink0" } ],
          "appliances": [
            { "kind": "namespace", "name": "web", "bridge": "virtualnet0", "address": "172.24.1.10/16", "create": true },
            { "kind": "namespace", "name": "desk", "bridge": "virtualnet0", "create": true },
            { "kind": "tap", "name": "qemutap0", "bridge": "virtualnet0", "address": "172.24.2.10/16" }
          ],
          "portForwards": [ { "router": "router", "protocol": "tcp", "externalPort": "4000", "internalAddress": "172.24.1.10" } ],
          "dhcp": [ { "bridge": "virtualnet0" } ]
        }
        """;
}
