#!/usr/bin/env bash
# Network namespaces for the WAN federation end-to-end test: two datacenters that use the SAME
# private subnet, joined only by a shared WAN segment, as two cloud VPCs would be.
#
#   <p>dc1   lan0 (veth): 10.0.0.10 server, 10.0.0.20 + 10.0.0.21 gateways' LAN side
#            wan0 (veth):  192.0.2.11 + 192.0.2.12, the gateways' public addresses
#   <p>dc2   the same private addresses; wan0: 192.0.2.21 + 192.0.2.22
#   <p>wan   bridge br0 joining both wan0 links; 192.0.2.1 is an outside host used for probes
#
# Each datacenter's firewall (nft table "inet cslt") works as a VPC's NAT gateway and security
# group: everything leaving through wan0 comes from the private subnet and is masqueraded, and
# from the WAN only new TCP connections to a gateway's public address on port 8443 get in.
# There is no route from the WAN into 10.0.0.0/24, and no forwarding inside a datacenter.
#
# "direct-wan on" models the older federation over a routable WAN (the migration scenario): the
# server gets a public address (192.0.2.10 in dc1, 192.0.2.20 in dc2) with 1:1 NAT for its RPC
# and WAN gossip ports. "direct-wan off" removes it and drops every packet of the flows that
# conntrack still remembers from it, so only the gateways connect the datacenters afterwards.
#
# Usage (as root):
#   netns.sh requirements          exit 0 when the test can run (installs nftables and curl
#                                  with apt-get when missing); else prints why and exits 3
#   netns.sh up <prefix>           create the namespaces (prefix like cslt-1234-)
#   netns.sh direct-wan <prefix> on|off
#   netns.sh down <prefix>         kill the processes left in the namespaces, delete them
#   netns.sh clean-stale           remove cslt-<pid>- namespaces whose <pid> is gone
#   netns.sh run <command...>      clean-stale, run the command with CSLT_NETNS_PREFIX=cslt-$$-,
#                                  and always tear that prefix down afterwards (trap)
set -euo pipefail

readonly PREFIX_PATTERN='^cslt-[0-9]+-'
readonly WAN_NET=192.0.2.0/24
readonly WAN_OBSERVER=192.0.2.1/24
readonly GATEWAY_PORT=8443
# Ports on which Consul servers talk to each other directly (RPC, LAN and WAN serf).
readonly SERVER_PORTS="8300, 8301, 8302"

die() {
  echo "netns.sh: $*" >&2
  exit 1
}

# dc_index <dc1|dc2> -> 1 or 2
dc_index() { echo "${1#dc}"; }
gateway_wan_ips() { echo "192.0.2.$(dc_index "$1")1, 192.0.2.$(dc_index "$1")2"; }
server_public_ip() { echo "192.0.2.$(dc_index "$1")0"; }

requirements() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "needs root to create network namespaces"
    exit 3
  fi
  command -v ip >/dev/null 2>&1 || {
    echo "the ip command (iproute2) is missing"
    exit 3
  }
  local probe="cslt-$$-probe"
  if ! ip netns add "$probe" 2>/dev/null; then
    echo "ip netns add failed: network namespaces are unavailable here"
    exit 3
  fi
  ip netns del "$probe"
  local missing=()
  command -v nft >/dev/null 2>&1 || missing+=(nftables)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  if [ "${#missing[@]}" -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends \
      "${missing[@]}"; } >/dev/null 2>&1; then
      echo "could not install ${missing[*]} with apt-get"
      exit 3
    fi
  fi
  # A namespace's own nftables may still be unusable (no nf_tables in the kernel).
  ip netns add "$probe"
  if ! ip netns exec "$probe" nft add table inet cslt_probe 2>/dev/null; then
    ip netns del "$probe"
    echo "nftables does not work inside a network namespace here"
    exit 3
  fi
  ip netns del "$probe"
}

# firewall <ns> <dc> <direct:on|off>: (re)writes the datacenter's whole nft table.
firewall() {
  local ns="$1" dc="$2" direct="$3"
  local gateways public
  gateways="$(gateway_wan_ips "$dc")"
  public="$(server_public_ip "$dc")"
  local port_forward="" server_snat="" stale_direct=""
  if [ "$direct" = on ]; then
    port_forward="iifname \"wan0\" ip daddr $public meta l4proto { tcp, udp } th dport { $SERVER_PORTS } dnat ip to 10.0.0.10"
    server_snat="oifname \"wan0\" ip saddr 10.0.0.10 meta l4proto { tcp, udp } th sport { $SERVER_PORTS } snat ip to $public"
  else
    # Conntrack keeps the NAT bindings of flows from the direct era alive after their rules are
    # gone: refuse every packet of a port-forwarded flow, and every reply to one the server
    # sent from its public address.
    stale_direct="iifname \"wan0\" ct status dnat counter name stale_direct drop"$'\n'
    stale_direct+="    iifname \"wan0\" ct reply ip daddr $public counter name stale_direct drop"
  fi
  ip netns exec "$ns" nft -f - <<EOF
table inet cslt
delete table inet cslt
table inet cslt {
  counter stale_direct {}
  counter wan_refused {}
  counter direct_server_dials {}
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    $port_forward
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    $server_snat
    oifname "wan0" ip saddr 10.0.0.0/24 masquerade
  }
  chain input {
    type filter hook input priority filter; policy accept;
    $stale_direct
    iifname "wan0" ct state established,related accept
    iifname "wan0" ip daddr { $gateways } tcp dport $GATEWAY_PORT accept
    iifname "wan0" ct status dnat accept
    iifname "wan0" meta l4proto tcp counter name wan_refused reject with tcp reset
    iifname "wan0" counter name wan_refused reject
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
  }
  chain output {
    type filter hook output priority filter; policy accept;
    oifname "wan0" meta l4proto { tcp, udp } th dport { $SERVER_PORTS } counter name direct_server_dials
  }
}
EOF
}

