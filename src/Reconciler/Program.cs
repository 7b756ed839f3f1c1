using VnetReconciler.Reconciler.Cli;

return await VnetctlApp.RunAsync(args);
