# vnetctl agent image. The agent manages the host's network: run it with --network host, --cap-add NET_ADMIN,
# /dev/net/tun, and the state and key directories mounted:
#   docker run -d --network host --cap-add NET_ADMIN --device /dev/net/tun \
#     -v /var/lib/vnet-reconciler:/var/lib/vnet-reconciler -v /etc/vnet-reconciler:/etc/vnet-reconciler:ro \
#     vnet-reconciler agent --repo https://git.example/fleet.git
# (No Docker engine runs on the development machines, so this file is not built in CI.)
FROM mcr.microsoft.com/dotnet/sdk:10.0-bookworm-slim AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props VnetReconciler.sln ./
COPY src/ src/
RUN dotnet publish src/Reconciler/Reconciler.csproj -c Release -o /out --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0-bookworm-slim
# git is the agent's only external program (SPEC §3.1); openssh-client and gnupg for signed commits and ssh remotes.
RUN apt-get update && apt-get install -y --no-install-recommends git openssh-client gnupg ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out /opt/vnet-reconciler
VOLUME ["/var/lib/vnet-reconciler"]
ENTRYPOINT ["dotnet", "/opt/vnet-reconciler/vnetctl.dll"]
CMD ["agent"]
