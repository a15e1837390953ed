import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  decodeGossipKey,
  GossipKeyError,
  Keyring,
  KeyringError,
} from "../../src/gossip/keyring.ts";
import {
  decryptPayload,
  ENCRYPTION_OVERHEAD_BYTES,
  encryptPayload,
  GossipDecryptError,
} from "../../src/gossip/encryption.ts";
import {
  isInDatacenter,
  serverInfo,
  serverTags,
  ServerTagsError,
  splitWanName,
  WanNameError,
} from "../../src/gossip/server_tags.ts";
import { JoinAddressError, parseJoinAddress } from "../../src/gossip/_join_tracker.ts";
import { decodeIntent, encodeIntent } from "../../src/gossip/_pool_intents.ts";
import { formatJoinErrors } from "../../src/gossip/_wan_join.ts";
import { createSeededRandom } from "../../src/runtime/random.ts";

const KEY_32 = "pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=";
const KEY_16 = "7tPgoGuXHgFT5r6YflH0yg==";
const KEY_24 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYX";

describe("gossip encryption keys", () => {
  test("accepts 16, 24 and 32 byte base64 keys", () => {
    assert.equal(decodeGossipKey(KEY_16).byteLength, 16);
    assert.equal(decodeGossipKey(KEY_24).byteLength, 24);
    assert.equal(decodeGossipKey(KEY_32).byteLength, 32);
  });

  test("rejects bad base64 and bad sizes with Consul's wording", () => {
    assert.throws(
      () => decodeGossipKey("not*base64=="),
      (e: unknown) =>
        e instanceof GossipKeyError &&
        e.message === "Failed to decode encryption key: illegal base64 data at input byte 3",
    );
    assert.throws(() => decodeGossipKey("abc"), /^GossipKeyError: Failed to decode encryption key/);
    assert.throws(
      () => decodeGossipKey("AAECAwQFBgcICQ=="),
      (e: unknown) => e instanceof GossipKeyError && e.message.startsWith("Invalid key size"),
    );
  });

  test("keyring install, use and remove follow memberlist's rules", () => {
    const ring = Keyring.fromKeys([KEY_32, KEY_32]);
    let changes = 0;
    ring.onChange(() => changes++);
    assert.deepEqual(ring.list(), { primaryKey: KEY_32, keys: [KEY_32] });
    ring.install(KEY_16);
    ring.install(KEY_16);
    assert.deepEqual(ring.list().keys, [KEY_32, KEY_16]);
    assert.throws(
      () => ring.use(KEY_24),
      (e: unknown) =>
        e instanceof KeyringError && e.message === "Requested key is not in the keyring",
    );
    ring.use(KEY_16);
    assert.equal(ring.primaryKey, KEY_16);
    assert.throws(() => ring.remove(KEY_16), /Removing the primary key is not allowed/);
    ring.remove(KEY_32);
    assert.deepEqual(ring.list().keys, [KEY_16]);
    assert.equal(changes, 3);
    assert.deepEqual(Keyring.fromFileText(ring.toFileText()).list().keys, [KEY_16]);
    assert.throws(() => Keyring.fromFileText("{}", "serf/local.keyring"), /serf\/local.keyring/);
  });
});

describe("gossip payload encryption", () => {
  test("round-trips with any keyring key and adds the fixed overhead", async () => {
    const random = createSeededRandom(3);
    const [k32, k16] = [decodeGossipKey(KEY_32), decodeGossipKey(KEY_16)];
    const plain = new TextEncoder().encode("alive s1.dc1");
    const sealed = await encryptPayload(k16, plain, random);
    assert.equal(sealed[0], 1);
    assert.equal(sealed.byteLength, plain.byteLength + ENCRYPTION_OVERHEAD_BYTES);
    assert.deepEqual(await decryptPayload([k32, k16], sealed), plain);
    await assert.rejects(
      decryptPayload([k32], sealed),
      (e: unknown) =>
        e instanceof GossipDecryptError &&
        e.message === "No installed keys could decrypt the message",
    );
    sealed[sealed.byteLength - 1] ^= 1;
    await assert.rejects(decryptPayload([k16], sealed), GossipDecryptError);
    await assert.rejects(decryptPayload([k16], new Uint8Array(10)), /too small/);
  });

  test("reads memberlist's older padded format (version 0)", async () => {
    const key = decodeGossipKey(KEY_32);
    const nonce = new Uint8Array(12).fill(7);
    const plain = new TextEncoder().encode("ping");
    const padded = new Uint8Array(16);
    padded.set(plain);
    padded.fill(12, plain.byteLength);
    const cryptoKey = await crypto.subtle.importKey("raw", key as BufferSource, "AES-GCM", false, [
      "encrypt",
    ]);
    const sealed = new Uint8Array(
      await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce }, cryptoKey, padded),
    );
    const message = new Uint8Array(1 + 12 + sealed.byteLength);
    message.set(nonce, 1);
    message.set(sealed, 13);
    assert.deepEqual(await decryptPayload([key], message), plain);
  });
});

