/**
 * Writer thread of the trace store: its own read-write connection to the store file, with the span writer and
 * retention (`StoreWriteCore`). Write transactions, retention batches and WAL checkpoints all run here, so the
 * app's event loop only ever hands rows over. Messages are handled in order, so answering `flush` at once
 * means every write sent before it is done.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority } from '../background-thread.js';
import type { CostLedgerEntry } from '../../cost/cost.types.js';
import { loadSqliteDriver } from '../sqlite-driver.js';
import type { SpanRow } from '../span-row.js';
import { configureConnection } from '../trace-store.schema.js';
import type { TraceStoreConfig } from '../trace-store.js';
import { StoreWriteCore, type StoreWriteTuning } from './store-write.core.js';

/** What the writer thread is started with. */
export interface StoreWriterWorkerData {
  path: string;
  config: TraceStoreConfig;
  tuning: StoreWriteTuning;
}

/** Messages to the writer thread. */
export type StoreWriterRequest =
  | { type: 'write'; rows: SpanRow[]; costs: CostLedgerEntry[] }
  | { type: 'flush'; id: number }
  | { type: 'prune'; id: number; now?: number }
  | { type: 'close'; id: number };

/** Messages from the writer thread: after each write, and the answer to each other request. */
export type StoreWriterReply =
  | { type: 'written'; counters: StoreWriteCore['counters']; lastFailure: StoreWriteCore['lastFailure'] }
  | { type: 'done'; id: number; value: number };

lowerThreadPriority();
const { path, config, tuning } = workerData as StoreWriterWorkerData;
const Driver = loadSqliteDriver();
const db = new Driver(path, { fileMustExist: true });
configureConnection(db, config);
const core = new StoreWriteCore(db, config, tuning);
const port = parentPort!;
const reply = (message: StoreWriterReply) => port.postMessage(message);

port.on('message', (message: StoreWriterRequest) => {
  switch (message.type) {
    case 'write':
      core.write(message.rows, message.costs);
      reply({ type: 'written', counters: core.counters, lastFailure: core.lastFailure });
      return;
    case 'flush':
      reply({ type: 'done', id: message.id, value: 0 });
      return;
    case 'prune':
      void core.prune(message.now).then((deleted) => reply({ type: 'done', id: message.id, value: deleted }));
      return;
    case 'close':
      core.close();
      db.close();
      reply({ type: 'done', id: message.id, value: 0 });
      port.close();
  }
});
