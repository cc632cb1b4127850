// The worker's entry. It waits for exactly one handshake message carrying a MessagePort and then
// talks only over that port (comlink): any other message posted to the worker, before or after, is
// ignored, so a foreign script or frame cannot drive it.
import { expose } from 'comlink';
import { HANDSHAKE } from '../protocol';
import { createWorkerApi } from './api';

const scope = self as unknown as DedicatedWorkerGlobalScope;

function connect(e: MessageEvent): void {
  const token = (e.data as Record<string, unknown> | null)?.[HANDSHAKE];
  const port = e.ports[0];
  if (typeof token !== 'string' || !port) return;
  scope.removeEventListener('message', connect);
  expose(createWorkerApi(), port);
  port.postMessage({ ready: token });
}

scope.addEventListener('message', connect);
