using System.Net;
using FsCheck;
using FsCheck.Fluent;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Tests.Model;

/// <summary>FsCheck generators of model records, consistent with the defaults the readers apply.</summary>
internal static class ModelGen
{
    private const string NameChars = "abcdefghijklmnopqrstuvwxyz0123456789-_.";

    public static Gen<string> Name =>
        from length in Gen.Choose(1, 14)
        from chars in Gen.ArrayOf(Gen.Elements(NameChars.ToCharArray()), length)
        let name = new string(chars)
        where name is not "." and not ".."
        select name;

    /// <summary>Any text without lone surrogates: exercises quoting and escapes in both formats.</summary>
    public static Gen<string> AnyText =>
        from length in Gen.Choose(0, 12)
        from chars in Gen.ArrayOf(Gen.OneOf(
            Gen.Elements("aZ0 \t\n\r\"'\\#():,[]{}-*?&!|>%@`\x01\x7f\u00e9\u2028\u4e2d".ToCharArray()),
            Gen.Choose(32, 126).Select(i => (char)i)), length)
        select new string(chars);

    public static Gen<VnetId> Id => Gen.OneOf(
        Gen.Choose(2, 0xFFFF).Select(i => VnetId.FromValue((UInt128)i)),
        from hi in Gen.Choose(0, int.MaxValue)
        from lo in Gen.Choose(2, int.MaxValue)
        from shift in Gen.Choose(0, 96)
        select VnetId.FromValue(((UInt128)(uint)hi << shift) | (uint)lo));

    public static Gen<IPAddress> Ipv4 =>
        Gen.ArrayOf(Gen.Choose(0, 255), 4).Select(b => new IPAddress(b.Select(x => (byte)x).ToArray()));

    public static Gen<Mac> Mac => Gen.ArrayOf(Gen.Choose(0, 255), 6)
        .Select(b => Schema.Model.Mac.FromValue(b.Aggregate(0UL, (v, x) => (v << 8) | (uint)x)));

    private static Gen<T?> Maybe<T>(Gen<T> gen) where T : struct =>
        Gen.OneOf(Gen.Constant<T?>(null), gen.Select(v => (T?)v));

    private static Gen<T?> MaybeRef<T>(Gen<T> gen) where T : class =>
        Gen.OneOf(Gen.Constant<T?>(null), gen.Select(v => (T?)v));

    private static Gen<EquatableArray<T>> ArrayOf<T>(Gen<T> gen, int max) =>
        from n in Gen.Choose(0, max)
        from items in Gen.ArrayOf(gen, n)
        select items.ToEquatableArray();

    public static Gen<Vnet> Vnet =>
        from id in Id
        from bridge in Name
        from vnetif in Name
        from security in Gen.Elements(Security.None, Security.Auth, Security.Conf)
        from encapsulation in Gen.Elements(Encapsulation.Udp, Encapsulation.Vxlan)
        from suite in Gen.Elements(Enum.GetValues<EspSuite>())
        from key in Gen.OneOf(Gen.Constant<string?>(null), Name.Select(n => (string?)n))
        from mtu in Maybe(Gen.Choose(68, 9000))
        from hosts in Gen.OneOf(Gen.Constant<EquatableArray<string>?>(null), ArrayOf(Name, 3).Select(a => (EquatableArray<string>?)a))
        select new Vnet
        {
            Id = id, Bridge = bridge, Vnetif = vnetif, Security = security, Encapsulation = encapsulation,
            Suite = security == Security.None ? null : suite, Key = key ?? Schema.Model.Vnet.DefaultKey(id), Mtu = mtu, Hosts = hosts,
        };

    public static Gen<Port> Port =>
        from name in Name
        from vnet in Id
        from type in Gen.Elements(PortType.Link, PortType.Tap)
        from owner in Maybe(Gen.Choose(0, int.MaxValue).Select(i => (uint)i))
        from grp in Maybe(Gen.Choose(0, 65535).Select(i => (uint)i))
        from mac in Maybe(Mac)
        select new Port { Name = name, Vnet = vnet, Type = type, Owner = owner, Group = grp, Mac = mac };

    public static Gen<Vif> Vif =>
        from mac in Mac
        from bridge in Name
        from name in MaybeRef(Name)
        select new Vif { Mac = mac, Bridge = bridge, Name = name };

    public static Gen<Host> Host =>
        from name in Name
        from address in Ipv4
        from mtu in Maybe(Gen.Choose(576, 9000))
        from ports in ArrayOf(Port, 3)
        from vifs in ArrayOf(Vif, 2)
        select new Host { Name = name, Address = address, UnderlayMtu = mtu, Ports = ports, Vifs = vifs };

    public static Gen<Peer> Peer =>
        from address in Ipv4
        from vnets in Gen.OneOf(Gen.Constant<EquatableArray<VnetId>?>(null), ArrayOf(Id, 3).Select(a => (EquatableArray<VnetId>?)a))
        select new Peer { Address = address, Vnets = vnets };

    public static Gen<TimeSpan> Duration => Gen.OneOf(
        Gen.Choose(0, 5000).Select(i => TimeSpan.FromMilliseconds(i)),
        Gen.Choose(0, 500).Select(i => TimeSpan.FromSeconds(i)),
        Gen.Choose(0, 500).Select(i => TimeSpan.FromMinutes(i)),
        Gen.Choose(0, 50).Select(i => TimeSpan.FromHours(i)));

    public static Gen<MaintenanceWindow> Window =>
        from cron in AnyText
        from duration in Duration
        select new MaintenanceWindow { Cron = cron, Duration = duration };

    public static Gen<RolloutWave> Wave =>
        from name in AnyText
        from hosts in ArrayOf(Gen.OneOf(Name, AnyText), 3)
        from window in MaybeRef(Window)
        select new RolloutWave { Name = name, Hosts = hosts, Window = window };

    public static Gen<Fleet> Fleet =>
        from interval in Duration
        from ports in Gen.ArrayOf(Gen.Choose(0, 70000), 3)
        from underlay in Gen.Choose(0, 70000)
        from flood in Gen.Elements(FloodMode.Unicast, FloodMode.Multicast)
        from grp in Ipv4
        from accept in Gen.Elements(true, false)
        from rollout in ArrayOf(Wave, 3)
        from grace in Duration
        from verify in Duration
        from windows in ArrayOf(Window, 2)
        from signatures in Gen.Elements(Enum.GetValues<SignatureRequirement>())
        from push in Gen.Elements(true, false)
        from remote in MaybeRef(AnyText)
        select new Fleet
        {
            Interval = interval, Port = ports[0], EspPort = ports[1], VxlanPort = ports[2], UnderlayMtu = underlay,
            Flood = flood, MulticastGroup = grp, AcceptUnknownPeers = accept, Rollout = rollout, Grace = grace,
            VerifyWindow = verify, Windows = windows, Signatures = signatures,
            Status = new FleetStatusSettings { Push = push, Remote = remote },
        };

    public static Gen<DesiredState> State =>
        from fleet in Gen.OneOf(Gen.Constant(Schema.Model.Fleet.Default), Fleet)
        from vnets in ArrayOf(Vnet, 4)
        from hosts in ArrayOf(Host, 3)
        from peers in ArrayOf(Peer, 3)
        select new DesiredState { Fleet = fleet, Vnets = vnets, Hosts = hosts, Peers = peers };
}
