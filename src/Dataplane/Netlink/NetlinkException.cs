using VnetReconciler.Dataplane.Interop;

namespace VnetReconciler.Dataplane.Netlink;

/// <summary>
/// A netlink request the kernel refused, or a socket error: the errno, the kernel's extended-ACK text when it gave
/// one (NLMSGERR_ATTR_MSG), the operation in <c>ip</c> terms, and whether trying again can help.
/// </summary>
public sealed class NetlinkException : Exception
{
    public NetlinkException(string operation, int errno, string? extAckMessage = null, int failedRequests = 1, int totalRequests = 1)
        : base(Format(operation, errno, extAckMessage, failedRequests, totalRequests))
    {
        Operation = operation;
        Errno = errno;
        ExtAckMessage = extAckMessage;
        FailedRequests = failedRequests;
        TotalRequests = totalRequests;
        HResult = errno;
    }

    /// <summary>In a batch: how many requests failed; this exception describes the first of them.</summary>
    public int FailedRequests { get; }

    /// <summary>In a batch: how many requests were sent.</summary>
    public int TotalRequests { get; }

    /// <summary>What was attempted, e.g. <c>ip link add br0 type bridge</c>.</summary>
    public string Operation { get; }

    /// <summary>The positive errno (EEXIST 17, ENODEV 19, EPERM 1, ...).</summary>
    public int Errno { get; }

    /// <summary>The kernel's explanation from the extended ACK, if any.</summary>
    public string? ExtAckMessage { get; }

    /// <summary>
    /// True when the same request can succeed later unchanged: EAGAIN, EBUSY, EINTR (an interrupted dump), ENOBUFS
    /// (socket buffer overrun), ENOMEM, ETIMEDOUT. False for mistakes that need a different request: EEXIST, ENODEV,
    /// EPERM, EINVAL, ERANGE, EOPNOTSUPP.
    /// </summary>
    public bool IsTransient => IsTransientErrno(Errno);

    public bool IsPermissionDenied => Errno is Libc.EPERM or Libc.EACCES;

    public static bool IsTransientErrno(int errno) =>
        errno is Libc.EAGAIN or Libc.EBUSY or Libc.EINTR or Libc.ENOBUFS or Libc.ENOMEM or Libc.ETIMEDOUT;

    internal static NetlinkException Malformed(string detail) => new("decode a netlink message", Libc.EPROTO, detail);

    private static string Format(string operation, int errno, string? extAck, int failed, int total)
    {
        var text = $"{operation}: {Libc.Describe(errno)}";
        if (!string.IsNullOrEmpty(extAck)) text += $": {extAck}";
        if (failed > 1) text += $" (first of {failed} failed requests out of {total})";
        return errno switch
        {
            Libc.EPERM or Libc.EACCES => text + " (needs CAP_NET_ADMIN in this network namespace)",
            _ => text,
        };
    }
}
