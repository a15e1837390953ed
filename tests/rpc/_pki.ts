// Certificates for the RPC port tests, issued once per test file with the real TLS tooling.
import type { Runtime } from "../../src/runtime/ports.ts";
import { createCa, createLeafCert } from "../../src/tls/mod.ts";
import type { RpcTlsMaterial } from "../../src/rpc/rpc_tls.ts";

/** Material for servers in two datacenters and for peers that must be refused. */
export interface TestPki {
  /** Server n1 in dc1. */
  readonly n1dc1: RpcTlsMaterial;
  /** Server n2 in dc2. */
  readonly n2dc2: RpcTlsMaterial;
  /** Server n3 in dc1 (a second dc1 server). */
  readonly n3dc1: RpcTlsMaterial;
  /** A server cert for n1 in dc1, but from a CA nobody trusts; its caPem is that CA. */
  readonly stranger: RpcTlsMaterial;
}

/** Issues a CA, server certs for n1/n3 in dc1 and n2 in dc2, and a stranger's cert. */
export async function issueTestPki(runtime: Runtime): Promise<TestPki> {
  const { clock, random } = runtime;
  const ca = await createCa({ domain: "consul", clock, random });
  const server = async (dc: string, node: string, caPem = ca.certPem, caKey = ca.keyPem) => {
    const leaf = await createLeafCert({
      kind: "server",
      dc,
      node,
      domain: "consul",
      caCertPem: caPem,
      caKeyPem: caKey,
      clock,
      random,
    });
    return { caPem, certPem: leaf.certPem, keyPem: leaf.keyPem };
  };
  const otherCa = await createCa({ domain: "consul", clock, random });
  return {
    n1dc1: await server("dc1", "n1"),
    n2dc2: await server("dc2", "n2"),
    n3dc1: await server("dc1", "n3"),
    stranger: await server("dc1", "n1", otherCa.certPem, otherCa.keyPem),
  };
}