dc_up() { # dc_up <prefix> <dc>
  local p="$1" dc="$2"
  local ns="${p}${dc}" i
  i="$(dc_index "$dc")"
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=0
  # The LAN is a veth pair inside the namespace (the dummy driver is not always available).
  ip -n "$ns" link add lan0 type veth peer name lan1
  for host in 10 20 21; do ip -n "$ns" addr add "10.0.0.$host/24" dev lan0; done
  ip -n "$ns" link set lan1 up
  ip -n "$ns" link set lan0 up
  ip link add name wan0 netns "$ns" type veth peer name "$dc" netns "${p}wan"
  ip -n "$ns" addr add "192.0.2.${i}1/24" dev wan0
  ip -n "$ns" addr add "192.0.2.${i}2/24" dev wan0
  ip -n "$ns" link set wan0 up
  ip -n "${p}wan" link set "$dc" master br0 up
  # Whatever a process sends to the WAN without choosing a source leaves from the private
  # subnet, so it is NATed like traffic from a VM in a VPC.
  ip -n "$ns" route replace "$WAN_NET" dev wan0 src 10.0.0.10
  firewall "$ns" "$dc" off
}

up() {
  local p="$1"
  [[ "$p" =~ $PREFIX_PATTERN ]] || die "prefix '$p' must look like cslt-<pid>-"
  ip netns add "${p}wan"
  ip -n "${p}wan" link set lo up
  ip -n "${p}wan" link add br0 type bridge
  ip -n "${p}wan" addr add "$WAN_OBSERVER" dev br0
  ip -n "${p}wan" link set br0 up
  dc_up "$p" dc1
  dc_up "$p" dc2
}

direct_wan() {
  local p="$1" mode="$2"
  [ "$mode" = on ] || [ "$mode" = off ] || die "direct-wan takes on or off, not '$mode'"
  for dc in dc1 dc2; do
    local ns="${p}${dc}" public
    public="$(server_public_ip "$dc")"
    if [ "$mode" = on ]; then
      ip -n "$ns" addr replace "$public/24" dev wan0
    else
      ip -n "$ns" addr del "$public/24" dev wan0 2>/dev/null || true
    fi
    firewall "$ns" "$dc" "$mode"
  done
}

down() {
  local p="$1"
  [[ "$p" =~ $PREFIX_PATTERN ]] || die "prefix '$p' must look like cslt-<pid>-"
  local names
  names="$(ip netns list | awk '{print $1}' | grep -E "^${p}" || true)"
  for ns in $names; do
    # Only processes inside our own namespaces: everything there was started by the test.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
  done
  for ns in $names; do ip netns del "$ns" 2>/dev/null || true; done
}

clean_stale() {
  local prefixes
  prefixes="$(ip netns list | awk '{print $1}' | grep -oE "$PREFIX_PATTERN" | sort -u || true)"
  for p in $prefixes; do
    local pid="${p#cslt-}"
    pid="${pid%-}"
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "netns.sh: removing stale namespaces ${p}* (process $pid is gone)" >&2
      down "$p"
    fi
  done
}

# The command (the test) builds the lab itself under the prefix; this guarantees the teardown
# even when the command is killed.
RUN_PREFIX=""
run() {
  RUN_PREFIX="cslt-$$-"
  clean_stale
  trap 'down "$RUN_PREFIX"' EXIT
  trap 'exit 130' INT TERM
  CSLT_NETNS_PREFIX="$RUN_PREFIX" "$@"
}

main() {
  local command="${1:-}"
  shift || true
  case "$command" in
  requirements) requirements ;;
  up) up "${1:?prefix}" ;;
  direct-wan) direct_wan "${1:?prefix}" "${2:?on or off}" ;;
  down) down "${1:?prefix}" ;;
  clean-stale) clean_stale ;;
  run) run "$@" ;;
  *) die "unknown command '$command' (requirements, up, direct-wan, down, clean-stale, run)" ;;
  esac
}

main "$@"
