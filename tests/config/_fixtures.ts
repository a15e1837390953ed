/**
 * Consul-style configuration files used by the config tests (and by the parser comparison
 * recorded in docs/configuration.md).
 *
 * @module
 */

/** A full server configuration in the style of Consul's deployment guides. */
export const SERVER_HCL = `# Consul server, datacenter dc1
datacenter = "dc1"
primary_datacenter = "dc1"
node_name = "consul-server-1"
data_dir = "/opt/consul"
log_level = "INFO"
server = true
bootstrap_expect = 3
bind_addr = "10.0.0.10"
advertise_addr = "10.0.0.10"
client_addr = "0.0.0.0"
encrypt = "pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s="
retry_join = ["10.0.0.11", "10.0.0.12", "provider=aws tag_key=consul tag_value=server"]

ports {
  http  = 8500
  https = 8501
  grpc  = 8502
  dns   = 8600
}

/* TLS for RPC between agents */
tls {
  defaults {
    ca_file   = "/etc/consul.d/consul-agent-ca.pem"
    cert_file = "/etc/consul.d/dc1-server-consul-0.pem"
    key_file  = "/etc/consul.d/dc1-server-consul-0-key.pem"
    verify_incoming = true
    verify_outgoing = true
  }
  internal_rpc {
    verify_server_hostname = true
  }
}

acl {
  enabled = true
  default_policy = "deny"
  down_policy = "extend-cache"
  tokens {
    initial_management = "b1gs33cr3t"
    agent = "a9e2d3c4-agent"
  }
}

connect {
  enabled = true
}

enable_script_checks = false
session_ttl_min = "15s"
`;

/** The primary-datacenter snippet from Consul's WAN-federation-via-mesh-gateways guide. */
export const WANFED_PRIMARY_HCL = `connect {
  enabled = true
  enable_mesh_gateway_wan_federation = true
}
`;

/** The secondary-datacenter snippet from the same guide, with real addresses. */
export const WANFED_SECONDARY_HCL = `primary_gateways = [ "192.0.2.10:8443", "192.0.2.11:8443", ]
connect {
  enabled = true
  enable_mesh_gateway_wan_federation = true
}
`;

/** A secondary server in JSON, as `consul agent -config-file=server.json` reads it. */
export const SECONDARY_JSON = `{
  "datacenter": "dc2",
  "primary_datacenter": "dc1",
  "node_name": "dc2-server-1",
  "server": true,
  "bootstrap_expect": 1,
  "data_dir": "/var/lib/consul",
  "primary_gateways": ["198.51.100.7:443"],
  "primary_gateways_interval": "1m30s",
  "connect": {
    "enabled": true,
    "enable_mesh_gateway_wan_federation": true
  },
  "ports": { "grpc": 8502 },
  "tls": {
    "defaults": {
      "ca_file": "/etc/consul.d/ca.pem",
      "cert_file": "/etc/consul.d/dc2-server.pem",
      "key_file": "/etc/consul.d/dc2-server-key.pem",
      "verify_incoming": true,
      "verify_outgoing": true
    },
    "internal_rpc": { "verify_server_hostname": true }
  }
}
`;

/** HCL syntax corners Consul's parser accepts: heredocs, escapes, labelled blocks, comments. */
export const SYNTAX_CORNERS_HCL = `// slash comment
log_level = "debug" # trailing comment
node_name = "web\\u002d1"
encrypt = <<EOF
pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=
EOF
retry_join = [
  "a.example", # first
  "b.example",
]
ports = { http = 0x2134, dns = -1 }
/* multi-line
   comment */
services {
  name = "web"
  port = 80
}
`;
