/** A one-line description of the machine a benchmark ran on, printed under each result heading. */
import os from 'node:os';

/** CPUs, memory, Node.js version and the 1-minute load average when called. */
export function describeMachine(): string {
  const memoryGiB = os.totalmem() / 1024 ** 3;
  const load = (os.loadavg()[0] ?? 0).toFixed(2);
  return `Machine: ${os.availableParallelism()} CPUs (${os.cpus()[0]?.model ?? 'unknown model'}), ${memoryGiB.toFixed(0)} GiB memory, ` +
    `Node.js ${process.version}, ${os.platform()} ${os.release()}; 1-minute load average ${load} at the start.`;
}
