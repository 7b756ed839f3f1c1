using VnetReconciler.Reconciler.Cli;

// vnetctl drives rtnetlink, TUN/TAP and Linux network namespaces: Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

return await VnetctlApp.RunAsync(args);