describe("Consul server tags", () => {
  test("round-trip into ServerInfo for the DC router", () => {
    const tags = serverTags({
      datacenter: "dc2",
      nodeId: "6d2e1a7c-0000-4000-8000-000000000001",
      build: "1.21.0",
      rpcPort: 8300,
      bootstrapExpect: 3,
      useTls: true,
    });
    assert.equal(tags.role, "consul");
    assert.equal(tags.vsn_max, "3");
    const info = serverInfo({
      name: "web-1.dc2",
      addr: { hostname: "10.0.0.5", port: 8302 },
      tags,
      status: 1,
    });
    assert.ok(info !== null);
    assert.deepEqual(
      [info.node, info.dc, info.rpcAddr, info.expect, info.useTls, info.raftVersion],
      ["web-1", "dc2", { hostname: "10.0.0.5", port: 8300 }, 3, true, 3],
    );
    assert.deepEqual(info.features, ["fs", "si"]);
  });

  test("clients are not servers and broken server tags are refused", () => {
    const member = {
      name: "c.dc1",
      addr: { hostname: "10.0.0.1", port: 8302 },
      status: 1 as const,
    };
    assert.equal(serverInfo({ ...member, tags: { role: "node", dc: "dc1" } }), null);
    assert.throws(
      () => serverInfo({ ...member, tags: { role: "consul", dc: "dc1", port: "http" } }),
      (e: unknown) => e instanceof ServerTagsError && /tag port="http"/.test(e.message),
    );
    assert.throws(() => serverInfo({ ...member, tags: { role: "consul", port: "8300" } }), /dc/);
  });

  test("splitWanName follows Consul's rules exactly", () => {
    assert.deepEqual(splitWanName("foo.bar"), { node: "foo", dc: "bar" });
    assert.deepEqual(splitWanName(".bar"), { node: "", dc: "bar" });
    for (const bad of ["", "foo", "foo.bar.baz"]) {
      assert.throws(() => splitWanName(bad), (e: unknown) =>
        e instanceof WanNameError &&
        e.message === `node name does not encode a datacenter: ${bad}`);
    }
  });

  test("isInDatacenter reads the datacenter from the member name; no datacenter counts as local", () => {
    assert.equal(isInDatacenter("s1.dc1", "dc1"), true);
    assert.equal(isInDatacenter("s1.dc2", "dc1"), false);
    assert.equal(isInDatacenter("s1", "dc1"), true);
    assert.equal(isInDatacenter("a.b.c", "dc1"), true);
  });
});

describe("WAN join addresses and intents", () => {
  test("join addresses take an optional name and port", () => {
    assert.deepEqual(parseJoinAddress("10.0.0.1", 8302), { hostname: "10.0.0.1", port: 8302 });
    assert.deepEqual(parseJoinAddress("s1.dc1/10.0.0.1:9302", 8302), {
      hostname: "10.0.0.1",
      port: 9302,
      name: "s1.dc1",
    });
    assert.deepEqual(parseJoinAddress("[::1]:8302", 1), { hostname: "::1", port: 8302 });
    assert.deepEqual(parseJoinAddress("::1", 8302), { hostname: "::1", port: 8302 });
    assert.throws(() => parseJoinAddress("h:0", 8302), JoinAddressError);
    assert.throws(() => parseJoinAddress(":8302", 8302), /missing host/);
  });

  test("join failures read like Consul's multi-error", () => {
    assert.equal(
      formatJoinErrors(["Failed to join a: x"]),
      "1 error occurred:\n\t* Failed to join a: x\n\n",
    );
  });

  test("force-leave intents round-trip and garbage decodes to null", () => {
    const intent = { type: "force-leave" as const, node: "s3.dc3", incarnation: 4, prune: true };
    assert.deepEqual(decodeIntent(encodeIntent(intent)), intent);
    assert.equal(decodeIntent(Uint8Array.of(0xc1, 0xff)), null);
    assert.equal(decodeIntent(Uint8Array.of(0x92, 0x01)), null);
  });
});
