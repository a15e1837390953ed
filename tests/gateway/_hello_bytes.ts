/**
 * Test helpers: capture real ClientHellos from the runtime's own TLS stack, and build or
 * re-frame hellos byte by byte for malformed cases.
 */
import net from "node:net";
import tls from "node:tls";

const CAPTURE_TIMEOUT_MS = 5000;

/** Options passed to `tls.connect` for one captured hello. */
export interface CaptureOptions {
  servername?: string;
  ALPNProtocols?: string[];
  maxVersion?: tls.SecureVersion;
}

/** Starts a plain TCP server, points a real TLS client at it and returns its first record. */
export async function captureClientHello(options: CaptureOptions): Promise<Uint8Array> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  let client: tls.TLSSocket | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const captured = new Promise<Uint8Array>((resolve) => {
      server.once("connection", (socket) => {
        let bytes: Uint8Array = new Uint8Array(0);
        socket.on("error", () => {});
        socket.on("data", (chunk: Uint8Array) => {
          bytes = concatBytes(bytes, chunk);
          if (bytes.length >= 5 && bytes.length >= 5 + ((bytes[3] << 8) | bytes[4])) {
            resolve(bytes);
            socket.destroy();
          }
        });
      });
    });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no ClientHello captured within ${CAPTURE_TIMEOUT_MS} ms`)),
        CAPTURE_TIMEOUT_MS,
      );
    });
    client = tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false, ...options });
    client.on("error", () => {});
    return await Promise.race([captured, timeout]);
  } finally {
    clearTimeout(timer);
    client?.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The handshake message(s) carried by a sequence of complete handshake records. */
export function unframe(records: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let offset = 0;
  while (offset < records.length) {
    const length = (records[offset + 3] << 8) | records[offset + 4];
    parts.push(records.subarray(offset + 5, offset + 5 + length));
    offset += 5 + length;
  }
  return concatBytes(...parts);
}

/** Frames `handshake` into handshake records whose payloads have the given sizes (last takes the rest). */
export function frame(handshake: Uint8Array, sizes: number[] = [], version = 0x0301): Uint8Array {
  const records: Uint8Array[] = [];
  let offset = 0;
  for (const size of [...sizes, handshake.length]) {
    const payload = handshake.subarray(offset, Math.min(offset + size, handshake.length));
    if (payload.length === 0) break;
    records.push(
      Uint8Array.of(0x16, version >> 8, version & 0xff, payload.length >> 8, payload.length & 0xff),
      payload,
    );
    offset += payload.length;
  }
  return concatBytes(...records);
}

function u16(value: number): Uint8Array {
  return Uint8Array.of(value >> 8, value & 0xff);
}

function vector8(body: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(body.length), body);
}

function vector16(body: Uint8Array): Uint8Array {
  return concatBytes(u16(body.length), body);
}

/** One extension as (type, data). */
export interface Extension {
  type: number;
  data: Uint8Array;
}

/** Fields of a synthetic ClientHello; `extensions: null` leaves the block out entirely. */
export interface HelloFields {
  legacyVersion?: number;
  sessionIdBytes?: number;
  cipherSuites?: Uint8Array;
  compression?: Uint8Array;
  extensions?: Extension[] | null;
  trailing?: Uint8Array;
}

/** Builds a ClientHello handshake message (type + 24-bit length + body). */
export function buildHello(fields: HelloFields = {}): Uint8Array {
  const parts = [
    u16(fields.legacyVersion ?? 0x0303),
    new Uint8Array(32).fill(7),
    vector8(new Uint8Array(fields.sessionIdBytes ?? 32).fill(9)),
    vector16(fields.cipherSuites ?? Uint8Array.of(0x13, 0x01, 0x13, 0x02)),
    vector8(fields.compression ?? Uint8Array.of(0)),
  ];
  const extensions = fields.extensions === undefined
    ? [sniExtension("s1.server.dc1.consul")]
    : fields.extensions;
  if (extensions !== null) {
    parts.push(
      vector16(concatBytes(...extensions.map((e) => concatBytes(u16(e.type), vector16(e.data))))),
    );
  }
  if (fields.trailing) parts.push(fields.trailing);
  const body = concatBytes(...parts);
  return concatBytes(
    Uint8Array.of(1, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff),
    body,
  );
}

/** A server_name extension holding the given (type, name) entries. */
export function sniExtension(...names: (string | [number, Uint8Array])[]): Extension {
  const entries = names.map((name) =>
    typeof name === "string"
      ? concatBytes(Uint8Array.of(0), vector16(new TextEncoder().encode(name)))
      : concatBytes(Uint8Array.of(name[0]), vector16(name[1]))
  );
  return { type: 0, data: vector16(concatBytes(...entries)) };
}

/** An ALPN extension with the given protocol names as raw bytes. */
export function alpnExtension(...protocols: Uint8Array[]): Extension {
  return { type: 16, data: vector16(concatBytes(...protocols.map(vector8))) };
}

/** A ClientHello supported_versions extension. */
export function versionsExtension(...versions: number[]): Extension {
  return { type: 43, data: vector8(concatBytes(...versions.map(u16))) };
}

/** Text as bytes. */
export function ascii(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
