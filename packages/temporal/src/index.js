/**
 * @embgeo/temporal: embgeo's exact computations as Temporal workflows over shards.
 * Workers: `createWorker` (or `node src/worker.js`); workflows: `knnGraph`, `knnQuery`,
 * `pcaFit`, `whitenerFit`, `intrinsicDimension`, `analyze` (start them by name with a `@temporalio/client`
 * Client); partial states live in an `ObjectStore` (`file://` built in, `registerStore` for
 * others).
 */
export { createWorker, DEFAULT_TASK_QUEUE } from './worker.js'
export { FileStore, openStore, registerStore } from './store.js'
