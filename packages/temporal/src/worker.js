/**
 * A worker process: `node src/worker.js --address HOST:PORT [--namespace default]
 * [--task-queue embgeo] [--workflow-bundle FILE] [--max-concurrent-activities 1]`. Runs embgeo's
 * activities (the native addon loads in this plain Node process) and the workflows. One worker
 * per machine uses all its cores through embgeo's own pool (EMBGEO_THREADS to limit); SIGTERM/
 * SIGINT shut it down gracefully.
 */
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

import { NativeConnection, Worker } from '@temporalio/worker'

import * as activities from './activities.js'

/** Options of {@link createWorker}. */
export const DEFAULT_TASK_QUEUE = 'embgeo'

/**
 * A worker for embgeo's workflows and activities.
 * @param {{ address: string, namespace?: string, taskQueue?: string, workflowBundle?: string,
 *   maxConcurrentActivityTaskExecutions?: number }} o  `workflowBundle`: a file from
 *   `bundleWorkflowCode` (skips bundling at start-up); `maxConcurrentActivityTaskExecutions`:
 *   default 1, as embgeo's pool runs one heavy job at a time
 */
export async function createWorker(o) {
  const connection = await NativeConnection.connect({ address: o.address })
  const worker = await Worker.create({
    connection,
    namespace: o.namespace ?? 'default',
    taskQueue: o.taskQueue ?? DEFAULT_TASK_QUEUE,
    ...(o.workflowBundle === undefined
      ? { workflowsPath: fileURLToPath(new URL('./workflows.js', import.meta.url)) }
      : { workflowBundle: { codePath: o.workflowBundle } }),
    activities,
    // one activity at a time: embgeo's pool runs one heavy job at a time per process, so a second
    // slot would only hoard a task that an idle worker could run
    maxConcurrentActivityTaskExecutions: o.maxConcurrentActivityTaskExecutions ?? 1,
    // deliver heartbeats (and so cancellations) promptly
    maxHeartbeatThrottleInterval: '200 milliseconds',
    defaultHeartbeatThrottleInterval: '200 milliseconds',
  })
  return { worker, connection }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      address: { type: 'string', default: '127.0.0.1:7233' },
      namespace: { type: 'string', default: 'default' },
      'task-queue': { type: 'string', default: DEFAULT_TASK_QUEUE },
      'workflow-bundle': { type: 'string' },
      'max-concurrent-activities': { type: 'string', default: '1' },
    },
  })
  const slots = Number(values['max-concurrent-activities'])
  if (!Number.isInteger(slots) || slots < 1) {
    process.stderr.write(`--max-concurrent-activities must be a positive integer; got '${values['max-concurrent-activities']}'\n`)
    process.exit(2)
  }
  const { worker, connection } = await createWorker({
    address: values.address,
    namespace: values.namespace,
    taskQueue: values['task-queue'],
    workflowBundle: values['workflow-bundle'],
    maxConcurrentActivityTaskExecutions: slots,
  })
  process.stdout.write('worker ready\n')
  await worker.run()
  await connection.close()
}
