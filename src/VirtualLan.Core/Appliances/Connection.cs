using System.Net;
using VirtualLan.Linux;
using VirtualLan.Planning;
using VirtualLan.Records;

namespace VirtualLan.Appliances;

/// <summary>What the service works out for every kind before the kind plans its connection.</summary>
/// <param name="Request">The request.</param>
/// <param name="Recorded">The record of the same appliance already connected, or null.</param>
/// <param name="Address">The address it takes.</param>
/// <param name="Gateway">The gateway it is given.</param>
/// <param name="Lan">The LAN.</param>
/// <param name="Used">The addresses in use on the LAN, added to by kinds that take more.</param>
/// <param name="Routers">The routers of the host.</param>
/// <param name="State">The kernel's state.</param>
/// <param name="Warnings">What the user should know before the plan runs, added to by the kinds.</param>
internal sealed record Connection(ApplianceRequest Request, ApplianceRecord? Recorded, Ipv4Cidr Address, IPAddress Gateway, Ipv4Cidr Lan, ISet<IPAddress> Used, IReadOnlyList<Router> Routers, KernelState State, IList<string> Warnings);
