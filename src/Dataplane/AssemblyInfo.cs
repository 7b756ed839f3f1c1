// Kernel state (rtnetlink, TUN/TAP), the tunnel, ESP and forwarding tables (SPEC §3, §4). Linux only.
