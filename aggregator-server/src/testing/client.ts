// What a browser client does, in a few lines, for tests and the benchmark.

import { encodeUpdate, type TensorLayout } from '@hearth/models';

/** A parsed JSON response; tests check it field by field. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies in tests are read field by field
export type Json = any;

export async function checkIn(url: string, clientId: string): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${url}/v1/rounds/checkin`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientId }),
  });
  return { status: res.status, json: await res.json() };
}

/** Checks in and returns the round token; throws unless the client was sampled. */
export async function sampledToken(
  url: string,
  clientId: string,
): Promise<{ roundId: number; token: string; modelVersion: number }> {
  const { status, json } = await checkIn(url, clientId);
  if (status !== 200 || json.status !== 'sampled')
    throw new Error(`${clientId} not sampled: ${status} ${JSON.stringify(json)}`);
  return { roundId: json.roundId, token: json.token, modelVersion: json.modelVersion };
}

export async function upload(
  url: string,
  roundId: number,
  clientId: string,
  token: string,
  body: Uint8Array,
): Promise<{ status: number; json: Json; headers: Headers }> {
  const res = await fetch(`${url}/v1/rounds/${roundId}/updates`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'hearth-client-id': clientId,
      'content-type': 'application/octet-stream',
    },
    body: new Uint8Array(body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, headers: res.headers };
}

export function updateBytes(
  roundId: number,
  modelVersion: number,
  layout: TensorLayout,
  values: ArrayLike<number>,
  numExamples = 10,
): Uint8Array {
  return encodeUpdate({ roundId, modelVersion, numExamples, layout, values: Float32Array.from(values) });
}
