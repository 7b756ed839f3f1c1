namespace VnetReconciler.Dataplane.Links;

/// <summary>What a link notification says.</summary>
public enum LinkEventKind
{
    /// <summary>RTM_NEWLINK announcing a newly registered link (ifi_change = ~0).</summary>
    Added,
    /// <summary>RTM_NEWLINK for an existing link: flags, MTU, master, alias, name or address changed.</summary>
    Changed,
    /// <summary>RTM_DELLINK: the link is gone; <see cref="LinkEvent.Link"/> is its last state.</summary>
    Removed,
    /// <summary>
    /// The kernel dropped notifications because the socket buffer was full (ENOBUFS): the consumer must dump the
    /// links again to learn the current state. <see cref="LinkEvent.Link"/> is null.
    /// </summary>
    Overflow,
}

/// <summary>One change the kernel announced on RTNLGRP_LINK.</summary>
public sealed record LinkEvent(LinkEventKind Kind, LinkInfo? Link);
