/**
 * A worker thread of the built-in embedder's pool (lsa-pool.ts). It gets the model once, when it starts
 * (`workerData`: the projection matrix on a SharedArrayBuffer, so every worker reads the main thread's one
 * copy, and the vocabulary), then embeds the papers of each message with embedLsa, the very function the
 * main thread would run, and answers with their vectors (their buffers transferred, not copied).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { embedLsa, type LsaDocument, type LsaModel } from './lsa.ts';

/** What the pool sends a worker when it starts it. */
export interface LsaWorkerData {
  id: string;
  dims: number;
  options: LsaModel['options'];
  vocabulary: Map<string, number>;
  projection: Float32Array;
}

export type LsaWorkerRequest = { id: number; docs: LsaDocument[] };
export type LsaWorkerReply = { id: number; vectors: Float32Array[] } | { id: number; error: string };

if (parentPort) {
  const port = parentPort;
  const data = workerData as LsaWorkerData;
  const model: LsaModel = { ...data, trainedAt: '', trainingDocs: 0 };
  port.on('message', (m: LsaWorkerRequest) => {
    let reply: LsaWorkerReply;
    try {
      const vectors = m.docs.map((d) => embedLsa(model, d));
      port.postMessage({ id: m.id, vectors } satisfies LsaWorkerReply, vectors.map((v) => v.buffer as ArrayBuffer));
      return;
    } catch (e) {
      reply = { id: m.id, error: e instanceof Error ? e.message : String(e) };
    }
    port.postMessage(reply);
  });
}
