/**
 * CRC-32C (Castagnoli), the checksum the log and snapshot formats use to detect torn writes
 * and bit rot. Slicing-by-8 tables keep it fast enough not to dominate an fsync-bound append.
 *
 * @module
 */

/** The reflected Castagnoli polynomial. */
const CASTAGNOLI_REFLECTED = 0x82f63b78;
const SLICE_COUNT = 8;

const TABLES: Uint32Array[] = buildTables();

function buildTables(): Uint32Array[] {
  const tables = Array.from({ length: SLICE_COUNT }, () => new Uint32Array(256));
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 1 ? (crc >>> 1) ^ CASTAGNOLI_REFLECTED : crc >>> 1;
    }
    tables[0][byte] = crc >>> 0;
  }
  for (let byte = 0; byte < 256; byte++) {
    for (let slice = 1; slice < SLICE_COUNT; slice++) {
      const previous = tables[slice - 1][byte];
      tables[slice][byte] = ((previous >>> 8) ^ tables[0][previous & 0xff]) >>> 0;
    }
  }
  return tables;
}

/**
 * Extends a running CRC-32C with `bytes`. Start from `0`; the result feeds the next call.
 *
 * @example
 * ```ts
 * const whole = crc32c(new TextEncoder().encode("123456789")); // 0xe3069283
 * ```
 */
export function crc32c(bytes: Uint8Array, previous = 0): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES;
  let crc = ~previous >>> 0;
  let i = 0;
  const end8 = bytes.length - (bytes.length % 8);
  while (i < end8) {
    const lo =
      (crc ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24))) >>>
      0;
    crc = t7[lo & 0xff] ^ t6[(lo >>> 8) & 0xff] ^ t5[(lo >>> 16) & 0xff] ^ t4[lo >>> 24] ^
      t3[bytes[i + 4]] ^ t2[bytes[i + 5]] ^ t1[bytes[i + 6]] ^ t0[bytes[i + 7]];
    i += 8;
  }
  while (i < bytes.length) {
    crc = t0[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
    i++;
  }
  return ~crc >>> 0;
}
