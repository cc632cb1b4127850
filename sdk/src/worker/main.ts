// The worker's entry. It waits for exactly one handshake message carrying its MessagePorts and then
// talks only over them (comlink, and the lane of rank() and prepare(), ../lane): any other message
// posted to the worker, before or after, is ignored, so a foreign script or frame cannot drive it.
import { expose } from 'comlink';
import { serveLane } from '../lane';
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
  const lane = e.ports[1];
  if (lane) serveLane(lane, api);
  port.postMessage({ ready: token, lane: lane !== undefined });
}

scope.addEventListener('message', connect);
