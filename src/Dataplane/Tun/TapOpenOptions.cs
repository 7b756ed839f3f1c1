namespace VnetReconciler.Dataplane.Tun;

/// <summary>How <see cref="TapDevice.Open"/> attaches to a TAP (linux/if_tun.h TUNSETIFF flags and O_NONBLOCK).</summary>
[Flags]
public enum TapOpenOptions
{
    None = 0,

    /// <summary>O_NONBLOCK: <see cref="TapDevice.Read"/> returns -1 and <see cref="TapDevice.Write"/> false instead of waiting.</summary>
    NonBlocking = 1,

    /// <summary>
    /// IFF_VNET_HDR: every frame is preceded by a struct virtio_net_hdr (10 bytes unless changed). The flag belongs
    /// to the device: on a multi-queue TAP the first queue attached decides it (tun_set_iff does not update it for
    /// later queues), so open every queue with the same options.
    /// </summary>
    VnetHeader = 2,

    /// <summary>IFF_MULTI_QUEUE: this descriptor is one queue of several; must match how the TAP was created.</summary>
    MultiQueue = 4,
}

/// <summary>What the reader of a TAP takes from the kernel (TUNSETOFFLOAD flags, linux/if_tun.h TUN_F_*).</summary>
[Flags]
public enum TapOffloads : uint
{
    None = 0,

    /// <summary>TUN_F_CSUM: frames may arrive with the transport checksum left partial (VIRTIO_NET_HDR_F_NEEDS_CSUM).</summary>
    Checksum = 0x01,

    /// <summary>TUN_F_TSO4: TCP/IPv4 super-frames (needs <see cref="Checksum"/>).</summary>
    Tso4 = 0x02,

    /// <summary>TUN_F_TSO6: TCP/IPv6 super-frames (needs <see cref="Checksum"/>).</summary>
    Tso6 = 0x04,
}
