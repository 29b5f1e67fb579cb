import { describe, expect, it } from 'vitest';

import { Parts } from '../../../src/sandbox/parts.ts';

/** Creates a start that completes when the test calls `finish` or `fail`. */
function pendingStart<T>(): { promise: Promise<T>; finish: (value: T) => void; fail: (error: Error) => void } {
  let finish: (value: T) => void = () => {};
  let fail: (error: Error) => void = () => {};
  const promise = new Promise<T>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return { promise, finish, fail };
}

describe('Parts', () => {
  it('stops parts in reverse order', async () => {
    const parts = new Parts();
    const stopped: string[] = [];
    const signal = new AbortController().signal;

    await parts.start('first', Promise.resolve('a'), async (part) => void stopped.push(part), signal);
    parts.onStop(async () => void stopped.push('object'));
    await parts.start('second', Promise.resolve('b'), async (part) => void stopped.push(part), signal);

    expect(await parts.stopAll(() => {}, 1_000)).toEqual([]);
    expect(stopped).toEqual(['b', 'object', 'a']);
  });

  it('rejects at once on abort', async () => {
    const parts = new Parts();
    const controller = new AbortController();
    const start = pendingStart<string>();

    const waiting = parts.start('control plane', start.promise, async () => {}, controller.signal);
    controller.abort();

    await expect(waiting).rejects.toThrow(/aborted/);
  });

  it('stops a part that starts after the abort', async () => {
    const parts = new Parts();
    const controller = new AbortController();
    const start = pendingStart<string>();
    const stopped: string[] = [];

    const waiting = parts.start('control plane', start.promise, async (part) => void stopped.push(part), controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow();

    const stopping = parts.stopAll(() => {}, 60_000);
    start.finish('late control plane');

    expect(await stopping).toEqual([]);
    expect(stopped).toEqual(['late control plane']);
  });

  it('reports a part still starting after the grace', async () => {
    const parts = new Parts();
    const controller = new AbortController();
    const start = pendingStart<string>();
    const stopped: string[] = [];

    const waiting = parts.start('the control plane', start.promise, async (part) => void stopped.push(part), controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow();

    expect(await parts.stopAll(() => {}, 10)).toEqual(['the control plane']);
    expect(stopped).toEqual([]);

    start.finish('very late');
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toEqual(['very late']);
  });

  it('ignores a start that fails after the abort', async () => {
    const parts = new Parts();
    const controller = new AbortController();
    const start = pendingStart<string>();
    const stopped: string[] = [];

    const waiting = parts.start('operator', start.promise, async (part) => void stopped.push(part), controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow();
    start.fail(new Error('kube-apiserver exited with code 1'));

    expect(await parts.stopAll(() => {}, 1_000)).toEqual([]);
    expect(stopped).toEqual([]);
  });

  it('rejects with the start error without an abort', async () => {
    const parts = new Parts();
    const start = pendingStart<string>();

    const waiting = parts.start('simulator', start.promise, async () => {}, new AbortController().signal);
    start.fail(new Error('--simulator-port 80: the port is in use'));

    await expect(waiting).rejects.toThrow('--simulator-port 80: the port is in use');
    expect(await parts.stopAll(() => {}, 1_000)).toEqual([]);
  });

  it('reports a failed stop and runs the others', async () => {
    const parts = new Parts();
    const errors: string[] = [];
    const stopped: string[] = [];

    parts.onStop(async () => void stopped.push('first'));
    parts.onStop(async () => {
      throw new Error('namespace delete failed');
    });

    await parts.stopAll((error) => errors.push((error as Error).message), 1_000);
    expect(errors).toEqual(['namespace delete failed']);
    expect(stopped).toEqual(['first']);
  });
});
