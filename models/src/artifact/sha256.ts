/** Hex SHA-256 through WebCrypto, which Node 20, browsers and workers all have. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // WebCrypto takes an ArrayBuffer-backed view; copy the rare SharedArrayBuffer-backed one.
  const view =
    bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', view));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}
