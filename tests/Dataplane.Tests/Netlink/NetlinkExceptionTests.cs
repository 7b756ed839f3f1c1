using VnetReconciler.Dataplane.Netlink;

namespace VnetReconciler.Dataplane.Tests.Netlink;

/// <summary>Errno classification and the text a person reads.</summary>
public sealed class NetlinkExceptionTests
{
    [Theory]
    [InlineData(11, true)]   // EAGAIN
    [InlineData(16, true)]   // EBUSY
    [InlineData(4, true)]    // EINTR: an interrupted dump
    [InlineData(105, true)]  // ENOBUFS: receive buffer overrun
    [InlineData(12, true)]   // ENOMEM
    [InlineData(17, false)]  // EEXIST
    [InlineData(19, false)]  // ENODEV
    [InlineData(1, false)]   // EPERM
    [InlineData(22, false)]  // EINVAL
    [InlineData(95, false)]  // EOPNOTSUPP
    public void TransientOnlyWhenARetryCanHelp(int errno, bool transient) =>
        Assert.Equal(transient, new NetlinkException("ip link add x type bridge", errno).IsTransient);

    [Fact]
    public void MessageNamesOperationErrnoAndKernelText()
    {
        var e = new NetlinkException("ip link set dev br0 mtu 10", 22, "mtu less than device minimum");
        Assert.Equal("ip link set dev br0 mtu 10: Invalid argument (EINVAL): mtu less than device minimum", e.Message);
        Assert.Equal(22, e.Errno);
        Assert.Equal("mtu less than device minimum", e.ExtAckMessage);
    }

    [Fact]
    public void PermissionErrorsNameTheCapability()
    {
        var e = new NetlinkException("ip link add x type bridge", 1);
        Assert.True(e.IsPermissionDenied);
        Assert.Contains("Operation not permitted (EPERM)", e.Message);
        Assert.Contains("needs CAP_NET_ADMIN", e.Message);
    }

    [Fact]
    public void BatchFailuresSayHowManyFailed()
    {
        var e = new NetlinkException("ip link del a", 19, null, failedRequests: 3, totalRequests: 10);
        Assert.Equal((3, 10), (e.FailedRequests, e.TotalRequests));
        Assert.EndsWith("(first of 3 failed requests out of 10)", e.Message);
    }
}
