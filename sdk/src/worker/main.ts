// The worker's entry. It waits for exactly one handshake message carrying comlink's MessagePort and
// then talks only over that port and, for rank() and prepare(), over its own postMessage (../lane).
// Any message before the handshake is ignored. Only the holder of the Worker object (kept inside the
// SDK's closure) can post to a dedicated worker at all, so its own channel is as private as a port.
import { expose } from 'comlink';
import { type Endpoint, serveLane } from '../lane';
import { HANDSHAKE } from '../protocol';
import { createWorkerApi } from './api';

const scope = self as unknown as DedicatedWorkerGlobalScope;

function connect(e: MessageEvent): void {
  const token = (e.data as Record<string, unknown> | null)?.[HANDSHAKE];
  const port = e.ports[0];
  if (typeof token !== 'string' || !port) return;
  scope.removeEventListener('message', connect);
  const api = createWorkerApi();
  expose(api, port);
  // A page of an earlier SDK version hands over a second port for the lane.
  const lanePort = e.ports[1];
  serveLane(lanePort ?? (scope as unknown as Endpoint), api);
  port.postMessage({ ready: token, lane: lanePort ? true : 'scope' });
}

scope.addEventListener('message', connect);
