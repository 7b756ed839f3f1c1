namespace VnetReconciler.Reconciler.Tests;

/// <summary>Tests that build network namespaces and use the real kernel run one at a time.</summary>
[CollectionDefinition("Privileged", DisableParallelization = true)]
public sealed class PrivilegedCollection;
